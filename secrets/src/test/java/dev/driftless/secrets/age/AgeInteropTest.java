package dev.driftless.secrets.age;

import static dev.driftless.secrets.testing.ExternalTool.quote;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.driftless.secrets.testing.ExternalTool;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Our age implementation against the real {@code age} 1.1.1 CLI, in both directions. */
class AgeInteropTest {

    private static final SecureRandom RANDOM = new SecureRandom();

    @TempDir
    Path dir;

    private Path keyFile;
    private AgeIdentity identity;
    private String recipient;

    @BeforeEach
    void generateKeyWithAgeKeygen() throws IOException {
        keyFile = dir.resolve("key.txt");
        ExternalTool.run(List.of("age-keygen", "-o", keyFile.toString()), null).assertOk();
        recipient = ExternalTool.run(List.of("age-keygen", "-y", keyFile.toString()), null).assertOk().out().strip();
        AgeIdentityFile parsed = AgeIdentityFile.parse(Files.readString(keyFile), "key.txt");
        identity = parsed.identities().get(0);
    }

    @Test
    void recipientDerivedFromAnAgeKeygenIdentityMatchesAgeKeygenY() {
        assertThat(identity.recipient().toString()).isEqualTo(recipient);
        assertThat(AgeRecipient.parse(recipient)).isEqualTo(identity.recipient());
    }

    @Test
    void binaryFileFromAgeCliDecrypts() throws IOException {
        byte[] plain = "hello from age".getBytes(StandardCharsets.UTF_8);
        byte[] enc = ExternalTool.run(List.of("age", "-r", recipient), plain).assertOk().stdout();
        assertThat(Age.decrypt(enc, List.of(identity))).isEqualTo(plain);
    }

    @Test
    void armoredMultiChunkFileFromAgeCliDecrypts() {
        byte[] plain = randomBytes(200 * 1024 + 17);
        byte[] enc = ExternalTool.run(List.of("age", "-a", "-r", recipient), plain).assertOk().stdout();
        assertThat(new String(enc, StandardCharsets.US_ASCII)).startsWith("-----BEGIN AGE ENCRYPTED FILE-----");
        assertThat(Age.decrypt(enc, List.of(identity))).isEqualTo(plain);
    }

    @Test
    void payloadOfExactlyTwoChunksFromAgeCliDecrypts() {
        byte[] plain = randomBytes(2 * 64 * 1024);
        byte[] enc = ExternalTool.run(List.of("age", "-r", recipient), plain).assertOk().stdout();
        assertThat(Age.decrypt(enc, List.of(identity))).isEqualTo(plain);
    }

    @Test
    void fileForSeveralRecipientsFromAgeCliDecryptsWithTheSecondIdentity() {
        AgeIdentity other = AgeIdentity.generate(RANDOM);
        byte[] plain = "two recipients".getBytes(StandardCharsets.UTF_8);
        byte[] enc = ExternalTool.run(List.of("age", "-r", other.recipient().toString(), "-r", recipient), plain)
            .assertOk().stdout();
        assertThat(Age.decrypt(enc, List.of(AgeIdentity.generate(RANDOM), identity))).isEqualTo(plain);
    }

    @Test
    void ourBinaryMultiChunkFileDecryptsWithAgeCli() {
        byte[] plain = randomBytes(3 * 64 * 1024 + 5);
        byte[] enc = Age.encrypt(plain, List.of(identity.recipient()), RANDOM);
        byte[] dec = ExternalTool.run(List.of("age", "-d", "-i", keyFile.toString()), enc).assertOk().stdout();
        assertThat(dec).isEqualTo(plain);
    }

    @Test
    void ourArmoredFilesDecryptWithAgeCliForEmptyExactChunkAndSmallPayloads() {
        for (int size : new int[] {0, 32, 64 * 1024, 128 * 1024}) {
            byte[] plain = randomBytes(size);
            String armored = Age.encryptArmored(plain, List.of(identity.recipient()), RANDOM);
            byte[] dec = ExternalTool.run(List.of("age", "-d", "-i", keyFile.toString()),
                armored.getBytes(StandardCharsets.US_ASCII)).assertOk().stdout();
            assertThat(dec).as("size %d", size).isEqualTo(plain);
            assertThat(Age.decrypt(armored.getBytes(StandardCharsets.US_ASCII), List.of(identity))).isEqualTo(plain);
        }
    }

    @Test
    void passphraseEncryptedIdentityFileMadeByAgeDashPUnlocksTheIdentity() throws IOException {
        Path encrypted = dir.resolve("key.txt.age");
        ExternalTool.runWithTty("age -p -o " + quote(encrypted) + " " + quote(keyFile),
            "correct horse\ncorrect horse\n").assertOk();
        byte[] content = Files.readAllBytes(encrypted);
        assertThat(new String(content, StandardCharsets.US_ASCII)).startsWith("age-encryption.org/v1\n-> scrypt ");

        AgeIdentityFile file = AgeIdentityFile.read(content, "key.txt.age",
            Optional.of(() -> "correct horse".toCharArray()));
        assertThat(file.identities()).extracting(i -> i.recipient().toString()).containsExactly(recipient);

        assertThatThrownBy(() -> AgeIdentityFile.read(content, "key.txt.age",
            Optional.of(() -> "wrong horse".toCharArray())))
            .isInstanceOf(AgeException.class)
            .hasMessage("key.txt.age: incorrect passphrase");
        assertThatThrownBy(() -> AgeIdentityFile.read(content, "key.txt.age", Optional.empty()))
            .hasMessage("key.txt.age is passphrase-encrypted and no passphrase was provided");
    }

    @Test
    void ourPassphraseEncryptedFileDecryptsWithAgeCli() throws IOException {
        byte[] plain = "scrypt works".getBytes(StandardCharsets.UTF_8);
        Path file = dir.resolve("msg.age");
        Files.write(file, Age.encryptWithPassphrase(plain, "pw one".toCharArray(), 10, RANDOM));
        Path out = dir.resolve("msg.txt");
        ExternalTool.runWithTty("age -d -o " + quote(out) + " " + quote(file), "pw one\n").assertOk();
        assertThat(Files.readAllBytes(out)).isEqualTo(plain);
    }

    @Test
    void aFileForSomeoneElseIsRefusedWithNoIdentityMatched() {
        byte[] enc = ExternalTool.run(List.of("age", "-r", recipient), new byte[] {1}).assertOk().stdout();
        assertThatThrownBy(() -> Age.decrypt(enc, List.of(AgeIdentity.generate(RANDOM))))
            .isInstanceOfSatisfying(AgeException.class,
                e -> assertThat(e.kind()).isEqualTo(AgeException.Kind.NO_IDENTITY_MATCHED));
    }

    @Test
    void aFlippedPayloadBitIsDetected() {
        byte[] enc = ExternalTool.run(List.of("age", "-r", recipient), randomBytes(1000)).assertOk().stdout();
        enc[enc.length - 20] ^= 1;
        assertThatThrownBy(() -> Age.decrypt(enc, List.of(identity)))
            .isInstanceOfSatisfying(AgeException.class,
                e -> assertThat(e.kind()).isEqualTo(AgeException.Kind.TAMPERED));
    }

    @Test
    void aTruncatedMultiChunkPayloadIsDetected() {
        byte[] enc = Age.encrypt(randomBytes(70_000), List.of(identity.recipient()), RANDOM);
        byte[] truncated = java.util.Arrays.copyOf(enc, enc.length - (70_000 - 65_536) - 16);
        assertThatThrownBy(() -> Age.decrypt(truncated, List.of(identity)))
            .isInstanceOfSatisfying(AgeException.class,
                e -> assertThat(e.kind()).isEqualTo(AgeException.Kind.TAMPERED));
    }

    @Test
    void aModifiedHeaderFailsTheHeaderMac() {
        byte[] enc = Age.encrypt(randomBytes(10), List.of(identity.recipient(),
            AgeIdentity.generate(RANDOM).recipient()), RANDOM);
        String text = new String(enc, StandardCharsets.ISO_8859_1);
        // Drop the second stanza: the first still opens, but the MAC covers the whole header.
        int second = text.indexOf("-> X25519", text.indexOf("-> X25519") + 1);
        int mac = text.indexOf("---");
        byte[] edited = (text.substring(0, second) + text.substring(mac)).getBytes(StandardCharsets.ISO_8859_1);
        assertThatThrownBy(() -> Age.decrypt(edited, List.of(identity)))
            .isInstanceOfSatisfying(AgeException.class,
                e -> assertThat(e.kind()).isEqualTo(AgeException.Kind.TAMPERED));
    }

    private static byte[] randomBytes(int n) {
        byte[] b = new byte[n];
        RANDOM.nextBytes(b);
        return b;
    }
}
