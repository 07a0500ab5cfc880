package dev.driftless.reconciler.cli;

import dev.driftless.reconciler.config.ConfigException;
import dev.driftless.reconciler.config.DaemonConfig;
import dev.driftless.reconciler.daemon.Assembly;
import dev.driftless.reconciler.history.HistoryFormatter;
import dev.driftless.reconciler.history.HistoryQuery;
import dev.driftless.reconciler.history.HistoryStore;
import dev.driftless.reconciler.history.ReconcileRecord;
import java.time.ZoneId;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code driftless history}: the deployment history of the configured environment, newest first. */
@Command(name = "history", mixinStandardHelpOptions = true, subcommands = {HistoryCopyCommand.class, HistorySuspensionsCommand.class},
    description = "Show deployment history: what changed where, by which commit, with what outcome.")
final class HistoryCommand implements Callable<Integer> {

    enum Format { text, json }

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Mixin
    ConfigOption config;

    @Option(names = {"-s", "--service"}, paramLabel = "SERVICE", description = "Only reconciles that touched this service.")
    Optional<String> service = Optional.empty();

    @Option(names = "--host", paramLabel = "HOST", description = "Only reconciles that touched this host.")
    Optional<String> host = Optional.empty();

    @Option(names = {"-n", "--limit"}, paramLabel = "N", defaultValue = "20",
        description = "At most N records (default: ${DEFAULT-VALUE}).")
    int limit;

    @Option(names = {"-v", "--verbose"}, description = "Show each record's services and steps.")
    boolean verbose;

    @Option(names = "--format", defaultValue = "text", description = "text or json (default: ${DEFAULT-VALUE}).")
    Format format;

    @Override
    public Integer call() throws ConfigException {
        DaemonConfig cfg = config.require("history");
        if (limit < 1 || limit > HistoryQuery.MAX_LIMIT) {
            throw new IllegalArgumentException("--limit must be from 1 to " + HistoryQuery.MAX_LIMIT);
        }
        try (HistoryStore store = HistoryStore.open(cfg.historySettings(), Assembly.environmentName(cfg))) {
            List<ReconcileRecord> records = store.list(new HistoryQuery(service, host, limit));
            HistoryFormatter f = new HistoryFormatter(ZoneId.systemDefault());
            if (format == Format.json) {
                spec.commandLine().getOut().print(f.json(records));
            } else if (records.isEmpty()) {
                spec.commandLine().getOut().println("No deployments recorded yet for environment "
                    + store.environment() + ".");
            } else {
                if (service.isPresent() && host.isPresent()) {
                    // "Which version of api runs on app-2, since when?", as history tells it.
                    spec.commandLine().getOut().print(f.running(store.runningSince(service.get(), host.get()),
                        service.get(), host.get()));
                }
                spec.commandLine().getOut().print(f.table(records, verbose));
            }
            spec.commandLine().getOut().flush();
        }
        return Main.EXIT_OK;
    }
}
