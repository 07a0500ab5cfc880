package dev.driftless.reconciler.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.driftless.reconciler.config.ConfigLoader;
import dev.driftless.reconciler.config.DaemonConfig;
import dev.driftless.reconciler.history.HistoryStore;
import dev.driftless.reconciler.history.ReconcileRecord;
import dev.driftless.reconciler.history.ReconcileResult;
import dev.driftless.reconciler.history.ReconcileStart;
import dev.driftless.reconciler.history.Trigger;
import dev.driftless.reconciler.metrics.MetricsServer;
import dev.driftless.reconciler.metrics.MicrometerMetrics;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code driftless reconcile} against a stand-in for the daemon's endpoint (the real daemon is
 * asked end to end in DaemonResilienceIT): what it sends, what it prints, how it waits.
 */
class ReconcileCommandTest {

    private static final String SHA = "3f9a2c1b3f9a2c1b3f9a2c1b3f9a2c1b3f9a2c1b";

    @TempDir
    Path tmp;

    private Path config(String metrics) {
        return Cli.daemonConfig(tmp, metrics);
    }

    @Test
    void itAsksTheDaemonOnItsMetricsAddress() throws Exception {
        try (MetricsServer daemon = MetricsServer.start(new InetSocketAddress("127.0.0.1", 0),
                new MicrometerMetrics("default"), () -> "", () -> "{\"scheduled\":true,\"requestedAt\":\""
                    + Instant.now() + "\",\"message\":\"reconcile scheduled\"}")) {
            Cli.Run run = Cli.run("reconcile", "--config", config("127.0.0.1:" + daemon.port()).toString());

            assertThat(run.exit()).isZero();
            assertThat(run.out()).isEqualTo("reconcile scheduled (daemon at 127.0.0.1:" + daemon.port() + ")\n");
        }
    }

    @Test
    void withWaitItPrintsTheRecordOfThatReconcileAndExitsByItsResult() throws Exception {
        Path config = config("127.0.0.1:0");
        DaemonConfig cfg = ConfigLoader.load(config);
        try (HistoryStore store = HistoryStore.open(cfg.historySettings(), "default");
             MetricsServer daemon = MetricsServer.start(new InetSocketAddress("127.0.0.1", 0),
                 new MicrometerMetrics("default"), () -> "", () -> {
                     Instant at = Instant.now();
                     // The reconcile the daemon runs for the request: it rolled back.
                     ReconcileRecord r = store.begin(new ReconcileStart(SHA, "ops", "m", Trigger.MANUAL, "sha256:x"));
                     store.complete(r.id(), ReconcileResult.ROLLED_BACK, "rolled_back: api", Optional.of("api: unhealthy"));
                     return "{\"scheduled\":true,\"requestedAt\":\"" + at + "\",\"message\":\"reconcile scheduled\"}";
                 })) {
            Cli.write(config, Cli.read(config).replace("127.0.0.1:0", "127.0.0.1:" + daemon.port()));

            Cli.Run run = Cli.run("reconcile", "--config", config.toString(), "--wait", "--timeout", "20s");

            assertThat(run.exit()).as(run.err()).isEqualTo(1);
            assertThat(run.out()).startsWith("reconcile scheduled (daemon at 127.0.0.1:" + daemon.port() + ")\n")
                .contains("MANUAL", "ROLLED_BACK", "rolled_back: api");
        }
    }

    @Test
    void aConfigurationWithoutTheEndpointCannotAsk() {
        Cli.Run run = Cli.run("reconcile", "--config", config("off").toString());

        assertThat(run.exit()).isEqualTo(1);
        assertThat(run.err()).isEqualTo("driftless reconcile: the daemon of this configuration serves no HTTP endpoint "
            + "(metrics.listen is off), so it cannot be asked to reconcile; it still polls every 30s\n");
    }

    @Test
    void noDaemonRunningIsSaidPlainly() {
        int port = Cli.closedPort();

        Cli.Run run = Cli.run("reconcile", "--config", config("127.0.0.1:" + port).toString());

        assertThat(run.exit()).isEqualTo(1);
        assertThat(run.err()).isEqualTo("driftless reconcile: no daemon answers on 127.0.0.1:" + port
            + " (metrics.listen): is driftless run running with this configuration?\n");
    }
}
