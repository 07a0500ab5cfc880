package dev.driftless.reconciler.runtime.docker;

import dev.driftless.model.Instance;
import dev.driftless.model.PreDeploy;
import dev.driftless.model.Runtime;
import dev.driftless.model.Stop;
import dev.driftless.reconciler.command.RemoteCommand;
import dev.driftless.reconciler.command.RemoteFiles;
import dev.driftless.reconciler.runtime.FileArchive;
import dev.driftless.reconciler.runtime.InstanceRuntime;
import dev.driftless.reconciler.ssh.CommandResult;
import dev.driftless.reconciler.ssh.HostException;
import dev.driftless.reconciler.ssh.HostSession;
import dev.driftless.secrets.SecretValue;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/** Instances as Docker containers: {@link DockerCommands} applied to {@link InstanceContainers}' specs. */
public final class DockerRuntime implements InstanceRuntime {

    public static final DockerRuntime INSTANCE = new DockerRuntime();

    private DockerRuntime() {
    }

    @Override
    public Runtime kind() {
        return Runtime.DOCKER;
    }

    @Override
    public String tool() {
        return "docker";
    }

    @Override
    public RemoteCommand logs(String name, int lines) {
        return DockerCommands.logs(name, lines, false).stderrToStdout();
    }

    @Override
    public RemoteCommand followLogs(String name, int lines) {
        return DockerCommands.logs(name, lines, true).stderrToStdout().untilDisconnected();
    }

    @Override
    public RemoteCommand followLogsSince(String name, java.time.Instant since) {
        return DockerCommands.followLogsSince(name, since).stderrToStdout().untilDisconnected();
    }


    @Override
    public String nameOf(Instance instance) {
        return InstanceContainers.containerName(instance);
    }

    /**
     * Creates the service's network if the host lacks it, writes the secrets env file, runs the
     * container, removes the file again. A service with files gets its container created, the
     * files copied in, then started.
     */
    @Override
    public Optional<String> launch(HostSession session, Instance instance, String name, Launch launch)
            throws HostException {
        boolean withSecrets = InstanceContainers.needsEnvFile(instance);
        ContainerSpec spec = InstanceContainers.spec(instance, name, launch.environment(), launch.commit(), withSecrets,
            launch.deployedAt());
        Optional<String> unprepared = prepare(session, spec, launch);
        if (unprepared.isPresent()) {
            return unprepared;
        }
        try {
            if (!FileArchive.any(instance.service())) {
                CommandResult r = session.run(DockerCommands.run(spec), launch.commandTimeout());
                return r.succeeded() ? Optional.empty()
                    : Optional.of("docker run failed (exit " + r.exitCode() + "): " + r.firstErrorLine());
            }
            CommandResult created = session.run(DockerCommands.create(spec), launch.commandTimeout());
            if (!created.succeeded()) {
                return Optional.of("docker create failed (exit " + created.exitCode() + "): " + created.firstErrorLine());
            }
            Optional<String> copied = copyFiles(session, instance, spec.name(), launch);
            if (copied.isPresent()) {
                return copied;
            }
            Optional<String> summed = writeFileSums(session, instance, spec.name(), launch);
            if (summed.isPresent()) {
                return summed;
            }
            CommandResult r = session.run(DockerCommands.start(spec.name()), launch.commandTimeout());
            return r.succeeded() ? Optional.empty()
                : Optional.of("docker start failed (exit " + r.exitCode() + "): " + r.firstErrorLine());
        } finally {
            if (withSecrets) {
                // docker read the file into the container's config; it need not stay on disk.
                // Every env file of this instance goes, also one an earlier deploy could not
                // remove because its host stopped answering between write and run.
                session.run(RemoteFiles.removeMatching(InstanceContainers.ENV_DIR, instance.name() + "-*.env"),
                    launch.commandTimeout());
            }
        }
    }

    /**
     * Runs {@code job} once in a container of {@code instance}'s new spec (see
     * {@link InstanceContainers#jobSpec}) in the foreground, and waits for it up to its timeout.
     * Whatever happens, neither the container nor its env file stays behind.
     */
    @Override
    public JobResult runJob(HostSession session, Instance instance, Launch launch, PreDeploy job)
            throws HostException {
        String name = InstanceContainers.preDeployName(instance);
        boolean withSecrets = InstanceContainers.needsEnvFile(instance);
        Optional<String> envFile = withSecrets ? Optional.of(InstanceContainers.envFilePath(name))
            : Optional.empty();
        ContainerSpec spec = InstanceContainers.jobSpec(instance, launch.environment(), launch.commit(), job.command(),
            envFile);
        Optional<JobResult> adopted = adopt(session, name, job, instance.service().stop().grace(), launch);
        if (adopted.isPresent()) {
            session.run(DockerCommands.remove(name), launch.commandTimeout());
            envFile.ifPresent(f -> quietly(session, RemoteFiles.remove(f), launch));
            return adopted.get();
        }
        // One that ended, or was only created, would block the name.
        session.run(DockerCommands.remove(name), launch.commandTimeout());
        Optional<String> unprepared = prepare(session, spec, launch);
        if (unprepared.isPresent()) {
            return JobResult.notRun(unprepared.get());
        }
        try {
            RemoteCommand run;
            if (!FileArchive.any(instance.service())) {
                run = DockerCommands.runJob(spec, job.timeout());
            } else {
                CommandResult created = session.run(DockerCommands.createJob(spec), launch.commandTimeout());
                if (!created.succeeded()) {
                    return JobResult.notRun("docker create failed (exit " + created.exitCode() + "): "
                        + created.firstErrorLine());
                }
                Optional<String> copied = copyFiles(session, instance, name, launch);
                if (copied.isPresent()) {
                    return JobResult.notRun(copied.get());
                }
                run = DockerCommands.startJob(name, job.timeout(), instance.service().stop());
            }
            long t0 = System.nanoTime();
            CommandResult r = session.run(run, job.timeout().plus(instance.service().stop().grace())
                .plus(launch.commandTimeout()));
            // timeout(1) exits 124 when its SIGTERM ended the job, 137 when it had to kill it.
            boolean timedOut = (r.exitCode() == 124 || r.exitCode() == 137)
                && Duration.ofNanos(System.nanoTime() - t0).compareTo(job.timeout()) >= 0;
            return new JobResult(true, r.exitCode(), timedOut, "", r.stdout());
        } finally {
            session.run(DockerCommands.remove(name), launch.commandTimeout());
            envFile.ifPresent(f -> quietly(session, RemoteFiles.remove(f), launch));
        }
    }

    /**
     * The run of this very job (its name carries the spec's fingerprint) that an interrupted
     * reconcile started and left running, waited for up to the job's timeout instead of being
     * killed and started again: a half-done migration is worse than a late one. Empty when there
     * is none, or it ended before it could be attached to (the job then runs again).
     */
    private static Optional<JobResult> adopt(HostSession session, String name, PreDeploy job, Duration grace,
                                             Launch launch) throws HostException {
        CommandResult state = session.run(DockerCommands.state(name), launch.commandTimeout());
        if (!state.succeeded() || !state.stdout().strip().startsWith("running ")) {
            return Optional.empty();
        }
        long t0 = System.nanoTime();
        CommandResult r = session.run(DockerCommands.attachJob(name, job.timeout()),
            job.timeout().plus(Stop.DEFAULT.grace()).plus(launch.commandTimeout()));
        if (DockerCommands.attachMissed(r)) {
            return Optional.empty();
        }
        boolean timedOut = (r.exitCode() == 124 || r.exitCode() == 137)
            && Duration.ofNanos(System.nanoTime() - t0).compareTo(job.timeout()) >= 0;
        if (timedOut) {
            // Waiting ended, not the job: stop it now as a job of our own is stopped (the container's
            // stop signal, then SIGKILL after the service's grace period).
            session.run(DockerCommands.stop(name, grace), launch.commandTimeout().plus(grace));
        }
        return Optional.of(new JobResult(true, r.exitCode(), timedOut, "", r.stdout(), true));
    }

    /**
     * Copies the service's files into the created container {@code name}: a tar archive on
     * stdin. Empty when done, else what went wrong (docker's words: never a file's content).
     */
    private static Optional<String> copyFiles(HostSession session, Instance instance, String name, Launch launch)
            throws HostException {
        return FileArchive.send(instance.service(), launch, archive -> {
            CommandResult r = session.run(DockerCommands.copyInto(name), archive,
                launch.commandTimeout().plusSeconds(archive.length >> 20));
            return r.succeeded() ? Optional.empty() : Optional.of("placing the service's files in " + name
                + " failed (exit " + r.exitCode() + "): " + r.firstErrorLine());
        });
    }

    /**
     * Writes the checksums of the files just placed into container {@code name} beside its env
     * files (0600, in the deploy user's 0700 directory), where observation compares the files with
     * them ({@link dev.driftless.reconciler.runtime.FileDrift}). Empty when done, else why not.
     */
    private static Optional<String> writeFileSums(HostSession session, Instance instance, String name, Launch launch)
            throws HostException {
        byte[] sums;
        try {
            sums = FileArchive.manifest(instance.service(), launch.secretFiles(), true);
        } catch (IllegalArgumentException e) {
            return Optional.of(e.getMessage());
        }
        if (sums.length == 0) {
            // Every file is the program's own (drift: ignore): nothing to check, no list to read.
            return Optional.empty();
        }
        session.writeFile(InstanceContainers.fileSumsPath(name), sums, 0600);
        return Optional.empty();
    }

    private static void quietly(HostSession session, RemoteCommand command, Launch launch) {
        try {
            session.run(command, launch.commandTimeout());
        } catch (HostException e) {
            // The next deploy's cleanup of the env directory removes it.
        }
    }

    /**
     * What a container of {@code spec} needs on the host before it can run: its network, made if
     * missing, then its secrets env file. Empty when ready, else why not.
     */
    private static Optional<String> prepare(HostSession session, ContainerSpec spec, Launch launch)
            throws HostException {
        List<String> networks = new java.util.ArrayList<>(spec.network().stream().toList());
        networks.addAll(spec.moreNetworks());
        for (String network : networks) {
            // Before the secrets reach the host: a network that cannot be made leaves nothing behind.
            CommandResult r = session.run(DockerCommands.createNetwork(network, launch.environment()),
                launch.commandTimeout());
            if (!r.succeeded()) {
                return Optional.of("creating network " + network + " failed (exit " + r.exitCode() + "): "
                    + r.firstErrorLine());
            }
        }
        if (spec.envFile().isPresent()) {
            Map<String, String> env = new TreeMap<>();
            for (Map.Entry<String, SecretValue> e : launch.secrets().entrySet()) {
                env.put(e.getKey(), e.getValue().reveal());
            }
            byte[] content;
            try {
                content = DockerEnvFile.render(env);
            } catch (IllegalArgumentException e) {
                // A value an env file cannot carry (a line break): this commit's secrets are
                // unusable, a failed release; the message names the variable, never the value.
                return Optional.of(e.getMessage());
            }
            session.writeFile(spec.envFile().get(), content, 0600);
        }
        return Optional.empty();
    }

    @Override
    public RemoteCommand start(String name) {
        return DockerCommands.start(name);
    }

    @Override
    public RemoteCommand stop(String name, Duration grace) {
        return DockerCommands.stop(name, grace);
    }

    @Override
    public RemoteCommand restart(String name, Duration grace) {
        return DockerCommands.restart(name, grace);
    }

    @Override
    public RemoteCommand remove(String name, Duration grace) {
        // Its files' checksums first: a container that stays (its removal failed) goes unchecked,
        // one that goes leaves nothing behind.
        return RemoteFiles.remove(InstanceContainers.fileSumsPath(name)).then(DockerCommands.stopAndRemove(name, grace));
    }

    @Override
    public RemoteCommand state(String name) {
        return DockerCommands.state(name);
    }

    @Override
    public InstanceState readState(CommandResult r) {
        if (!r.succeeded()) {
            return InstanceState.missing();
        }
        List<String> parts = Arrays.asList(r.stdout().strip().split("\\s+"));
        if (parts.size() < 4) {
            return new InstanceState("unknown", 0, 0, "-", Optional.empty());
        }
        Optional<String> address = parts.size() > 4 && !parts.get(4).isBlank() ? Optional.of(parts.get(4))
            : Optional.empty();
        return new InstanceState(parts.get(0), parseInt(parts.get(1)), parseInt(parts.get(2)), parts.get(3), address);
    }

    @Override
    public RemoteCommand exec(String name, List<String> argv) {
        return DockerCommands.exec(name, argv);
    }

    static int parseInt(String s) {
        try {
            return Integer.parseInt(s);
        } catch (NumberFormatException e) {
            return 0;
        }
    }
}
