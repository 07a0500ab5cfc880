package dev.driftless.reconciler.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.driftless.reconciler.metrics.MetricsServer;
import dev.driftless.reconciler.metrics.MicrometerMetrics;
import dev.driftless.reconciler.config.ConfigLoader;
import dev.driftless.reconciler.config.DaemonConfig;
import dev.driftless.reconciler.history.HistoryFormatter;
import dev.driftless.reconciler.history.HistorySettings;
import dev.driftless.reconciler.history.HistoryStore;
import dev.driftless.reconciler.history.ReconcileLease;
import dev.driftless.reconciler.history.ReconcileRecord;
import dev.driftless.reconciler.history.ReconcileResult;
import dev.driftless.reconciler.history.ReconcileStart;
import dev.driftless.reconciler.history.ServiceOutcome;
import dev.driftless.reconciler.history.Trigger;
import dev.driftless.reconciler.source.GitSource;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneId;
import java.util.Map;
import java.util.Optional;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.revwalk.RevCommit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code driftless status} on an empty and a populated H2 history, with the inventory's hosts on
 * loopback ports that refuse connections (the live table against real hosts is integration work).
 */
class StatusCommandTest {

    @TempDir
    Path tmp;

    private Path infra;
    private Git git;
    private Path config;
    private int port1;
    private int port2;

    @BeforeEach
    void setUp() throws Exception {
        infra = tmp.resolve("infra");
        port1 = Cli.closedPort();
        port2 = Cli.closedPort();
        Cli.write(infra.resolve("hosts.yaml"), """
            defaults: {user: deploy}
            hosts:
              app-1: {address: 127.0.0.1, port: %d}
              app-2: {address: 127.0.0.1, port: %d}
            """.formatted(port1, port2));
        Cli.write(infra.resolve("services/web.yaml"), "image: nginx:1.27\nplacement: {hosts: [app-1, app-2]}\n");
        git = Git.init().setDirectory(infra.toFile()).setInitialBranch("main").call();
        Cli.sshKey(tmp);
        config = tmp.resolve("driftless.yaml");
        Cli.write(config, """
            repo: {url: infra}
            ssh: {key: id_ed25519, connect-timeout: 5s}
            state-dir: state
            metrics: {listen: off}
            """);
    }

    @AfterEach
    void tearDown() {
        git.close();
    }

    private RevCommit commit(String message) throws Exception {
        git.add().addFilepattern(".").call();
        return git.commit().setMessage(message).setSign(false).setAuthor("Grace Hopper", "grace@example.org")
            .setCommitter("Grace Hopper", "grace@example.org").call();
    }

    private DaemonConfig cfg() throws Exception {
        return ConfigLoader.load(config);
    }

    /** What the daemon's first poll does to the state directory: clone the repo into its cache. */
    private void daemonFetched() throws Exception {
        try (GitSource source = GitSource.open(cfg().gitSource())) {
            source.poll();
        }
    }

    private HistoryStore history() throws Exception {
        return HistoryStore.open(cfg().historySettings(), "default");
    }

    private String deploymentStatus() throws Exception {
        try (HistoryStore h = history()) {
            return new HistoryFormatter(ZoneId.systemDefault()).deploymentStatus(h.lastApplied(), h.lastAttempted(),
                h.failedCommits());
        }
    }

    private String unreachable(String host, int port) {
        return "(unreachable: host " + host + " (deploy@127.0.0.1:" + port + ") is unreachable: connection refused "
            + "(is sshd listening on port " + port + "?))";
    }

    @Test
    void withoutAConfigurationItSaysWhatToPass() {
        assumeFalse(Cli.configFoundWithoutOption(), "a driftless.yaml is found on this machine");

        Cli.Run run = Cli.run("status");

        assertThat(run.exit()).isEqualTo(1);
        assertThat(run.err()).isEqualTo("driftless status: no configuration: pass --config FILE (see "
            + "docs/configuration.md); status needs the repo, SSH and state settings\n");
    }

    @Test
    void aBrokenConfigurationIsReportedAtItsLine() {
        Cli.write(config, "repo: {url: infra}\nssh: {key: id_ed25519}\nintervals: {poll: 30}\n");

        Cli.Run run = Cli.run("status", "--config", config.toString());

        assertThat(run.exit()).isEqualTo(1);
        assertThat(run.err()).isEqualTo("driftless status: " + config
            + ":3:19: intervals.poll: bad duration \"30\": a number needs a unit: 30s or 30ms?\n");
    }

    @Test
    void beforeTheDaemonEverRanItSaysSoAndTouchesNoHost() throws Exception {
        commit("inventory");

        Cli.Run run = Cli.run("status", "--config", config.toString());

        assertThat(run.exit()).isZero();
        assertThat(run.out()).isEqualTo("""
            Environment default: %s (main)
            last applied:   none
            last attempted: none
            failed commits: none

            No revision of the repo has been fetched yet: run the daemon (driftless run) first.
            """.formatted(infra.toAbsolutePath()));
        assertThat(run.err()).isEmpty();
    }

    @Test
    void theRunningDaemonsOwnStatusLineIsShownAndItsAbsenceToo() throws Exception {
        commit("inventory");
        try (MetricsServer daemon = MetricsServer.start(new java.net.InetSocketAddress("127.0.0.1", 0),
                new MicrometerMetrics("default"), () -> "in sync with commit 3f9a2c1; pull backed off for "
                    + "registry:5000/shop/api:1.1.0 on app-1 (pull of registry:5000/shop/api:1.1.0 failed once; …)",
                () -> "{}")) {
            Cli.write(config, Cli.read(config).replace("listen: off", "listen: \"127.0.0.1:" + daemon.port() + "\""));

            assertThat(Cli.run("status", "--config", config.toString()).out()).contains(
                "\nDaemon: in sync with commit 3f9a2c1; pull backed off for registry:5000/shop/api:1.1.0 on app-1");
            JsonNode json = new ObjectMapper().readTree(Cli.run("status", "--config", config.toString(), "--format",
                "json").out());
            assertThat(json.at("/daemon/answering").asBoolean()).isTrue();
            assertThat(json.at("/daemon/status").asText()).startsWith("in sync with commit 3f9a2c1");
        }
        int closed = Cli.closedPort();
        Cli.write(config, Cli.read(config).replaceAll("listen: \"[^\"]*\"", "listen: \"127.0.0.1:" + closed + "\""));

        Cli.Run run = Cli.run("status", "--config", config.toString());

        assertThat(run.exit()).isZero();
        assertThat(run.out()).contains("\nDaemon: not answering on 127.0.0.1:" + closed + " (metrics.listen)\n");
        assertThat(new ObjectMapper().readTree(Cli.run("status", "--config", config.toString(), "--format", "json")
            .out()).at("/daemon").toString()).isEqualTo("{\"answering\":false}");
    }

    @Test
    void beforeTheDaemonEverRanJsonHasNoHosts() throws Exception {
        commit("inventory");

        Cli.Run run = Cli.run("status", "--config", config.toString(), "--format", "json");

        assertThat(run.exit()).isZero();
        JsonNode json = new ObjectMapper().readTree(run.out());
        assertThat(json.get("environment").asText()).isEqualTo("default");
        assertThat(json.get("deployment").toString())
            .isEqualTo("{\"lastApplied\":null,\"lastAttempted\":null,\"failedCommits\":[],\"suspensions\":[],"
                + "\"restartRequests\":[],"
                + "\"departedHosts\":[]}");
        assertThat(json.get("hosts")).isEmpty();
        assertThat(json.has("problems")).isFalse();
    }

    @Test
    void whatIsSuspendedIsShownWithWhoAndWhy() throws Exception {
        commit("inventory");
        Cli.run("suspend", "--config", config.toString(), "--service", "api", "--reason", "schema change",
            "--by", "bob@ops-2");

        Cli.Run text = Cli.run("status", "--config", config.toString());
        Cli.Run json = Cli.run("status", "--config", config.toString(), "--format", "json");

        assertThat(text.out()).containsPattern("failed commits: none\n"
            + "suspended \\(nothing is applied there until driftless resume\\):\n"
            + "  service api: by bob@ops-2 since [0-9-]+ [0-9:]+\\S*: schema change\n");
        JsonNode s = new ObjectMapper().readTree(json.out()).path("deployment").path("suspensions").get(0);
        assertThat(s.path("scope").asText()).isEqualTo("service");
        assertThat(s.path("service").asText()).isEqualTo("api");
        assertThat(s.path("by").asText()).isEqualTo("bob@ops-2");
        assertThat(s.path("reason").asText()).isEqualTo("schema change");
        assertThat(s.path("since").asText()).matches("\\d{4}-.*Z");
    }

    @Test
    void aServiceADeployWindowHoldsNowIsShownWithTheWindowAndUntilWhen() throws Exception {
        commit("inventory");
        // Open every minute for a day: it holds whenever the test runs.
        Cli.write(config, Cli.read(config) + "deploy-windows:\n  - {kind: deny, schedule: \"* * * * *\", duration: 24h,"
            + " services: [api]}\n");

        Cli.Run text = Cli.run("status", "--config", config.toString());

        assertThat(text.out()).containsPattern("held by deploy windows \\(nothing is applied there until they allow"
            + " it\\):\n  service api: deploy window deploy-windows\\[0\\] \\(deny \"\\* \\* \\* \\* \\*\" for 24h, UTC\\)"
            + " since [0-9-]+ [0-9:]+\\S*: deploys resume at \\S+Z\n");
    }

    @Test
    void statusShowsAppliedAttemptedAndFailedCommitsAndEveryHostEvenUnreachableOnes() throws Exception {
        RevCommit v1 = commit("web 1.27");
        daemonFetched();
        try (HistoryStore h = history()) {
            ReconcileRecord first = h.begin(new ReconcileStart(v1.name(), "Grace Hopper", "web 1.27", Trigger.STARTUP,
                "sha256:d1"));
            h.recordServiceResult(first.id(), "web", ServiceOutcome.SUCCEEDED, "converged");
            h.complete(first.id(), ReconcileResult.SUCCEEDED, "succeeded: web", Optional.empty());
            ReconcileRecord second = h.begin(new ReconcileStart("b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2", "Ada",
                "web 1.28", Trigger.POLL, "sha256:d2"));
            h.recordServiceResult(second.id(), "web", ServiceOutcome.ROLLED_BACK,
                "web on app-1: container web-1-0b0b0b0b exited with code 1; rolled back to what ran before");
            h.complete(second.id(), ReconcileResult.ROLLED_BACK, "rolled_back: web", Optional.of("web: exited"));
        }

        Cli.Run run = Cli.run("status", "--config", config.toString());

        assertThat(run.exit()).as("a host could not be observed").isEqualTo(1);
        String expectedTable = "HOST   SERVICE" + " ".repeat(unreachable("app-1", port1).length() - "SERVICE".length() + 2)
            + "INSTANCE  VERSION  STATE  DOCKER HEALTH  COMMIT  SINCE\n"
            + "app-1  " + unreachable("app-1", port1) + "\n"
            + "app-2  " + unreachable("app-2", port2) + "\n";
        assertThat(run.out()).isEqualTo("Environment default: " + infra.toAbsolutePath() + " (main)\n"
            + deploymentStatus() + "\n" + expectedTable);
        assertThat(deploymentStatus()).startsWith("last applied:   " + v1.name().substring(0, 7) + " at ")
            .contains("last attempted: b2b2b2b at ")
            .contains("  web: b2b2b2b at ");
    }

    /** On the embedded history the holder of the reconcile lease is named as on PostgreSQL. */
    @Test
    void whoIsReconcilingNowIsNamedTextAndJson() throws Exception {
        commit("web 1.27");
        daemonFetched();
        try (HistoryStore h = history(); ReconcileLease lease = h.tryLease().orElseThrow()) {
            String holder = "reconcile of environment default, pid " + ProcessHandle.current().pid() + " on ";

            assertThat(Cli.run("status", "--config", config.toString()).out())
                .containsPattern("\nReconciling now: " + java.util.regex.Pattern.quote(holder)
                    + "\\S+ since \\d{4}-\\S+Z \\(it holds the reconcile lease\\)\n");
            assertThat(new ObjectMapper().readTree(Cli.run("status", "--config", config.toString(), "--format", "json")
                .out()).at("/deployment/reconcilingNow").asText()).startsWith(holder);
        }
        assertThat(Cli.run("status", "--config", config.toString()).out()).doesNotContain("Reconciling now");
    }

    @Test
    void aRefusedHeadShowsItsProblemsAndTheHostsOfTheLastAppliedCommit() throws Exception {
        RevCommit v1 = commit("web 1.27");
        Cli.write(infra.resolve("services/web.yaml"), "imgae: nginx:1.28\nplacement: {hosts: [app-1, app-2]}\n");
        RevCommit broken = commit("typo");
        daemonFetched();
        try (HistoryStore h = history()) {
            h.recordInSync(v1.name(), "sha256:d1");
            ReconcileRecord refused = h.begin(new ReconcileStart(broken.name(), "Grace Hopper", "typo", Trigger.POLL,
                "invalid:" + broken.name()));
            h.complete(refused.id(), ReconcileResult.FAILED, "invalid desired state: 1 problem; nothing applied",
                Optional.of("services/web.yaml:1:1: unknown field \"imgae\" (did you mean \"image\"?)"));
        }

        Cli.Run run = Cli.run("status", "--config", config.toString());

        assertThat(run.out()).contains("\nCommit " + broken.name().substring(0, 7)
            + " was refused; nothing of it was applied:\n"
            + "  services/web.yaml:1:1: unknown field \"imgae\" (did you mean \"image\"?)\n\n");
        assertThat(run.out()).contains("app-1  " + unreachable("app-1", port1), "app-2  " + unreachable("app-2", port2));
        assertThat(run.exit()).isEqualTo(1);
    }

    @Test
    void aFetchedRepoWithoutAnyValidCommitIsNotMistakenForOneNeverFetched() throws Exception {
        Cli.write(infra.resolve("hosts.yaml"), "hosts:\n  app-1: {adress: 127.0.0.1}\n");
        RevCommit broken = commit("typo in the inventory");
        daemonFetched();
        try (HistoryStore h = history()) {
            ReconcileRecord refused = h.begin(new ReconcileStart(broken.name(), "Grace Hopper", "typo", Trigger.STARTUP,
                "invalid:" + broken.name()));
            h.complete(refused.id(), ReconcileResult.FAILED, "invalid desired state: 1 problem; nothing applied",
                Optional.of("hosts.yaml:2:11: unknown field \"adress\" in hosts.app-1 (did you mean \"address\"?)"));
        }

        Cli.Run run = Cli.run("status", "--config", config.toString());

        assertThat(run.exit()).isZero();
        assertThat(run.out()).endsWith("""
            Commit %s was refused; nothing of it was applied:
              hosts.yaml:2:11: unknown field "adress" in hosts.app-1 (did you mean "address"?)

            No commit fetched so far has a valid inventory, so no host can be shown: fix the repo (driftless validate) \
            and let the daemon fetch the fix.
            """.formatted(broken.name().substring(0, 7)));
    }

    @Test
    void jsonListsEveryHostWithWhyItWasNotObserved() throws Exception {
        commit("web 1.27");
        daemonFetched();

        Cli.Run run = Cli.run("status", "--config", config.toString(), "--format", "json");

        assertThat(run.exit()).isEqualTo(1);
        JsonNode hosts = new ObjectMapper().readTree(run.out()).get("hosts");
        assertThat(hosts).hasSize(2);
        assertThat(hosts.get(0).get("host").asText()).isEqualTo("app-1");
        assertThat(hosts.get(0).get("reachable").asBoolean()).isFalse();
        assertThat(hosts.get(0).get("problem").asText()).isEqualTo("host app-1 (deploy@127.0.0.1:" + port1
            + ") is unreachable: connection refused (is sshd listening on port " + port1 + "?)");
    }

    @Test
    void aHostTheDaemonHasHadNoAnswerFromSaysSinceWhenTextAndJson() throws Exception {
        commit("web 1.27");
        daemonFetched();
        Instant since = Instant.parse("2026-12-07T09:15:00Z");
        try (HistoryStore h = history()) {
            h.replaceSilentHosts(Map.of("app-2", since));
        }

        Cli.Run text = Cli.run("status", "--config", config.toString());
        JsonNode hosts = new ObjectMapper().readTree(Cli.run("status", "--config", config.toString(), "--format",
            "json").out()).get("hosts");

        assertThat(text.out()).contains("app-1  " + unreachable("app-1", port1) + "\n")
            .contains("app-2  (unreachable: host app-2 (deploy@127.0.0.1:" + port2 + ") is unreachable: connection"
                + " refused (is sshd listening on port " + port2 + "?); the daemon has had no answer since ");
        assertThat(hosts.get(0).has("silentSince")).as("app-1: the daemon never missed it").isFalse();
        assertThat(hosts.get(1).get("silentSince").asText()).isEqualTo("2026-12-07T09:15:00Z");
    }

    @Test
    void aRepoThatCannotBeOpenedIsAnErrorNotAStackTrace() throws Exception {
        Cli.write(config, """
            repo: {url: "ssh://git@127.0.0.1:1/infra.git"}
            ssh: {key: id_ed25519}
            state-dir: state
            """);

        Cli.Run run = Cli.run("status", "--config", config.toString());

        assertThat(run.exit()).isEqualTo(1);
        assertThat(run.err()).isEqualTo("driftless status: git source misconfigured: ssh://git@127.0.0.1:1/infra.git "
            + "is an SSH URL: set ssh-key to the deploy key's private key file\n");
    }

    @Test
    void theClusterLineNamesEachDaemonAndWhichOnesAreLate() {
        java.time.Instant now = java.time.Instant.parse("2026-11-22T10:00:00Z");
        java.time.Duration every = java.time.Duration.ofSeconds(15);

        String line = StatusCommand.clusterLine(java.util.List.of(
            new dev.driftless.reconciler.history.ClusterMember("ops-a1763805596001", now.minusSeconds(3), every),
            new dev.driftless.reconciler.history.ClusterMember("ops-b1763805597002", now.minusSeconds(41), every)), now);

        assertThat(line).isEqualTo("Cluster: 2 daemons checked in: ops-a1763805596001 (3 s ago), "
            + "ops-b1763805597002 (41 s ago, late: the others take over its work)");
        assertThat(StatusCommand.clusterLine(java.util.List.of(), now))
            .isEqualTo("Cluster: no daemon checked in (none runs, or none has started yet)");
    }
}
