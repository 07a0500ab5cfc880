package dev.driftless.reconciler.runtime.docker;

import java.util.Objects;

/**
 * What dockerd does when a container exits or the host reboots ({@code --restart}).
 *
 * @param mode       the policy
 * @param maxRetries for {@code on-failure} only: give up after this many restarts (0 = never give up)
 */
public record RestartPolicy(Mode mode, int maxRetries) {

    /** Docker's restart policies. */
    public enum Mode { NO, ALWAYS, UNLESS_STOPPED, ON_FAILURE }

    public RestartPolicy {
        Objects.requireNonNull(mode, "mode");
        if (maxRetries < 0 || (maxRetries > 0 && mode != Mode.ON_FAILURE)) {
            throw new IllegalArgumentException("maxRetries applies to on-failure only and must not be negative");
        }
    }

    /** Restarted after crashes and reboots, but not after driftless (or anyone) stopped it. */
    public static RestartPolicy unlessStopped() {
        return new RestartPolicy(Mode.UNLESS_STOPPED, 0);
    }

    /** The value of {@code --restart}. */
    public String render() {
        return switch (mode) {
            case NO -> "no";
            case ALWAYS -> "always";
            case UNLESS_STOPPED -> "unless-stopped";
            case ON_FAILURE -> maxRetries == 0 ? "on-failure" : "on-failure:" + maxRetries;
        };
    }
}
