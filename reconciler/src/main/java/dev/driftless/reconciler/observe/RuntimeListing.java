package dev.driftless.reconciler.observe;

import java.util.List;
import java.util.Objects;

/**
 * What one host's runtime listed: its version and the managed containers.
 *
 * @param runtimeVersion e.g. the Docker server version
 * @param containers     managed containers only
 */
public record RuntimeListing(String runtimeVersion, List<ObservedContainer> containers) {
    public RuntimeListing {
        Objects.requireNonNull(runtimeVersion, "runtimeVersion");
        containers = List.copyOf(containers);
    }
}
