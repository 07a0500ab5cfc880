package dev.driftless.reconciler.source;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.apache.sshd.common.NamedResource;
import org.apache.sshd.common.util.security.SecurityUtils;
import org.eclipse.jgit.transport.SshTransport;
import org.eclipse.jgit.transport.sshd.SshdSessionFactory;
import org.eclipse.jgit.transport.sshd.SshdSessionFactoryBuilder;

/**
 * SSH for the git source: JGit's Apache MINA sshd client confined to the configured key and
 * known_hosts file. It reads no ssh config file, no ~/.ssh, and no agent; the home directory it
 * is given is an empty placeholder under the cache directory.
 */
final class SshAccess implements AutoCloseable {

    private final PinnedHostKeys hostKeys;
    private final SshdSessionFactory sessions;

    private SshAccess(PinnedHostKeys hostKeys, SshdSessionFactory sessions) {
        this.hostKeys = hostKeys;
        this.sessions = sessions;
    }

    static SshAccess create(Path keyFile, Path knownHostsFile, Optional<Path> revokedHostKeys, Path placeholderHome)
            throws GitSourceException {
        List<KeyPair> keys = loadKeys(keyFile);
        PinnedHostKeys hostKeys = PinnedHostKeys.load(knownHostsFile, revokedHostKeys);
        // Never created: it only has to be a path that holds nothing JGit could pick up.
        Path sshDir = placeholderHome.resolve(".ssh");
        SshdSessionFactory sessions = new SshdSessionFactoryBuilder()
            .setHomeDirectory(placeholderHome.toFile())
            .setSshDirectory(sshDir.toFile())
            .setConfigFile(dir -> null)
            .setConfigStoreFactory((home, file, user) -> null)
            .setDefaultKnownHostsFiles(dir -> List.of())
            .setDefaultIdentities(dir -> List.of())
            .setDefaultKeysProvider(dir -> keys)
            .setServerKeyDatabase((home, dir) -> hostKeys)
            .setPreferredAuthentications("publickey")
            .setConnectorFactory(null)
            .build(null);
        return new SshAccess(hostKeys, sessions);
    }

    PinnedHostKeys hostKeys() {
        return hostKeys;
    }

    void configure(SshTransport transport) {
        transport.setSshSessionFactory(sessions);
    }

    @Override
    public void close() {
        sessions.close();
    }

    private static List<KeyPair> loadKeys(Path keyFile) throws GitSourceException {
        List<KeyPair> keys = new ArrayList<>();
        try (InputStream in = Files.newInputStream(keyFile)) {
            // No password provider: an encrypted key fails here, at startup, not at the first fetch.
            Iterable<KeyPair> loaded = SecurityUtils.loadKeyPairIdentities(
                null, NamedResource.ofName(keyFile.toString()), in, null);
            if (loaded != null) {
                loaded.forEach(keys::add);
            }
        } catch (NoSuchFileException e) {
            throw keyProblem(keyFile, "no such file");
        } catch (IOException | GeneralSecurityException | RuntimeException e) {
            throw keyProblem(keyFile, e.getMessage() + " (driftless needs an unencrypted private key"
                + " in OpenSSH or PEM format)");
        }
        if (keys.isEmpty()) {
            throw keyProblem(keyFile, "it holds no private key");
        }
        return List.copyOf(keys);
    }

    private static GitSourceException keyProblem(Path keyFile, String detail) {
        return new GitSourceException(new SourceFailure.Misconfigured(
            "cannot load SSH key " + keyFile + ": " + detail));
    }
}
