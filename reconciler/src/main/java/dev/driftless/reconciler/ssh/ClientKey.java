package dev.driftless.reconciler.ssh;

import com.hierynomus.sshj.common.KeyDecryptionFailedException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PublicKey;
import java.util.Base64;
import java.util.Optional;
import net.schmizz.sshj.Config;
import net.schmizz.sshj.common.Buffer;
import net.schmizz.sshj.common.Factory;
import net.schmizz.sshj.common.KeyType;
import net.schmizz.sshj.userauth.keyprovider.FileKeyProvider;
import net.schmizz.sshj.userauth.keyprovider.KeyFormat;
import net.schmizz.sshj.userauth.keyprovider.KeyPairWrapper;
import net.schmizz.sshj.userauth.keyprovider.KeyProvider;
import net.schmizz.sshj.userauth.keyprovider.KeyProviderUtil;
import net.schmizz.sshj.userauth.password.PasswordUtils;

/**
 * driftless's own SSH identity: the private key file (ed25519, RSA or ECDSA; OpenSSH, PEM or
 * PKCS#8; optionally passphrase-protected), decrypted once when the pool is built and then shared
 * by every connection.
 */
final class ClientKey {

    private final Path file;
    private final KeyProvider provider;
    private final String description;

    private ClientKey(Path file, KeyProvider provider, String description) {
        this.file = file;
        this.provider = provider;
        this.description = description;
    }

    /**
     * Reads and decrypts the key now, so a bad key file or passphrase is reported at startup with
     * the file's name rather than as an authentication failure on every host.
     */
    static ClientKey load(Path file, Optional<char[]> passphrase, Config config) {
        if (!Files.isRegularFile(file)) {
            throw new SshConfigurationException("SSH private key " + file + " does not exist or is not a file");
        }
        if (!Files.isReadable(file)) {
            throw new SshConfigurationException("SSH private key " + file + " is not readable by this user");
        }
        try {
            KeyFormat format = KeyProviderUtil.detectKeyFileFormat(file.toFile());
            FileKeyProvider fkp = Factory.Named.Util.create(config.getFileKeyProviderFactories(), format.toString());
            if (fkp == null) {
                throw new SshConfigurationException("SSH private key " + file + " is in a format driftless cannot read ("
                    + format + "); use an OpenSSH, PEM or PKCS#8 key");
            }
            fkp.init(file.toFile(), passphrase.map(p -> PasswordUtils.createOneOff(p.clone())).orElse(null));
            PublicKey pub = fkp.getPublic();
            KeyType type = KeyType.fromKey(pub);
            if (type == KeyType.UNKNOWN) {
                throw new SshConfigurationException("SSH private key " + file + " is of a type driftless cannot use");
            }
            KeyProvider provider = new KeyPairWrapper(pub, fkp.getPrivate());
            byte[] blob = new Buffer.PlainBuffer().putPublicKey(pub).getCompactData();
            HostKey asKey = new HostKey(type.toString(), Base64.getEncoder().encodeToString(blob));
            return new ClientKey(file, provider, asKey.describe());
        } catch (KeyDecryptionFailedException e) {
            throw new SshConfigurationException("SSH private key " + file + " could not be decrypted: "
                + (passphrase.isPresent() ? "the passphrase is wrong" : "it is passphrase-protected and no passphrase is configured"));
        } catch (SshConfigurationException e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            String why = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
            if (passphrase.isEmpty() && why.toLowerCase(java.util.Locale.ROOT).contains("password")) {
                throw new SshConfigurationException("SSH private key " + file
                    + " is passphrase-protected and no passphrase is configured", e);
            }
            throw new SshConfigurationException("SSH private key " + file + " could not be read: " + why, e);
        }
    }

    Path file() {
        return file;
    }

    KeyProvider provider() {
        return provider;
    }

    /** The public half's fingerprint and type, for messages about refused authentication. */
    String description() {
        return description;
    }
}
