package dev.driftless.reconciler.runtime;

import dev.driftless.model.Instance;
import dev.driftless.model.PreDeploy;
import dev.driftless.model.Runtime;
import dev.driftless.reconciler.command.RemoteCommand;
import dev.driftless.reconciler.runtime.docker.DockerRuntime;
import dev.driftless.reconciler.observe.ObservedContainer;
import dev.driftless.reconciler.runtime.systemd.SystemdRuntime;
import dev.driftless.reconciler.runtime.systemd.SystemdUnits;
import dev.driftless.reconciler.ssh.CommandResult;
import dev.driftless.reconciler.ssh.HostException;
import dev.driftless.reconciler.ssh.HostSession;
import dev.driftless.secrets.SecretValue;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * How apply and the health gate act on one instance under its runtime: a Docker container or a
 * systemd unit. Apply decides what to do (the rollout, the gate, the rollback); this says how, as
 * remote commands. Every name passed in is one {@link #nameOf} gave or the observation reported.
 */
public interface InstanceRuntime {

    /** The runtime this acts for. */
    Runtime kind();

    /** What one instance is called in messages: "container" or "unit". */
    default String noun() {
        return kind().instanceNoun();
    }

    /** The tool its commands drive, for messages: "docker" or "systemctl". */
    String tool();

    /** The name of the container or unit that runs {@code instance}'s spec (it carries the fingerprint). */
    String nameOf(Instance instance);

    /**
     * The name of a new container or unit of {@code instance}'s spec that runs beside {@code
     * current}, one of that same spec (a start-first restart): {@link #nameOf}, or, when {@code
     * current} has that name, the same with {@link #SECOND_NAME}. Restart after restart, an
     * instance alternates between the two.
     */
    default String nameBeside(Instance instance, String current) {
        String name = nameOf(instance);
        return current.equals(name) ? name + SECOND_NAME : name;
    }

    /** What {@link #nameBeside} appends to the name of a spec for its second name. */
    String SECOND_NAME = "-b";

    /**
     * Creates and starts the instance under {@link #nameOf}: with its secrets, never on a command line.
     *
     * @return empty when it started, else what went wrong (a failed release, never a secret)
     * @throws HostException when the host stops answering
     */
    default Optional<String> launch(HostSession session, Instance instance, Launch launch) throws HostException {
        return launch(session, instance, nameOf(instance), launch);
    }

    /**
     * Creates and starts the instance under {@code name}, {@link #nameOf} or {@link #nameBeside}:
     * with its secrets, never on a command line.
     *
     * @return empty when it started, else what went wrong (a failed release, never a secret)
     * @throws HostException when the host stops answering
     */
    Optional<String> launch(HostSession session, Instance instance, String name, Launch launch) throws HostException;

    /**
     * Runs {@code job}, the service's pre-deploy job, once for {@code instance}'s new spec, with
     * what its instances get (env, secrets, resources, user; for a container also image, volumes,
     * files and network), in the foreground, and waits for it up to the job's timeout. Whatever happens,
     * nothing of it (container, unit, env file, output) stays on the host.
     *
     * @throws HostException when the host stops answering
     */
    JobResult runJob(HostSession session, Instance instance, Launch launch, PreDeploy job) throws HostException;

    /** Starts a stopped instance again. */
    RemoteCommand start(String name);

    /**
     * Stops an instance, keeping it (and what it needs to start again) for a rollback: its stop
     * signal, then, if it has not exited within {@code grace} (its service's {@code stop.grace-period}), a kill.
     */
    RemoteCommand stop(String name, Duration grace);

    /** Stops (as {@link #stop}) and starts a running instance in place. */
    RemoteCommand restart(String name, Duration grace);

    /**
     * Stops a running instance as {@link #stop} does, never harder, then removes it and everything
     * apply left on the host for it; succeeds when it is already gone.
     */
    RemoteCommand remove(String name, Duration grace);

    /** What the health gate reads; {@link #readState} interprets it. */
    RemoteCommand state(String name);

    /** The state {@link #state} printed; {@code missing} when the instance does not exist. */
    InstanceState readState(CommandResult result);

    /**
     * The last {@code lines} lines the instance wrote, oldest first, each with its time, stderr
     * joined with stdout: {@code driftless logs}.
     */
    RemoteCommand logs(String name, int lines);

    /**
     * {@link #logs}, then what the instance writes from now on, until the instance stops or the
     * SSH channel closes ({@link RemoteCommand#untilDisconnected}): {@code driftless logs -f}.
     */
    RemoteCommand followLogs(String name, int lines);

    /**
     * What the instance wrote since {@code since} (its last start), then what it writes from now
     * on, as {@link #followLogs}: for an instance followed before that started again in place.
     */
    RemoteCommand followLogsSince(String name, Instant since);

    /** Runs a command health probe for the instance. */
    RemoteCommand exec(String name, List<String> argv);

    /**
     * What a launch needs besides the instance.
     *
     * @param environment    the environment the instance belongs to (recorded on it)
     * @param commit         the commit it is deployed from (recorded on it)
     * @param secrets        its service's decrypted secrets, by environment variable
     * @param secretFiles    the values of its service's secret files, by target path
     * @param deployedAt     when (recorded on it)
     * @param commandTimeout how long each remote command may take
     */
    record Launch(String environment, String commit, Map<String, SecretValue> secrets,
                  Map<String, SecretValue> secretFiles, Instant deployedAt, Duration commandTimeout) {
        public Launch {
            Objects.requireNonNull(environment, "environment");
            Objects.requireNonNull(commit, "commit");
            secrets = Map.copyOf(secrets);
            secretFiles = Map.copyOf(secretFiles);
            Objects.requireNonNull(deployedAt, "deployedAt");
            Objects.requireNonNull(commandTimeout, "commandTimeout");
        }

        /** A launch of a service without secret files. */
        public Launch(String environment, String commit, Map<String, SecretValue> secrets, Instant deployedAt,
                      Duration commandTimeout) {
            this(environment, commit, secrets, Map.of(), deployedAt, commandTimeout);
        }

        @Override
        public String toString() {
            return "Launch[environment=" + environment + ", commit=" + commit + ", secrets=" + secrets.keySet()
                + ", secretFiles=" + secretFiles.keySet() + "]";
        }
    }

    /**
     * How a one-off job ended.
     *
     * @param ran      whether the job ran at all; if not, {@code output} says why
     * @param exitCode the job's exit code
     * @param timedOut whether it was stopped at its timeout
     * @param exitNote what the exit code means where the runtime knows (systemd's
     *                 {@code 217/USER: …}), else empty
     * @param output   what it printed, stderr joined to stdout; secrets not yet masked
     * @param adopted  whether this is the run of the same job an interrupted reconcile (a daemon
     *                 that stopped or crashed, a cluster peer that died) had started and left
     *                 going: it was waited for, not killed and started again; its output is
     *                 then what it printed from then on (docker) or all of it (systemd)
     */
    record JobResult(boolean ran, int exitCode, boolean timedOut, String exitNote, String output, boolean adopted) {
        public JobResult {
            Objects.requireNonNull(exitNote, "exitNote");
            Objects.requireNonNull(output, "output");
        }

        /** A run started by this reconcile. */
        public JobResult(boolean ran, int exitCode, boolean timedOut, String exitNote, String output) {
            this(ran, exitCode, timedOut, exitNote, output, false);
        }

        /** A job that could not be started, and why. */
        public static JobResult notRun(String why) {
            return new JobResult(false, -1, false, "", why);
        }

        /** The exit code as a message says it: {@code 3}, or {@code 217/USER: user app does not exist …}. */
        public String exit() {
            return exitNote.isEmpty() ? Integer.toString(exitCode) : exitNote;
        }

        /** Without the output, which may hold a secret value the job printed (it is masked later). */
        @Override
        public String toString() {
            return "JobResult[ran=" + ran + ", exitCode=" + exitCode + ", timedOut=" + timedOut + ", adopted=" + adopted
                + ", output=" + output.length() + " chars]";
        }
    }

    /**
     * One instance's state as the health gate needs it.
     *
     * @param status   running, exited, restarting, missing, or another word the runtime uses
     * @param exitCode the last exit code
     * @param restarts restarts by the runtime's restart policy since it was started
     * @param health   Docker's health status, or {@code -}
     * @param address  where probes reach it; empty means the host's loopback
     */
    record InstanceState(String status, int exitCode, int restarts, String health, Optional<String> address) {
        public static InstanceState missing() {
            return new InstanceState("missing", 0, 0, "-", Optional.empty());
        }
    }

    /** The runtime that runs {@code instance}: Docker, or the systemd manager its service needs. */
    static InstanceRuntime of(Instance instance) {
        return switch (instance.service().runtime()) {
            case DOCKER -> DockerRuntime.INSTANCE;
            case SYSTEMD -> SystemdRuntime.of(SystemdUnits.scopeOf(instance));
        };
    }

    /** The runtime that holds an observed container or unit (a system unit: the system's manager). */
    static InstanceRuntime of(ObservedContainer observed) {
        return switch (observed.runtime()) {
            case DOCKER -> DockerRuntime.INSTANCE;
            case SYSTEMD -> SystemdRuntime.of(SystemdUnits.scopeOf(observed.labels()));
        };
    }
}
