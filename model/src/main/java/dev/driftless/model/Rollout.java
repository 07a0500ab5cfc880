package dev.driftless.model;

import java.util.Objects;

/**
 * How a change reaches a service's instances: {@code batch} instances at a time (across all
 * hosts), each batch health-gated, in the given order; on a failed batch the previous version is
 * restored when {@code autoRollback} is set.
 */
public record Rollout(int batch, RolloutOrder order, boolean autoRollback) {

    /** One at a time, stop-first (safe with fixed host ports), rolling back on failure. */
    public static final Rollout DEFAULT = new Rollout(1, RolloutOrder.STOP_FIRST, true);

    public Rollout {
        Objects.requireNonNull(order, "order");
        if (batch < 1) {
            throw new IllegalArgumentException("batch must be at least 1");
        }
    }
}
