package dev.driftless.reconciler.testhosts;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Base64;
import org.bouncycastle.crypto.AsymmetricCipherKeyPair;
import org.bouncycastle.crypto.generators.Ed25519KeyPairGenerator;
import org.bouncycastle.crypto.params.Ed25519KeyGenerationParameters;
import org.bouncycastle.crypto.util.OpenSSHPrivateKeyUtil;
import org.bouncycastle.crypto.util.OpenSSHPublicKeyUtil;

/**
 * A fresh ed25519 key pair for one test run, written as an OpenSSH private key file (mode 0600)
 * that sshj, JGit and the ssh CLI all read.
 */
public record SshKeyPair(Path privateKeyFile, String publicKeyLine) {

    /** Generates a key pair and writes the private half to {@code dir/id_ed25519}. */
    public static SshKeyPair generate(Path dir, String comment) {
        Ed25519KeyPairGenerator gen = new Ed25519KeyPairGenerator();
        gen.init(new Ed25519KeyGenerationParameters(new SecureRandom()));
        AsymmetricCipherKeyPair pair = gen.generateKeyPair();
        try {
            byte[] priv = OpenSSHPrivateKeyUtil.encodePrivateKey(pair.getPrivate());
            String pem = "-----BEGIN OPENSSH PRIVATE KEY-----\n"
                + Base64.getMimeEncoder(70, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(priv)
                + "\n-----END OPENSSH PRIVATE KEY-----\n";
            Files.createDirectories(dir);
            Path file = dir.resolve("id_ed25519");
            Files.deleteIfExists(file);
            Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            Files.writeString(file, pem, StandardCharsets.US_ASCII);
            byte[] pub = OpenSSHPublicKeyUtil.encodePublicKey(pair.getPublic());
            return new SshKeyPair(file, "ssh-ed25519 " + Base64.getEncoder().encodeToString(pub) + " " + comment);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
