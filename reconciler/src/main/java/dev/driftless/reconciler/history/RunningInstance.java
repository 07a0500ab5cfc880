package dev.driftless.reconciler.history;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * What history says runs for a service on a host, and since when: "which version of api runs on
 * app-2 since when". Derived from the succeeded steps that put it there.
 *
 * @param commit      the commit whose spec put this fingerprint there first
 * @param since       when the step that put this fingerprint there ended
 * @param reconcileId the reconcile of that step
 */
public record RunningInstance(
    String service,
    String host,
    String instance,
    String fingerprint,
    Optional<String> image,
    String commit,
    Instant since,
    long reconcileId) {

    public RunningInstance {
        Objects.requireNonNull(service, "service");
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(instance, "instance");
        Objects.requireNonNull(fingerprint, "fingerprint");
        Objects.requireNonNull(image, "image");
        Objects.requireNonNull(commit, "commit");
        Objects.requireNonNull(since, "since");
    }
}
