package dev.driftless.reconciler.runtime.systemd;

import dev.driftless.model.Instance;
import dev.driftless.model.PreDeploy;
import dev.driftless.model.Runtime;
import dev.driftless.model.Service;
import dev.driftless.reconciler.command.RemoteCommand;
import dev.driftless.reconciler.command.RemoteFiles;
import dev.driftless.reconciler.runtime.FileArchive;
import dev.driftless.reconciler.runtime.FileDrift;
import dev.driftless.reconciler.runtime.InstanceRuntime;
import dev.driftless.reconciler.runtime.systemd.SystemdUnits.Scope;
import dev.driftless.reconciler.ssh.CommandResult;
import dev.driftless.reconciler.ssh.HostException;
import dev.driftless.reconciler.ssh.HostSession;
import dev.driftless.secrets.SecretValue;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Instances as systemd units: a unit file per instance (named with its fingerprint, like a
 * container), its secrets in an environment file (mode 0600 in a 0700 directory; systemd reads it
 * at every start, so it stays while the unit exists), started with {@code systemctl enable --now}.
 * {@link #USER} drives user units of the SSH user (files in its home, no root needed);
 * {@link #SYSTEM} system units of services that name a {@code user} (files under {@code /etc},
 * owned by root, written and driven with {@code sudo -n}). Health probes reach a unit on the
 * host's loopback; a command probe runs on the host as the SSH user.
 */
public final class SystemdRuntime implements InstanceRuntime {

    /** User units of the SSH user. */
    public static final SystemdRuntime USER = new SystemdRuntime(Scope.USER);
    /** System units, for services that name a {@code user}. */
    public static final SystemdRuntime SYSTEM = new SystemdRuntime(Scope.SYSTEM);
    /** The mode of an instance's or job's env file, which holds its secrets. */
    private static final int ENV_FILE_MODE = 0600;
    /** The status systemd gives a unit whose program it could not execute. */
    static final int EXEC_FAILED = 203;
    /** The status systemd gives a unit whose {@code User=} or {@code Group=} it could not find. */
    static final int USER_FAILED = 217;
    static final int GROUP_FAILED = 216;

    private final Scope scope;

    private SystemdRuntime(Scope scope) {
        this.scope = scope;
    }

    /** The runtime for units of {@code scope}. */
    public static SystemdRuntime of(Scope scope) {
        return scope == Scope.USER ? USER : SYSTEM;
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
        return SystemdCommands.logs(scope, name, lines, false).stderrToStdout();
    }

    @Override
    public RemoteCommand followLogs(String name, int lines) {
        return SystemdCommands.logs(scope, name, lines, true).stderrToStdout().untilDisconnected();
    }

    @Override
    public RemoteCommand followLogsSince(String name, java.time.Instant since) {
        return SystemdCommands.followLogsSince(scope, name, since).stderrToStdout().untilDisconnected();
    }


    @Override
    public String nameOf(Instance instance) {
        return SystemdUnits.unitName(instance);
    }

    @Override
    public Optional<String> launch(HostSession session, Instance instance, String unit, Launch launch)
            throws HostException {
        String file;
        byte[] env = null;
        try {
            file = SystemdUnits.render(instance, unit, launch.environment(), launch.commit(), launch.deployedAt());
            if (SystemdUnits.needsEnvFile(instance)) {
                env = envFile(unit, launch.secrets());
            }
        } catch (IllegalArgumentException e) {
            // A value a unit or environment file cannot carry: a failed release. The message
            // names the variable, never the value.
            return Optional.of(e.getMessage());
        }
        Optional<String> failed = env == null ? Optional.empty()
            : write(session, SystemdUnits.envFilePath(scope, unit), env, ENV_FILE_MODE, launch);
        boolean files = FileArchive.any(instance.service());
        if (failed.isEmpty() && files) {
            failed = writeFiles(session, instance, unit, launch);
        }
        if (failed.isEmpty() && (files || env != null)) {
            // The checksums of its files (but those whose drift is ignored) and env file beside its
            // files directory, for observation to compare them with (FileDrift). Without files,
            // that directory's parent is made first as writing the files makes it: readable, so
            // each user reaches its own.
            StringBuilder sums = new StringBuilder(files
                ? new String(FileArchive.manifest(instance.service(), launch.secretFiles(), false), StandardCharsets.UTF_8)
                : "");
            if (env != null) {
                sums.append(FileDrift.line(env, ENV_FILE_MODE, FileDrift.DIRECTORY_OWNER,
                    (scope == Scope.USER ? FileDrift.HOME : "") + SystemdUnits.envFilePath(scope, unit)));
            }
            if (!files && scope == Scope.SYSTEM) {
                session.run(RemoteFiles.asRoot(RemoteCommand.of("mkdir", "-p", "-m", "755", "--",
                    SystemdUnits.SYSTEM_FILES_DIR)), launch.commandTimeout());
            }
            if (!sums.isEmpty()) {
                failed = write(session, SystemdUnits.fileSumsPath(scope, unit),
                    sums.toString().getBytes(StandardCharsets.UTF_8), 0600, launch);
            }
        }
        if (failed.isEmpty()) {
            failed = write(session, SystemdUnits.unitPath(scope, unit), file.getBytes(StandardCharsets.UTF_8), 0644,
                launch);
        }
        if (failed.isPresent()) {
            return failed;
        }
        CommandResult r = session.run(SystemdCommands.enableNow(scope, unit), launch.commandTimeout());
        if (r.succeeded()) {
            return Optional.empty();
        }
        InstanceState state = readState(session.run(state(unit), launch.commandTimeout()));
        if (state.status().equals("exited") || state.status().equals("restarting")) {
            return Optional.of("unit " + unit + " exited with code " + state.exitCode() + why(instance, state.exitCode())
                + " as it started");
        }
        return Optional.of(describe(session.host(), "systemctl " + (scope == Scope.USER ? "--user " : "") + "enable --now "
            + unit, r));
    }

    /** What systemd's own exit code of an instance's unit means, in parentheses, for the ones a repo's mistake causes. */
    private static String why(Instance instance, int exitCode) {
        String meaning = meaning(instance.service(), instance.service().command().getFirst(), exitCode);
        return meaning.isEmpty() ? "" : " (" + meaning + ")";
    }

    /** {@code 217/USER: user app does not exist on the host}, or empty for an exit code that is the program's own. */
    private static String meaning(Service service, String program, int exitCode) {
        String user = service.user().orElse("");
        return switch (exitCode) {
            case EXEC_FAILED -> EXEC_FAILED + "/EXEC: " + program + " is missing or not executable";
            case USER_FAILED -> USER_FAILED + "/USER: user " + user.replaceFirst(":.*", "") + " does not exist on the host";
            case GROUP_FAILED -> GROUP_FAILED + "/GROUP: group " + user.replaceFirst("^[^:]*:", "")
                + " does not exist on the host";
            default -> "";
        };
    }

    /**
     * Runs the job as a transient unit of the same manager as the service's instances ({@link
     * SystemdCommands#runJob}), with their env, secrets (an env file, mode 0600, removed after),
     * user and limits, stopped at the job's timeout as its instances are stopped (the service's stop
     * signal, SIGTERM by default, then SIGKILL when its grace period has passed).
     */
    @Override
    public JobResult runJob(HostSession session, Instance instance, Launch launch, PreDeploy job)
            throws HostException {
        Service s = instance.service();
        String unit = SystemdUnits.jobName(instance);
        List<String> properties = new ArrayList<>(List.of("--description=driftless " + launch.environment()
            + " pre-deploy job of " + s.name(), "-p", "RuntimeMaxSec=" + Math.max(1, (job.timeout().toMillis() + 999)
            / 1000), "-p", "TimeoutStopSec=" + s.stop().grace().toSeconds()));
        s.stop().signal().ifPresent(sig -> properties.addAll(List.of("-p", "KillSignal=" + sig)));
        Optional<String> envFile = Optional.empty();
        Optional<String> filesDir = Optional.empty();
        try {
            SystemdUnits.runAs(s).forEach((k, v) -> properties.addAll(List.of("-p", k + "=" + v)));
            SystemdUnits.limits(s).forEach((k, v) -> properties.addAll(List.of("-p", k + "=" + v)));
            s.env().forEach((k, v) -> properties.addAll(List.of("-p", UnitFileSyntax.transientEnvironment(k, v))));
            properties.add("--");
            job.command().forEach(w -> properties.add(UnitFileSyntax.transientExecWord(w)));
            if (SystemdUnits.needsEnvFile(instance)) {
                Optional<String> failed = write(session, SystemdUnits.envFilePath(scope, unit),
                    envFile(unit, launch.secrets()), ENV_FILE_MODE, launch);
                if (failed.isPresent()) {
                    return JobResult.notRun(failed.get());
                }
                envFile = Optional.of(SystemdUnits.envFilePath(scope, unit));
            }
            if (FileArchive.any(s)) {
                Optional<String> failed = writeFiles(session, instance, unit, launch);
                if (failed.isPresent()) {
                    return JobResult.notRun(failed.get());
                }
                filesDir = Optional.of(SystemdUnits.filesDir(scope, unit));
            }
        } catch (IllegalArgumentException e) {
            // A value a unit cannot carry; the message names the variable, never the value.
            return JobResult.notRun(e.getMessage());
        }
        try {
            CommandResult r = session.run(SystemdCommands.runJob(scope, unit, envFile, filesDir, properties),
                job.timeout().plus(s.stop().grace()).plus(launch.commandTimeout()));
            return jobResult(session.host(), s, job, r);
        } finally {
            try {
                session.run(SystemdCommands.forgetJob(scope, unit), launch.commandTimeout());
            } catch (HostException e) {
                // The job is tried again (its host did not answer), and that run clears all of it.
            }
        }
    }

    /** Reads what {@link SystemdCommands#runJob} printed. */
    JobResult jobResult(String host, Service s, PreDeploy job, CommandResult r) {
        if (!r.succeeded()) {
            // The script's own exit code says only that the unit did not start; stderr says why.
            return JobResult.notRun(describe(host, "systemd-run", r, r.exitCode() != SystemdCommands.JOB_NOT_STARTED));
        }
        Map<String, String> ended = SystemdObserver.properties(r.stderr());
        String result = ended.getOrDefault("Result", "");
        if (!"loaded".equals(ended.get("LoadState"))) {
            return JobResult.notRun("the job's unit was gone before driftless could read how it ended");
        }
        int status = SystemdObserver.parseInt(ended.get("ExecMainStatus"));
        boolean adopted = "yes".equals(ended.get(SystemdCommands.ADOPTED));
        return switch (result) {
            case "success" -> new JobResult(true, 0, false, "", r.stdout(), adopted);
            case "timeout" -> new JobResult(true, status, true, "", r.stdout(), adopted);
            // A signal that ended it: the shell's way, 128 + the signal's number.
            case "signal", "core-dump" -> new JobResult(true, 128 + status, false, "", r.stdout(), adopted);
            case "exit-code" -> new JobResult(true, status, false, meaning(s, job.command().getFirst(), status),
                r.stdout(), adopted);
            default -> new JobResult(true, status, false, status + ", systemd result " + result, r.stdout(), adopted);
        };
    }

    private static byte[] envFile(String unit, Map<String, SecretValue> secrets) {
        StringBuilder b = new StringBuilder("# Secrets of " + unit + ", written by driftless.\n");
        for (Map.Entry<String, SecretValue> e : secrets.entrySet()) {
            b.append(UnitFileSyntax.envFileLine(e.getKey(), e.getValue().reveal())).append('\n');
        }
        return b.toString().getBytes(StandardCharsets.UTF_8);
    }

    /**
     * Writes the service's {@code files} as the files directory of {@code unit} (its program's
     * working directory), replacing what an earlier launch of the same unit left there; for a
     * system unit as root, then given to the service's user. The archive may hold secret values:
     * it is cleared once sent.
     *
     * @return what went wrong, or empty
     */
    private Optional<String> writeFiles(HostSession session, Instance instance, String unit, Launch launch)
            throws HostException {
        return FileArchive.send(instance.service(), launch, archive -> {
            CommandResult r = session.run(SystemdCommands.writeFiles(scope, unit, instance.service().user()), archive,
                HostSession.FILE_TIMEOUT.plus(launch.commandTimeout()));
            return r.succeeded() ? Optional.empty()
                : Optional.of(describe(session.host(), "writing the files of " + unit, r));
        });
    }

    /**
     * Writes a file of a unit: as the SSH user into its home (a failed write is the host's
     * trouble, thrown), or as root for a system unit (where sudo's refusal fails the release).
     *
     * @return what went wrong, or empty
     */
    private Optional<String> write(HostSession session, String path, byte[] content, int mode, Launch launch)
            throws HostException {
        if (scope == Scope.USER) {
            session.writeFile(path, content, mode);
            return Optional.empty();
        }
        CommandResult r = session.run(RemoteFiles.atomicWriteAsRoot(path, mode, RemoteFiles.randomSuffix()), content,
            HostSession.FILE_TIMEOUT.plus(launch.commandTimeout()));
        return r.succeeded() ? Optional.empty() : Optional.of(describe(session.host(), "writing " + path, r));
    }

    private String describe(String host, String what, CommandResult r) {
        return describe(host, what, r, true);
    }

    private String describe(String host, String what, CommandResult r, boolean withExitCode) {
        String error = r.firstErrorLine();
        String lower = r.stderr().toLowerCase(Locale.ROOT);
        if (scope == Scope.USER && (lower.contains("failed to connect to bus") || lower.contains("no medium found"))) {
            return what + " failed: the systemd user manager is not running (" + error
                + "); enable lingering for the SSH user: loginctl enable-linger USER";
        }
        if (scope == Scope.SYSTEM && needsSudo(r)) {
            return what + " failed: a service with user runs as a system unit, which the SSH user installs with"
                + " sudo -n, and sudo refused on host " + host + " (" + error + "); allow it passwordless"
                + " sudo (see docs/ssh.md) or remove user from the service";
        }
        return what + " failed" + (withExitCode ? " (exit " + r.exitCode() + ")" : "") + ": " + error;
    }

    /** Whether sudo itself refused (no sudo, a password asked for, not in sudoers), not the command it ran. */
    static boolean needsSudo(CommandResult r) {
        String lower = r.stderr().toLowerCase(Locale.ROOT);
        return lower.contains("sudo: a password is required") || lower.contains("sudo: a terminal is required")
            || lower.contains("is not in the sudoers file") || lower.contains("is not allowed to")
            || lower.contains("sudo: not found") || lower.contains("sudo: command not found")
            || (r.exitCode() == 127 && lower.contains("sudo"));
    }

    @Override
    public RemoteCommand start(String name) {
        return SystemdCommands.start(scope, name);
    }

    @Override
    public RemoteCommand stop(String name, Duration grace) {
        // The unit's own KillSignal= and TimeoutStopSec= (its service's stop settings) apply.
        return SystemdCommands.stop(scope, name);
    }

    @Override
    public RemoteCommand restart(String name, Duration grace) {
        return SystemdCommands.restart(scope, name);
    }

    @Override
    public RemoteCommand remove(String name, Duration grace) {
        return SystemdCommands.remove(scope, name);
    }

    @Override
    public RemoteCommand state(String name) {
        return SystemdCommands.state(scope, name);
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
