package dev.driftless.reconciler.history;

import java.nio.file.Path;
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
 */
public record HistorySettings(
    Optional<String> jdbcUrl, Path stateDir, Optional<String> user, Optional<Path> passwordFile) {

    public HistorySettings {
        Objects.requireNonNull(jdbcUrl, "jdbcUrl");
        Objects.requireNonNull(stateDir, "stateDir");
        Objects.requireNonNull(user, "user");
        Objects.requireNonNull(passwordFile, "passwordFile");
    }

    /** The default: an embedded H2 file in {@code stateDir}, no password. */
    public static HistorySettings embedded(Path stateDir) {
        return new HistorySettings(Optional.empty(), stateDir, Optional.empty(), Optional.empty());
    }
}
