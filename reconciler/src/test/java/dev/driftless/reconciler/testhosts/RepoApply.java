package dev.driftless.reconciler.testhosts;

import dev.driftless.model.DirectoryTree;
import dev.driftless.reconciler.apply.Applier;
import dev.driftless.reconciler.apply.ApplyListener;
import dev.driftless.reconciler.apply.HealthGate;
import dev.driftless.reconciler.daemon.RestartRequests;
import dev.driftless.reconciler.desired.DesiredStateLoader;
import dev.driftless.reconciler.desired.LoadedState;
import dev.driftless.reconciler.history.RestartRequest;
import dev.driftless.reconciler.observe.Observer;
import dev.driftless.reconciler.plan.Plan;
import dev.driftless.reconciler.plan.Planner;
import dev.driftless.reconciler.ssh.SshHostPool;
import dev.driftless.reconciler.ssh.SshSettings;
import dev.driftless.secrets.KeyRing;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * One reconcile of a repo on disk, in process, as the daemon's engine runs it (load, observe,
 * plan, apply), without a history: for integration tests that need hosts in a given state, or
 * that measure what a rollout does to the traffic.
 */
public final class RepoApply {

    private RepoApply() {
    }

    /** What was planned, and how applying it ended. */
    public record Outcome(Plan plan, Applier.Result result) {
    }

    /**
     * @param repo   the repo's directory (its hosts.yaml names the test hosts, pinned)
     * @param sshKey the deploy user's private key
     * @param ageKey the age identity that decrypts the repo's secrets, if it has any
     * @param commit the commit the containers are labelled with
     */
    public static Outcome apply(Path repo, Path sshKey, Optional<Path> ageKey, String commit) throws Exception {
        return apply(repo, sshKey, ageKey, commit, List.of());
    }

    /**
     * {@link #apply(Path, Path, Optional, String)}, serving {@code restarts} as the daemon serves
     * the requests of {@code driftless restart} (RestartRequests, then apply with them).
     */
    public static Outcome apply(Path repo, Path sshKey, Optional<Path> ageKey, String commit,
                                List<RestartRequest> restarts) throws Exception {
        KeyRing.Builder keys = KeyRing.builder();
        ageKey.ifPresent(keys::ageIdentityFile);
        LoadedState loaded = new DesiredStateLoader(keys.build()).load(new DirectoryTree(repo), Optional.empty());
        if (!(loaded instanceof LoadedState.Ready ready)) {
            throw new IllegalStateException("the repo " + repo + " does not load: " + loaded);
        }
        var targets = Observer.targets(ready.state().hosts().values());
        try (SshHostPool pool = SshHostPool.open(SshSettings.defaults(sshKey, Optional.empty()))) {
            var observed = Observer.standard(pool, pool.commandTimeout()).observe(List.copyOf(targets.values()),
                Observer.runtimesFor(ready.state()));
            RestartRequests.Applied planned = RestartRequests.apply(new Planner(Clock.systemUTC())
                .plan(ready.state(), observed), restarts, Map.of(), commit.substring(0, 7));
            Applier applier = new Applier(pool, HealthGate.system(Duration.ofSeconds(30)),
                Applier.Settings.defaults(Duration.ofSeconds(30)), Clock.systemUTC());
            return new Outcome(planned.plan(), applier.apply(planned.plan(), new Applier.Context(
                ready.state().environment(), commit, targets, ready.secrets(), Set.of(), () -> false,
                planned.restarts()), ApplyListener.NONE));
        }
    }
}
