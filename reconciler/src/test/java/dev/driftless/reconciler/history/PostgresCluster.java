package dev.driftless.reconciler.history;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A throwaway PostgreSQL server for tests, from Debian's {@code postgresql} package: initdb into a
 * temp directory owned by the {@code postgres} OS user, listening on 127.0.0.1 on a free port,
 * password (SCRAM) authentication over TCP. {@link #close()} stops it and deletes everything.
 * Public for the end-to-end suite, whose clustered daemons share one.
 */
public final class PostgresCluster implements AutoCloseable {

    /** The role the history store connects as; owns each test database. */
    public static final String APP_USER = "driftless";

    private final Path root;
    private final Path bin;
    private final Path data;
    private int port;
    private final String superuserPassword;
    private final Path appPasswordFile;
    private boolean started;

    private PostgresCluster(Path root, Path bin, String superuserPassword, Path appPasswordFile) {
        this.root = root;
        this.bin = bin;
        this.data = root.resolve("data");
        this.superuserPassword = superuserPassword;
        this.appPasswordFile = appPasswordFile;
    }

    /** Starts a server; on any failure whatever was started is stopped and removed. */
    public static PostgresCluster start() throws Exception {
        Path bin = binaries();
        if (!"root".equals(System.getProperty("user.name"))) {
            throw new IllegalStateException("PostgresCluster runs initdb as the postgres user through runuser,"
                + " which needs root; this JVM runs as " + System.getProperty("user.name"));
        }
        Path root = Files.createTempDirectory("driftless-pg-");
        String superuserPassword = randomSecret();
        Path appPasswordFile = root.resolve("driftless.password");
        Files.writeString(appPasswordFile, randomSecret() + "\n");
        PostgresCluster cluster = new PostgresCluster(root, bin, superuserPassword, appPasswordFile);
        try {
            cluster.initAndStart();
            return cluster;
        } catch (Exception e) {
            cluster.close();
            throw e;
        }
    }

    private void initAndStart() throws Exception {
        Path socketDir = root.resolve("socket");
        Files.createDirectories(socketDir);
        Path pwfile = root.resolve("superuser.password");
        Files.writeString(pwfile, superuserPassword + "\n");
        run("chown", "-R", "postgres:postgres", root.toString());
        runAsPostgres(bin.resolve("initdb").toString(), "-D", data.toString(), "-U", "postgres",
            "--pwfile=" + pwfile, "--auth-local=trust", "--auth-host=scram-sha-256", "-E", "UTF8", "--no-locale");
        // The free port is free when looked up, not necessarily when the server binds it: another
        // process may take it in between, so a bind failure picks another one.
        for (int attempt = 1; !started; attempt++) {
            port = freePort();
            try {
                // fsync off: a throwaway server; the durability under test is the store's, not PostgreSQL's.
                runAsPostgres(bin.resolve("pg_ctl").toString(), "-D", data.toString(), "-l",
                    root.resolve("server.log").toString(), "-w", "-t", "60", "-o",
                    "-p " + port + " -c listen_addresses=127.0.0.1 -k " + socketDir + " -c fsync=off", "start");
                started = true;
            } catch (IllegalStateException e) {
                if (attempt == 3 || !e.getMessage().contains("could not bind")) {
                    throw e;
                }
            }
        }
        String appPassword = Files.readAllLines(appPasswordFile).getFirst();
        try (Connection c = superuser("postgres"); Statement s = c.createStatement()) {
            s.execute("CREATE ROLE " + APP_USER + " LOGIN PASSWORD '" + appPassword + "'");
        }
    }

    /** A new empty database owned by {@link #APP_USER}, as settings for the history store. */
    public HistorySettings createDatabase(String name) throws SQLException {
        try (Connection c = superuser("postgres"); Statement s = c.createStatement()) {
            s.execute("CREATE DATABASE " + name + " OWNER " + APP_USER);
        }
        return new HistorySettings(Optional.of(jdbcUrl(name)), root.resolve("state"), Optional.of(APP_USER),
            Optional.of(appPasswordFile));
    }

    public String jdbcUrl(String database) {
        return "jdbc:postgresql://127.0.0.1:" + port + "/" + database;
    }

    public Connection superuser(String database) throws SQLException {
        return DriverManager.getConnection(jdbcUrl(database), "postgres", superuserPassword);
    }

    @Override
    public void close() {
        List<Exception> failures = new ArrayList<>();
        if (started) {
            try {
                runAsPostgres(bin.resolve("pg_ctl").toString(), "-D", data.toString(), "-m", "immediate", "-w", "stop");
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                failures.add(e);
            } catch (Exception e) {
                failures.add(e);
            }
        }
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            failures.add(e);
        }
        if (!failures.isEmpty()) {
            IllegalStateException failure = new IllegalStateException("could not stop and remove the test"
                + " PostgreSQL server in " + root);
            failures.forEach(failure::addSuppressed);
            throw failure;
        }
    }

    /** The newest /usr/lib/postgresql/N/bin with initdb and pg_ctl. */
    private static Path binaries() throws IOException {
        Path base = Path.of("/usr/lib/postgresql");
        if (!Files.isDirectory(base)) {
            throw new IllegalStateException("PostgreSQL is not installed: apt-get install -y postgresql");
        }
        try (Stream<Path> versions = Files.list(base)) {
            return versions
                .map(v -> v.resolve("bin"))
                .filter(b -> Files.isExecutable(b.resolve("initdb")) && Files.isExecutable(b.resolve("pg_ctl")))
                .max(Comparator.comparingInt(b -> Integer.parseInt(b.getParent().getFileName().toString().replaceAll("\\D", "0"))))
                .orElseThrow(() -> new IllegalStateException("no initdb/pg_ctl under " + base
                    + ": apt-get install -y postgresql"));
        }
    }

    private void runAsPostgres(String... argv) throws Exception {
        List<String> command = new ArrayList<>(List.of("runuser", "-u", "postgres", "--"));
        command.addAll(List.of(argv));
        run(command.toArray(String[]::new));
    }

    private void run(String... argv) throws Exception {
        Path output = Files.createTempFile("driftless-pg-cmd-", ".log");
        try {
            Process p = new ProcessBuilder(argv).redirectErrorStream(true).redirectOutput(output.toFile()).start();
            if (!p.waitFor(120, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IllegalStateException(argv[0] + " did not finish within 120 s");
            }
            if (p.exitValue() != 0) {
                String log = Files.readString(output, StandardCharsets.UTF_8);
                Path serverLog = root.resolve("server.log");
                if (Files.isReadable(serverLog)) {
                    log += "\n--- server.log ---\n" + Files.readString(serverLog, StandardCharsets.UTF_8);
                }
                throw new IllegalStateException(String.join(" ", argv) + " exited " + p.exitValue() + ":\n" + log);
            }
        } finally {
            Files.deleteIfExists(output);
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    private static String randomSecret() {
        byte[] bytes = new byte[18];
        new SecureRandom().nextBytes(bytes);
        return HexFormat.of().formatHex(bytes);
    }
}
