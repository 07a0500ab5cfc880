package dev.driftless.reconciler.ssh;

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

    /**
     * @param knownHosts           the known_hosts pins (possibly empty)
     * @param knownHostsConfigured whether a known_hosts file was configured, for the advice in messages
     */
    public HostKeyPolicy(KnownHosts knownHosts, boolean knownHostsConfigured) {
        this.knownHosts = knownHosts;
        this.knownHostsConfigured = knownHostsConfigured;
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
     * The host key algorithms to ask {@code target} for: those of its pinned keys, so that a host
     * with several keys offers the pinned one. Empty when nothing is pinned.
     */
    public List<String> preferredAlgorithms(HostTarget target) {
        Set<String> algorithms = new LinkedHashSet<>();
        target.pinnedKey().ifPresentOrElse(
            k -> algorithms.addAll(k.signatureAlgorithms()),
            () -> knownHosts.pinsFor(names(target), target.port())
                .forEach(e -> algorithms.addAll(e.key().signatureAlgorithms())));
        return List.copyOf(algorithms);
    }

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
