package dev.driftless.reconciler.runtime.systemd;

import dev.driftless.model.Instance;
import dev.driftless.model.Runtime;
import dev.driftless.reconciler.command.RemoteCommand;
import dev.driftless.reconciler.runtime.InstanceRuntime;
import dev.driftless.reconciler.ssh.CommandResult;
import dev.driftless.reconciler.ssh.HostException;
import dev.driftless.reconciler.ssh.HostSession;
import dev.driftless.secrets.SecretValue;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Instances as systemd user units of the SSH user: a unit file per instance (named with its
 * fingerprint, like a container), its secrets in an environment file beside it (mode 0600 in a
 * 0700 directory; systemd reads it at every start, so it stays while the unit exists), started
 * with {@code systemctl --user enable --now}. Health probes reach it on the host's loopback; a
 * command probe runs on the host as the SSH user.
 */
public final class SystemdRuntime implements InstanceRuntime {

    public static final SystemdRuntime INSTANCE = new SystemdRuntime();
    /** The status systemd gives a unit whose program it could not execute. */
    static final int EXEC_FAILED = 203;

    private SystemdRuntime() {
    }

    @Override
    public Runtime kind() {
        return Runtime.SYSTEMD;
    }

    @Override
    public String tool() {
        return "systemctl";
    }

    @Override
    public RemoteCommand logs(String name, int lines) {
        return SystemdCommands.logs(name, lines).stderrToStdout();
    }


    @Override
    public String nameOf(Instance instance) {
        return SystemdUnits.unitName(instance);
    }

    @Override
    public Optional<String> launch(HostSession session, Instance instance, Launch launch) throws HostException {
        String unit = nameOf(instance);
        String file;
        byte[] env = null;
        try {
            file = SystemdUnits.render(instance, launch.environment(), launch.commit(), launch.deployedAt());
            if (SystemdUnits.needsEnvFile(instance)) {
                StringBuilder b = new StringBuilder("# Secrets of " + unit + ", written by driftless.\n");
                for (Map.Entry<String, SecretValue> e : launch.secrets().entrySet()) {
                    b.append(UnitFileSyntax.envFileLine(e.getKey(), e.getValue().reveal())).append('\n');
                }
                env = b.toString().getBytes(StandardCharsets.UTF_8);
            }
        } catch (IllegalArgumentException e) {
            // A value a unit or environment file cannot carry: a failed release. The message
            // names the variable, never the value.
            return Optional.of(e.getMessage());
        }
        if (env != null) {
            session.writeFile(SystemdUnits.envFilePath(unit), env, 0600);
        }
        session.writeFile(SystemdUnits.unitPath(unit), file.getBytes(StandardCharsets.UTF_8), 0644);
        CommandResult r = session.run(SystemdCommands.enableNow(unit), launch.commandTimeout());
        if (r.succeeded()) {
            return Optional.empty();
        }
        InstanceState state = readState(session.run(state(unit), launch.commandTimeout()));
        if (state.status().equals("exited") || state.status().equals("restarting")) {
            return Optional.of("unit " + unit + " exited with code " + state.exitCode() + (state.exitCode() == EXEC_FAILED
                ? " (" + EXEC_FAILED + "/EXEC: " + instance.service().command().getFirst()
                    + " is missing or not executable)" : "") + " as it started");
        }
        return Optional.of(describe("systemctl --user enable --now " + unit, r));
    }

    private static String describe(String what, CommandResult r) {
        String error = r.firstErrorLine();
        String lower = r.stderr().toLowerCase(Locale.ROOT);
        if (lower.contains("failed to connect to bus") || lower.contains("no medium found")) {
            return what + " failed: the systemd user manager is not running (" + error
                + "); enable lingering for the SSH user: loginctl enable-linger USER";
        }
        return what + " failed (exit " + r.exitCode() + "): " + error;
    }

    @Override
    public RemoteCommand start(String name) {
        return SystemdCommands.start(name);
    }

    @Override
    public RemoteCommand stop(String name, Duration timeout) {
        return SystemdCommands.stop(name);
    }

    @Override
    public RemoteCommand restart(String name, Duration timeout) {
        return SystemdCommands.restart(name);
    }

    @Override
    public RemoteCommand remove(String name) {
        return SystemdCommands.remove(name);
    }

    @Override
    public RemoteCommand state(String name) {
        return SystemdCommands.state(name);
    }

    @Override
    public InstanceState readState(CommandResult r) {
        if (!r.succeeded()) {
            return InstanceState.missing();
        }
        Map<String, String> show = SystemdObserver.properties(r.stdout());
        return new InstanceState(SystemdObserver.gateStatus(show), SystemdObserver.parseInt(show.get("ExecMainStatus")),
            SystemdObserver.parseInt(show.get("NRestarts")), "-", Optional.empty());
    }

    /** A command probe runs on the host itself, as the SSH user, never through a shell. */
    @Override
    public RemoteCommand exec(String name, List<String> argv) {
        if (argv.isEmpty()) {
            throw new IllegalArgumentException("exec needs a command");
        }
        return RemoteCommand.of(argv);
    }
}
