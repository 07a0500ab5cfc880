package dev.driftless.reconciler.e2e;


import com.fasterxml.jackson.databind.JsonNode;
import dev.driftless.reconciler.history.ClusterMember;
import dev.driftless.reconciler.history.HistoryException;
import dev.driftless.reconciler.history.HistoryFormatter;
import dev.driftless.reconciler.history.HistoryQuery;
import dev.driftless.reconciler.history.HistorySettings;
import dev.driftless.reconciler.history.PostgresCluster;
import dev.driftless.reconciler.history.HistoryStore;
import dev.driftless.reconciler.history.ReconcileRecord;
import dev.driftless.reconciler.history.Trigger;
import dev.driftless.reconciler.testhosts.TestHost;
import dev.driftless.reconciler.testhosts.TestHosts;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Predicate;
import java.util.stream.Stream;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionFactory;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.TestExecutionExceptionHandler;

/**
 * A whole driftless installation for one test class: four real test hosts (app-1, app-2, db-1 and
 * "registry", which runs Debian's docker-registry with the sample images pushed as shop/api,
 * shop/worker and shop/store), an infra repo made from {@code examples/infra-repo}, and the daemon
 * jar running as a separate process that follows that repo by local path with short intervals.
 *
 * <p>{@link #clustered} makes it a cluster instead: the history in a throwaway PostgreSQL server
 * and {@code cluster: true}, so that a second daemon ({@link #startPeer()}, its own state dir, log
 * and metrics port) shares the first one's Quartz job store.
 *
 * <p>Register it as a static {@code @RegisterExtension} field: it starts everything before the
 * class and removes it after. Tests of a class form one story (ordered); when one fails, the
 * daemon's log and the history are attached to the failure, and the chapters after it are
 * skipped, since they build on it.
 */
final class E2eEnvironment implements BeforeAllCallback, AfterAllCallback, BeforeEachCallback,
        TestExecutionExceptionHandler {

    static final List<String> APP_HOSTS = List.of("app-1", "app-2");
    static final List<String> ALL_HOSTS = List.of("app-1", "app-2", "db-1");
    static final String ENVIRONMENT = "default";
    /** Short enough that a suite of stories stays within minutes, long enough to see several pass. */
    static final Duration POLL = Duration.ofSeconds(1);
    static final Duration DRIFT = Duration.ofSeconds(4);
    static final Duration RETRY = Duration.ofSeconds(3);
    static final Duration DEPLOY_TIMEOUT = Duration.ofSeconds(90);

    private static final Map<String, String> HOST_LABELS = Map.of(
        "app-1", "{role: app, zone: a}", "app-2", "{role: app, zone: b}", "db-1", "{role: db, zone: a}");
    private static final List<String> VERSIONS = List.of("1.0.0", "1.1.0", "1.2.0");
    private static final List<String> IMAGES = List.of("api", "worker", "store");

    private final Consumer<InfraRepo> initialState;
    private final Consumer<E2eEnvironment> beforeDaemon;
    private final boolean clustered;

    private Path workDir;
    private TestHosts hosts;
    private InfraRepo repo;
    private DriftlessJar jar;
    private Path config;
    private Path stateDir;
    private Path log;
    private int metricsPort;
    /** The secret the daemon signs its notifications with, and the token POST /reconcile needs. */
    static final String SIGNING_SECRET = "e2e-signing-s3cret";
    static final String RECONCILE_TOKEN = "e2e-reconcile-t0ken";

    /** Receives the daemon's notifications (a webhook in the test JVM, on loopback). */
    private com.sun.net.httpserver.HttpServer webhook;
    private final List<JsonNode> notifications = java.util.Collections.synchronizedList(new ArrayList<>());
    /** What a second webhook, told only of hosts that stop answering or answer again and of held deploys, received. */
    private final List<JsonNode> hostNotices = java.util.Collections.synchronizedList(new ArrayList<>());
    private static final com.fasterxml.jackson.databind.ObjectMapper JSON =
        new com.fasterxml.jackson.databind.ObjectMapper();
    private DaemonProcess daemon;
    private HistorySettings historySettings;
    private PostgresCluster postgres;
    /** The clustered environment's history database on {@link #postgres}. */
    private static final String CLUSTER_DATABASE = "driftless_e2e";
    private Path peerConfig;
    private Path peerLog;
    private int peerMetricsPort;
    private DaemonProcess peer;
    private Path lonerLog;
    private DaemonProcess loner;
    private String initialCommit;
    private Optional<String> failedChapter = Optional.empty();

    /**
     * @param initialState  edits of the example repo before its first commit
     * @param beforeDaemon  runs once the hosts are up, before the daemon starts (e.g. unmanaged containers)
     */
    E2eEnvironment(Consumer<InfraRepo> initialState, Consumer<E2eEnvironment> beforeDaemon) {
        this(initialState, beforeDaemon, false);
    }

    private E2eEnvironment(Consumer<InfraRepo> initialState, Consumer<E2eEnvironment> beforeDaemon, boolean clustered) {
        this.initialState = initialState;
        this.beforeDaemon = beforeDaemon;
        this.clustered = clustered;
    }

    /** Daemons clustered on PostgreSQL: the first starts before the class, {@link #startPeer()} adds the second. */
    static E2eEnvironment clustered(Consumer<InfraRepo> initialState) {
        return new E2eEnvironment(initialState, e -> { }, true);
    }

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        workDir = Files.createTempDirectory("driftless-e2e");
        log = workDir.resolve("daemon.log");
        stateDir = workDir.resolve("state");
        jar = DriftlessJar.locate();
        hosts = TestHosts.builder().host("app-1").host("app-2").host("db-1").host("registry", 5000).start();
        startRegistry();
        Path root = projectRoot();
        Map<TestHost, String> inventory = new LinkedHashMap<>();
        ALL_HOSTS.forEach(h -> inventory.put(hosts.host(h), HOST_LABELS.get(h)));
        repo = InfraRepo.create(workDir.resolve("infra"), root.resolve("examples/infra-repo"), inventory);
        initialState.accept(repo);
        initialCommit = repo.commit("Initial desired state: api, worker and store");
        if (clustered) {
            postgres = PostgresCluster.start();
            historySettings = postgres.createDatabase(CLUSTER_DATABASE);
        } else {
            historySettings = HistorySettings.embedded(stateDir);
        }
        webhook = com.sun.net.httpserver.HttpServer.create(new java.net.InetSocketAddress("127.0.0.1", 0), 8);
        webhook.createContext("/hooks/driftless", receiver(notifications));
        webhook.createContext("/hooks/hosts", receiver(hostNotices));
        webhook.start();
        config = workDir.resolve("driftless.yaml");
        // Port 0: the daemon binds a free port itself; a port picked here could be taken before it binds.
        writeConfig(config, stateDir, 0, clustered);
        beforeDaemon.accept(this);
        startDaemon();
    }

    /** A webhook that keeps what the daemon signed in {@code into}; an unsigned or altered message is refused. */
    private static com.sun.net.httpserver.HttpHandler receiver(List<JsonNode> into) {
        return ex -> {
            byte[] body = ex.getRequestBody().readAllBytes();
            if (!dev.driftless.reconciler.notify.WebhookSignature.verify(SIGNING_SECRET, body,
                    ex.getRequestHeaders().getFirst("X-Driftless-Signature-256"))) {
                ex.sendResponseHeaders(401, -1);
                ex.close();
                return;
            }
            into.add(JSON.readTree(body));
            ex.sendResponseHeaders(204, -1);
            ex.close();
        };
    }

    /** A daemon's configuration: follows the infra repo by local path, with short intervals. */
    private void writeConfig(Path file, Path state, int metrics, boolean cluster) throws IOException {
        Path root = projectRoot();
        String history = !clustered ? "" : """
            history:
              jdbc-url: %s
              user: %s
              password-file: %s
            cluster: %s
            """.formatted(historySettings.jdbcUrl().orElseThrow(), historySettings.user().orElseThrow(),
            historySettings.passwordFile().orElseThrow(), cluster);
        Files.writeString(file, """
            # A daemon under test: follows the infra repo by local path, with short intervals.
            repo:
              url: %s
              branch: main
              verify: {ssh-allowed-signers: %s}
            ssh:
              key: %s
              connect-timeout: 5s
              command-timeout: 10s
            secrets:
              age-key-file: %s
            state-dir: %s
            intervals:
              poll: %ds
              drift: %ds
              retry: %ds
            metrics:
              listen: 127.0.0.1:%d
              reconcile-token-file: %s
            notifications:
              - url: http://127.0.0.1:%d/hooks/driftless
                events: [failed, rolled_back, interrupted]
                signing-secret-file: %s
              - url: http://127.0.0.1:%d/hooks/hosts
                events: [host_unreachable, host_reachable, deploy_held, drift_recurring]
                signing-secret-file: %s
            """.formatted(repo.dir(), repo.allowedSigners(), hosts.deployKeyFile(), root.resolve("examples/keys/demo-age.txt"), state,
            POLL.toSeconds(), DRIFT.toSeconds(), RETRY.toSeconds(), metrics, secretFile("reconcile-token", RECONCILE_TOKEN),
            webhook.getAddress().getPort(), secretFile("signing-secret", SIGNING_SECRET), webhook.getAddress().getPort(),
            secretFile("signing-secret", SIGNING_SECRET)) + history);
    }

    /** A 0600 file in the work directory holding {@code value}. */
    private Path secretFile(String name, String value) throws IOException {
        Path file = workDir.resolve(name);
        Files.writeString(file, value + "\n");
        Files.setPosixFilePermissions(file, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
        return file;
    }

    @Override
    public void afterAll(ExtensionContext context) {
        try {
            stopQuietly(loner);
            stopQuietly(peer);
            stopQuietly(daemon);
        } finally {
            if (webhook != null) {
                webhook.stop(0);
            }
            try {
                if (hosts != null) {
                    hosts.close();
                }
                if (postgres != null) {
                    postgres.close();
                }
            } finally {
                if (Boolean.getBoolean("driftless.e2e.keep")) {
                    System.out.println("e2e: kept " + workDir + " (daemon.log, infra repo, state)");
                } else {
                    deleteRecursively(workDir);
                }
            }
        }
    }

    @Override
    public void beforeEach(ExtensionContext context) {
        failedChapter.ifPresent(chapter -> Assumptions.abort("the story broke at \"" + chapter
            + "\"; this chapter builds on it"));
    }

    @Override
    public void handleTestExecutionException(ExtensionContext context, Throwable failure) throws Throwable {
        failedChapter = Optional.of(context.getDisplayName());
        AssertionError detailed = new AssertionError(failure.getMessage() + "\n\n" + diagnostics(), failure);
        detailed.setStackTrace(failure.getStackTrace());
        throw detailed;
    }

    private static void stopQuietly(DaemonProcess process) {
        if (process != null && process.isAlive()) {
            process.terminate();
            if (!process.awaitExit(Duration.ofSeconds(60))) {
                process.kill9();
            }
        }
    }

    /** The daemon's log and the history, for a failure message. */
    String diagnostics() {
        String history;
        try {
            history = new HistoryFormatter(ZoneOffset.UTC).table(history(), true);
        } catch (RuntimeException e) {
            history = "(history unreadable: " + e + ")";
        }
        String out = "--- history ---\n" + history + "\n--- daemon log (" + log + ", last 200 lines) ---\n"
            + DaemonProcess.tail(log, 200);
        if (peerLog != null) {
            out += "\n--- peer daemon log (" + peerLog + ", last 200 lines) ---\n" + DaemonProcess.tail(peerLog, 200);
        }
        if (lonerLog != null) {
            out += "\n--- loner daemon log (" + lonerLog + ", last 200 lines) ---\n" + DaemonProcess.tail(lonerLog, 200);
        }
        return out;
    }

    // ---- the pieces ----

    TestHosts hosts() {
        return hosts;
    }

    InfraRepo repo() {
        return repo;
    }

    String initialCommit() {
        return initialCommit;
    }

    DaemonProcess daemon() {
        return daemon;
    }

    /** Starts the daemon (again), appending to the same log. */
    DaemonProcess startDaemon() {
        daemon = start(daemon, config, log);
        metricsPort = boundMetricsPort(config, log);
        return daemon;
    }

    DaemonProcess peer() {
        return peer;
    }

    /**
     * Clustered only: starts (again) a second daemon of the same environment and cluster, with its
     * own configuration file, state dir (git cache), log and metrics port.
     */
    DaemonProcess startPeer() {
        if (!clustered) {
            throw new IllegalStateException("a peer daemon needs E2eEnvironment.clustered");
        }
        if (peerConfig == null) {
            try {
                peerConfig = workDir.resolve("peer.yaml");
                peerLog = workDir.resolve("peer.log");
                writeConfig(peerConfig, workDir.resolve("peer-state"), 0, true);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        peer = start(peer, peerConfig, peerLog);
        peerMetricsPort = boundMetricsPort(peerConfig, peerLog);
        return peer;
    }

    /**
     * Clustered only: starts a daemon of the same environment on the same history database but
     * with {@code cluster: false}, as a team might by mistake: its own in-memory scheduler fires
     * whenever it likes, so only the reconcile lease keeps it from reconciling alongside the others.
     */
    DaemonProcess startLoner() {
        if (!clustered) {
            throw new IllegalStateException("a loner daemon needs E2eEnvironment.clustered");
        }
        Path lonerConfig = workDir.resolve("loner.yaml");
        lonerLog = workDir.resolve("loner.log");
        try {
            writeConfig(lonerConfig, workDir.resolve("loner-state"), 0, false);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        loner = start(loner, lonerConfig, lonerLog);
        return loner;
    }

    /** Starts {@code process} again: the daemon or the peer, whichever it was. */
    DaemonProcess restart(DaemonProcess process) {
        if (process == daemon) {
            return startDaemon();
        }
        if (process == peer) {
            return startPeer();
        }
        throw new IllegalArgumentException("not a daemon of this environment: pid " + process.pid());
    }

    /** The running daemons: the first, and the peer and the loner once started. */
    List<DaemonProcess> daemons() {
        return Stream.of(daemon, peer, loner).filter(d -> d != null && d.isAlive()).toList();
    }

    private DaemonProcess start(DaemonProcess previous, Path configFile, Path logFile) {
        if (previous != null && previous.isAlive()) {
            throw new IllegalStateException("that daemon already runs (pid " + previous.pid() + ")");
        }
        try {
            Files.writeString(logFile, "=== driftless run started by the e2e suite ===\n", StandardCharsets.UTF_8,
                StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        long startedBefore = daemonStarts(logFile);
        DaemonProcess started = jar.startDaemon(configFile, logFile);
        // Should the test JVM end without afterAll (Ctrl-C, a failsafe timeout), no daemon outlives it.
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            if (started.isAlive()) {
                started.kill9();
            }
        }, "e2e-daemon-cleanup"));
        try {
            await("the daemon to start").atMost(Duration.ofSeconds(60))
                .failFast("the daemon exited", () -> !started.isAlive())
                .until(() -> daemonStarts(logFile) > startedBefore);
        } catch (org.awaitility.core.TerminalFailureException | org.awaitility.core.ConditionTimeoutException e) {
            // Before the first chapter no failure handler prints the log: say here why it did not start.
            throw new AssertionError(e.getMessage() + (started.isAlive() ? "" : " (exit " + started.exitCode() + ")")
                + "; the end of its log:\n" + DaemonProcess.tail(logFile, 60), e);
        }
        return started;
    }

    /**
     * The port the daemon that just started serves on, from its start line, written into its
     * configuration so that the CLI verbs (and a restart of the daemon) find it there.
     */
    private static int boundMetricsPort(Path configFile, Path logFile) {
        try {
            String started = Files.readAllLines(logFile).stream().filter(l -> l.contains("driftless daemon started"))
                .reduce((a, b) -> b).orElseThrow();
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("metrics on port (\\d+)").matcher(started);
            if (!m.find()) {
                throw new IllegalStateException("no metrics port in the daemon's start line: " + started);
            }
            int port = Integer.parseInt(m.group(1));
            String text = Files.readString(configFile);
            Files.writeString(configFile, text.replaceFirst("listen: 127\\.0\\.0\\.1:\\d+", "listen: 127.0.0.1:" + port));
            return port;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** How many times the log says the daemon started (it opened history and scheduled). */
    private static long daemonStarts(Path logFile) {
        try {
            return Files.exists(logFile) ? Files.readAllLines(logFile).stream()
                .filter(l -> l.contains("driftless daemon started")).count() : 0;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A CLI verb against the daemon's configuration, e.g. {@code cli("status", "--format", "json")}. */
    DriftlessJar.Result cli(String verb, String... args) {
        List<String> argv = new ArrayList<>(List.of(verb, "--config", config.toString()));
        argv.addAll(List.of(args));
        return jar.run(argv.toArray(String[]::new));
    }

    /** A CLI verb against the daemon's configuration that runs until stopped, e.g. {@code logs -f}. */
    DriftlessJar.Streaming cliStreaming(String verb, String... args) {
        List<String> argv = new ArrayList<>(List.of(verb, "--config", config.toString()));
        argv.addAll(List.of(args));
        return jar.start(argv.toArray(String[]::new));
    }

    /** POST /reconcile on the (first) daemon's endpoint with {@code headers}; the status code. */
    int postReconcile(String... headers) {
        try (HttpClient client = HttpClient.newHttpClient()) {
            HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + metricsPort + "/reconcile"))
                .POST(HttpRequest.BodyPublishers.noBody());
            for (int i = 0; i < headers.length; i += 2) {
                b.header(headers[i], headers[i + 1]);
            }
            return client.send(b.build(), HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** What the daemon told the webhook for host_unreachable, host_reachable and deploy_held so far, as JSON. */
    List<JsonNode> hostNotices() {
        return List.copyOf(hostNotices);
    }

    /** The notifications the daemon's webhook received so far (failed, rolled back, interrupted), as JSON. */
    List<JsonNode> notifications() {
        return List.copyOf(notifications);
    }

    /** {@code driftless status --format json}. */
    JsonNode status() {
        return cli("status", "--format", "json").json();
    }

    // ---- history ----

    /**
     * Every record, newest first, read from the daemon's history: its H2 file (the daemon serves
     * it: AUTO_SERVER), or the cluster's PostgreSQL database.
     */
    List<ReconcileRecord> history() {
        return readHistory(store -> store.list(HistoryQuery.latest(500)));
    }

    /**
     * PostgreSQL only: ends the database session holding the environment's reconcile lease, as a
     * restarted server, a cut network or an administrator's {@code pg_terminate_backend} would;
     * whether there was one.
     */
    boolean endReconcileLeaseSession() {
        Assumptions.assumeTrue(postgres != null, "a PostgreSQL history");
        // The lease: a session advisory lock (classid 'drft', objsubid 2 for two int4 keys), the
        // only one in this environment's database (docs/history.md).
        try (java.sql.Connection admin = postgres.superuser("postgres");
             java.sql.Statement st = admin.createStatement();
             java.sql.ResultSet rs = st.executeQuery("SELECT pg_terminate_backend(l.pid) FROM pg_locks l"
                 + " JOIN pg_database d ON d.oid = l.database WHERE d.datname = '" + CLUSTER_DATABASE + "'"
                 + " AND l.locktype = 'advisory' AND l.granted AND l.classid = 1685218932 AND l.objsubid = 2")) {
            return rs.next() && rs.getBoolean(1);
        } catch (java.sql.SQLException e) {
            throw new IllegalStateException("could not end the reconcile lease's session", e);
        }
    }

    /** The departed hosts the daemon still means to clean up, from its history. */
    Map<String, dev.driftless.reconciler.history.DepartedHost> departedHosts() {
        return readHistory(HistoryStore::departedHosts);
    }

    private <T> T readHistory(java.util.function.Function<HistoryStore, T> read) {
        HistoryException last = null;
        for (int attempt = 0; attempt < 20; attempt++) {
            try (HistoryStore store = HistoryStore.open(historySettings, ENVIRONMENT)) {
                return read.apply(store);
            } catch (HistoryException e) {
                // Measured: right after a kill -9, H2 hands the file over to the restarted daemon
                // through its lock file, and a reader arriving in that moment is refused once.
                last = e;
                sleepQuietly(Duration.ofMillis(500));
            }
        }
        throw last;
    }

    private static void sleepQuietly(Duration d) {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The records of one commit, oldest first. */
    List<ReconcileRecord> records(String commit) {
        List<ReconcileRecord> out = new ArrayList<>(history().stream().filter(r -> r.commit().equals(commit)).toList());
        Collections.reverse(out);
        return out;
    }

    long lastRecordId() {
        return history().stream().mapToLong(ReconcileRecord::id).max().orElse(0);
    }

    /** Waits for an ended record that matches; returns the newest such one. */
    ReconcileRecord awaitRecord(String what, Predicate<ReconcileRecord> matches) {
        return awaitRecord(what, DEPLOY_TIMEOUT, matches);
    }

    ReconcileRecord awaitRecord(String what, Duration timeout, Predicate<ReconcileRecord> matches) {
        List<ReconcileRecord> found = new ArrayList<>();
        await(what).atMost(timeout).until(() -> {
            history().stream().filter(r -> r.result().isFinal() && matches.test(r)).findFirst().ifPresent(found::add);
            return !found.isEmpty();
        });
        return found.getFirst();
    }

    /** Waits for a record, ended or not, that matches. */
    ReconcileRecord awaitAnyRecord(String what, Predicate<ReconcileRecord> matches) {
        List<ReconcileRecord> found = new ArrayList<>();
        await(what).atMost(DEPLOY_TIMEOUT).pollInterval(Duration.ofMillis(200)).until(() -> {
            history().stream().filter(matches).findFirst().ifPresent(found::add);
            return !found.isEmpty();
        });
        return found.getFirst();
    }

    static ConditionFactory await(String what) {
        return Awaitility.await(what).pollInterval(Duration.ofMillis(500)).pollDelay(Duration.ZERO);
    }

    // ---- hosts ----

    List<HostContainer> managed(String host) {
        return HostContainer.managed(hosts, host);
    }

    List<HostContainer> managed(String host, String service) {
        return managed(host).stream().filter(c -> c.service().equals(service)).toList();
    }

    /** Every managed container on the three hosts, as host → identities (name, id, state, start time). */
    Map<String, List<String>> managedSnapshot() {
        Map<String, List<String>> out = new TreeMap<>();
        for (String h : ALL_HOSTS) {
            out.put(h, managed(h).stream().map(HostContainer::identity).sorted().toList());
        }
        return out;
    }

    // ---- the daemon's own counters ----

    /**
     * How many reconciles of {@code trigger} the running daemons have finished (or skipped, while
     * suspended) since they started
     * (their Prometheus endpoints, summed: in a cluster any of them may take a firing).
     */
    /** The daemon's configuration file as it is now. */
    String config() {
        try {
            return Files.readString(config);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Writes the daemon's configuration file (read again at its next start or SIGHUP). */
    void config(String text) {
        try {
            Files.writeString(config, text);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The daemon's /metrics page. */
    String metrics() {
        return metrics(metricsPort);
    }

    private static String metrics(int port) {
        try (HttpClient client = HttpClient.newHttpClient()) {
            return client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics"))
                .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString()).body();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    long reconciles(Trigger trigger) {
        long sum = 0;
        if (daemon != null && daemon.isAlive()) {
            sum += reconciles(trigger, metricsPort);
        }
        if (peer != null && peer.isAlive()) {
            sum += reconciles(trigger, peerMetricsPort);
        }
        return sum;
    }

    private static long reconciles(Trigger trigger, int port) {
        String text = metrics(port);
        String tag = "trigger=\"" + trigger.name().toLowerCase(Locale.ROOT) + "\"";
        // Those skipped while the environment is suspended count too: the trigger fired and was handled.
        return text.lines().filter(l -> (l.startsWith("driftless_reconcile_seconds_count{")
                || l.startsWith("driftless_reconcile_skipped_total{")) && l.contains(tag))
            .mapToLong(l -> (long) Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).sum();
    }

    /** Clustered only: the Quartz instance ids of the daemons the job store counts as members. */
    List<String> clusterMembers() {
        try (HistoryStore store = HistoryStore.open(historySettings, ENVIRONMENT)) {
            return store.clusterMembers().stream().map(ClusterMember::instance).toList();
        }
    }

    /**
     * Waits until the daemon has run {@code driftChecks} more drift checks (and the polls between
     * them), failing at once if {@code stillTrue} stops holding meanwhile: how "nothing happens"
     * is proven without a fixed sleep.
     */
    void awaitDriftChecks(int driftChecks, String invariant, Callable<Boolean> stillTrue) {
        long target = reconciles(Trigger.DRIFT) + driftChecks;
        await(driftChecks + " drift checks while " + invariant)
            .atMost(DRIFT.multipliedBy(driftChecks).plus(Duration.ofSeconds(60)))
            .failFast(invariant + " stopped holding", () -> !stillTrue.call())
            .until(() -> reconciles(Trigger.DRIFT) >= target);
    }

    // ---- setup ----

    private void startRegistry() throws IOException, InterruptedException {
        hosts.exec("registry", "systemctl", "start", "docker-registry");
        int port = hosts.host("registry").publishedPort(5000);
        try (HttpClient client = HttpClient.newHttpClient()) {
            await("docker-registry answers on 127.0.0.1:" + port).atMost(Duration.ofSeconds(60)).until(() -> {
                try {
                    return client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v2/"))
                        .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
                } catch (IOException notYet) {
                    return false;
                }
            });
        }
        // The outer dockerd pushes to 127.0.0.1:<port> (loopback registries are trusted over HTTP);
        // the hosts pull the same images as registry:5000/... over the test network.
        for (String name : IMAGES) {
            for (String version : VERSIONS) {
                String tag = "127.0.0.1:" + port + "/shop/" + name + ":" + version;
                docker("tag", "driftless/sample-svc:" + version, tag);
                try {
                    docker("push", "-q", tag);
                } finally {
                    docker("rmi", tag);
                }
            }
        }
    }

    private static void docker(String... args) throws IOException, InterruptedException {
        List<String> argv = new ArrayList<>(List.of("docker"));
        argv.addAll(List.of(args));
        Process p = new ProcessBuilder(argv).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0) {
            p.destroyForcibly();
            throw new IllegalStateException(String.join(" ", argv) + " failed: " + out);
        }
    }

    private static Path projectRoot() {
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            if (Files.isDirectory(p.resolve("examples/infra-repo")) && Files.exists(p.resolve("pom.xml"))) {
                return p;
            }
        }
        throw new IllegalStateException("examples/infra-repo not found above " + Path.of("").toAbsolutePath());
    }

    private static void deleteRecursively(Path dir) {
        if (dir == null) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Collections.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // temp files only
        }
    }
}
