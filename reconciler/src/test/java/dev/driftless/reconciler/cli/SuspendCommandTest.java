package dev.driftless.reconciler.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.driftless.reconciler.config.ConfigLoader;
import dev.driftless.reconciler.history.HistoryFormatter;
import dev.driftless.reconciler.history.HistoryStore;
import dev.driftless.reconciler.history.Suspension;
import dev.driftless.reconciler.metrics.MetricsServer;
import dev.driftless.reconciler.metrics.MicrometerMetrics;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.ZoneId;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code driftless suspend} and {@code driftless resume} through the command line, against the
 * embedded history a daemon of the configuration reads (the daemon's side: ReconcilerTest, and end
 * to end DaemonResilienceIT).
 */
class SuspendCommandTest {

    @TempDir
    Path tmp;

    private List<Suspension> active(Path config) throws Exception {
        try (HistoryStore h = HistoryStore.open(ConfigLoader.load(config).historySettings(), "default")) {
            return h.suspensions();
        }
    }

    @Test
    void suspendingTheEnvironmentIsRecordedWithWhoAndWhyUntilItIsResumed() throws Exception {
        Path config = Cli.daemonConfig(tmp, "127.0.0.1:" + Cli.closedPort());

        Cli.Run run = Cli.run("suspend", "--config", config.toString(), "--reason", "incident 42", "--by", "alice@ops-1");

        assertThat(run.exit()).as(run.err()).isZero();
        assertThat(run.out()).isEqualTo("Suspended environment default: the daemon changes nothing on its hosts"
            + " until driftless resume.\n");
        assertThat(active(config)).singleElement().satisfies(s -> {
            assertThat(s.isEnvironmentWide()).isTrue();
            assertThat(s.by()).isEqualTo("alice@ops-1");
            assertThat(s.reason()).isEqualTo("incident 42");
        });

        Cli.Run again = Cli.run("suspend", "--config", config.toString(), "--by", "bob@ops-2");
        assertThat(again.exit()).isZero();
        assertThat(again.out()).startsWith("Environment default was already suspended by alice@ops-1 since ")
            .endsWith(": incident 42.\n");

        Cli.Run resume = Cli.run("resume", "--config", config.toString(), "--by", "bob@ops-2");
        assertThat(resume.exit()).isZero();
        assertThat(resume.out()).startsWith("Resumed environment default (it was suspended by alice@ops-1 since ")
            .endsWith(": incident 42). The daemon reconciles it at its next poll, within 30s.\n");
        assertThat(active(config)).isEmpty();

        Cli.Run nothing = Cli.run("resume", "--config", config.toString());
        assertThat(nothing.exit()).isZero();
        assertThat(nothing.out()).isEqualTo("Environment default is not suspended; nothing to resume.\n");

        Cli.Run audit = Cli.run("history", "suspensions", "--config", config.toString());
        assertThat(audit.exit()).isZero();
        assertThat(audit.out().lines().toList()).hasSize(2);
        assertThat(audit.out()).containsPattern("SCOPE +SUSPENDED +BY +RESUMED +BY +REASON\n"
            + "environment default +\\S+ \\S+ +alice@ops-1 +\\S+ \\S+ +bob@ops-2 +incident 42\n");
        com.fasterxml.jackson.databind.JsonNode json = new com.fasterxml.jackson.databind.ObjectMapper().readTree(
            Cli.run("history", "suspensions", "--config", config.toString(), "--format", "json").out());
        assertThat(json.get(0).path("resumedBy").asText()).isEqualTo("bob@ops-2");
        assertThat(json.get(0).path("resumedAt").asText()).endsWith("Z");
    }

    @Test
    void aServiceIsSuspendedAloneAndStatusListsWhatIsSuspended() throws Exception {
        Path config = Cli.daemonConfig(tmp, "127.0.0.1:" + Cli.closedPort());

        Cli.Run run = Cli.run("suspend", "-c", config.toString(), "--service", "api", "-r", "schema change");
        Cli.run("suspend", "-c", config.toString(), "--by", "carol");

        assertThat(run.exit()).isZero();
        assertThat(run.out()).isEqualTo("Suspended service api of environment default: the daemon leaves its"
            + " instances as they are until driftless resume --service api.\n");
        List<Suspension> both = active(config);
        assertThat(both).extracting(s -> s.service().orElse("*")).containsExactly("*", "api");
        assertThat(both.get(1).by()).as("user@host by default").contains("@");
        String listed = new HistoryFormatter(ZoneId.of("UTC")).suspensions(both, "default");
        assertThat(listed).startsWith("suspended (nothing is applied there until driftless resume):\n"
            + "  environment default: by carol since ").contains("\n  service api: by ")
            .endsWith(": schema change\n");

        Cli.Run resume = Cli.run("resume", "-c", config.toString());
        assertThat(resume.out()).contains("Resumed environment default")
            .endsWith("Still suspended: service api, " + both.get(1).describe() + ".\n");
        assertThat(Cli.run("resume", "-c", config.toString(), "-s", "api").out())
            .startsWith("Resumed service api of environment default (it was suspended by ");
        assertThat(active(config)).isEmpty();
    }

    @Test
    void suspendAndResumeAreToldToTheConfiguredWebhooks() throws Exception {
        List<String> bodies = new java.util.concurrent.CopyOnWriteArrayList<>();
        com.sun.net.httpserver.HttpServer hook = com.sun.net.httpserver.HttpServer.create(
            new InetSocketAddress("127.0.0.1", 0), 0);
        hook.createContext("/", ex -> {
            bodies.add(new String(ex.getRequestBody().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8));
            ex.sendResponseHeaders(204, -1);
            ex.close();
        });
        hook.start();
        try {
            Path config = Cli.daemonConfig(tmp, "127.0.0.1:" + Cli.closedPort());
            java.nio.file.Files.writeString(config, "notifications:\n  - url: http://127.0.0.1:"
                + hook.getAddress().getPort() + "/deploys\n    events: [failed, suspended, resumed]\n",
                java.nio.file.StandardOpenOption.APPEND);

            Cli.run("suspend", "-c", config.toString(), "--by", "alice@ops-1", "--reason", "incident 42");
            Cli.run("suspend", "-c", config.toString(), "--by", "alice@ops-1");
            Cli.run("resume", "-c", config.toString(), "--by", "bob@ops-2");

            assertThat(bodies).as("the repeated suspend tells nobody").hasSize(2);
            assertThat(bodies.get(0)).contains("\"event\":\"suspended\"").contains("\"by\":\"alice@ops-1\"")
                .contains("\"reason\":\"incident 42\"");
            assertThat(bodies.get(1)).contains("\"event\":\"resumed\"").contains("\"resumedBy\":\"bob@ops-2\"");
        } finally {
            hook.stop(0);
        }
    }

    @Test
    void withNothingEverSuspendedTheAuditSaysSo() {
        Path config = Cli.daemonConfig(tmp, "127.0.0.1:" + Cli.closedPort());

        Cli.Run run = Cli.run("history", "suspensions", "-c", config.toString());

        assertThat(run.out()).isEqualTo("nothing was ever suspended in environment default\n");
    }

    @Test
    void aServiceNameMustBeOneAndAConfigurationIsNeeded() {
        Path config = Cli.daemonConfig(tmp, "127.0.0.1:" + Cli.closedPort());

        Cli.Run bad = Cli.run("suspend", "-c", config.toString(), "--service", "Api; rm -rf /");
        assertThat(bad.exit()).isEqualTo(1);
        assertThat(bad.err()).isEqualTo("driftless suspend: --service: \"Api; rm -rf /\" is not a service name"
            + " (lowercase letters, digits and '-', as in services/<name>.yaml)\n");

        assumeNoConfigAround();
        Cli.Run none = Cli.run("resume");
        assertThat(none.exit()).isEqualTo(1);
        assertThat(none.err()).contains("no configuration: pass --config FILE");
    }

    @Test
    void suspendSaysWhenTheDaemonIsApplyingNow() throws Exception {
        try (MetricsServer daemon = MetricsServer.start(new InetSocketAddress("127.0.0.1", 0),
                new MicrometerMetrics("default"), () -> "applying commit 3f9a2c1 (reconcile #7)", () -> "{}")) {
            Path config = Cli.daemonConfig(tmp, "127.0.0.1:" + daemon.port());

            Cli.Run run = Cli.run("suspend", "-c", config.toString());

            assertThat(run.out()).endsWith("The daemon is applying commit 3f9a2c1 (reconcile #7) now; it finishes"
                + " that first.\n");
        }
    }

    private static void assumeNoConfigAround() {
        org.junit.jupiter.api.Assumptions.assumeFalse(Cli.configFoundWithoutOption(),
            "a driftless.yaml is found without --config on this machine");
    }
}
