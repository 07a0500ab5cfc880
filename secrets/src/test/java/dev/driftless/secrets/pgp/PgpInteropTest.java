package dev.driftless.secrets.pgp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.driftless.secrets.testing.Gpg;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Our PGP code against the real GnuPG 2.2: its messages decrypt here, ours decrypt there. */
class PgpInteropTest {

    private static final SecureRandom RANDOM = new SecureRandom();

    @TempDir
    static Path home;

    private static Gpg gpg;
    private static String rsa;
    private static String ecc;
    private static String locked;
    private static PgpSecretKeys secrets;

    @BeforeAll
    static void generateKeysWithGpg() {
        gpg = new Gpg(home);
        rsa = gpg.generate("RSA Test <rsa@driftless.test>", "rsa2048", "rsa2048", "");
        ecc = gpg.generate("ECC Test <ecc@driftless.test>", "ed25519", "cv25519", "");
        locked = gpg.generate("Locked <locked@driftless.test>", "ed25519", "cv25519", "s3cret");
        byte[] both = concat(gpg.exportSecret(rsa, ""), gpg.exportSecret(ecc, ""));
        secrets = PgpSecretKeys.read(both, "secret.asc", Optional.empty());
    }

    @AfterAll
    static void stopAgent() {
        gpg.close();
    }

    @Test
    void severalConcatenatedArmoredBlocksAreAllRead() {
        assertThat(secrets.fingerprints()).containsExactly(rsa, ecc);
    }

    @Test
    void compressedArmoredMessageToAnRsaSubkeyDecrypts() {
        byte[] key = randomKey();
        byte[] msg = gpg.run(key, "--armor", "--encrypt", "--recipient", rsa).assertOk().stdout();
        assertThat(PgpSecretKeys.recipientKeyIds(msg)).extracting(PgpSecretKeys::keyId)
            .containsExactly(gpg.encryptionSubkeyId(rsa));
        assertThat(secrets.decrypt(msg)).isEqualTo(key);
    }

    @Test
    void uncompressedBinaryMessageToACv25519SubkeyDecrypts() {
        byte[] key = randomKey();
        byte[] msg = gpg.run(key, "--compress-algo", "none", "--encrypt", "--recipient", ecc).assertOk().stdout();
        assertThat(msg[0] & 0xC0).as("GnuPG 2.2 writes an old-format packet header").isEqualTo(0x80);
        assertThat(secrets.decrypt(msg)).isEqualTo(key);
    }

    @Test
    void zlibCompressedMessageToBothKeysDecryptsWithEither() {
        byte[] key = randomKey();
        byte[] msg = gpg.run(key, "--armor", "--compress-algo", "zlib", "--encrypt", "--recipient", ecc,
            "--recipient", rsa).assertOk().stdout();
        PgpSecretKeys onlyEcc = PgpSecretKeys.read(gpg.exportSecret(ecc, ""), "ecc.asc", Optional.empty());
        assertThat(onlyEcc.decrypt(msg)).isEqualTo(key);
        assertThat(secrets.decrypt(msg)).isEqualTo(key);
    }

    @Test
    void hiddenRecipientMessageDecryptsByTryingEveryKey() {
        byte[] key = randomKey();
        byte[] msg = gpg.run(key, "--throw-keyids", "--encrypt", "--recipient", ecc).assertOk().stdout();
        assertThat(PgpSecretKeys.recipientKeyIds(msg)).containsExactly(0L);
        assertThat(secrets.decrypt(msg)).isEqualTo(key);
    }

    @Test
    void ourMessagesToRsaAndEccKeysDecryptWithGpg() {
        PgpPublicKeys armored = PgpPublicKeys.read(gpg.exportPublic(rsa, true), "rsa.asc");
        PgpPublicKeys binary = PgpPublicKeys.read(gpg.exportPublic(ecc, false), "ecc.gpg");
        for (String fp : new String[] {rsa, ecc}) {
            byte[] key = randomKey();
            PgpRecipient r = (fp.equals(rsa) ? armored : binary).find(fp).orElseThrow();
            assertThat(r.encryptionKeyId()).contains(gpg.encryptionSubkeyId(fp));
            String message = r.encryptArmored(key, RANDOM);
            assertThat(message).startsWith("-----BEGIN PGP MESSAGE-----\n\n").endsWith("-----END PGP MESSAGE-----")
                .doesNotContain("Version:");
            byte[] dec = gpg.run(message.getBytes(StandardCharsets.US_ASCII), "--decrypt").assertOk().stdout();
            assertThat(dec).isEqualTo(key);
            assertThat(secrets.decrypt(message.getBytes(StandardCharsets.US_ASCII))).isEqualTo(key);
        }
    }

    @Test
    void keysAreFoundBySubkeyFingerprintAndLongKeyIdToo() {
        PgpPublicKeys pub = PgpPublicKeys.read(gpg.exportPublic(ecc, true), "pub.asc");
        String subkeyId = gpg.encryptionSubkeyId(ecc);
        assertThat(pub.find(subkeyId.toLowerCase())).map(PgpRecipient::fingerprint).contains(ecc);
        assertThat(pub.find("0x" + ecc)).map(PgpRecipient::fingerprint).contains(ecc);
        assertThat(pub.find("DEADBEEFDEADBEEF")).isEmpty();
    }

    @Test
    void passphraseProtectedSecretKeyNeedsItsPassphrase() {
        byte[] key = randomKey();
        byte[] msg = gpg.run(key, "--encrypt", "--recipient", locked).assertOk().stdout();
        byte[] exported = gpg.exportSecret(locked, "s3cret");
        assertThat(PgpSecretKeys.read(exported, "locked.asc", Optional.of(() -> "s3cret".toCharArray())).decrypt(msg))
            .isEqualTo(key);
        assertThatThrownBy(() -> PgpSecretKeys.read(exported, "locked.asc", Optional.of(() -> "nope".toCharArray()))
            .decrypt(msg))
            .isInstanceOfSatisfying(PgpException.class,
                e -> assertThat(e.kind()).isEqualTo(PgpException.Kind.WRONG_PASSPHRASE))
            .hasMessageContaining("wrong passphrase for secret key " + gpg.encryptionSubkeyId(locked))
            .hasMessageContaining("locked.asc");
        assertThatThrownBy(() -> PgpSecretKeys.read(exported, "locked.asc", Optional.empty()).decrypt(msg))
            .hasMessageContaining("is passphrase-protected and no passphrase was provided");
    }

    @Test
    void aMessageForSomeoneElseNamesItsRecipientKeyIds() {
        byte[] msg = gpg.run(randomKey(), "--encrypt", "--recipient", locked).assertOk().stdout();
        assertThatThrownBy(() -> secrets.decrypt(msg))
            .isInstanceOfSatisfying(PgpException.class,
                e -> assertThat(e.kind()).isEqualTo(PgpException.Kind.NO_MATCHING_KEY))
            .hasMessageContaining(gpg.encryptionSubkeyId(locked));
    }

    @Test
    void aModifiedMessageFailsIntegrity() {
        byte[] msg = gpg.run(randomKey(), "--compress-algo", "none", "--encrypt", "--recipient", ecc)
            .assertOk().stdout();
        msg[msg.length - 5] ^= 0x01;
        assertThatThrownBy(() -> secrets.decrypt(msg))
            .isInstanceOfSatisfying(PgpException.class,
                e -> assertThat(e.kind()).isIn(PgpException.Kind.TAMPERED, PgpException.Kind.WRONG_KEY));
    }

    private static byte[] randomKey() {
        byte[] k = new byte[32];
        RANDOM.nextBytes(k);
        return k;
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
