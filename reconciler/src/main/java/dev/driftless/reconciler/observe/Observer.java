package dev.driftless.reconciler.observe;

import dev.driftless.model.DesiredState;
import dev.driftless.model.Host;
import dev.driftless.model.Repo;
import dev.driftless.model.Runtime;
import dev.driftless.model.Service;
import dev.driftless.reconciler.runtime.docker.DockerObserver;
import dev.driftless.reconciler.runtime.systemd.SystemdObserver;
import dev.driftless.reconciler.ssh.HostException;
import dev.driftless.reconciler.ssh.HostFailure;
import dev.driftless.reconciler.ssh.HostSession;
import dev.driftless.reconciler.ssh.HostSessions;
import dev.driftless.reconciler.ssh.HostTarget;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.Set;
import java.util.function.Function;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The observe stage: runs each runtime's one listing command on every host in parallel (one
 * virtual thread per host; the SSH pool bounds how many talk at once) and returns an
 * {@link Observation}. Which runtimes are listed on a host is the caller's choice
 * ({@link #runtimesFor}): Docker where containers run, systemd where units do. A host that cannot
 * be observed is an {@link HostObservation.Unreachable} value; it never fails the others.
 */
public final class Observer {

    private static final Logger LOG = LoggerFactory.getLogger(Observer.class);

    private final HostSessions sessions;
    private final Map<Runtime, RuntimeObserver> runtimes;
    private final Duration commandTimeout;

    /**
     * An observer of Docker hosts only.
     *
     * @param sessions       the SSH pool (or a fake)
     * @param runtime        how to list containers, e.g. {@code new DockerObserver()}
     * @param commandTimeout how long the listing command may take per host
     */
    public Observer(HostSessions sessions, RuntimeObserver runtime, Duration commandTimeout) {
        this(sessions, Map.of(Runtime.DOCKER, runtime), commandTimeout);
    }

    /**
     * @param runtimes how to list each runtime's instances
     */
    public Observer(HostSessions sessions, Map<Runtime, RuntimeObserver> runtimes, Duration commandTimeout) {
        this.sessions = sessions;
        this.runtimes = new EnumMap<>(runtimes);
        this.commandTimeout = commandTimeout;
    }

    /**
     * An observer of Docker containers and systemd units, which also checks the files placed into
     * them for changes made on the host ({@link dev.driftless.reconciler.runtime.FileDrift}): what
     * a reconcile and a plan need.
     */
    public static Observer standard(HostSessions sessions, Duration commandTimeout) {
        return checkingFiles(sessions, commandTimeout, false);
    }

    /**
     * {@link #standard}, for the daemon's reconciles: the file checks also remove the checksum
     * lists of containers removed by hand ({@link DockerObserver#DockerObserver(boolean, boolean)}),
     * which is safe only for the one that creates containers, before it applies anything.
     */
    public static Observer reconciling(HostSessions sessions, Duration commandTimeout) {
        return checkingFiles(sessions, commandTimeout, true);
    }

    private static Observer checkingFiles(HostSessions sessions, Duration commandTimeout, boolean tidy) {
        return new Observer(sessions, Map.of(Runtime.DOCKER, new DockerObserver(true, tidy), Runtime.SYSTEMD,
            new SystemdObserver(true)), commandTimeout);
    }

    /**
     * An observer of what runs, without the file checks (each file of a container costs a
     * {@code docker cp}): for {@code status} and {@code logs}, which plan nothing.
     */
    public static Observer listing(HostSessions sessions, Duration commandTimeout) {
        return new Observer(sessions, Map.of(Runtime.DOCKER, new DockerObserver(false), Runtime.SYSTEMD,
            new SystemdObserver(false)), commandTimeout);
    }

    /**
     * Which runtimes to list on each host of {@code desired}: the host's own runtime, the runtime
     * of every instance placed there, and systemd everywhere once any service of the environment
     * runs under it (a host without unit files answers that listing at no cost, and a unit left
     * behind by a service that moved is found and pruned). Instances of {@code alternatives} (the
     * state with failover stand-ins) count as placed too.
     */
    public static Function<String, Set<Runtime>> runtimesFor(DesiredState desired, DesiredState... alternatives) {
        Map<String, Set<Runtime>> placed = new HashMap<>();
        java.util.stream.Stream.concat(java.util.stream.Stream.of(desired), java.util.Arrays.stream(alternatives))
            .flatMap(state -> state.instances().stream())
            .forEach(i -> placed.computeIfAbsent(i.host().name(), h -> EnumSet.noneOf(Runtime.class))
                .add(i.service().runtime()));
        return runtimesFor(desired.hosts(), desired.services().values(), placed);
    }

    /** {@link #runtimesFor(DesiredState)} of a loaded repo (for status, which needs no secrets). */
    public static Function<String, Set<Runtime>> runtimesFor(Repo repo) {
        Map<String, Set<Runtime>> placed = new HashMap<>();
        repo.services().values().forEach(s -> repo.placedOn(s).forEach(h ->
            placed.computeIfAbsent(h.name(), n -> EnumSet.noneOf(Runtime.class)).add(s.runtime())));
        return runtimesFor(repo.hosts(), repo.services().values(), placed);
    }

    /** The inventory's hosts as the transport reaches them, by name, in inventory order. */
    public static Map<String, HostTarget> targets(Collection<Host> hosts) {
        Map<String, HostTarget> targets = new LinkedHashMap<>();
        for (Host h : hosts) {
            targets.put(h.name(), new HostTarget(h.name(), h.address(), h.port(), h.user(), h.hostKey(), h.labels()));
        }
        return targets;
    }

    /** Computed once per desired state: each lookup is a map read, whatever the size of the estate. */
    private static Function<String, Set<Runtime>> runtimesFor(Map<String, Host> hosts, Collection<Service> services,
                                                              Map<String, Set<Runtime>> placed) {
        boolean anySystemd = services.stream().anyMatch(s -> s.runtime() == Runtime.SYSTEMD);
        return host -> {
            Set<Runtime> on = EnumSet.noneOf(Runtime.class);
            Host h = hosts.get(host);
            on.add(h == null ? Runtime.DOCKER : h.runtime());
            on.addAll(placed.getOrDefault(host, Set.of()));
            if (anySystemd) {
                on.add(Runtime.SYSTEMD);
            }
            return on;
        };
    }

    /** Observes every host's Docker containers; returns when each has answered, failed or timed out. */
    public Observation observe(List<HostTarget> hosts) {
        return observe(hosts, host -> Set.of(Runtime.DOCKER));
    }

    /** Observes the runtimes {@code runtimesOf} names for each host; returns when each has answered, failed or timed out. */
    public Observation observe(List<HostTarget> hosts, Function<String, Set<Runtime>> runtimesOf) {
        long started = System.nanoTime();
        List<Future<HostObservation>> futures = new ArrayList<>();
        try (ExecutorService perHost = Executors.newThreadPerTaskExecutor(
                Thread.ofVirtual().name("driftless-observe-", 0).factory())) {
            for (HostTarget host : hosts) {
                futures.add(perHost.submit(() -> observe(host, runtimesOf.apply(host.name()))));
            }
        }
        Map<String, HostObservation> byHost = new LinkedHashMap<>();
        for (int i = 0; i < hosts.size(); i++) {
            HostTarget host = hosts.get(i);
            byHost.put(host.name(), result(host, futures.get(i)));
        }
        Observation observation = new Observation(byHost, Duration.ofNanos(System.nanoTime() - started));
        LOG.debug("observed {} hosts in {} ms ({} unreachable)", hosts.size(), observation.took().toMillis(),
            observation.unreachable().size());
        return observation;
    }

    /** Observes one host's Docker containers. */
    public HostObservation observe(HostTarget host) {
        return observe(host, Set.of(Runtime.DOCKER));
    }

    /** Observes one host's instances under each of {@code listed} (in the runtimes' order). */
    public HostObservation observe(HostTarget host, Set<Runtime> listed) {
        long started = System.nanoTime();
        HostSession session = sessions.session(host);
        try {
            List<ObservedContainer> instances = new ArrayList<>();
            List<String> versions = new ArrayList<>();
            for (Runtime r : EnumSet.copyOf(listed.isEmpty() ? Set.of(Runtime.DOCKER) : listed)) {
                RuntimeObserver runtime = runtimes.get(r);
                if (runtime == null) {
                    continue;
                }
                RuntimeListing listing = runtime.interpret(host, session.run(runtime.command(), commandTimeout));
                instances.addAll(listing.containers());
                if (!listing.runtimeVersion().isEmpty()) {
                    versions.add(listing.runtimeVersion());
                }
            }
            return new HostObservation.Reachable(host.name(), instances,
                Duration.ofNanos(System.nanoTime() - started), String.join(", ", versions));
        } catch (HostException e) {
            if (e.kind() == HostFailure.Kind.RUNTIME_PERMISSION_DENIED) {
                // Group membership is fixed at login: log in again next time so a fix is seen.
                session.disconnect();
            }
            LOG.debug("host {} not observed: {}", host.name(), e.getMessage());
            return HostObservation.Unreachable.of(e.failure());
        }
    }

    private static HostObservation result(HostTarget host, Future<HostObservation> future) {
        try {
            return future.get();
        } catch (ExecutionException e) {
            // A bug, not a host problem; still only this host's observation is lost.
            LOG.error("observing host {} failed unexpectedly", host.name(), e.getCause());
            return new HostObservation.Unreachable(host.name(), "observing host " + host.name()
                + " failed unexpectedly: " + e.getCause(), HostFailure.Kind.RUNTIME_PROTOCOL);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new HostObservation.Unreachable(host.name(), "observation of host " + host.name()
                + " was interrupted", HostFailure.Kind.CONNECTION_LOST);
        }
    }
}
