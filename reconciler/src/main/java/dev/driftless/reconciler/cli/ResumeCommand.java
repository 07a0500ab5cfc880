package dev.driftless.reconciler.cli;

import dev.driftless.model.DurationText;
import dev.driftless.reconciler.config.DaemonConfig;
import dev.driftless.reconciler.daemon.Assembly;
import dev.driftless.reconciler.history.HistoryStore;
import dev.driftless.reconciler.history.Suspension;
import java.io.PrintWriter;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code driftless resume}: ends a {@code driftless suspend}. The daemon notices at its next poll
 * and reconciles at once: whatever was committed or drifted meanwhile is applied then.
 */
@Command(name = "resume", mixinStandardHelpOptions = true,
    description = "End a suspension: the daemon converges the environment (or the service) again.")
final class ResumeCommand implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Mixin
    ConfigOption config;

    @Option(names = {"-s", "--service"}, paramLabel = "SERVICE",
        description = "Resume this service (suspended with suspend --service).")
    Optional<String> service = Optional.empty();

    @Option(names = "--by", paramLabel = "NAME", description = "Who resumes (default: user@host).")
    Optional<String> by = Optional.empty();

    @Override
    public Integer call() throws Exception {
        DaemonConfig cfg = config.require("resume");
        Optional<String> scope = SuspendCommand.serviceName(service);
        String environment = Assembly.environmentName(cfg);
        PrintWriter out = spec.commandLine().getOut();
        try (HistoryStore history = HistoryStore.open(cfg.historySettings(), environment)) {
            Optional<Suspension> ended = history.resume(scope, SuspendCommand.who(by));
            String what = scope.map(s -> "service " + s + " of environment " + environment)
                .orElse("environment " + environment);
            if (ended.isEmpty()) {
                out.println(SuspendCommand.capitalized(what) + " is not suspended; nothing to resume.");
            } else {
                SuspendCommand.announce(cfg, environment, ended.get());
                out.println("Resumed " + what + " (it was " + ended.get().describe() + "). The daemon reconciles"
                    + " it at its next poll, within " + DurationText.format(cfg.intervals().poll()) + ".");
                if (scope.isEmpty()) {
                    history.suspensions().forEach(s -> out.println("Still suspended: " + s.scope(environment)
                        + ", " + s.describe() + "."));
                }
            }
        }
        out.flush();
        return Main.EXIT_OK;
    }
}
