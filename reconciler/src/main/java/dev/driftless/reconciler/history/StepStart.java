package dev.driftless.reconciler.history;

import java.util.Objects;
import java.util.Optional;

/**
 * One instance-level action the engine is about to run: handed to {@link HistoryStore#beginStep}.
 *
 * @param service         service name
 * @param host            host name
 * @param instance        instance name (unique per service and host)
 * @param action          what the step does
 * @param reason          why, in words ops read: "image 1.4.1 → 1.4.2", "container exited"
 * @param fromFingerprint fingerprint of what ran before, if anything
 * @param toFingerprint   fingerprint of what runs after, if anything
 * @param fromImage       image that ran before, if anything
 * @param toImage         image that runs after, if anything
 */
public record StepStart(
    String service,
    String host,
    String instance,
    StepAction action,
    String reason,
    Optional<String> fromFingerprint,
    Optional<String> toFingerprint,
    Optional<String> fromImage,
    Optional<String> toImage) {

    public StepStart {
        Objects.requireNonNull(service, "service");
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(instance, "instance");
        Objects.requireNonNull(action, "action");
        Objects.requireNonNull(reason, "reason");
        Objects.requireNonNull(fromFingerprint, "fromFingerprint");
        Objects.requireNonNull(toFingerprint, "toFingerprint");
        Objects.requireNonNull(fromImage, "fromImage");
        Objects.requireNonNull(toImage, "toImage");
    }
}
