package dev.driftless.secrets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.driftless.secrets.age.AgeIdentity;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.Test;

/** Every failure the issue lists: each a distinct reason and a message naming the file, never a value. */
class SopsFailuresTest {

    private static final SecureRandom RANDOM = new SecureRandom();
    private static final String PASSWORD = "hunter2-Zq9";
    private static final String TOKEN = "tok-8f3e1c";
    private static final String PLAIN = """
        # the database
        db:
            user: shop
            password: %s
        api:
            token: %s
        """.formatted(PASSWORD, TOKEN);

    private final AgeIdentity alice = AgeIdentity.generate(RANDOM);
    private final AgeIdentity bob = AgeIdentity.generate(RANDOM);

    private String encryptedFor(AgeIdentity... ids) {
        SopsEncryptor.Builder b = Sops.encryptor();
        for (AgeIdentity id : ids) {
            b.ageRecipient(id.recipient().toString());
        }
        return new String(b.build().encrypt("shop.yaml", PLAIN.getBytes(StandardCharsets.UTF_8)), StandardCharsets.UTF_8);
    }

    private static KeyRing ring(AgeIdentity id) {
        return KeyRing.builder().ageIdentity(id.encode()).build();
    }

    private static void assertFails(ThrowingCallable call, SopsException.Reason reason, String message) {
        assertThatThrownBy(call)
            .isInstanceOfSatisfying(SopsException.class, e -> {
                assertThat(e.reason()).isEqualTo(reason);
                assertThat(e.fileName()).isEqualTo("shop.yaml");
            })
            .hasMessageStartingWith("shop.yaml: ")
            .hasMessageContaining(message)
            .hasMessageNotContaining(PASSWORD)
            .hasMessageNotContaining(TOKEN)
            .hasMessageNotContaining("AGE-SECRET-KEY");
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void noMatchingKeyListsTheFilesRecipientsAndTheKeysTried() {
        String file = encryptedFor(alice);
        assertFails(() -> Sops.decrypt("shop.yaml", bytes(file), ring(bob)), SopsException.Reason.NO_MATCHING_KEY,
            "no key in the key ring can decrypt the data key; the file is encrypted to age " + alice.recipient()
                + "; the key ring has age " + bob.recipient());
    }

    @Test
    void anEmptyKeyRingSaysHowToProvideKeys() {
        assertFails(() -> Sops.decrypt("shop.yaml", bytes(encryptedFor(alice)), KeyRing.empty()),
            SopsException.Reason.NO_MATCHING_KEY, "the key ring has no keys (set SOPS_AGE_KEY_FILE");
    }

    @Test
    void wrongKeyIsReportedWhenTheRecipientsEntryWasMadeForAnotherKey() {
        // Alice is named as recipient, but her enc entry is really Bob's.
        String forAlice = encryptedFor(alice);
        String forBob = encryptedFor(bob);
        String aliceEnc = enc(forAlice);
        String swapped = forAlice.replace(aliceEnc, enc(forBob));
        assertFails(() -> Sops.decrypt("shop.yaml", bytes(swapped), ring(alice)), SopsException.Reason.WRONG_KEY,
            "a key named as recipient could not decrypt its data key entry: age " + alice.recipient());
    }

    @Test
    void aTamperedValueNamesItsPath() {
        String file = encryptedFor(alice);
        String passwordLine = file.lines().filter(l -> l.strip().startsWith("password:")).findFirst().orElseThrow();
        String tokenCipher = file.lines().filter(l -> l.strip().startsWith("token:")).findFirst().orElseThrow()
            .strip().substring("token: ".length());
        // Move the token's ciphertext under the password key: the path is part of the authenticated data.
        String tampered = file.replace(passwordLine, "    password: " + tokenCipher);
        assertFails(() -> Sops.decrypt("shop.yaml", bytes(tampered), ring(alice)), SopsException.Reason.TAMPERED_VALUE,
            "value at db:password failed authentication");
    }

    @Test
    void aFlippedCiphertextByteIsATamperedValue() {
        String file = encryptedFor(alice);
        Matcher m = Pattern.compile("token: ENC\\[AES256_GCM,data:(.)").matcher(file);
        assertThat(m.find()).isTrue();
        char c = m.group(1).charAt(0);
        String tampered = file.substring(0, m.start(1)) + (c == 'A' ? 'B' : 'A') + file.substring(m.end(1));
        assertFails(() -> Sops.decrypt("shop.yaml", bytes(tampered), ring(alice)), SopsException.Reason.TAMPERED_VALUE,
            "value at api:token failed authentication");
    }

    @Test
    void aTamperedMacOrLastmodifiedIsRefused() {
        String file = encryptedFor(alice);
        String lastmodified = file.lines().filter(l -> l.strip().startsWith("lastmodified:")).findFirst().orElseThrow();
        String edited = file.replace(lastmodified, "    lastmodified: \"2001-01-01T00:00:00Z\"");
        assertFails(() -> Sops.decrypt("shop.yaml", bytes(edited), ring(alice)), SopsException.Reason.MAC_MISMATCH,
            "the MAC could not be decrypted: the mac or lastmodified metadata was modified");
    }

    @Test
    void aValueEditedInClearTextBreaksTheMac() {
        String file = encryptedFor(alice);
        String edited = file.replace("    user: ENC", "    user_unencrypted: mallory\n    user: ENC");
        assertFails(() -> Sops.decrypt("shop.yaml", bytes(edited), ring(alice)), SopsException.Reason.MAC_MISMATCH,
            "MAC mismatch");
    }

    @Test
    void aMissingMacIsRefused() {
        String file = encryptedFor(alice);
        String macLine = file.lines().filter(l -> l.strip().startsWith("mac:")).findFirst().orElseThrow();
        assertFails(() -> Sops.decrypt("shop.yaml", bytes(file.replace(macLine + "\n", "")), ring(alice)),
            SopsException.Reason.MAC_MISSING, "the file has no MAC");
        assertFails(() -> Sops.decrypt("shop.yaml", bytes(file.replace(macLine, "    mac: \"\"")), ring(alice)),
            SopsException.Reason.MAC_MISSING, "the file has no MAC");
    }

    @Test
    void aMalformedEncStringNamesItsPath() {
        String file = encryptedFor(alice);
        String userLine = file.lines().filter(l -> l.strip().startsWith("user:")).findFirst().orElseThrow();
        assertFails(() -> Sops.decrypt("shop.yaml", bytes(file.replace(userLine, "    user: ENC[AES256_GCM,data:nope]")),
            ring(alice)), SopsException.Reason.MALFORMED_VALUE, "value at db:user is not an ENC[AES256_GCM,...] value");
        assertFails(() -> Sops.decrypt("shop.yaml", bytes(file.replace(userLine, "    user: 42")), ring(alice)),
            SopsException.Reason.MALFORMED_VALUE, "value at db:user should be encrypted but is a plain int");
        String badB64 = userLine.replaceFirst("iv:[^,]*,", "iv:***,");
        assertFails(() -> Sops.decrypt("shop.yaml", bytes(file.replace(userLine, badB64)), ring(alice)),
            SopsException.Reason.MALFORMED_VALUE, "value at db:user has invalid base64");
    }

    @Test
    void aFileEncryptedOnlyToCloudKmsIsAnUnsupportedKeyType() {
        String file = encryptedFor(alice);
        int age = file.indexOf("    age:");
        int lastmodified = file.indexOf("    lastmodified:");
        String kmsOnly = file.substring(0, age) + """
                kms:
                    - arn: arn:aws:kms:eu-west-1:111122223333:key/abcd
                      created_at: "2024-01-01T00:00:00Z"
                      enc: AQICAHh...
                      aws_profile: ""
                gcp_kms: []
                azure_kv: null
            """ + file.substring(lastmodified);
        assertFails(() -> Sops.decrypt("shop.yaml", bytes(kmsOnly), ring(alice)), SopsException.Reason.UNSUPPORTED_KEY_TYPE,
            "the file is encrypted only with key types driftless does not support (AWS KMS "
                + "arn:aws:kms:eu-west-1:111122223333:key/abcd)");
    }

    @Test
    void sshAgeRecipientsCannotBeEncryptedTo() {
        assertThatThrownBy(() -> Sops.encryptor().ageRecipient("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIExample").build()
            .encrypt("shop.yaml", bytes(PLAIN)))
            .isInstanceOfSatisfying(SopsException.class,
                e -> assertThat(e.reason()).isEqualTo(SopsException.Reason.UNSUPPORTED_KEY_TYPE))
            .hasMessageContaining("SSH recipients are not supported");
    }

    @Test
    void moreThanOneEncryptionRuleIsRefused() {
        String file = encryptedFor(alice);
        String conflicting = file.replace("    unencrypted_suffix: _unencrypted\n",
            "    unencrypted_suffix: _unencrypted\n    encrypted_regex: ^pass\n");
        assertFails(() -> Sops.decrypt("shop.yaml", bytes(conflicting), ring(alice)), SopsException.Reason.CONFLICTING_RULES,
            "sops metadata sets more than one encryption rule (unencrypted_suffix, encrypted_regex)");
    }

    @Test
    void aCommentThatIsNotEncryptedIsKeptAsSopsDoes() {
        String file = encryptedFor(alice).replace("\napi:\n", "\n# added later, in clear text\napi:\n");
        DecryptedDocument doc = Sops.decrypt("shop.yaml", bytes(file), ring(alice));
        assertThat(doc.render()).contains("# added later, in clear text\napi:\n");
        assertThat(doc.lookup(List.of("api", "token")).orElseThrow().reveal()).isEqualTo(TOKEN);
    }

    @Test
    void aFileWithoutMetadataIsNotEncrypted() {
        assertFails(() -> Sops.decrypt("shop.yaml", bytes(PLAIN), ring(alice)), SopsException.Reason.METADATA_MISSING,
            "no sops metadata found");
    }

    @Test
    void encryptingAnEncryptedFileIsRefused() {
        String file = encryptedFor(alice);
        assertFails(() -> Sops.encryptor().ageRecipient(alice.recipient().toString()).build()
            .encrypt("shop.yaml", bytes(file)), SopsException.Reason.ALREADY_ENCRYPTED, "already has sops metadata");
    }

    @Test
    void invalidYamlNamesTheLineButNotTheContent() {
        String broken = "db:\n  password: " + PASSWORD + "\n   bad: [unclosed\n";
        assertFails(() -> Sops.decrypt("shop.yaml", bytes(broken), ring(alice)), SopsException.Reason.INVALID_FORMAT,
            "invalid YAML at line 3");
    }

    @Test
    void aTamperedAgeEntryIsAWrongKeyWithItsRecipient() {
        String file = encryptedFor(alice);
        String enc = enc(file);
        String[] lines = enc.split("\n");
        String body = lines[lines.length - 2].strip();
        String flipped = body.substring(0, 10) + (body.charAt(10) == 'A' ? 'B' : 'A') + body.substring(11);
        String tampered = file.replace(body, flipped);
        assertFails(() -> Sops.decrypt("shop.yaml", bytes(tampered), ring(alice)), SopsException.Reason.WRONG_KEY,
            "the data key entry for age " + alice.recipient());
    }

    /** The (indented) armored age block of the first age entry. */
    private static String enc(String file) {
        Matcher m = Pattern.compile("-----BEGIN AGE ENCRYPTED FILE-----\\n.*?-----END AGE ENCRYPTED FILE-----",
            Pattern.DOTALL).matcher(file);
        assertThat(m.find()).isTrue();
        return m.group();
    }

    @Test
    void messagesAboutKeysNeverIncludeSecretKeyMaterial() {
        assertThat(ring(alice).toString()).isEqualTo("KeyRing[age " + alice.recipient() + "]");
        assertThat(List.of(ring(alice).sources())).isNotEmpty();
    }
}
