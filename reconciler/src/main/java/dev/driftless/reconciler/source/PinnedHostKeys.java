package dev.driftless.reconciler.source;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.PublicKey;
import java.util.ArrayList;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;
import dev.driftless.reconciler.sshkeys.RevokedKeys;
import dev.driftless.reconciler.sshkeys.SshCertificate;
import org.apache.sshd.client.config.hosts.KnownHostEntry;
import org.apache.sshd.common.config.keys.KeyUtils;
import org.apache.sshd.common.config.keys.OpenSshCertificate;
import org.apache.sshd.common.config.keys.PublicKeyEntry;
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
 * and {@code !}, {@code @revoked}, and {@code @cert-authority}: a host certificate is accepted when
 * a CA listed for the host signed it, it is a host certificate naming the host, and it is valid
 * now. A host with a pinned key must present that key (a certificate of it counts), whoever
 * vouches for another. Keys and certificates that {@code ssh.revoked-host-keys} revokes are refused
 * whatever the file says.
 */
final class PinnedHostKeys implements ServerKeyDatabase {

    private static final Logger LOG = LoggerFactory.getLogger(PinnedHostKeys.class);
    private static final String REVOKED = "revoked";
    private static final String CERT_AUTHORITY = "cert-authority";

    /** A host key refused by {@link #accept}. */
    record Refusal(String host, SourceFailure.HostKeyProblem problem, String offered, List<String> pinned,
                   String detail) {
    }

    /** One usable line of the file. */
    record Pin(List<String> marker, KnownHostEntry entry, PublicKey key) {
        boolean revoked() {
            return marker.contains(REVOKED);
        }

        boolean authority() {
            return marker.contains(CERT_AUTHORITY);
        }

        /** A line that pins a host's own key: neither revoked nor a CA. */
        boolean pin() {
            return marker.isEmpty();
        }
    }

    private final Path file;
    private final Optional<Path> revokedFile;
    private volatile Refusal lastRefusal;

    private PinnedHostKeys(Path file, Optional<Path> revokedFile) {
        this.file = file;
        this.revokedFile = revokedFile;
    }

    /** Reads the file once to report a missing or malformed one before the first connection. */
    static PinnedHostKeys load(Path file) throws GitSourceException {
        return load(file, Optional.empty());
    }

    /**
     * {@link #load(Path)}, also refusing the host keys and certificates {@code revokedFile} revokes
     * ({@code ssh.revoked-host-keys}: a KRL or a list of public keys), read at every connection.
     * A list that cannot be read refuses every key, as OpenSSH's {@code RevokedHostKeys} does.
     */
    static PinnedHostKeys load(Path file, Optional<Path> revokedFile) throws GitSourceException {
        PinnedHostKeys keys = new PinnedHostKeys(file, revokedFile);
        keys.read();
        return keys;
    }

    /** The revocation list as of now, or why it cannot be used. */
    private RevokedKeys revoked() throws IllegalArgumentException {
        return revokedFile.map(RevokedKeys::read).orElse(RevokedKeys.none());
    }

    /**
     * Why {@code key} (a plain key, or a certificate parsed as {@code cert}) must be refused by the
     * revocation list, or empty.
     */
    private Optional<String> revocation(PublicKey key, SshCertificate cert) {
        RevokedKeys revoked;
        try {
            revoked = revoked();
        } catch (IllegalArgumentException e) {
            return Optional.of("ssh.revoked-host-keys " + e.getMessage() + "; no host key is trusted while it cannot"
                + " be read");
        }
        Optional<String> why = cert != null ? revoked.check(cert) : revoked.check(blob(key));
        return why.map(w -> "it is revoked: " + w + " (ssh.revoked-host-keys)");
    }

    /** The key in SSH wire format, as the revocation list names keys. */
    private static byte[] blob(PublicKey key) {
        return Base64.getDecoder().decode(PublicKeyEntry.toString(key).split(" ")[1]);
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
            } catch (NumberFormatException e) {
                throw malformed(i + 1, "a port pattern ([host]:*) is not supported here; list each port ([host]:2222)");
            } catch (RuntimeException e) {
                throw malformed(i + 1, e.getMessage());
            }
            if (entry == null || entry.getKeyEntry() == null) {
                throw malformed(i + 1, "expected: host[,host…] key-type base64-key");
            }
            String marker = entry.getMarker() == null ? "" : entry.getMarker();
            if (!marker.isEmpty() && !marker.equals(REVOKED) && !marker.equals(CERT_AUTHORITY)) {
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
        // Through a jump host JGit connects to a local port forward, and names that in
        // connectAddress; the server it leads to is the unresolved remote address.
        HostPort target = remoteAddress != null && remoteAddress.isUnresolved()
            ? new HostPort(remoteAddress.getHostString(), remoteAddress.getPort()) : HostPort.parse(connectAddress);
        try {
            // Only pinned keys: with none (a host vouched for by a CA) the default order, which
            // puts certificate algorithms first, makes the server present its certificate.
            return read().stream().filter(p -> p.pin() && target.matches(p.entry())).map(Pin::key).toList();
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
        if (serverKey instanceof OpenSshCertificate cert) {
            return acceptCertificate(connectAddress, target, cert, matching);
        }
        String offered = describe(serverKey);
        Optional<String> listed = revocation(serverKey, null);
        if (listed.isPresent()) {
            return refuse(connectAddress, SourceFailure.HostKeyProblem.REVOKED_BY_LIST, offered, List.of(),
                listed.get());
        }
        if (matching.stream().anyMatch(p -> p.revoked() && KeyUtils.compareKeys(p.key(), serverKey))) {
            return refuse(connectAddress, SourceFailure.HostKeyProblem.REVOKED, offered, List.of(), "");
        }
        List<Pin> pinned = matching.stream().filter(Pin::pin).toList();
        if (pinned.stream().anyMatch(p -> KeyUtils.compareKeys(p.key(), serverKey))) {
            return true;
        }
        boolean vouched = pinned.isEmpty() && matching.stream().anyMatch(Pin::authority);
        return refuse(connectAddress,
            pinned.isEmpty() ? SourceFailure.HostKeyProblem.UNKNOWN : SourceFailure.HostKeyProblem.CHANGED,
            offered, pinned.stream().map(p -> describe(p.key())).distinct().toList(),
            vouched ? "it lists a CA for it, but the server presented a plain key, not a host certificate" : "");
    }

    /**
     * A host certificate: accepted for a pinned host only if it certifies the pinned key, otherwise
     * only if a CA listed for the host signed it and it is valid for the host now. Apache MINA has
     * already refused certificates that are not host certificates, expired, or not issued for the
     * name connected to; this checks all of it again, with the CA signature, independently of how
     * the library is configured.
     */
    private boolean acceptCertificate(String connectAddress, HostPort target, OpenSshCertificate cert,
                                      List<Pin> matching) {
        PublicKey hostKey = cert.getCertPubKey();
        PublicKey ca = cert.getCaPubKey();
        String offered = "a host certificate of " + describe(hostKey) + " (\"" + cert.getId() + "\", serial "
            + Long.toUnsignedString(cert.getSerial()) + ") signed by CA key " + describe(ca);
        for (PublicKey k : List.of(hostKey, ca)) {
            if (matching.stream().anyMatch(p -> p.revoked() && KeyUtils.compareKeys(p.key(), k))) {
                return refuse(connectAddress, SourceFailure.HostKeyProblem.REVOKED, offered, List.of(),
                    k == ca ? "its CA key is marked @revoked" : "");
            }
        }
        SshCertificate parsed;
        try {
            parsed = SshCertificate.parse(blob(cert));
        } catch (IllegalArgumentException | ArrayIndexOutOfBoundsException e) {
            return refuse(connectAddress, SourceFailure.HostKeyProblem.INVALID_CERTIFICATE, offered, List.of(),
                "it cannot be read (" + e.getMessage() + ")");
        }
        Optional<String> listed = revocation(cert, parsed);
        if (listed.isPresent()) {
            return refuse(connectAddress, SourceFailure.HostKeyProblem.REVOKED_BY_LIST, offered, List.of(),
                listed.get());
        }
        List<Pin> pinned = matching.stream().filter(Pin::pin).toList();
        if (!pinned.isEmpty()) {
            return pinned.stream().anyMatch(p -> KeyUtils.compareKeys(p.key(), hostKey))
                || refuse(connectAddress, SourceFailure.HostKeyProblem.CHANGED, offered,
                    pinned.stream().map(p -> describe(p.key())).distinct().toList(), "");
        }
        List<Pin> authorities = matching.stream().filter(Pin::authority).toList();
        if (authorities.stream().noneMatch(p -> KeyUtils.compareKeys(p.key(), ca))) {
            return refuse(connectAddress, SourceFailure.HostKeyProblem.UNKNOWN, offered, List.of(),
                authorities.isEmpty() ? "" : "no @cert-authority line names that CA for it; it trusts "
                    + authorities.stream().map(p -> describe(p.key())).distinct().collect(Collectors.joining(", ")));
        }
        String why = parsed.hostProblem(List.of(target.host()), Instant.now());
        if (why == null) {
            String bad = parsed.signatureProblem();
            if (bad != null) {
                why = "its CA signature does not verify (" + bad + "); someone may be intercepting the connection";
            }
        }
        return why == null || refuse(connectAddress, SourceFailure.HostKeyProblem.INVALID_CERTIFICATE, offered,
            List.of(), why);
    }

    /** Records the refusal; always false, so that {@code return refuse(…)} reads as what it does. */
    private boolean refuse(String host, SourceFailure.HostKeyProblem problem, String offered, List<String> pinned,
                           String detail) {
        lastRefusal = new Refusal(host, problem, offered, pinned, detail);
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
