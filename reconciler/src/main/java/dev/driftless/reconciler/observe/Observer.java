package dev.driftless.reconciler.observe;

import dev.driftless.reconciler.ssh.CommandResult;
import dev.driftless.reconciler.ssh.HostException;
import dev.driftless.reconciler.ssh.HostFailure;
import dev.driftless.reconciler.ssh.HostSession;
import dev.driftless.reconciler.ssh.HostSessions;
import dev.driftless.reconciler.ssh.HostTarget;
import java.time.Duration;
import java.util.ArrayList;
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
 * The observe stage: runs the runtime's one listing command on every host in parallel (one
 * virtual thread per host; the SSH pool bounds how many talk at once) and returns an
 * {@link Observation}. A host that cannot be observed is an {@link HostObservation.Unreachable}
 * value; it never fails the others.
 */
public final class Observer {

    private static final Logger LOG = LoggerFactory.getLogger(Observer.class);

    private final HostSessions sessions;
    private final RuntimeObserver runtime;
    private final Duration commandTimeout;

    /**
     * @param sessions       the SSH pool (or a fake)
     * @param runtime        how to list containers, e.g. {@code new DockerObserver()}
     * @param commandTimeout how long the listing command may take per host
     */
    public Observer(HostSessions sessions, RuntimeObserver runtime, Duration commandTimeout) {
        this.sessions = sessions;
        this.runtime = runtime;
        this.commandTimeout = commandTimeout;
    }

    /** Observes every host; returns when each has answered, failed or timed out. */
    public Observation observe(List<HostTarget> hosts) {
        long started = System.nanoTime();
        List<Future<HostObservation>> futures = new ArrayList<>();
        try (ExecutorService perHost = Executors.newThreadPerTaskExecutor(
                Thread.ofVirtual().name("driftless-observe-", 0).factory())) {
            for (HostTarget host : hosts) {
                futures.add(perHost.submit(() -> observe(host)));
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

    /** Observes one host. */
    public HostObservation observe(HostTarget host) {
        long started = System.nanoTime();
        HostSession session = sessions.session(host);
        try {
            CommandResult result = session.run(runtime.command(), commandTimeout);
            RuntimeListing listing = runtime.interpret(host, result);
            return new HostObservation.Reachable(host.name(), listing.containers(),
                Duration.ofNanos(System.nanoTime() - started), listing.runtimeVersion());
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
