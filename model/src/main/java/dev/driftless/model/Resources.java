package dev.driftless.model;

import java.util.Objects;
import java.util.Optional;

/**
 * Limits for one instance; an empty field means no limit.
 *
 * @param memoryBytes hard memory limit in bytes
 * @param cpus CPU share, e.g. 0.5 for half a core
 * @param nofile limit on open files (soft and hard)
 */
public record Resources(Optional<Long> memoryBytes, Optional<Double> cpus, Optional<Long> nofile) {

    /** No limits. */
    public static final Resources NONE = new Resources(Optional.empty(), Optional.empty(), Optional.empty());

    public Resources {
        Objects.requireNonNull(memoryBytes, "memoryBytes");
        Objects.requireNonNull(cpus, "cpus");
        Objects.requireNonNull(nofile, "nofile");
    }
}
