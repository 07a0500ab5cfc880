package dev.driftless.reconciler.ssh;

/** Hands out the {@link HostSession} for a host; the SSH pool in production, fakes in tests. */
@FunctionalInterface
public interface HostSessions {

    /** The session for {@code target}; cheap, connects lazily on first use. */
    HostSession session(HostTarget target);

    /** Forgets hosts that are no longer in the inventory (closing their connections); a no-op by default. */
    default void retainOnly(java.util.Collection<HostTarget> targets) {
    }
}
