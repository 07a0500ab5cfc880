package dev.driftless.reconciler.apply;

import dev.driftless.model.CommandProbe;
import dev.driftless.model.DockerProbe;
import dev.driftless.model.DurationText;
import dev.driftless.model.HealthCheck;
import dev.driftless.model.HttpProbe;
import dev.driftless.model.Probe;
import dev.driftless.model.TcpProbe;
import dev.driftless.reconciler.command.ProbeCommands;
import dev.driftless.reconciler.command.RemoteCommand;
import dev.driftless.reconciler.runtime.InstanceRuntime;
import dev.driftless.reconciler.runtime.docker.DockerRuntime;
import dev.driftless.reconciler.ssh.CommandResult;
import dev.driftless.reconciler.ssh.HostException;
import dev.driftless.reconciler.ssh.HostSession;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * Decides whether a freshly started container or systemd unit is healthy, from the daemon over
 * SSH: its state (one that exits or restarts fails at once) and its probe (http, tcp, command, or
 * Docker's own health status), every {@code interval} until {@code successThreshold} successes in
 * a row or until {@code timeout}. A service without a health check is healthy once its container
 * has kept running for {@link #SETTLE}.
 */
public final class HealthGate {

    /** How long a container without a health check must keep running to count as up. */
    public static final Duration SETTLE = Duration.ofSeconds(3);
    private static final Duration NO_CHECK_TIMEOUT = Duration.ofSeconds(30);
    private static final Duration POLL = Duration.ofSeconds(1);

    /** The verdict. */
    public sealed interface Verdict {
        /** Healthy after {@code took}. */
        record Healthy(Duration took) implements Verdict {
        }

        /** Not healthy; {@code reason} says what was seen last (never a secret: no logs). */
        record Unhealthy(String reason, Duration took) implements Verdict {
        }
    }

    /** Waits between attempts; tests pass a clock-advancing fake. */
    @FunctionalInterface
    public interface Sleeper {
        void sleep(Duration d) throws InterruptedException;
    }

    private final Clock clock;
    private final Sleeper sleeper;
    private final Duration commandTimeout;

    public HealthGate(Clock clock, Sleeper sleeper, Duration commandTimeout) {
        this.clock = clock;
        this.sleeper = sleeper;
        this.commandTimeout = commandTimeout;
    }

    /** A gate on the system clock. */
    public static HealthGate system(Duration commandTimeout) {
        return new HealthGate(Clock.systemUTC(), d -> Thread.sleep(d.toMillis()), commandTimeout);
    }

    /**
     * Waits until {@code container} on {@code session}'s host is healthy or clearly is not.
     *
     * @throws HostException when the host stops answering (transient: not a verdict on the release)
     */
    public Verdict await(HostSession session, String container, Optional<HealthCheck> check)
            throws HostException, InterruptedException {
        return await(session, DockerRuntime.INSTANCE, container, check);
    }

    /**
     * Waits until the instance {@code name} (a container or a unit, as {@code runtime} says) on
     * {@code session}'s host is healthy or clearly is not.
     *
     * @throws HostException when the host stops answering (transient: not a verdict on the release)
     */
    public Verdict await(HostSession session, InstanceRuntime runtime, String name, Optional<HealthCheck> check)
            throws HostException, InterruptedException {
        String what = runtime.noun() + " " + name;
        Instant start = clock.instant();
        Duration timeout = check.map(HealthCheck::timeout).orElse(NO_CHECK_TIMEOUT);
        Duration interval = check.map(HealthCheck::interval).orElse(POLL);
        int needed = check.map(HealthCheck::successThreshold).orElse(1);
        int successes = 0;
        Instant runningSince = null;
        String last = "no probe answered yet";
        while (true) {
            InstanceRuntime.InstanceState state = runtime.readState(session.run(runtime.state(name), commandTimeout));
            Duration took = Duration.between(start, clock.instant());
            switch (state.status()) {
                case "exited", "dead" -> {
                    return new Verdict.Unhealthy(what + " exited with code " + state.exitCode(), took);
                }
                case "restarting" -> {
                    return new Verdict.Unhealthy(what + " is crash-looping (restarting, "
                        + state.restarts() + " restarts)", took);
                }
                case "running" -> {
                    if (state.restarts() > 0) {
                        return new Verdict.Unhealthy(what + " restarted " + state.restarts()
                            + (state.restarts() == 1 ? " time" : " times") + " since it was started", took);
                    }
                }
                default -> last = what + " is " + state.status();
            }
            if (state.status().equals("running")) {
                if (check.isEmpty()) {
                    runningSince = runningSince == null ? clock.instant() : runningSince;
                    if (!Duration.between(runningSince, clock.instant()).minus(SETTLE).isNegative()) {
                        return new Verdict.Healthy(took);
                    }
                    last = "running for less than " + SETTLE.toSeconds() + " s";
                } else {
                    Optional<String> failure = probe(session, runtime, name, state.address(), state.health(),
                        check.get());
                    if (failure.isEmpty()) {
                        successes++;
                        if (successes >= needed) {
                            return new Verdict.Healthy(took);
                        }
                    } else {
                        successes = 0;
                        last = failure.get();
                    }
                }
            }
            if (!took.plus(interval).minus(timeout).isNegative()) {
                return new Verdict.Unhealthy("not healthy within " + timeout.toSeconds() + " s: " + last,
                    Duration.between(start, clock.instant()));
            }
            sleeper.sleep(interval);
        }
    }

    /**
     * Whether a container that has been running is still healthy: it probes once, and after a
     * failure again every {@code interval} until a probe passes or {@code failureThreshold} probes
     * in a row have failed. Not for a {@code health.docker} check: Docker's own status, which
     * already counts the image's retries, is in the observation ({@link LivenessCheck} reads it).
     *
     * @param address the container's address on its network (the host's loopback when unknown)
     * @return empty when healthy, else what the last probe saw and how many failed in a row
     * @throws HostException when the host stops answering (no verdict on the container)
     */
    public Optional<String> liveness(HostSession session, String container, Optional<String> address,
                                     HealthCheck check) throws HostException, InterruptedException {
        return liveness(session, DockerRuntime.INSTANCE, container, address, check);
    }

    /** {@link #liveness(HostSession, String, Optional, HealthCheck)} of a container or unit, as {@code runtime} says. */
    public Optional<String> liveness(HostSession session, InstanceRuntime runtime, String container,
                                     Optional<String> address, HealthCheck check)
            throws HostException, InterruptedException {
        if (check.probe() instanceof DockerProbe) {
            throw new IllegalArgumentException("a health.docker check is read from the observation, not probed");
        }
        Optional<String> failure = Optional.empty();
        for (int attempt = 1; attempt <= check.failureThreshold(); attempt++) {
            if (attempt > 1) {
                sleeper.sleep(check.interval());
            }
            failure = probe(session, runtime, container, address, "-", check);
            if (failure.isEmpty()) {
                return failure;
            }
        }
        int n = check.failureThreshold();
        return failure.map(f -> f + (n == 1 ? "" : " (" + n + " probes in a row, " + DurationText.format(
            check.interval()) + " apart)"));
    }

    /** Empty when the probe passed, else what it saw. */
    private Optional<String> probe(HostSession session, InstanceRuntime runtime, String container,
                                   Optional<String> containerAddress,
                                   String dockerHealth, HealthCheck check) throws HostException {
        Probe probe = check.probe();
        String address = containerAddress.orElse("127.0.0.1");
        RemoteCommand command = switch (probe) {
            case HttpProbe http -> ProbeCommands.http(address, http, check.probeTimeout());
            case TcpProbe tcp -> ProbeCommands.tcp(address, tcp.port(), check.probeTimeout());
            case CommandProbe cmd -> runtime.exec(container, cmd.argv());
            case DockerProbe d -> null;
        };
        if (command == null) {
            return switch (dockerHealth) {
                case "healthy" -> Optional.empty();
                case "-" -> Optional.of("the image defines no HEALTHCHECK, so Docker reports no health");
                default -> Optional.of("Docker reports " + dockerHealth);
            };
        }
        CommandResult r = session.run(command, check.probeTimeout().plus(commandTimeout));
        if (r.succeeded()) {
            return Optional.empty();
        }
        String detail = r.firstErrorLine();
        return Optional.of(probe.describe() + " failed (exit " + r.exitCode() + ")"
            + (detail.isBlank() || probe instanceof CommandProbe ? "" : ": " + detail));
    }
}
