package dev.driftless.reconciler.ssh;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * The jump hosts a host is reached through, in order, as OpenSSH's {@code ProxyJump a,b}: driftless
 * logs in to the first, reaches the second through it, and so on; the host's own SSH session runs
 * inside a channel of the last one, end to end. Each hop's key is pinned like any host's.
 *
 * @param hops one or more, the first the one driftless connects to directly
 */
public record JumpRoute(List<JumpHost> hops) {

    /** More hops than any network needs; a longer chain is a mistake. */
    public static final int MAX_HOPS = 5;

    public JumpRoute {
        hops = List.copyOf(hops);
        if (hops.isEmpty() || hops.size() > MAX_HOPS) {
            throw new IllegalArgumentException("a jump route has 1 to " + MAX_HOPS + " jump hosts, got " + hops.size());
        }
    }

    /** A route of one jump host. */
    public static JumpRoute of(JumpHost hop) {
        return new JumpRoute(List.of(hop));
    }

    /**
     * Reads {@code user@host[:port]}, or a chain of them separated by commas ({@code
     * ops@bastion,ops@inner:2222}), as OpenSSH's {@code ProxyJump}.
     *
     * @throws IllegalArgumentException saying what is wrong
     */
    public static JumpRoute parse(String text) {
        List<JumpHost> hops = new ArrayList<>();
        for (String hop : text.split(",", -1)) {
            if (hop.isBlank()) {
                throw new IllegalArgumentException("an empty jump host in \"" + text + "\"");
            }
            hops.add(JumpHost.parse(hop));
        }
        if (hops.size() > MAX_HOPS) {
            throw new IllegalArgumentException("at most " + MAX_HOPS + " jump hosts in a chain, got " + hops.size());
        }
        return new JumpRoute(hops);
    }

    /** The jump host the target's connection is opened from. */
    public JumpHost last() {
        return hops.getLast();
    }

    /** The route to {@link #last()}: empty when it is reached directly. */
    public Optional<JumpRoute> before() {
        return hops.size() == 1 ? Optional.empty() : Optional.of(new JumpRoute(hops.subList(0, hops.size() - 1)));
    }

    @Override
    public String toString() {
        return hops.stream().map(JumpHost::toString).collect(Collectors.joining(","));
    }
}
