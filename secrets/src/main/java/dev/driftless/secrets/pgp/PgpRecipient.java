package dev.driftless.secrets.pgp;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Date;
import java.util.Optional;
import org.bouncycastle.bcpg.ArmoredOutputStream;
import org.bouncycastle.bcpg.SymmetricKeyAlgorithmTags;
import org.bouncycastle.openpgp.PGPEncryptedDataGenerator;
import org.bouncycastle.openpgp.PGPException;
import org.bouncycastle.openpgp.PGPLiteralData;
import org.bouncycastle.openpgp.PGPLiteralDataGenerator;
import org.bouncycastle.openpgp.PGPPublicKey;
import org.bouncycastle.openpgp.operator.bc.BcPGPDataEncryptorBuilder;
import org.bouncycastle.openpgp.operator.bc.BcPublicKeyKeyEncryptionMethodGenerator;

/**
 * A PGP key data keys are encrypted to: the primary fingerprint sops records in {@code fp}, and
 * the encryption subkey the message is actually addressed to.
 */
public final class PgpRecipient {

    private final String fingerprint;
    private final Optional<PGPPublicKey> encryptionKey;

    PgpRecipient(String fingerprint, Optional<PGPPublicKey> encryptionKey) {
        this.fingerprint = fingerprint;
        this.encryptionKey = encryptionKey;
    }

    /** Upper-case hex fingerprint of the primary key. */
    public String fingerprint() {
        return fingerprint;
    }

    /** The key id of the subkey messages are addressed to, if the key can encrypt at all. */
    public Optional<String> encryptionKeyId() {
        return encryptionKey.map(k -> PgpSecretKeys.keyId(k.getKeyID()));
    }

    /**
     * Encrypts {@code data} to this key as an armored message without headers, compression or
     * trailing newline, like the messages sops stores in {@code enc}: AES-256, integrity-protected.
     */
    public String encryptArmored(byte[] data, SecureRandom random) {
        PGPPublicKey key = encryptionKey.orElseThrow(() -> new PgpException(PgpException.Kind.UNSUPPORTED,
            "PGP key " + fingerprint + " has no usable encryption key (revoked, expired or sign-only)"));
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try {
            ArmoredOutputStream armor = ArmoredOutputStream.builder().clearHeaders().build(bytes);
            PGPEncryptedDataGenerator gen = new PGPEncryptedDataGenerator(
                new BcPGPDataEncryptorBuilder(SymmetricKeyAlgorithmTags.AES_256)
                    .setWithIntegrityPacket(true)
                    .setSecureRandom(random));
            gen.addMethod(new BcPublicKeyKeyEncryptionMethodGenerator(key).setSecureRandom(random));
            try (OutputStream enc = gen.open(armor, new byte[4096])) {
                PGPLiteralDataGenerator lit = new PGPLiteralDataGenerator();
                try (OutputStream out = lit.open(enc, PGPLiteralData.BINARY, "", data.length, new Date())) {
                    out.write(data);
                }
            }
            armor.close();
        } catch (PGPException e) {
            throw new PgpException(PgpException.Kind.UNSUPPORTED,
                "cannot encrypt to PGP key " + fingerprint + " (" + e.getMessage() + ")");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        String text = bytes.toString(StandardCharsets.US_ASCII).replace("\r\n", "\n");
        return text.endsWith("\n") ? text.substring(0, text.length() - 1) : text;
    }

    @Override
    public String toString() {
        return "PgpRecipient[" + fingerprint + "]";
    }
}
