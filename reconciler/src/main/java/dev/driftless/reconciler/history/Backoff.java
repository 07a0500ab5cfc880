package dev.driftless.reconciler.history;

import java.time.Instant;
import java.util.Objects;

/**
 * How a repair that keeps failing is held back: after {@code failures} failures in a row, the next
 * attempt waits until {@code notBefore}.
 */
public record Backoff(int failures, Instant notBefore) {

    public Backoff {
        Objects.requireNonNull(notBefore, "notBefore");
        if (failures < 1) {
            throw new IllegalArgumentException("a backoff follows at least one failure, got " + failures);
        }
    }
}
