package dev.driftless.reconciler.runtime.docker;

import java.math.BigDecimal;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * Resource limits of a container; each absent limit is left to Docker's default.
 *
 * @param memoryBytes hard memory limit ({@code --memory}, bytes)
 * @param cpus        CPU quota in cores ({@code --cpus}, e.g. 0.5)
 * @param nofile      open-files limit, soft and hard ({@code --ulimit nofile=n:n})
 */
public record Resources(OptionalLong memoryBytes, Optional<BigDecimal> cpus, OptionalLong nofile) {

    public Resources {
        Objects.requireNonNull(memoryBytes, "memoryBytes");
        Objects.requireNonNull(cpus, "cpus");
        Objects.requireNonNull(nofile, "nofile");
        if (memoryBytes.isPresent() && memoryBytes.getAsLong() < 6 * 1024 * 1024) {
            throw new IllegalArgumentException("memory limit must be at least 6 MiB (Docker's minimum), got "
                + memoryBytes.getAsLong() + " bytes");
        }
        if (cpus.isPresent() && cpus.get().signum() <= 0) {
            throw new IllegalArgumentException("cpus must be positive, got " + cpus.get().toPlainString());
        }
        if (nofile.isPresent() && nofile.getAsLong() < 1) {
            throw new IllegalArgumentException("nofile must be positive, got " + nofile.getAsLong());
        }
    }

    /** No limits. */
    public static Resources none() {
        return new Resources(OptionalLong.empty(), Optional.empty(), OptionalLong.empty());
    }
}
