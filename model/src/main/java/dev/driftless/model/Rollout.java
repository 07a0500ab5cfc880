package dev.driftless.model;

import java.util.Objects;
import java.util.Optional;

/**
 * How a change reaches a service's instances: {@code batch} instances at a time (across all
 * hosts), each batch health-gated, in the given order; on a failed batch the previous version is
 * restored when {@code autoRollback} is set. A {@code preDeploy} job, if any, runs once before a
 * new spec reaches the first instance.
 */
public record Rollout(int batch, RolloutOrder order, boolean autoRollback, Optional<PreDeploy> preDeploy) {

    /** One at a time, stop-first (safe with fixed host ports), rolling back on failure. */
    public static final Rollout DEFAULT = new Rollout(1, RolloutOrder.STOP_FIRST, true);

    public Rollout {
        Objects.requireNonNull(order, "order");
        Objects.requireNonNull(preDeploy, "preDeploy");
        if (batch < 1) {
            throw new IllegalArgumentException("batch must be at least 1");
        }
    }

    /** A rollout without a pre-deploy job. */
    public Rollout(int batch, RolloutOrder order, boolean autoRollback) {
        this(batch, order, autoRollback, Optional.empty());
    }
}
