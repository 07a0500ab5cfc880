package dev.driftless.reconciler.runtime.docker;

import dev.driftless.model.Stop;
import dev.driftless.reconciler.command.RemoteCommand;
import dev.driftless.reconciler.runtime.FileDrift;
import dev.driftless.reconciler.ssh.CommandResult;
import java.time.Duration;
import java.util.List;

/**
 * The Docker CLI commands driftless runs on hosts, built as {@link RemoteCommand} values. Each is
 * unit-tested as an exact string; every value from the repo is one quoted argv word.
 */
public final class DockerCommands {

    private DockerCommands() {
    }

    /** The line that separates {@link #observe}'s {@code docker inspect} output from its file checks. */
    public static final String FILES_CHECK_MARK = "@@files-check";

    /**
     * The script of {@link #observe}'s file checks: for every checksum list in {@link
     * InstanceContainers#FILE_SUMS_DIR} whose container exists (a host without lists costs no
     * Docker call), an {@code @@files NAME} line, then {@code changed PATH} or {@code missing
     * PATH} for each file that {@code docker cp} copies out with another SHA-256, or cannot copy
     * from a container that still exists (one removed meanwhile has no file missing: it is gone,
     * and the plan says so) (GNU tar's {@code --to-command} hashes the file as it comes out of the
     * archive, so its content never touches the host's disk, and reads its mode and numeric owner
     * from the archive's header, never mapping a name to one of the host's users), and {@code
     * owner WANT_MODE WANT_UID:GID NOW_MODE NOW_UID:GID PATH} for one whose mode or owner differs. Lists are {@code HASH MODE UID:GID PATH} lines (or {@code HASH
     * PATH}, as written before modes were checked: then the mode and owner are not); paths are
     * absolute, have no line breaks but may have spaces. Always exits 0: a failed check is no
     * failed observation. With a second argument {@code tidy}, the list of a container that no
     * longer exists (one removed by hand, whose spec changed before a drift check recreated it
     * under another name) is removed, after asking Docker again: the daemon's observation, made
     * before it applies anything, tidies; a plan's reads only.
     */
    static final String FILES_CHECK = "export LC_ALL=C; t=$2; set -- \"$1\"/*" + FileDrift.SUFFIX
        + "; [ -f \"$1\" ] || exit 0; "
        + "n=$(docker ps --all --format '{{.Names}}' --filter label=" + ContainerLabels.MANAGED + "="
        + ContainerLabels.MANAGED_VALUE + ") || exit 0; echo " + FILES_CHECK_MARK + "; "
        + "for m do c=${m##*/}; c=${c%" + FileDrift.SUFFIX + "}; "
        + "case \"\n$n\n\" in *\"\n$c\n\"*) ;; *) [ \"$t\" = tidy ] && ! docker container inspect --format 1 \"$c\" "
        + ">/dev/null 2>&1 && rm -f -- \"$m\"; continue;; esac; echo \"@@files $c\"; "
        + "while IFS= read -r l; do h=${l%% *}; p=${l#* }; o=; "
        + "case $p in /*) ;; *) o=${p%% /*}; p=/${p#* /};; esac; "
        + "if a=$(docker cp \"$c:$p\" - 2>/dev/null | tar -x -f - --numeric-owner --to-command='printf \"%s %s:%s \" "
        + "\"$TAR_MODE\" \"$TAR_UID\" \"$TAR_GID\"; sha256sum' 2>/dev/null); "
        + "then f=${a%% *}; a=${a#* }; u=${a%% *}; a=${a#* }; [ \"${a%% *}\" = \"$h\" ] || echo \"changed $p\"; "
        + "[ -z \"$o\" ] || [ \"$o\" = \"$f $u\" ] || echo \"owner $o $f $u $p\"; "
        + "elif docker container inspect --format 1 \"$c\" >/dev/null 2>&1; then echo \"missing $p\"; else break; fi; "
        + "done < \"$m\"; done; exit 0";

    /**
     * The observation command: the Docker server version on the first line, then
     * {@code docker inspect} of every container labelled {@code dev.driftless.managed=true} (all
     * states). With no such container there is nothing after the version line ({@code xargs -r}).
     * Then, for containers given files, the {@link #FILES_CHECK} after a {@link #FILES_CHECK_MARK}
     * line.
     */
    public static RemoteCommand observe() {
        return observe(true);
    }

    /** {@link #observe()}, with the file checks or without them. */
    public static RemoteCommand observe(boolean checkFiles) {
        return observe(checkFiles, false);
    }

    /**
     * {@link #observe(boolean)}; with {@code tidy}, the file checks also remove the checksum lists
     * of containers that no longer exist (see {@link #FILES_CHECK}).
     */
    public static RemoteCommand observe(boolean checkFiles, boolean tidy) {
        RemoteCommand listing = RemoteCommand.of("docker", "version", "--format", "{{.Server.Version}}")
            .and(RemoteCommand.of("docker", "ps", "--all", "--quiet", "--no-trunc",
                    "--filter", "label=" + ContainerLabels.MANAGED + "=" + ContainerLabels.MANAGED_VALUE)
                .pipe(RemoteCommand.of("xargs", "-r", "docker", "inspect", "--type", "container")));
        return checkFiles
            ? listing.and(RemoteCommand.builder("sh").add("-c", FILES_CHECK, "driftless-files",
                InstanceContainers.FILE_SUMS_DIR).addIf(tidy, "tidy").build())
            : listing;
    }

    /** Pulls an image; prints only its reference. */
    public static RemoteCommand pull(String image) {
        return RemoteCommand.of("docker", "pull", "--quiet", image);
    }

    /**
     * Where a pull from a registry that needs a login keeps its credentials, relative to the SSH
     * user's home: a Docker client config directory of the environment (daemons of two
     * environments may share a host and its deploy user), that exists only from the login to the
     * end of the pull.
     */
    public static String registryAuthDir(String environment) {
        if (!ContainerSpec.NAME.matcher(environment).matches()) {
            throw new IllegalArgumentException("environment name '" + environment + "' is not valid");
        }
        return ".driftless/registry-auth/" + environment;
    }

    /** Pulls an image with the credentials {@link #login} left in {@code configDir}. */
    public static RemoteCommand pull(String image, String configDir) {
        return RemoteCommand.of("docker", "--config", configDir, "pull", "--quiet", image);
    }

    /**
     * Logs in to {@code registry} into the client config {@code configDir} (made owner-only first),
     * reading the password from stdin: it never appears on a command line.
     */
    public static RemoteCommand login(String configDir, String registry, String username) {
        return RemoteCommand.of("mkdir", "-p", "-m", "0700", configDir)
            .and(RemoteCommand.of("docker", "--config", configDir, "login", "--username=" + username,
                "--password-stdin", registry));
    }

    /** Removes the client config a login wrote (also one an interrupted pull left behind). */
    public static RemoteCommand forgetLogin(String configDir) {
        return RemoteCommand.of("rm", "-rf", "--", configDir);
    }

    /** Prints the local image's id; exits non-zero when the host does not have the image. */
    public static RemoteCommand imageId(String image) {
        return RemoteCommand.of("docker", "image", "inspect", "--format", "{{.Id}}", image);
    }

    /**
     * What a health gate needs to know of one container, on one line:
     * {@code <status> <exit code> <restart count> <health status or -> <IP addresses…>}.
     */
    public static RemoteCommand state(String container) {
        return RemoteCommand.of("docker", "inspect", "--type", "container", "--format", STATE_FORMAT, container);
    }

    /** The Go template of {@link #state}. */
    static final String STATE_FORMAT = "{{.State.Status}} {{.State.ExitCode}} {{.RestartCount}} "
        + "{{if .State.Health}}{{.State.Health.Status}}{{else}}-{{end}}"
        + "{{range .NetworkSettings.Networks}} {{.IPAddress}}{{end}}";

    /** Makes sure the host has an image: pulls it only when it is missing (tags are immutable releases). */
    public static RemoteCommand ensureImage(String image) {
        return imageId(image).stdoutTo("/dev/null").stderrTo("/dev/null").or(pull(image));
    }

    /**
     * Starts a container detached from a spec; prints the new container's id. A container on more
     * than one network is created on the first ({@code docker run} takes one before Docker 25),
     * connected to the others with the same aliases, then started: one command, which stops at
     * the first step that fails and leaves a created container for the caller to remove.
     */
    public static RemoteCommand run(ContainerSpec spec) {
        if (spec.moreNetworks().isEmpty()) {
            return containerRun(RemoteCommand.builder("docker").add("run", "--detach", "--name", spec.name()), spec,
                true);
        }
        return create(spec).and(RemoteCommand.of("docker", "start", spec.name()).stdoutTo("/dev/null"));
    }

    /**
     * Creates a container from a spec without starting it (prints its id), connected to each of
     * the spec's further networks: for a container that gets files ({@link #copyInto}) before
     * {@link #start}. A step that fails leaves a created container for the caller to remove.
     */
    public static RemoteCommand create(ContainerSpec spec) {
        return connected(containerRun(RemoteCommand.builder("docker").add("create", "--name", spec.name()), spec, true),
            spec);
    }

    /**
     * Unpacks the tar archive on stdin into a created container's filesystem at {@code /}, with
     * the owners and modes the archive gives ({@code --archive}); {@link dev.driftless.reconciler.runtime.FileArchive} makes it.
     * A path that is a directory in the image cannot become a file: docker refuses.
     */
    public static RemoteCommand copyInto(String container) {
        if (!ContainerSpec.NAME.matcher(container).matches()) {
            throw new IllegalArgumentException("container name '" + container + "' is not valid");
        }
        return RemoteCommand.of("docker", "cp", "--archive", "-", container + ":/");
    }

    /** {@code create}, then {@code docker network connect} to each of the spec's further networks. */
    private static RemoteCommand connected(RemoteCommand create, ContainerSpec spec) {
        RemoteCommand command = create;
        for (String network : spec.moreNetworks()) {
            RemoteCommand.Argv.Builder b = RemoteCommand.builder("docker").add("network", "connect");
            spec.aliases().forEach(a -> b.add("--alias", a));
            command = command.and(b.add(network, spec.name()).build());
        }
        return command;
    }

    /**
     * Runs a one-off container in the foreground and removes it when it exits; the command's exit
     * code is the container's (125 to 127: docker could not run it), its output the container's
     * (stderr joined to stdout). {@code timeout} stops it: the spec's stop signal (SIGTERM when it
     * has none), which docker passes on to the container, then SIGKILL to the client when the
     * spec's stop timeout (10 s when it has none) has passed too (exit 124 or 137); the caller
     * removes the container then.
     */
    public static RemoteCommand runJob(ContainerSpec spec, Duration timeout) {
        Stop stop = new Stop(spec.stopSignal(), spec.stopTimeout());
        if (spec.moreNetworks().isEmpty()) {
            RemoteCommand.Argv.Builder b = RemoteCommand.builder("timeout").addAll(limit(timeout, stop))
                .add("docker", "run", "--rm", "--name", spec.name());
            return containerRun(b, spec, false).stderrToStdout();
        }
        // Created, connected, then started attached: docker start --attach exits with the job's code.
        return createJob(spec).and(startAttached(spec.name(), timeout, stop)).stderrToStdout();
    }

    /**
     * A one-off container created (quietly) and connected to the spec's further networks, not
     * started: for a job that gets files ({@link #copyInto}) before {@link #startJob}.
     */
    public static RemoteCommand createJob(ContainerSpec spec) {
        return connected(containerRun(RemoteCommand.builder("docker").add("create", "--name", spec.name()), spec,
            false).stdoutTo("/dev/null"), spec);
    }

    /**
     * Starts a created one-off container attached, as {@link #runJob} does: its exit code and
     * output are the container's; {@code timeout} stops it the same way. The caller removes it.
     */
    public static RemoteCommand startJob(String container, Duration timeout, Stop stop) {
        return startAttached(container, timeout, stop).stderrToStdout();
    }

    private static RemoteCommand startAttached(String container, Duration timeout, Stop stop) {
        return RemoteCommand.builder("timeout").addAll(limit(timeout, stop))
            .add("docker", "start", "--attach", container).build();
    }

    /**
     * The arguments of {@code timeout(1)} that start a job's command: {@code [--signal=SIGINT]
     * --kill-after=<grace>s <whole seconds>s}, the service's stop signal and grace period.
     */
    private static List<String> limit(Duration timeout, Stop stop) {
        List<String> args = new java.util.ArrayList<>();
        stop.signal().ifPresent(sig -> args.add("--signal=" + sig));
        args.add("--kill-after=" + stop.grace().toSeconds() + "s");
        args.add(Math.max(1, (timeout.toMillis() + 999) / 1000) + "s");
        return args;
    }

    /**
     * Waits for a job container that is already running (started by an interrupted reconcile)
     * to end: its exit code is the container's, its output what the container prints from now on.
     * {@code timeout} ends only the waiting (SIGTERM, then SIGKILL to the client: exit 124 or
     * 137); the caller stops the container then. When the container ended before it could be
     * attached to, docker says so ({@link #attachMissed}).
     */
    public static RemoteCommand attachJob(String container, Duration timeout) {
        return RemoteCommand.builder("timeout").addAll(limit(timeout, Stop.DEFAULT))
            .add("docker", "attach", "--no-stdin", "--sig-proxy=false", container).build().stderrToStdout();
    }

    /** Whether {@link #attachJob} found no running container to wait for (it ended, or was removed, just before). */
    public static boolean attachMissed(CommandResult r) {
        return r.exitCode() == 1 && (r.stdout().contains("cannot attach to a stopped container")
            || r.stdout().contains("No such container"));
    }

    private static RemoteCommand.Argv containerRun(RemoteCommand.Argv.Builder b, ContainerSpec spec, boolean service) {
        spec.labels().forEach((k, v) -> b.add("--label", k + "=" + v));
        spec.plainEnv().forEach((k, v) -> b.add("--env", k + "=" + v));
        spec.envFile().ifPresent(f -> b.add("--env-file", f));
        spec.ports().forEach(p -> b.add("--publish", p.render()));
        spec.volumes().forEach(m -> b.add("--mount", m.render()));
        Resources r = spec.resources();
        r.memoryBytes().ifPresent(m -> b.add("--memory", Long.toString(m)));
        r.cpus().ifPresent(c -> b.add("--cpus", c.toPlainString()));
        r.nofile().ifPresent(n -> b.add("--ulimit", "nofile=" + n + ":" + n));
        if (service) {
            b.add("--restart", spec.restart().render());
        }
        spec.stopSignal().ifPresent(sig -> b.add("--stop-signal", sig));
        spec.stopTimeout().ifPresent(t -> b.add("--stop-timeout", Long.toString(t.toSeconds())));
        spec.logDriver().ifPresent(d -> b.add("--log-driver", d));
        spec.logOptions().forEach((k, v) -> b.add("--log-opt", k + "=" + v));
        spec.user().ifPresent(u -> b.add("--user", u));
        spec.network().ifPresent(n -> b.add("--network", n));
        spec.aliases().forEach(a -> b.add("--network-alias", a));
        spec.health().ifPresent(h -> b.add(
            "--health-cmd", h.test().render(),
            "--health-interval", HealthCheck.goDuration(h.interval()),
            "--health-timeout", HealthCheck.goDuration(h.timeout()),
            "--health-retries", Integer.toString(h.retries()),
            "--health-start-period", HealthCheck.goDuration(h.startPeriod())));
        List<String> command = spec.command();
        if (!command.isEmpty()) {
            b.add("--entrypoint", command.get(0));
        }
        b.add(spec.image());
        if (command.size() > 1) {
            b.addAll(command.subList(1, command.size()));
        }
        b.addAll(spec.args());
        return b.build();
    }

    /** Stops a container: SIGTERM, then SIGKILL after {@code timeout} (whole seconds, rounded up). */
    public static RemoteCommand stop(String container, Duration timeout) {
        return RemoteCommand.of("docker", "stop", "--time", Long.toString(wholeSeconds(timeout)), container);
    }

    /** Starts a stopped container. */
    public static RemoteCommand start(String container) {
        return RemoteCommand.of("docker", "start", container);
    }

    /**
     * Restarts a running container in place (same container, same writable layer): SIGTERM, then
     * SIGKILL after {@code timeout} (whole seconds, rounded up), then start.
     */
    public static RemoteCommand restart(String container, Duration timeout) {
        return RemoteCommand.of("docker", "restart", "--time", Long.toString(wholeSeconds(timeout)), container);
    }

    private static long wholeSeconds(Duration d) {
        return (d.toMillis() + 999) / 1000;
    }

    /** Removes a container, killing it (SIGKILL, no grace period) if it runs: for what never served; see {@link #stopAndRemove}. */
    public static RemoteCommand remove(String container) {
        return RemoteCommand.of("docker", "rm", "--force", container);
    }

    /**
     * Stops a container as {@link #stop} does (its stop signal, SIGKILL after {@code grace}),
     * then removes it: {@code docker rm --force} alone would kill it at once. Succeeds when the
     * container is already gone.
     */
    public static RemoteCommand stopAndRemove(String container, Duration grace) {
        return stop(container, grace).stdoutTo("/dev/null").stderrTo("/dev/null").then(remove(container));
    }

    /** Renames a container (start-first rollouts keep the old one aside until the new one is healthy). */
    public static RemoteCommand rename(String container, String newName) {
        return RemoteCommand.of("docker", "rename", container, newName);
    }

    /** {@code docker inspect} of one container, as a JSON array. */
    public static RemoteCommand inspect(String container) {
        return RemoteCommand.of("docker", "inspect", "--type", "container", container);
    }

    /**
     * The last {@code lines} lines of a container's output, with timestamps, and with {@code
     * follow} what it writes from then on until it stops; the container's stderr stays on stderr.
     */
    public static RemoteCommand logs(String container, int lines, boolean follow) {
        if (lines < 1) {
            throw new IllegalArgumentException("lines must be positive");
        }
        RemoteCommand.Argv.Builder b = RemoteCommand.builder("docker").add("logs", "--timestamps", "--tail",
            Integer.toString(lines));
        if (follow) {
            b.add("--follow");
        }
        return b.add(container).build();
    }

    /**
     * {@code docker logs --follow} of what {@code container} wrote since {@code since} (to the
     * second, rounded down: a line of that second is shown rather than lost), with timestamps.
     */
    public static RemoteCommand followLogsSince(String container, java.time.Instant since) {
        return RemoteCommand.of("docker", "logs", "--timestamps", "--since",
            since.truncatedTo(java.time.temporal.ChronoUnit.SECONDS).toString(), "--follow", container);
    }

    /** Runs {@code argv} inside a running container (command health probes). */
    public static RemoteCommand exec(String container, List<String> argv) {
        if (argv.isEmpty()) {
            throw new IllegalArgumentException("exec needs a command");
        }
        return RemoteCommand.builder("docker").add("exec", container).addAll(argv).build();
    }

    /**
     * Creates a user-defined network unless it exists, labelled as driftless's and as made for
     * {@code environment}. Idempotent: succeeds when the network is already there, also when
     * another create (a rollout of another environment on the same host) made it between the look
     * and the create. A network that exists is used as it is, whoever made it.
     */
    public static RemoteCommand createNetwork(String network, String environment) {
        checkNetwork(network);
        RemoteCommand exists = RemoteCommand.of("docker", "network", "inspect", network).stdoutTo("/dev/null")
            .stderrTo("/dev/null");
        return exists.or(RemoteCommand.of("docker", "network", "create", "--label",
                ContainerLabels.MANAGED + "=" + ContainerLabels.MANAGED_VALUE, "--label",
                ContainerLabels.ENVIRONMENT + "=" + environment, network).stdoutTo("/dev/null"))
            .or(exists);
    }

    /** What {@link #removeNetworkIfUnused} prints when it removed the network. */
    public static final String NETWORK_REMOVED = "removed";

    /**
     * Removes {@code network} when {@code environment} made it ({@link #createNetwork}'s label: a
     * network made by hand, by another environment or by an older driftless stays) and no
     * container, running or stopped, is attached to it; prints {@link #NETWORK_REMOVED} then. A
     * network still in use, or gone already, is left and the command succeeds.
     */
    public static RemoteCommand removeNetworkIfUnused(String network, String environment) {
        checkNetwork(network);
        return RemoteCommand.of("sh", "-c", "n=$1; e=$2; "
            + "[ \"$(docker network inspect --format '{{index .Labels \"" + ContainerLabels.ENVIRONMENT + "\"}}' \"$n\""
            + " 2>/dev/null)\" = \"$e\" ] || exit 0; "
            + "[ -z \"$(docker ps --all --quiet --filter \"network=$n\")\" ] || exit 0; "
            + "docker network rm \"$n\" >/dev/null && echo " + NETWORK_REMOVED, "driftless-network", network, environment);
    }

    private static void checkNetwork(String network) {
        if (!ContainerSpec.NAME.matcher(network).matches()) {
            throw new IllegalArgumentException("network name '" + network + "' is not valid");
        }
    }
}
