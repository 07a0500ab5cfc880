package dev.driftless.reconciler.history;

import java.time.Instant;
import java.util.Objects;

/** How one service fared in one recorded reconcile. */
public record ServiceResult(String service, ServiceOutcome result, String message, Instant recordedAt) {

    public ServiceResult {
        Objects.requireNonNull(service, "service");
        Objects.requireNonNull(result, "result");
        Objects.requireNonNull(message, "message");
        Objects.requireNonNull(recordedAt, "recordedAt");
    }
}
