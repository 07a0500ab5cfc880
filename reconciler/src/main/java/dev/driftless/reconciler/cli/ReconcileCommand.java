package dev.driftless.reconciler.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.driftless.model.DurationText;
import dev.driftless.reconciler.config.ConfigException;
import dev.driftless.reconciler.config.DaemonConfig;
import dev.driftless.reconciler.daemon.Assembly;
import dev.driftless.reconciler.history.HistoryFormatter;
import dev.driftless.reconciler.history.HistoryQuery;
import dev.driftless.reconciler.history.HistoryStore;
import dev.driftless.reconciler.history.ReconcileRecord;
import dev.driftless.reconciler.history.ReconcileResult;
import dev.driftless.reconciler.history.Trigger;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code driftless reconcile}: asks the running daemon to reconcile now (a MANUAL reconcile),
 * through its HTTP endpoint ({@code POST /reconcile} on {@code metrics.listen}). With {@code
 * --wait}, waits for that reconcile's history record and prints it; the exit code says how it went.
 */
@Command(name = "reconcile", mixinStandardHelpOptions = true,
    description = "Ask the running daemon to reconcile now, without waiting for the next poll or drift check.")
final class ReconcileCommand implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Mixin
    ConfigOption config;

    @Option(names = "--wait", description = "Wait for the reconcile to end; print its record; exit 0 only if it "
        + "succeeded.")
    boolean wait;

    @Option(names = "--timeout", paramLabel = "DURATION", defaultValue = "10m",
        description = "How long --wait waits (default: ${DEFAULT-VALUE}).")
    String timeout;

    @Override
    public Integer call() throws ConfigException, IOException, InterruptedException {
        DaemonConfig cfg = config.require("reconcile");
        Duration limit = DaemonEndpoint.timeout(timeout);
        InetSocketAddress listen = cfg.metricsListen().orElseThrow(() -> new IllegalArgumentException(
            "the daemon of this configuration serves no HTTP endpoint (metrics.listen is off), so it cannot be asked "
                + "to reconcile; it still polls every " + DurationText.format(cfg.intervals().poll())));
        URI uri = DaemonEndpoint.uri(listen, "/reconcile");
        JsonNode answer = DaemonEndpoint.requestReconcile(listen, cfg.reconcileToken());
        Instant requestedAt = Instant.parse(answer.path("requestedAt").asText());
        spec.commandLine().getOut().println(answer.path("message").asText("reconcile requested") + " (daemon at "
            + uri.getAuthority() + ")");
        spec.commandLine().getOut().flush();
        if (!wait) {
            return Main.EXIT_OK;
        }
        try (HistoryStore store = HistoryStore.open(cfg.historySettings(), Assembly.environmentName(cfg))) {
            Optional<ReconcileRecord> done = DaemonEndpoint.await(limit, () -> store.list(HistoryQuery.latest(20))
                .stream().filter(r -> r.trigger() == Trigger.MANUAL
                    && !r.startedAt().isBefore(requestedAt.minusSeconds(1)) && r.result().isFinal())
                .reduce((newer, older) -> older));
            if (done.isPresent()) {
                spec.commandLine().getOut().print(new HistoryFormatter(ZoneId.systemDefault())
                    .table(List.of(done.get()), true));
                spec.commandLine().getOut().flush();
                return done.get().result() == ReconcileResult.SUCCEEDED ? Main.EXIT_OK : Main.EXIT_ERROR;
            }
        }
        throw new IllegalStateException("the requested reconcile did not end within " + DurationText.format(limit)
            + " (a long rollout may still be running: see driftless status and driftless history)");
    }
}
