package dev.driftless.reconciler.cli;

import dev.driftless.reconciler.config.ConfigException;
import dev.driftless.reconciler.config.DaemonConfig;
import dev.driftless.reconciler.daemon.Assembly;
import dev.driftless.reconciler.history.HistoryFormatter;
import dev.driftless.reconciler.history.HistoryQuery;
import dev.driftless.reconciler.history.HistoryStore;
import dev.driftless.reconciler.history.Suspension;
import java.time.ZoneId;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code driftless history suspensions}: who suspended deployments, when, why, and who resumed them. */
@Command(name = "suspensions", mixinStandardHelpOptions = true,
    description = "Show every suspension of the environment, newest first: who, when, why, and its resume.")
final class HistorySuspensionsCommand implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Mixin
    ConfigOption config;

    @Option(names = {"-n", "--limit"}, paramLabel = "N", defaultValue = "20",
        description = "At most N suspensions (default: ${DEFAULT-VALUE}).")
    int limit;

    @Option(names = "--format", defaultValue = "text", description = "text or json (default: ${DEFAULT-VALUE}).")
    HistoryCommand.Format format;

    @Override
    public Integer call() throws ConfigException {
        DaemonConfig cfg = config.require("history suspensions");
        if (limit < 1 || limit > HistoryQuery.MAX_LIMIT) {
            throw new IllegalArgumentException("--limit must be from 1 to " + HistoryQuery.MAX_LIMIT);
        }
        String environment = Assembly.environmentName(cfg);
        try (HistoryStore store = HistoryStore.open(cfg.historySettings(), environment)) {
            List<Suspension> all = store.suspensionHistory(limit);
            HistoryFormatter f = new HistoryFormatter(ZoneId.systemDefault());
            spec.commandLine().getOut().print(format == HistoryCommand.Format.json
                ? f.suspensionsJson(all).toPrettyString() + "\n" : f.suspensionTable(all, environment));
            spec.commandLine().getOut().flush();
        }
        return Main.EXIT_OK;
    }
}
