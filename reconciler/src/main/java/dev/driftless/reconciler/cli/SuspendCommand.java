package dev.driftless.reconciler.cli;

import dev.driftless.model.Names;
import dev.driftless.reconciler.config.DaemonConfig;
import dev.driftless.reconciler.daemon.Assembly;
import dev.driftless.reconciler.history.HistoryStore;
import dev.driftless.reconciler.history.Suspension;
import dev.driftless.reconciler.metrics.Metrics;
import dev.driftless.reconciler.notify.Notifier;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code driftless suspend}: hands off. The daemon applies nothing to the environment (no drift
 * repair, no deploy, no prune) or, with {@code --service}, nothing to that service, until
 * {@code driftless resume}. Kept in the deployment history, so every daemon of the environment
 * sees it, it survives restarts, and who suspended what, when and why stays on record.
 */
@Command(name = "suspend", mixinStandardHelpOptions = true,
    description = "Stop the daemon changing the environment, or one service, until driftless resume.")
final class SuspendCommand implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Mixin
    ConfigOption config;

    @Option(names = {"-s", "--service"}, paramLabel = "SERVICE",
        description = "Suspend this service only; the rest of the environment goes on.")
    Optional<String> service = Optional.empty();

    @Option(names = {"-r", "--reason"}, paramLabel = "TEXT", description = "Why, shown by status and in the log.")
    String reason = "";

    @Option(names = "--by", paramLabel = "NAME", description = "Who suspends (default: user@host).")
    Optional<String> by = Optional.empty();

    @Override
    public Integer call() throws Exception {
        DaemonConfig cfg = config.require("suspend");
        Optional<String> scope = serviceName(service);
        String environment = Assembly.environmentName(cfg);
        PrintWriter out = spec.commandLine().getOut();
        try (HistoryStore history = HistoryStore.open(cfg.historySettings(), environment)) {
            Optional<Suspension> before = history.suspensions().stream()
                .filter(x -> x.service().equals(scope)).findFirst();
            Suspension s = history.suspend(scope, reason, who(by));
            String what = s.scope(environment);
            if (before.isPresent()) {
                out.println(capitalized(what) + " was already " + s.describe() + ".");
            } else {
                out.println(scope.isPresent()
                    ? "Suspended " + what + " of environment " + environment + ": the daemon leaves its instances as"
                        + " they are until driftless resume --service " + scope.get() + "."
                    : "Suspended " + what + ": the daemon changes nothing on its hosts until driftless resume.");
                out.flush();
                announce(cfg, environment, s);
            }
        }
        // A reconcile already under way finishes first: say so when the daemon is at it.
        if (cfg.metricsListen().isPresent()) {
            DaemonEndpoint.status(cfg.metricsListen().get()).filter(line -> line.startsWith("applying"))
                .ifPresent(line -> out.println("The daemon is " + line + " now; it finishes that first."));
        }
        out.flush();
        return Main.EXIT_OK;
    }

    /**
     * Tells the webhooks that asked for it ({@code events: [suspended, resumed]}, or no {@code
     * events}) about a suspension that began or ended; waits a little for them to take it.
     */
    static void announce(DaemonConfig cfg, String environment, Suspension s) {
        if (cfg.notifications().isEmpty()) {
            return;
        }
        Notifier notifier = new Notifier(cfg.notifications(), environment, Metrics.NONE);
        try {
            notifier.announce(s);
        } finally {
            notifier.close(ANNOUNCE_WAIT);
        }
    }

    /** Long enough for a webhook's retries (2 s and 10 s apart). */
    private static final java.time.Duration ANNOUNCE_WAIT = java.time.Duration.ofSeconds(15);

    /** The service named on the command line, checked as the repo checks service names. */
    static Optional<String> serviceName(Optional<String> service) {
        service.ifPresent(s -> {
            if (!Names.NAME.matcher(s).matches()) {
                throw new IllegalArgumentException("--service: \"" + s + "\" is not a service name (lowercase"
                    + " letters, digits and '-', as in services/<name>.yaml)");
            }
        });
        return service;
    }

    /** {@code --by}, else the local user at this host. */
    static String who(Optional<String> by) {
        return by.filter(b -> !b.isBlank()).orElseGet(() -> {
            String user = System.getProperty("user.name", "someone");
            try {
                return user + "@" + InetAddress.getLocalHost().getHostName();
            } catch (UnknownHostException e) {
                return user;
            }
        });
    }

    static String capitalized(String text) {
        return text.isEmpty() ? text : Character.toUpperCase(text.charAt(0)) + text.substring(1);
    }
}
