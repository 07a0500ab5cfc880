package dev.driftless.reconciler.ssh;

import dev.driftless.reconciler.sshkeys.RevokedKeys;
import dev.driftless.reconciler.sshkeys.SshCertificate;
import java.time.Instant;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Decides whether the key a host offers is the one pinned for it — by the inventory's
 * {@code hostKey}, else by known_hosts under the host's address or name. Anything else is refused
 * with the offered fingerprint and how to pin it; nothing is trusted on first use.
 */
public final class HostKeyPolicy {

    private final KnownHosts knownHosts;
    private final boolean knownHostsConfigured;
    private final RevokedKeys revoked;

    /**
     * @param knownHosts           the known_hosts pins (possibly empty)
     * @param knownHostsConfigured whether a known_hosts file was configured, for the advice in messages
     */
    public HostKeyPolicy(KnownHosts knownHosts, boolean knownHostsConfigured) {
        this(knownHosts, knownHostsConfigured, RevokedKeys.none());
    }

    /** @param revoked the host keys and certificates {@code ssh.revoked-host-keys} revokes */
    public HostKeyPolicy(KnownHosts knownHosts, boolean knownHostsConfigured, RevokedKeys revoked) {
        this.knownHosts = knownHosts;
        this.knownHostsConfigured = knownHostsConfigured;
        this.revoked = revoked;
    }

    /** Empty when {@code offered} is pinned for {@code target}; else why it is refused. */
    public Optional<HostFailure> check(HostTarget target, HostKey offered) {
        Optional<KnownHosts.Entry> revoked = knownHosts.revocationOf(offered);
        if (revoked.isPresent()) {
            return Optional.of(new HostFailure(target.name(), HostFailure.Kind.HOST_KEY_REVOKED,
                "host " + target.name() + " (" + where(target) + ") offered host key " + offered.describe()
                    + ", which " + knownHosts.source() + ":" + revoked.get().line()
                    + " marks @revoked; refused. Replace the host's key and pin the new one."));
        }
        Optional<String> revocation = this.revoked.check(offered.blob());
        if (revocation.isPresent()) {
            return Optional.of(new HostFailure(target.name(), HostFailure.Kind.HOST_KEY_REVOKED,
                "host " + target.name() + " (" + where(target) + ") offered host key " + offered.describe()
                    + ", which is revoked: " + revocation.get() + " (ssh.revoked-host-keys); refused. Replace the"
                    + " host's key and pin the new one."));
        }
        Optional<HostKey> pin = target.pinnedKey();
        if (pin.isPresent()) {
            if (pin.get().sameKey(offered)) {
                return Optional.empty();
            }
            return Optional.of(changed(target, offered, pin.get().describe() + " from the inventory's hostKey"));
        }
        List<KnownHosts.Entry> pins = knownHosts.pinsFor(names(target), target.port());
        if (pins.isEmpty()) {
            return Optional.of(unknown(target, offered));
        }
        if (pins.stream().anyMatch(e -> e.key().sameKey(offered))) {
            return Optional.empty();
        }
        String pinned = pins.stream()
            .map(e -> e.key().describe() + " at " + knownHosts.source() + ":" + e.line())
            .collect(Collectors.joining(", "));
        return Optional.of(changed(target, offered, pinned));
    }

    /**
     * Empty when {@code cert}, the host certificate {@code target} offered, is trusted: a host
     * certificate signed by a CA that a {@code @cert-authority} line of known_hosts names for the
     * host, with the CA's signature intact, valid at {@code now}, and issued for the host's address
     * or inventory name (a principal may use {@code *} and {@code ?}); or a certificate of the very
     * key pinned for the host. Else why it is refused.
     */
    public Optional<HostFailure> checkCertificate(HostTarget target, SshCertificate cert, Instant now) {
        HostKey key = HostKey.ofBlob(cert.plainKey());
        HostKey ca;
        try {
            ca = HostKey.ofBlob(cert.signatureKey());
        } catch (IllegalArgumentException e) {
            return Optional.of(new HostFailure(target.name(), HostFailure.Kind.HOST_KEY_UNKNOWN, "host " + target.name()
                + " (" + where(target) + ") offered a host certificate whose CA key driftless cannot use: "
                + e.getMessage()));
        }
        String offered = "a host certificate of " + key.describe() + " (\"" + cert.keyId() + "\", serial "
            + Long.toUnsignedString(cert.serial()) + ") signed by CA key " + ca.fingerprint();
        for (HostKey k : List.of(key, ca)) {
            Optional<KnownHosts.Entry> revoked = knownHosts.revocationOf(k);
            if (revoked.isPresent()) {
                return Optional.of(new HostFailure(target.name(), HostFailure.Kind.HOST_KEY_REVOKED,
                    "host " + target.name() + " (" + where(target) + ") offered " + offered + ", and "
                        + knownHosts.source() + ":" + revoked.get().line() + " marks " + (k == ca ? "that CA key" : "its key")
                        + " @revoked; refused."));
            }
        }
        Optional<String> revocation = this.revoked.check(cert);
        if (revocation.isPresent()) {
            return Optional.of(new HostFailure(target.name(), HostFailure.Kind.HOST_KEY_REVOKED,
                "host " + target.name() + " (" + where(target) + ") offered " + offered + ", which is revoked: "
                    + revocation.get() + " (ssh.revoked-host-keys); refused."));
        }
        if (target.pinnedKey().isPresent() || !knownHosts.pinsFor(names(target), target.port()).isEmpty()) {
            // A pinned host: the certificate's key must be the pinned key, whoever signed it.
            return check(target, key);
        }
        List<KnownHosts.Entry> authorities = knownHosts.authoritiesFor(names(target), target.port());
        if (authorities.stream().noneMatch(e -> e.key().sameKey(ca))) {
            return Optional.of(new HostFailure(target.name(), HostFailure.Kind.HOST_KEY_UNKNOWN,
                "host " + target.name() + " (" + where(target) + ") offered " + offered + ", but no @cert-authority"
                    + " line of " + knownHosts.source() + " names that CA for " + KnownHosts.lookupName(target.address(),
                    target.port()) + (authorities.isEmpty() ? "" : " (it trusts " + authorities.stream()
                    .map(e -> e.key().fingerprint() + " at line " + e.line()).collect(Collectors.joining(", ")) + ")")
                    + "; driftless never trusts a host key on first use."));
        }
        String why = cert.hostProblem(names(target), now);
        if (why == null) {
            String bad = cert.signatureProblem();
            if (bad != null) {
                return Optional.of(new HostFailure(target.name(), HostFailure.Kind.HOST_KEY_CHANGED,
                    "host " + target.name() + " (" + where(target) + ") offered " + offered + ", whose CA signature"
                        + " does not verify (" + bad + "); refused. Someone may be intercepting the connection."));
            }
        }
        if (why != null) {
            return Optional.of(new HostFailure(target.name(), HostFailure.Kind.HOST_KEY_UNKNOWN,
                "host " + target.name() + " (" + where(target) + ") offered " + offered + ", which is not valid for"
                    + " it: " + why + "; refused."));
        }
        return Optional.empty();
    }

    /**
     * The host key algorithms to ask {@code target} for: those of its pinned keys, so that a host
     * with several keys offers the pinned one; host certificates when only a CA vouches for it.
     * Empty when nothing is pinned.
     */
    public List<String> preferredAlgorithms(HostTarget target) {
        Set<String> algorithms = new LinkedHashSet<>();
        target.pinnedKey().ifPresentOrElse(
            k -> algorithms.addAll(k.signatureAlgorithms()),
            () -> knownHosts.pinsFor(names(target), target.port())
                .forEach(e -> algorithms.addAll(e.key().signatureAlgorithms())));
        if (algorithms.isEmpty() && !knownHosts.authoritiesFor(names(target), target.port()).isEmpty()) {
            algorithms.addAll(CERTIFICATE_ALGORITHMS);
        }
        return List.copyOf(algorithms);
    }

    /** The host certificate algorithms driftless speaks, in OpenSSH's order (RSA with SHA-2 only: see SharedSshConfig). */
    static final List<String> CERTIFICATE_ALGORITHMS = List.of("ssh-ed25519-cert-v01@openssh.com",
        "ecdsa-sha2-nistp256-cert-v01@openssh.com", "ecdsa-sha2-nistp384-cert-v01@openssh.com",
        "ecdsa-sha2-nistp521-cert-v01@openssh.com", SharedSshConfig.RSA_SHA512_CERT, SharedSshConfig.RSA_SHA256_CERT);

    private HostFailure unknown(HostTarget target, HostKey offered) {
        String line = KnownHosts.lookupName(target.address(), target.port()) + " " + offered.toOpenSsh();
        String knownHostsAdvice = knownHostsConfigured
            ? "or add this line to " + knownHosts.source() + ": " + line
            : "or configure a known_hosts file containing: " + line;
        return new HostFailure(target.name(), HostFailure.Kind.HOST_KEY_UNKNOWN,
            "host " + target.name() + " (" + where(target) + ") offered host key " + offered.describe()
                + ", which is not pinned; driftless never trusts a host key on first use. Compare it with "
                + "`ssh-keygen -lf /etc/ssh/ssh_host_" + fileStem(offered) + "_key.pub` run on the host, and if "
                + "they match pin it: set hostKey: \"" + offered.toOpenSsh() + "\" for " + target.name()
                + " in the inventory, " + knownHostsAdvice);
    }

    private HostFailure changed(HostTarget target, HostKey offered, String pinned) {
        return new HostFailure(target.name(), HostFailure.Kind.HOST_KEY_CHANGED,
            "host " + target.name() + " (" + where(target) + ") offered host key " + offered.describe()
                + ", but the key pinned for it is " + pinned + "; refused. Someone may be intercepting the "
                + "connection, or the host was reinstalled: if its key changed legitimately, check the new "
                + "fingerprint on the host and update the pin.");
    }

    private static List<String> names(HostTarget target) {
        return List.of(target.address(), target.name());
    }

    private static String where(HostTarget target) {
        String host = target.address().indexOf(':') >= 0 ? "[" + target.address() + "]" : target.address();
        return host + ":" + target.port();
    }

    private static String fileStem(HostKey key) {
        return switch (key.displayType()) {
            case "ED25519" -> "ed25519";
            case "RSA" -> "rsa";
            case "DSA" -> "dsa";
            default -> "ecdsa";
        };
    }
}
