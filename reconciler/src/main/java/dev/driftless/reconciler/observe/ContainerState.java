package dev.driftless.reconciler.observe;

import java.util.Locale;

/** A container's lifecycle state as the runtime reports it. */
public enum ContainerState {
    CREATED, RUNNING, PAUSED, RESTARTING, REMOVING, EXITED, DEAD, UNKNOWN;

    /** Maps Docker's {@code State.Status} string; anything new is {@link #UNKNOWN}. */
    public static ContainerState fromDocker(String status) {
        try {
            return valueOf(status.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            return UNKNOWN;
        }
    }

    /** Lower-case, as Docker and {@code driftless status} print it. */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
