package dev.driftless.reconciler.history;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/** One recorded instance-level step of a reconcile, as stored. */
public record StepRecord(
    long id,
    long reconcileId,
    String service,
    String host,
    String instance,
    StepAction action,
    String reason,
    Optional<String> fromFingerprint,
    Optional<String> toFingerprint,
    Optional<String> fromImage,
    Optional<String> toImage,
    StepOutcome outcome,
    Instant startedAt,
    Optional<Instant> endedAt,
    Optional<Duration> duration,
    Optional<String> message) {

    public StepRecord {
        Objects.requireNonNull(service, "service");
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(instance, "instance");
        Objects.requireNonNull(action, "action");
        Objects.requireNonNull(reason, "reason");
        Objects.requireNonNull(fromFingerprint, "fromFingerprint");
        Objects.requireNonNull(toFingerprint, "toFingerprint");
        Objects.requireNonNull(fromImage, "fromImage");
        Objects.requireNonNull(toImage, "toImage");
        Objects.requireNonNull(outcome, "outcome");
        Objects.requireNonNull(startedAt, "startedAt");
        Objects.requireNonNull(endedAt, "endedAt");
        Objects.requireNonNull(duration, "duration");
        Objects.requireNonNull(message, "message");
    }
}
