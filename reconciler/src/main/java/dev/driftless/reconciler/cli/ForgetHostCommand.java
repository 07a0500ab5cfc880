package dev.driftless.reconciler.cli;

import dev.driftless.reconciler.config.DaemonConfig;
import dev.driftless.reconciler.daemon.Assembly;
import dev.driftless.reconciler.history.DepartedHost;
import dev.driftless.reconciler.history.HistoryStore;
import java.io.PrintWriter;
import java.time.temporal.ChronoUnit;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/**
 * {@code driftless forget-host HOST}: the daemon stops trying a host that left the inventory
 * while it did not answer (a machine destroyed before its containers could be removed). Without
 * it the daemon tries the host at each drift check for {@code intervals.departed} (30 days). Takes
 * effect at the next reconcile; one under way does not bring the host back.
 */
@Command(name = "forget-host", mixinStandardHelpOptions = true,
    description = "Stop the daemon trying a host that left the inventory while it did not answer"
        + " (driftless status lists them under 'Departed hosts').")
final class ForgetHostCommand implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Mixin
    ConfigOption config;

    @Parameters(paramLabel = "HOST", description = "The departed host, by its name in the inventory that had it.")
    String host;

    @Override
    public Integer call() throws Exception {
        DaemonConfig cfg = config.require("forget-host");
        String environment = Assembly.environmentName(cfg);
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        Optional<HistoryStore> opened = HistoryStore.openExisting(cfg.historySettings(), environment);
        if (opened.isEmpty()) {
            err.println("driftless forget-host: the state directory " + cfg.stateDir()
                + " holds no deployment history, so no departed host is remembered");
            return Main.EXIT_ERROR;
        }
        try (HistoryStore history = opened.get()) {
            Map<String, DepartedHost> departed = history.departedHosts();
            DepartedHost d = departed.get(host);
            if (d == null || !history.forgetDepartedHost(host)) {
                err.println("driftless forget-host: environment " + environment + " remembers no departed host "
                    + host + (departed.isEmpty() ? " (it remembers none)"
                        : " (it remembers " + String.join(", ", departed.keySet()) + ")"));
                return Main.EXIT_ERROR;
            }
            out.println("Forgot departed host " + host + " of environment " + environment + " (reached through the"
                + " inventory of commit " + d.inventoryCommit().substring(0, Math.min(7, d.inventoryCommit().length()))
                + ", not cleaned up since " + d.since().truncatedTo(ChronoUnit.SECONDS) + "). The daemon no longer"
                + " tries it; should the host come back, remove what " + environment + " still runs there by hand.");
        }
        out.flush();
        return Main.EXIT_OK;
    }
}
