package dev.driftless.reconciler.cli;

import dev.driftless.model.DurationText;
import dev.driftless.model.Names;
import dev.driftless.reconciler.config.DaemonConfig;
import dev.driftless.reconciler.daemon.Assembly;
import dev.driftless.reconciler.daemon.DeployWindows;
import dev.driftless.reconciler.history.HistoryFormatter;
import dev.driftless.reconciler.history.HistoryStore;
import dev.driftless.reconciler.history.RestartRequest;
import java.io.IOException;
import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code driftless restart}: asks the daemon to restart a service's instances in place, on every
 * host or on some — a rolling restart in batches of the service's rollout, each instance behind
 * its health gate, halted when one does not come back healthy. Kept in the deployment history like
 * a suspension, so whichever daemon of the environment reconciles takes it, a daemon restart does
 * not lose it, and who restarted what and why stays on record; the restarts are steps of the
 * reconcile that ran them. The daemon is asked to reconcile at once when it serves its HTTP
 * endpoint; otherwise it takes the request at its next poll.
 */
@Command(name = "restart", mixinStandardHelpOptions = true,
    description = "Restart a service's instances in place, host by host behind their health gates, without a commit.")
final class RestartCommand implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Mixin
    ConfigOption config;

    @Parameters(index = "0", paramLabel = "SERVICE", description = "The service to restart.")
    String service;

    @Option(names = {"-H", "--host"}, paramLabel = "HOST",
        description = "Restart it on this host only (repeat for several); default: every host that runs it.")
    List<String> hosts = new ArrayList<>();

    @Option(names = {"-r", "--reason"}, paramLabel = "TEXT", description = "Why, kept with the restart steps.")
    String reason = "";

    @Option(names = "--by", paramLabel = "NAME", description = "Who asks (default: user@host).")
    Optional<String> by = Optional.empty();

    @Option(names = "--wait", description = "Wait until the daemon has done it; print the reconcile; exit 0 only if "
        + "every instance was restarted and is healthy.")
    boolean wait;

    @Option(names = "--timeout", paramLabel = "DURATION", defaultValue = "10m",
        description = "How long --wait waits (default: ${DEFAULT-VALUE}).")
    String timeout;

    @Option(names = "--cancel", description = "Withdraw the pending restarts of the service instead.")
    boolean cancel;

    @Override
    public Integer call() throws Exception {
        DaemonConfig cfg = config.require("restart");
        SuspendCommand.serviceName(Optional.of(service));
        for (String host : hosts) {
            if (!Names.NAME.matcher(host).matches()) {
                throw new IllegalArgumentException("--host: \"" + host + "\" is not a host name (lowercase letters,"
                    + " digits and '-', as in hosts.yaml)");
            }
        }
        Duration limit = DaemonEndpoint.timeout(timeout);
        String environment = Assembly.environmentName(cfg);
        PrintWriter out = spec.commandLine().getOut();
        String who = SuspendCommand.who(by);
        RestartRequest request;
        try (HistoryStore history = HistoryStore.open(cfg.historySettings(), environment)) {
            if (cancel) {
                return cancel(history, who, out);
            }
            List<RestartRequest> pendingBefore = history.pendingRestarts();
            // The store hands back the same restart when it is pending already.
            request = history.requestRestart(service, hosts, reason, who);
            long id = request.id();
            if (pendingBefore.stream().anyMatch(r -> r.id() == id)) {
                out.println("Restart #" + request.id() + " of " + request.scope() + " was already requested by "
                    + request.by() + " at " + request.requestedAt().truncatedTo(java.time.temporal.ChronoUnit.SECONDS)
                    + "; it is still pending.");
            } else {
                out.println("Restart #" + request.id() + " of " + request.scope() + " of environment " + environment
                    + " requested: the daemon restarts each instance in place, in batches of the service's rollout,"
                    + " each behind its health gate, and stops at the first that does not come back healthy.");
            }
            boolean canAsk = cfg.metricsListen().isPresent();
            new DeployWindows(cfg.deployWindows()).withClosures(history.suspensions(), Instant.now(), canAsk).stream()
                .filter(s -> s.service().isEmpty() || s.service().get().equals(service)).findFirst()
                .ifPresent(s -> out.println("It waits: " + s.scope(environment) + " is " + s.describe() + "; the"
                    + " restart runs " + (s.isScheduled() ? "when the window allows it." : "after driftless resume.")));
        }
        out.println(nudge(cfg));
        out.flush();
        return wait ? await(cfg, environment, request.id(), limit, out) : Main.EXIT_OK;
    }

    /** Asks the daemon to reconcile now where it can be asked; says when the restart happens. */
    private static String nudge(DaemonConfig cfg) throws InterruptedException {
        String poll = "it takes the restart at its next poll, within " + DurationText.format(cfg.intervals().poll())
            + ".";
        if (cfg.metricsListen().isEmpty()) {
            return "The daemon " + poll;
        }
        try {
            DaemonEndpoint.requestReconcile(cfg.metricsListen().get(), cfg.reconcileToken());
            return "The daemon at " + DaemonEndpoint.uri(cfg.metricsListen().get(), "").getAuthority()
                + " was asked to reconcile now.";
        } catch (IOException | IllegalStateException e) {
            return "The daemon could not be asked to reconcile now (" + e.getMessage() + "); " + poll;
        }
    }

    private int cancel(HistoryStore history, String who, PrintWriter out) {
        List<RestartRequest> cancelled = history.cancelRestarts(service, who);
        if (cancelled.isEmpty()) {
            out.println("No restart of " + service + " is pending; nothing to cancel.");
        }
        for (RestartRequest r : cancelled) {
            out.println("Cancelled restart #" + r.id() + " of " + r.scope() + " (" + r.stepReason() + ").");
        }
        out.flush();
        return Main.EXIT_OK;
    }

    /** Waits for the request to end; prints how, and the reconcile that ran it. */
    private int await(DaemonConfig cfg, String environment, long id, Duration limit, PrintWriter out)
            throws InterruptedException {
        try (HistoryStore history = HistoryStore.open(cfg.historySettings(), environment)) {
            Optional<RestartRequest.Finished> done = DaemonEndpoint.await(limit,
                () -> history.restartRequest(id).flatMap(RestartRequest::finished));
            if (done.isPresent()) {
                RestartRequest.Finished f = done.get();
                out.println("Restart #" + id + " " + f.outcome().label() + ": " + f.message());
                f.reconcileId().flatMap(history::get).ifPresent(record -> out.print(
                    new HistoryFormatter(ZoneId.systemDefault()).table(List.of(record), true)));
                out.flush();
                return f.outcome() == RestartRequest.Outcome.RESTARTED ? Main.EXIT_OK : Main.EXIT_ERROR;
            }
        }
        throw new IllegalStateException("restart #" + id + " did not end within " + DurationText.format(limit)
            + " (the daemon may be busy, or the service held: see driftless status; driftless restart --cancel "
            + service + " withdraws it)");
    }
}
