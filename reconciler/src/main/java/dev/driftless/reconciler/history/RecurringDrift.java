package dev.driftless.reconciler.history;

import java.time.Instant;
import java.util.Objects;

/**
 * An instance whose drift came back after driftless repaired it: something on the host (the
 * program itself, a configuration tool) keeps changing what driftless placed. Told once per run
 * of repairs in a row, when the drift is first found back; further repairs back off.
 *
 * @param drift      what observation found changed, e.g. {@code file /etc/api/config.yaml changed on the host}
 *                   (paths and names only, never a content)
 * @param repairs    the repairs made in a row so far
 * @param nextRepair when the next repair may run
 */
public record RecurringDrift(String environment, String service, String host, String instance, String drift,
                             int repairs, Instant nextRepair) {

    public RecurringDrift {
        Objects.requireNonNull(environment, "environment");
        Objects.requireNonNull(service, "service");
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(instance, "instance");
        Objects.requireNonNull(drift, "drift");
        Objects.requireNonNull(nextRepair, "nextRepair");
    }
}
