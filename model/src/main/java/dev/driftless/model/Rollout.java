package dev.driftless.model;

import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * How a change reaches a service's instances: {@code batch} hosts at a time, or
 * {@code batchPercent} per cent of the service's hosts (rounded up), each batch health-gated, in
 * the given order; on a failed batch the previous version is restored when {@code autoRollback}
 * is set. A {@code preDeploy} job, if any, runs once before a new spec reaches the first instance.
 *
 * @param batch        hosts per batch; ignored when {@code batchPercent} is set
 * @param batchPercent 1 to 100: a share of the hosts the service runs on instead of a count
 */
public record Rollout(int batch, RolloutOrder order, boolean autoRollback, Optional<PreDeploy> preDeploy,
                      OptionalInt batchPercent) {

    /** One at a time, stop-first (safe with fixed host ports), rolling back on failure. */
    public static final Rollout DEFAULT = new Rollout(1, RolloutOrder.STOP_FIRST, true);

    public Rollout {
        Objects.requireNonNull(order, "order");
        Objects.requireNonNull(preDeploy, "preDeploy");
        Objects.requireNonNull(batchPercent, "batchPercent");
        if (batch < 1) {
            throw new IllegalArgumentException("batch must be at least 1");
        }
        batchPercent.ifPresent(p -> {
            if (p < 1 || p > 100) {
                throw new IllegalArgumentException("batchPercent must be between 1 and 100");
            }
        });
    }

    /** A rollout of {@code batch} hosts at a time. */
    public Rollout(int batch, RolloutOrder order, boolean autoRollback, Optional<PreDeploy> preDeploy) {
        this(batch, order, autoRollback, preDeploy, OptionalInt.empty());
    }

    /** A rollout of {@code batch} hosts at a time, without a pre-deploy job. */
    public Rollout(int batch, RolloutOrder order, boolean autoRollback) {
        this(batch, order, autoRollback, Optional.empty());
    }

    /**
     * Hosts per batch for a service that runs on {@code hosts} hosts: {@code batch}, or
     * {@code batchPercent} of them rounded up, and at least one.
     */
    public int batchSize(int hosts) {
        if (batchPercent.isEmpty()) {
            return batch;
        }
        return Math.max(1, (int) ((Math.max(0, hosts) * (long) batchPercent.getAsInt() + 99) / 100));
    }
}
