package dev.driftless.reconciler.cli;

import dev.driftless.reconciler.config.DaemonConfig;
import dev.driftless.reconciler.daemon.Daemon;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code driftless run}: the daemon. Runs until SIGTERM/SIGINT, then stops gracefully. */
@Command(name = "run", mixinStandardHelpOptions = true,
    description = "Run the daemon: watch the repo and converge the hosts.")
final class RunCommand implements Callable<Integer> {

    enum LogFormat { text, json }

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Mixin
    ConfigOption config;

    @Option(names = "--log-format", paramLabel = "FORMAT",
        description = "text or json (one object per line, for log shippers); default: log.format in the config, else text.")
    Optional<LogFormat> logFormat = Optional.empty();

    @Override
    public Integer call() throws Exception {
        DaemonConfig cfg = config.require("run");
        boolean json = logFormat.map(f -> f == LogFormat.json).orElse(cfg.logFormat() == DaemonConfig.LogFormat.JSON);
        if (json) {
            Logging.useJson();
        }
        Daemon daemon = Daemon.start(cfg, System.getenv());
        Thread hook = new Thread(daemon::close, "driftless-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        daemon.awaitStop();
        return Main.EXIT_OK;
    }
}
