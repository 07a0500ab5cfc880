package dev.driftless.reconciler.observe;

import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * What every host runs now, as one value: per host (in inventory order) either its managed
 * containers or why it could not be observed. Input to the planner and to {@code driftless status}.
 *
 * @param hosts per host name, its observation
 * @param took  wall-clock time of the whole observation
 */
public record Observation(Map<String, HostObservation> hosts, Duration took) {

    public Observation {
        hosts = Collections.unmodifiableMap(new LinkedHashMap<>(hosts));
        Objects.requireNonNull(took, "took");
    }

    public Optional<HostObservation> host(String name) {
        return Optional.ofNullable(hosts.get(name));
    }

    public List<HostObservation.Reachable> reachable() {
        return hosts.values().stream()
            .filter(HostObservation.Reachable.class::isInstance)
            .map(HostObservation.Reachable.class::cast)
            .toList();
    }

    public List<HostObservation.Unreachable> unreachable() {
        return hosts.values().stream()
            .filter(HostObservation.Unreachable.class::isInstance)
            .map(HostObservation.Unreachable.class::cast)
            .toList();
    }
}
