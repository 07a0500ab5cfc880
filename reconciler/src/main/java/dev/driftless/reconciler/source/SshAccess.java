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
import java.util.Map;
import java.util.Optional;
import org.apache.sshd.common.NamedResource;
import org.apache.sshd.common.util.security.SecurityUtils;
import dev.driftless.reconciler.ssh.JumpRoute;
import org.eclipse.jgit.transport.SshConfigStore;
import org.eclipse.jgit.transport.SshConstants;
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

    /**
     * @param jump the jump hosts the server is reached through ({@code repo.jump}): JGit's
     *             ProxyJump, each hop logged in to with the same key and its host key pinned in
     *             the same known_hosts file as the server's
     */
    static SshAccess create(Path keyFile, Path knownHostsFile, Optional<Path> revokedHostKeys, Path placeholderHome,
                            Optional<JumpRoute> jump) throws GitSourceException {
        List<KeyPair> keys = loadKeys(keyFile);
        PinnedHostKeys hostKeys = PinnedHostKeys.load(knownHostsFile, revokedHostKeys);
        // Never created: it only has to be a path that holds nothing JGit could pick up.
        Path sshDir = placeholderHome.resolve(".ssh");
        SshdSessionFactory sessions = new SshdSessionFactoryBuilder()
            .setHomeDirectory(placeholderHome.toFile())
            .setSshDirectory(sshDir.toFile())
            .setConfigFile(dir -> null)
            .setConfigStoreFactory((home, file, user) -> jump.map(ProxyJumpConfig::new).orElse(null))
            .setDefaultKnownHostsFiles(dir -> List.of())
            .setDefaultIdentities(dir -> List.of())
            .setDefaultKeysProvider(dir -> keys)
            .setServerKeyDatabase((home, dir) -> hostKeys)
            .setPreferredAuthentications("publickey")
            .setConnectorFactory(null)
            .build(null);
        return new SshAccess(hostKeys, sessions);
    }

    /**
     * The only ssh configuration the git source has: every host but the jump hosts themselves is
     * reached through the route ({@code ProxyJump}); nothing else is set.
     */
    private record ProxyJumpConfig(JumpRoute route) implements SshConfigStore {
        @Override
        public HostConfig lookup(String hostName, int port, String userName) {
            boolean hop = route.hops().stream().anyMatch(h -> h.address().equalsIgnoreCase(hostName)
                && (port <= 0 ? 22 : port) == h.port());
            return hop ? SshConfigStore.EMPTY_CONFIG : new HostConfig() {
                @Override
                public String getValue(String key) {
                    return key.equalsIgnoreCase(SshConstants.PROXY_JUMP) ? route.toString() : null;
                }

                @Override
                public List<String> getValues(String key) {
                    String v = getValue(key);
                    return v == null ? List.of() : List.of(v);
                }

                @Override
                public Map<String, String> getOptions() {
                    return Map.of(SshConstants.PROXY_JUMP, route.toString());
                }

                @Override
                public Map<String, List<String>> getMultiValuedOptions() {
                    return Map.of();
                }
            };
        }

        @Override
        public HostConfig lookupDefault(String hostName, int port, String userName) {
            return lookup(hostName, port, userName);
        }
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
