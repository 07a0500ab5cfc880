package dev.driftless.reconciler.cli;

import dev.driftless.reconciler.config.ConfigException;
import dev.driftless.reconciler.config.DaemonConfig;
import dev.driftless.reconciler.daemon.Assembly;
import dev.driftless.reconciler.daemon.Daemon;
import dev.driftless.reconciler.daemon.ReloadSignal;
import dev.driftless.reconciler.ssh.SshHostPool;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
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

    @Option(names = "--check", description = "Check the configuration and every file it names (keys, secrets,"
        + " tokens) as this user, and exit: 0 when the daemon could start with it. Contacts nothing.")
    boolean check;

    @Override
    public Integer call() throws Exception {
        DaemonConfig cfg = config.require("run");
        if (check) {
            List<String> problems = problems(cfg);
            if (problems.isEmpty()) {
                spec.commandLine().getOut().println("configuration " + cfg.file() + " is fine: repo " + cfg.repo().url()
                    + " (" + cfg.repo().branch() + "), state in " + cfg.stateDir());
                spec.commandLine().getOut().flush();
                return Main.EXIT_OK;
            }
            problems.forEach(p -> spec.commandLine().getErr().println(cfg.file() + ": " + p));
            return Main.EXIT_ERROR;
        }
        boolean json = logFormat.map(f -> f == LogFormat.json).orElse(cfg.logFormat() == DaemonConfig.LogFormat.JSON);
        if (json) {
            Logging.useJson();
        }
        Daemon daemon = Daemon.start(cfg, System.getenv());
        ReloadSignal.install(() -> reload(daemon));
        Thread hook = new Thread(daemon::close, "driftless-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        daemon.awaitStop();
        return Main.EXIT_OK;
    }

    /** Reads the configuration file again (with this command's options) and hands it to the daemon. */
    private void reload(Daemon daemon) {
        DaemonConfig read;
        try {
            read = config.require("run");
        } catch (ConfigException | RuntimeException e) {
            daemon.reloadFailed(e.getMessage());
            return;
        }
        try {
            daemon.reload(read);
        } catch (org.quartz.SchedulerException | RuntimeException e) {
            daemon.reloadFailed(e.getMessage());
        }
    }

    /**
     * What would keep the daemon from starting, or from working later, with this configuration:
     * every file it names must be readable by this user (so run the check as the daemon's user),
     * the SSH key must load, secret files must not be blank, the state directory must be writable.
     */
    static List<String> problems(DaemonConfig cfg) {
        List<String> problems = new ArrayList<>();
        Map<String, Optional<Path>> files = new LinkedHashMap<>();
        files.put("repo.ssh-key", cfg.repo().sshKey());
        files.put("repo.known-hosts", cfg.repo().knownHosts());
        files.put("repo.token-file", cfg.repo().tokenFile());
        files.put("repo.ca-file", cfg.repo().caFile());
        files.put("ssh.key", Optional.of(cfg.ssh().key()));
        files.put("ssh.key-passphrase-file", cfg.ssh().keyPassphraseFile());
        files.put("ssh.known-hosts", cfg.ssh().knownHosts());
        files.put("ssh.revoked-host-keys", cfg.ssh().revokedHostKeys());
        files.put("secrets.passphrase-file", cfg.secrets().passphraseFile());
        files.put("history.password-file", cfg.history().passwordFile());
        files.put("metrics.reconcile-token-file", cfg.reconcileTokenFile());
        cfg.secrets().ageKeyFiles().forEach(f -> files.put("secrets.age-key-file " + f, Optional.of(f)));
        cfg.secrets().pgpKeyFiles().forEach(f -> files.put("secrets.pgp-key-file " + f, Optional.of(f)));
        files.forEach((key, file) -> file.filter(f -> !Files.isReadable(f)).ifPresent(f -> problems.add(key + ": "
            + f + (Files.exists(f) ? " is not readable by this user" : " does not exist"))));
        if (problems.stream().noneMatch(p -> p.startsWith("ssh.key") || p.startsWith("ssh.revoked-host-keys"))) {
            try {
                SshHostPool.open(cfg.sshSettings()).close();
            } catch (RuntimeException e) {
                problems.add(e.getMessage().startsWith("ssh.revoked-host-keys") ? e.getMessage()
                    : "ssh.key: " + e.getMessage());
            }
        }
        if (problems.stream().noneMatch(p -> p.startsWith("metrics.reconcile-token-file"))) {
            try {
                cfg.reconcileToken();
            } catch (RuntimeException e) {
                problems.add(e.getMessage());
            }
        }
        if (cfg.repo().verify().isPresent()) {
            try {
                Assembly.verifier(cfg);
            } catch (IllegalStateException e) {
                problems.add(e.getMessage());
            }
        }
        for (int i = 0; i < cfg.notifications().size(); i++) {
            DaemonConfig.Notification n = cfg.notifications().get(i);
            try {
                n.resolveUrl();
                n.token();
                n.signingSecret();
            } catch (RuntimeException e) {
                problems.add("notifications[" + i + "]: " + e.getMessage());
            }
        }
        Path state = cfg.stateDir();
        Path writable = Files.exists(state) ? state : state.toAbsolutePath().getParent();
        if (writable == null || !Files.isWritable(writable)) {
            problems.add("state-dir: " + state + (Files.exists(state) ? " is not writable by this user"
                : " does not exist and cannot be created by this user"));
        }
        return problems;
    }
}
