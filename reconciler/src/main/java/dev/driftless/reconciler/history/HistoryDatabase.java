package dev.driftless.reconciler.history;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.FlywayException;

/** Connects to the history database named by {@link HistorySettings} and migrates its schema. */
final class HistoryDatabase {

    /** The databases driftless supports; each may add its own Flyway location. */
    enum Kind {
        H2("jdbc:h2:"),
        POSTGRESQL("jdbc:postgresql:");

        private final String urlPrefix;

        Kind(String urlPrefix) {
            this.urlPrefix = urlPrefix;
        }

        static Kind of(String url) {
            for (Kind kind : values()) {
                if (url.regionMatches(true, 0, kind.urlPrefix, 0, kind.urlPrefix.length())) {
                    return kind;
                }
            }
            throw new IllegalArgumentException("unsupported history database URL " + display(url)
                + ": driftless stores history in H2 (jdbc:h2:…) or PostgreSQL (jdbc:postgresql:…)");
        }
    }

    /** Portable history DDL, applied everywhere. */
    static final String COMMON_MIGRATIONS = "classpath:db/migration/common";
    /** PostgreSQL-only migrations: the Quartz cluster tables. */
    static final String POSTGRESQL_MIGRATIONS = "classpath:db/migration/postgresql";

    /**
     * The embedded default. AUTO_SERVER lets {@code driftless history} read while the daemon holds
     * the file: the first process opens it embedded and serves the others over TCP, on loopback
     * only (see {@link #BIND_ADDRESS}), to clients that know the random key H2 keeps in the lock
     * file beside the database (so: whoever can read the state directory). WRITE_DELAY=0 writes
     * each commit to the file at once; without it a kill -9 right after a write lost the record
     * in every try (H2 otherwise delays writes by up to half a second).
     */
    static final String H2_FILE_OPTIONS = ";AUTO_SERVER=TRUE;WRITE_DELAY=0";

    /** The embedded database's name in the state directory; H2 adds {@code .mv.db}. */
    static final String H2_FILE_NAME = "history";

    /**
     * H2's auto-server listens on every interface unless this system property names one; read
     * once when H2 loads, so it is set before the first connection.
     */
    static final String BIND_ADDRESS = "h2.bindAddress";

    private static final String POOL_NAME = "driftless-history";
    private static final Pattern PASSWORD_PARAMETER =
        Pattern.compile("(?i)(password\\s*=)[^;&]*");

    private HistoryDatabase() {
    }

    /** The JDBC URL the settings name: the explicit one, or the H2 file in the state directory. */
    static String url(HistorySettings settings) {
        if (settings.jdbcUrl().isPresent()) {
            return settings.jdbcUrl().get();
        }
        Path file = settings.stateDir().toAbsolutePath().normalize().resolve(H2_FILE_NAME);
        String path = file.toString();
        if (path.contains(";")) {
            // H2 reads ';' as the start of its settings; such a path would open a different file.
            throw new IllegalArgumentException(
                "the state directory " + settings.stateDir() + " contains ';', which an H2 URL cannot hold");
        }
        return "jdbc:h2:file:" + path + H2_FILE_OPTIONS;
    }

    /**
     * The database file of an embedded H2 URL ({@code jdbc:h2:file:/path/history;…},
     * {@code jdbc:h2:/path/history}, {@code jdbc:h2:~/history}), without H2's suffix; empty for
     * an in-memory or a remote (tcp, ssl) database, for H2's special file systems (zip, split,
     * nio…, whose reconcile lease is then always granted) and for other databases.
     */
    static Optional<Path> h2File(String url) {
        if (!url.regionMatches(true, 0, "jdbc:h2:", 0, 8)) {
            return Optional.empty();
        }
        String rest = url.substring(8);
        int settings = rest.indexOf(';');
        if (settings >= 0) {
            rest = rest.substring(0, settings);
        }
        if (rest.regionMatches(true, 0, "file:", 0, 5)) {
            rest = rest.substring(5);
        } else if (rest.matches("(?i)(mem|tcp|ssl|zip|split|nio\\w*|async|memFS|memLZF|retry):.*")) {
            return Optional.empty();
        }
        if (rest.isEmpty()) {
            return Optional.empty();
        }
        if (rest.startsWith("~")) {
            rest = System.getProperty("user.home") + rest.substring(1);
        }
        return Optional.of(Path.of(rest).toAbsolutePath().normalize());
    }

    /** The URL with any password parameter blanked, for messages. */
    static String display(String url) {
        return PASSWORD_PARAMETER.matcher(url).replaceAll("$1***");
    }

    /** The first line of the password file, read only here and handed straight to the pool. */
    static Optional<String> password(HistorySettings settings) {
        if (settings.passwordFile().isEmpty()) {
            return Optional.empty();
        }
        Path file = settings.passwordFile().get();
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new HistoryException("cannot read the history database password file " + file
                + ": " + e.getClass().getSimpleName(), e);
        }
        if (lines.isEmpty() || lines.getFirst().isEmpty()) {
            throw new HistoryException("the history database password file " + file + " is empty");
        }
        return Optional.of(lines.getFirst());
    }

    /** A connection pool on the settings' database (not yet migrated). */
    static HikariDataSource connect(HistorySettings settings) {
        String url = url(settings);
        Kind kind = Kind.of(url);
        if (kind == Kind.H2) {
            if (System.getProperty(BIND_ADDRESS) == null) {
                System.setProperty(BIND_ADDRESS, "127.0.0.1");
            }
        }
        if (kind == Kind.H2 && settings.jdbcUrl().isEmpty() && !Files.isDirectory(settings.stateDir())) {
            try {
                // Owner-only: the database and the auto-server key in its lock file live here.
                Files.createDirectories(settings.stateDir(),
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            } catch (UnsupportedOperationException e) {
                throw new HistoryException("the state directory " + settings.stateDir()
                    + " must be on a POSIX file system", e);
            } catch (IOException e) {
                throw new HistoryException("cannot create the state directory " + settings.stateDir()
                    + ": " + e.getClass().getSimpleName(), e);
            }
        }
        HikariConfig config = new HikariConfig();
        config.setPoolName(POOL_NAME);
        config.setJdbcUrl(url);
        config.setUsername(settings.user().orElse(kind == Kind.H2 ? "sa" : null));
        password(settings).ifPresent(config::setPassword);
        // A reconcile writes sequentially and the CLI reads once: a small pool is plenty.
        config.setMaximumPoolSize(4);
        config.setMinimumIdle(1);
        config.setConnectionTimeout(10_000);
        config.setAutoCommit(true);
        if (kind == Kind.POSTGRESQL) {
            // What pg_stat_activity shows, and so driftless status for the reconcile lease's holder.
            config.addDataSourceProperty("ApplicationName", applicationName());
        }
        // While a daemon (re)starts and takes over an embedded H2 file, its auto-server lock is
        // briefly held: measured in the e2e suite after kill -9, a reader was refused once. Wait.
        long deadline = System.nanoTime() + H2_LOCK_WAIT.toNanos();
        while (true) {
            try {
                return new HikariDataSource(config);
            } catch (RuntimeException e) {
                if (!(kind == Kind.H2 && lockedForAMoment(e)) || System.nanoTime() > deadline) {
                    throw new HistoryException("cannot open the history database " + display(url) + ": "
                        + rootMessage(e), e);
                }
                try {
                    Thread.sleep(250);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    throw new HistoryException("interrupted while waiting for the history database", ie);
                }
            }
        }
    }

    /**
     * Whether opening an embedded H2 file failed only because another process holds, or is just
     * taking, its auto-server lock: a daemon starting while {@code driftless history} polls (the
     * demo does) can lose the race to create the lock file ("Another process was faster", seen in
     * the demo on 2026-12-06). Opening again a moment later connects to the winner.
     */
    static boolean lockedForAMoment(Throwable e) {
        String message = rootMessage(e);
        return message.contains("Locked by another process") || message.contains("Another process was faster");
    }

    /** {@code driftless HOST pid PID}, within PostgreSQL's 63 characters. */
    static String applicationName() {
        String host = dev.driftless.reconciler.lock.ProcessLock.thisHost();
        String pid = " pid " + ProcessHandle.current().pid();
        int room = 63 - "driftless ".length() - pid.length();
        return "driftless " + (host.length() > room ? host.substring(0, room) : host) + pid;
    }

    /** How long opening an embedded H2 file waits for a starting daemon's lock. */
    static final java.time.Duration H2_LOCK_WAIT = java.time.Duration.ofSeconds(10);

    /** Brings the schema up to date; a no-op on a migrated database. */
    static void migrate(DataSource dataSource, Kind kind, String url) {
        List<String> locations = new ArrayList<>(List.of(COMMON_MIGRATIONS));
        if (kind == Kind.POSTGRESQL) {
            locations.add(POSTGRESQL_MIGRATIONS);
        }
        try {
            Flyway.configure()
                .dataSource(dataSource)
                .locations(locations.toArray(String[]::new))
                .load()
                .migrate();
        } catch (FlywayException e) {
            throw new HistoryException("cannot migrate the history database " + display(url) + ": "
                + e.getMessage(), e);
        }
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        String message = t.getMessage();
        return message == null ? t.getClass().getSimpleName() : message;
    }
}
