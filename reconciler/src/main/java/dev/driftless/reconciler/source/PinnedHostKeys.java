package dev.driftless.reconciler.source;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.PublicKey;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.apache.sshd.client.config.hosts.KnownHostEntry;
import org.apache.sshd.common.config.keys.KeyUtils;
import org.apache.sshd.common.digest.BuiltinDigests;
import org.eclipse.jgit.transport.CredentialsProvider;
import org.eclipse.jgit.transport.sshd.ServerKeyDatabase;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The SSH host-key check of the git source: accepts a server key only if the configured
 * known_hosts file lists exactly that key for the host and port connected to. Never asks, never
 * writes the file, never trusts on first use. The last refusal is kept so the source can report
 * it with the offered key's fingerprint (JGit's own error only says the key did not verify).
 *
 * <p>The file is re-read on every connection, so an operator can fix it without a restart.
 * Supported: plain and hashed host names, {@code [host]:port}, patterns with {@code *}, {@code ?}
 * and {@code !}, and {@code @revoked}. {@code @cert-authority} lines are ignored.
 */
final class PinnedHostKeys implements ServerKeyDatabase {

    private static final Logger LOG = LoggerFactory.getLogger(PinnedHostKeys.class);
    private static final String REVOKED = "revoked";
    private static final String CERT_AUTHORITY = "cert-authority";

    /** A host key refused by {@link #accept}. */
    record Refusal(String host, SourceFailure.HostKeyProblem problem, String offered, List<String> pinned) {
    }

    /** One usable line of the file. */
    record Pin(List<String> marker, KnownHostEntry entry, PublicKey key) {
        boolean revoked() {
            return marker.contains(REVOKED);
        }
    }

    private final Path file;
    private volatile Refusal lastRefusal;

    private PinnedHostKeys(Path file) {
        this.file = file;
    }

    /** Reads the file once to report a missing or malformed one before the first connection. */
    static PinnedHostKeys load(Path file) throws GitSourceException {
        PinnedHostKeys keys = new PinnedHostKeys(file);
        keys.read();
        return keys;
    }

    Path file() {
        return file;
    }

    /** Forgets the last refusal; called before each connection. */
    void clearRefusal() {
        lastRefusal = null;
    }

    Optional<Refusal> lastRefusal() {
        return Optional.ofNullable(lastRefusal);
    }

    List<Pin> read() throws GitSourceException {
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new GitSourceException(new SourceFailure.Misconfigured(
                "cannot read known_hosts file " + file + ": " + describe(e)));
        }
        List<Pin> pins = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            KnownHostEntry entry;
            try {
                entry = KnownHostEntry.parseKnownHostEntry(line);
            } catch (RuntimeException e) {
                throw malformed(i + 1, e.getMessage());
            }
            if (entry == null || entry.getKeyEntry() == null) {
                throw malformed(i + 1, "expected: host[,host…] key-type base64-key");
            }
            String marker = entry.getMarker() == null ? "" : entry.getMarker();
            if (marker.equals(CERT_AUTHORITY)) {
                LOG.debug("{} line {}: @cert-authority is not supported, line ignored", file, i + 1);
                continue;
            }
            if (!marker.isEmpty() && !marker.equals(REVOKED)) {
                throw malformed(i + 1, "unknown marker @" + marker);
            }
            PublicKey key;
            try {
                key = entry.getKeyEntry().resolvePublicKey(null, null, null);
            } catch (IOException | GeneralSecurityException | RuntimeException e) {
                // Like OpenSSH, a key type this client does not know is no reason to refuse the file.
                LOG.debug("{} line {}: key not usable ({}), line ignored", file, i + 1, e.getMessage());
                continue;
            }
            if (key == null) {
                continue;
            }
            pins.add(new Pin(marker.isEmpty() ? List.of() : List.of(marker), entry, key));
        }
        return pins;
    }

    private GitSourceException malformed(int line, String detail) {
        return new GitSourceException(new SourceFailure.Misconfigured(
            "known_hosts file " + file + " line " + line + " is malformed: " + detail));
    }

    @Override
    public List<PublicKey> lookup(String connectAddress, InetSocketAddress remoteAddress, Configuration config) {
        HostPort target = HostPort.parse(connectAddress);
        try {
            return read().stream().filter(p -> !p.revoked() && target.matches(p.entry())).map(Pin::key).toList();
        } catch (GitSourceException e) {
            // accept() will refuse and report the same problem; this only orders algorithms.
            return List.of();
        }
    }

    @Override
    public boolean accept(String connectAddress, InetSocketAddress remoteAddress, PublicKey serverKey,
                          Configuration config, CredentialsProvider provider) {
        HostPort target = HostPort.parse(connectAddress);
        List<Pin> matching;
        try {
            matching = read().stream().filter(p -> target.matches(p.entry())).toList();
        } catch (GitSourceException e) {
            LOG.warn("{}", e.getMessage());
            matching = List.of();
        }
        String offered = describe(serverKey);
        if (matching.stream().anyMatch(p -> p.revoked() && KeyUtils.compareKeys(p.key(), serverKey))) {
            lastRefusal = new Refusal(connectAddress, SourceFailure.HostKeyProblem.REVOKED, offered, List.of());
            return false;
        }
        List<Pin> pinned = matching.stream().filter(p -> !p.revoked()).toList();
        if (pinned.stream().anyMatch(p -> KeyUtils.compareKeys(p.key(), serverKey))) {
            return true;
        }
        lastRefusal = new Refusal(connectAddress,
            pinned.isEmpty() ? SourceFailure.HostKeyProblem.UNKNOWN : SourceFailure.HostKeyProblem.CHANGED,
            offered, pinned.stream().map(p -> describe(p.key())).distinct().toList());
        return false;
    }

    /** {@code ssh-ed25519 SHA256:…}, the form {@code ssh-keygen -l} prints. */
    static String describe(PublicKey key) {
        return KeyUtils.getKeyType(key) + " " + KeyUtils.getFingerPrint(BuiltinDigests.sha256, key);
    }

    private static String describe(IOException e) {
        return e instanceof java.nio.file.NoSuchFileException ? "no such file" : e.getMessage();
    }

    /** The host and port JGit connected to, from {@code host} or {@code [host]:port}. */
    record HostPort(String host, int port) {
        static HostPort parse(String address) {
            if (address.startsWith("[")) {
                int end = address.indexOf(']');
                if (end > 1) {
                    String host = address.substring(1, end);
                    int port = 22;
                    if (address.length() > end + 2 && address.charAt(end + 1) == ':') {
                        try {
                            port = Integer.parseInt(address.substring(end + 2));
                        } catch (NumberFormatException e) {
                            port = -1;
                        }
                    }
                    return new HostPort(host, port);
                }
            }
            return new HostPort(address, 22);
        }

        boolean matches(KnownHostEntry entry) {
            return port > 0 && entry.isHostMatch(host, port);
        }
    }
}
