package dev.driftless.reconciler.plan;

import dev.driftless.model.Instance;
import dev.driftless.reconciler.observe.ObservedContainer;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * One line of a plan: an action on one instance of a service on one host, and why.
 *
 * @param service  the service
 * @param host     the host's inventory name
 * @param instance the instance name on that host (e.g. {@code api-1})
 * @param action   what apply does
 * @param reasons  what differs, in words ops can act on ("image 1.4.1 → 1.4.2", "container exited 3 min ago")
 * @param desired  the instance wanted there (absent for removals and unknown hosts)
 * @param observed the container found there (absent for creates)
 */
public record PlannedChange(
        String service,
        String host,
        String instance,
        Action action,
        List<String> reasons,
        Optional<Instance> desired,
        Optional<ObservedContainer> observed) {

    public PlannedChange {
        Objects.requireNonNull(service, "service");
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(instance, "instance");
        Objects.requireNonNull(action, "action");
        reasons = List.copyOf(reasons);
        Objects.requireNonNull(desired, "desired");
        Objects.requireNonNull(observed, "observed");
    }

    /** The reasons as one phrase. */
    public String reason() {
        return String.join("; ", reasons);
    }

    /** The version (image tag; for a systemd unit the start of its fingerprint) running now, if any. */
    public Optional<String> fromVersion() {
        return observed.map(ObservedContainer::version);
    }

    /** The version (image tag; for a systemd unit the start of its fingerprint) wanted, if any. */
    public Optional<String> toVersion() {
        return desired.map(i -> i.service().image().map(ObservedContainer::imageVersion)
            .orElseGet(() -> ObservedContainer.fingerprintVersion(i.fingerprint())));
    }
}
