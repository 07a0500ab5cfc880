package dev.driftless.model;

import java.util.Objects;
import java.util.Optional;
import java.util.SortedMap;

/**
 * Where a service's containers send their output, and how it is kept: Docker's log driver and
 * its options ({@code docker run --log-driver --log-opt}), e.g. rotation of the default json-file
 * log with {@code max-size} and {@code max-file}.
 *
 * @param driver  the log driver; the host's dockerd default when empty
 * @param options driver options, as written
 */
public record Logging(Optional<String> driver, SortedMap<String, String> options) {

    public Logging {
        Objects.requireNonNull(driver, "driver");
        options = Immutables.sortedMap(options);
    }
}
