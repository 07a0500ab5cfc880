package dev.driftless.reconciler.apply;

import dev.driftless.model.DockerProbe;
import dev.driftless.model.HealthCheck;
import dev.driftless.reconciler.observe.HealthStatus;
import dev.driftless.reconciler.observe.ObservedContainer;
import dev.driftless.reconciler.plan.Action;
import dev.driftless.reconciler.runtime.InstanceRuntime;
import dev.driftless.reconciler.plan.Plan;
import dev.driftless.reconciler.plan.PlannedChange;
import dev.driftless.reconciler.ssh.HostException;
import dev.driftless.reconciler.ssh.HostSessions;
import dev.driftless.reconciler.ssh.HostTarget;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Probes the instances a plan leaves running as they are, and turns each one that fails its health
 * probe {@code failure-threshold} times in a row into a {@link Action#RESTART}. The planner sees
 * only what Docker reports (running or not); a process that runs but no longer answers is found
 * here. Only the daemon runs it: {@code driftless plan} shows what a commit would change and
 * probes nothing.
 *
 * <p>Probed: running containers of the desired spec whose service has a health check, that are
 * not held (a held service is left exactly as it is) and not about to be verified by apply
 * anyway. A {@code health.docker} check costs nothing: Docker's status came with the observation.
 * The others are probed, every instance in parallel; a host that stops answering while probed keeps
 * its instances unchanged (the next reconcile tries again).
 */
public final class LivenessCheck {

    private static final Logger LOG = LoggerFactory.getLogger(LivenessCheck.class);

    private final HostSessions sessions;
    private final HealthGate gate;

    public LivenessCheck(HostSessions sessions, HealthGate gate) {
        this.sessions = sessions;
        this.gate = gate;
    }

    /**
     * {@code plan} with every unhealthy running instance to restart, the probe's finding as the reason.
     *
     * @param targets how to reach each host, by inventory name
     * @param skip    instances ({@link Applier#verifyKey}) not to probe
     */
    public Plan check(Plan plan, Map<String, HostTarget> targets, Set<String> skip) throws InterruptedException {
        Map<Integer, Future<Optional<String>>> probes = new LinkedHashMap<>();
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < plan.changes().size(); i++) {
                PlannedChange c = plan.changes().get(i);
                Optional<HealthCheck> check = probed(c, plan, targets, skip);
                if (check.isEmpty()) {
                    continue;
                }
                ObservedContainer have = c.observed().orElseThrow();
                if (check.get().probe() instanceof DockerProbe) {
                    // Docker's verdict (its own retries counted) came with the observation.
                    probes.put(i, CompletableFuture.completedFuture(have.health() == HealthStatus.UNHEALTHY
                        ? Optional.of("Docker reports the container unhealthy") : Optional.empty()));
                } else {
                    HostTarget target = targets.get(c.host());
                    probes.put(i, pool.submit(() -> gate.liveness(sessions.session(target),
                        InstanceRuntime.of(have), have.name(), have.ipAddress(), check.get())));
                }
            }
            if (probes.isEmpty()) {
                return plan;
            }
            List<PlannedChange> changes = new ArrayList<>(plan.changes());
            boolean any = false;
            for (var e : probes.entrySet()) {
                PlannedChange c = changes.get(e.getKey());
                Optional<String> failure = verdict(c, e.getValue());
                if (failure.isPresent()) {
                    changes.set(e.getKey(), new PlannedChange(c.service(), c.host(), c.instance(), Action.RESTART,
                        List.of("unhealthy: " + failure.get()), c.desired(), c.observed()));
                    any = true;
                }
            }
            return any ? new Plan(plan.environment(), changes, plan.hosts(), plan.serviceOrder(), plan.held(),
                plan.jobsRan()) : plan;
        }
    }

    private static Optional<HealthCheck> probed(PlannedChange c, Plan plan, Map<String, HostTarget> targets,
                                                Set<String> skip) {
        if (c.action() != Action.UNCHANGED || c.desired().isEmpty() || c.observed().isEmpty()
            || !c.observed().get().isRunning() || plan.held().containsKey(c.service())
            || !targets.containsKey(c.host()) || skip.contains(Applier.verifyKey(c.service(), c.host(), c.instance()))
            || !c.observed().get().fingerprint().equals(Optional.of(c.desired().get().fingerprint()))) {
            return Optional.empty();
        }
        return c.desired().get().service().health();
    }

    private static Optional<String> verdict(PlannedChange c, Future<Optional<String>> probe)
            throws InterruptedException {
        try {
            return probe.get();
        } catch (ExecutionException e) {
            // No verdict on the instance: it stays as it is and the next reconcile probes again.
            if (e.getCause() instanceof HostException) {
                LOG.debug("probing {} on {} stopped: {}", c.instance(), c.host(), e.getCause().getMessage());
            } else {
                LOG.warn("probing {} on {} failed", c.instance(), c.host(), e.getCause());
            }
            return Optional.empty();
        }
    }
}
