package dev.driftless.reconciler.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.driftless.reconciler.config.ConfigLoader;
import dev.driftless.reconciler.history.HistoryStore;
import dev.driftless.reconciler.history.ReconcileRecord;
import dev.driftless.reconciler.history.ReconcileResult;
import dev.driftless.reconciler.history.ReconcileStart;
import dev.driftless.reconciler.history.RestartRequest;
import dev.driftless.reconciler.history.Trigger;
import dev.driftless.reconciler.metrics.MetricsServer;
import dev.driftless.reconciler.metrics.MicrometerMetrics;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code driftless restart} through the command line, against the embedded history a daemon of
 * the configuration reads and a stand-in for the daemon's endpoint (the daemon's side:
 * ReconcilerTest; end to end: DeploymentStoryIT).
 */
class RestartCommandTest {

    private static final String SHA = "3f9a2c1b3f9a2c1b3f9a2c1b3f9a2c1b3f9a2c1b";

    @TempDir
    Path tmp;

    private List<RestartRequest> pending(Path config) throws Exception {
        try (HistoryStore h = HistoryStore.open(ConfigLoader.load(config).historySettings(), "default")) {
            return h.pendingRestarts();
        }
    }

    @Test
    void aRestartIsRecordedWithWhoAndWhyUntilTheDaemonTakesItOrItIsCancelled() throws Exception {
        Path config = Cli.daemonConfig(tmp, "127.0.0.1:" + Cli.closedPort());

        Cli.Run run = Cli.run("restart", "api", "--config", config.toString(), "--reason", "new TLS certificate",
            "--by", "alice@ops-1");

        assertThat(run.exit()).as(run.err()).isZero();
        assertThat(run.out()).startsWith("Restart #1 of api on every host of environment default requested: the daemon"
            + " restarts each instance in place, in batches of the service's rollout, each behind its health gate, and"
            + " stops at the first that does not come back healthy.\nThe daemon could not be asked to reconcile now"
            + " (no daemon answers on 127.0.0.1:").endsWith("; it takes the restart at its next poll, within 30s.\n");
        assertThat(pending(config)).singleElement().satisfies(r -> {
            assertThat(r.service()).isEqualTo("api");
            assertThat(r.hosts()).isEmpty();
            assertThat(r.by()).isEqualTo("alice@ops-1");
            assertThat(r.reason()).isEqualTo("new TLS certificate");
        });

        Cli.Run again = Cli.run("restart", "api", "-c", config.toString(), "--by", "bob@ops-2");
        assertThat(again.out()).startsWith("Restart #1 of api on every host was already requested by alice@ops-1 at ")
            .contains("; it is still pending.\n");
        Cli.Run two = Cli.run("restart", "api", "-c", config.toString(), "-H", "app-2", "--host", "app-1");
        assertThat(two.out()).startsWith("Restart #2 of api on app-1, app-2 of environment default requested");
        assertThat(pending(config)).hasSize(2);

        Cli.Run status = Cli.run("status", "-c", config.toString());
        assertThat(status.out()).containsPattern("restarts requested \\(the daemon restarts them at its next"
            + " reconcile\\):\n  #1 api on every host: by alice@ops-1 at \\S+ \\S+: new TLS certificate\n"
            + "  #2 api on app-1, app-2: by \\S+ at ");

        Cli.Run cancel = Cli.run("restart", "api", "--cancel", "-c", config.toString(), "--by", "carol@ops-3");
        assertThat(cancel.exit()).isZero();
        assertThat(cancel.out()).startsWith("Cancelled restart #1 of api on every host (restart requested by"
            + " alice@ops-1: new TLS certificate).\nCancelled restart #2 of api on app-1, app-2 (restart requested by ")
            .endsWith(").\n");
        assertThat(pending(config)).isEmpty();
        assertThat(Cli.run("restart", "api", "--cancel", "-c", config.toString()).out())
            .isEqualTo("No restart of api is pending; nothing to cancel.\n");
    }

    @Test
    void itAsksTheDaemonAndWithWaitPrintsHowTheRestartEndedAndTheReconcileThatDidIt() throws Exception {
        Path config = Cli.daemonConfig(tmp, "127.0.0.1:0");
        try (HistoryStore store = HistoryStore.open(ConfigLoader.load(config).historySettings(), "default");
             MetricsServer daemon = MetricsServer.start(new InetSocketAddress("127.0.0.1", 0),
                 new MicrometerMetrics("default"), () -> "", () -> {
                     // What the daemon does when asked: it takes the pending restart in a reconcile.
                     RestartRequest r = store.pendingRestarts().getFirst();
                     ReconcileRecord rec = store.begin(new ReconcileStart(SHA, "ops", "m", Trigger.MANUAL, "sha256:x"));
                     store.complete(rec.id(), ReconcileResult.PARTIALLY_FAILED, "skipped: api", Optional.empty());
                     store.finishRestart(r.id(), RestartRequest.Outcome.INCOMPLETE, Optional.of(rec.id()),
                         "asked: api-1 on app-1, api-1 on app-2; skipped: restart halted after app-1");
                     return "{\"scheduled\":true,\"requestedAt\":\"" + Instant.now()
                         + "\",\"message\":\"reconcile scheduled\"}";
                 })) {
            Cli.write(config, Cli.read(config).replace("127.0.0.1:0", "127.0.0.1:" + daemon.port()));

            Cli.Run run = Cli.run("restart", "api", "-c", config.toString(), "--wait", "--timeout", "20s");

            assertThat(run.exit()).as("not every instance was restarted").isEqualTo(1);
            assertThat(run.out()).contains("\nThe daemon at 127.0.0.1:" + daemon.port() + " was asked to reconcile now.\n"
                + "Restart #1 incomplete: asked: api-1 on app-1, api-1 on app-2; skipped: restart halted after app-1\n")
                .contains("MANUAL", "PARTIALLY_FAILED", "skipped: api");
        }
    }

    @Test
    void namesThatCannotBeAServiceOrAHostAreRefusedBeforeAnythingIsRecorded() throws Exception {
        Path config = Cli.daemonConfig(tmp, "127.0.0.1:" + Cli.closedPort());

        Cli.Run badService = Cli.run("restart", "API;reboot", "-c", config.toString());
        Cli.Run badHost = Cli.run("restart", "api", "-H", "app 1", "-c", config.toString());

        assertThat(badService.exit()).isNotZero();
        assertThat(badService.err()).contains("\"API;reboot\" is not a service name");
        assertThat(badHost.exit()).isNotZero();
        assertThat(badHost.err()).contains("--host: \"app 1\" is not a host name");
        assertThat(pending(config)).isEmpty();
    }
}
