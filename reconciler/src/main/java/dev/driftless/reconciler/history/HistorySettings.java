package dev.driftless.reconciler.history;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * Where deployment history lives: an explicit JDBC URL (PostgreSQL, or an H2 URL for tests) or,
 * by default, an embedded H2 file in the daemon's state directory.
 *
 * @param jdbcUrl      {@code jdbc:postgresql://…} or {@code jdbc:h2:…}; empty means the embedded
 *                     H2 file {@code <stateDir>/history.mv.db}
 * @param stateDir     the daemon's state directory (holds the H2 file)
 * @param user         database user; empty means the driver default ({@code sa} for H2)
 * @param passwordFile file whose first line is the database password; never the password itself,
 *                     so it cannot leak through a command line or a config dump
 * @param abandonAfter PostgreSQL: how long a RUNNING reconcile may go without its daemon's
 *                     heartbeat before another daemon counts it abandoned (its daemon lost the
 *                     reconcile lease but may still finish a host step meanwhile); every daemon of
 *                     a cluster must use the same value. Unused on H2
 */
public record HistorySettings(
    Optional<String> jdbcUrl, Path stateDir, Optional<String> user, Optional<Path> passwordFile,
    Duration abandonAfter) {

    /** The default of {@link #abandonAfter}. */
    public static final Duration DEFAULT_ABANDON_AFTER = Duration.ofSeconds(30);
    /** The shortest {@link #abandonAfter}: six heartbeats must fit in it, and a busy database pause. */
    public static final Duration MIN_ABANDON_AFTER = Duration.ofSeconds(10);

    public HistorySettings {
        Objects.requireNonNull(jdbcUrl, "jdbcUrl");
        Objects.requireNonNull(stateDir, "stateDir");
        Objects.requireNonNull(user, "user");
        Objects.requireNonNull(passwordFile, "passwordFile");
        Objects.requireNonNull(abandonAfter, "abandonAfter");
        if (abandonAfter.compareTo(MIN_ABANDON_AFTER) < 0) {
            throw new IllegalArgumentException("abandon-after must be at least " + MIN_ABANDON_AFTER.toSeconds()
                + " s, was " + abandonAfter);
        }
    }

    /** Settings with the default {@link #abandonAfter}. */
    public HistorySettings(Optional<String> jdbcUrl, Path stateDir, Optional<String> user, Optional<Path> passwordFile) {
        this(jdbcUrl, stateDir, user, passwordFile, DEFAULT_ABANDON_AFTER);
    }

    /** The default: an embedded H2 file in {@code stateDir}, no password. */
    public static HistorySettings embedded(Path stateDir) {
        return new HistorySettings(Optional.empty(), stateDir, Optional.empty(), Optional.empty());
    }

    /** These settings with another {@link #abandonAfter}. */
    public HistorySettings withAbandonAfter(Duration value) {
        return new HistorySettings(jdbcUrl, stateDir, user, passwordFile, value);
    }
}
