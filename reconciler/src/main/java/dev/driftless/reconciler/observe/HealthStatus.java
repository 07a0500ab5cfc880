package dev.driftless.reconciler.observe;

import java.util.Locale;

/** A container's health as its runtime health check reports it; {@link #NONE} when it has no check. */
public enum HealthStatus {
    NONE, STARTING, HEALTHY, UNHEALTHY;

    /** Maps Docker's {@code State.Health.Status}; absent or unknown is {@link #NONE}. */
    public static HealthStatus fromDocker(String status) {
        return switch (status == null ? "" : status.toLowerCase(Locale.ROOT)) {
            case "starting" -> STARTING;
            case "healthy" -> HEALTHY;
            case "unhealthy" -> UNHEALTHY;
            default -> NONE;
        };
    }

    /** Lower-case, as {@code driftless status} prints it. */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
