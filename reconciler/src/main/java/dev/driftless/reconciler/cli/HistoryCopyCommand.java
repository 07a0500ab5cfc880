package dev.driftless.reconciler.cli;

import dev.driftless.reconciler.config.ConfigException;
import dev.driftless.reconciler.config.ConfigLoader;
import dev.driftless.reconciler.config.DaemonConfig;
import dev.driftless.reconciler.history.HistorySettings;
import dev.driftless.reconciler.history.HistoryTransfer;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code driftless history copy --to-config NEW}: copies the whole history database that the
 * current configuration names (every environment) into the empty one that another configuration
 * names, e.g. from the embedded H2 file to PostgreSQL before a team clusters its daemons.
 */
@Command(name = "copy", mixinStandardHelpOptions = true,
    description = {"Copy the whole history database (every environment) into the empty database another "
        + "configuration names, e.g. from the embedded H2 file to PostgreSQL. Stop the daemon first.",
        "Exit status: 0 copied, 1 error (nothing is written to the target on error)."})
final class HistoryCopyCommand implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Mixin
    ConfigOption config;

    @Option(names = "--to-config", paramLabel = "FILE", required = true,
        description = "The configuration whose history settings name the target database, which must hold no records.")
    Path toConfig;

    @Override
    public Integer call() throws ConfigException {
        DaemonConfig from = config.require("history copy");
        DaemonConfig to = ConfigLoader.load(toConfig);
        HistorySettings source = from.historySettings();
        HistorySettings target = to.historySettings();
        Map<String, Integer> rows = HistoryTransfer.copy(source, target);
        PrintWriter out = spec.commandLine().getOut();
        out.println("copied the history from " + HistoryTransfer.describe(source) + " to "
            + HistoryTransfer.describe(target) + ":");
        rows.forEach((table, n) -> out.printf("  %-20s %d rows%n", table, n));
        out.println("point the daemon at " + toConfig + " (or move its history settings into the current"
            + " configuration) and start it.");
        out.flush();
        return Main.EXIT_OK;
    }
}
