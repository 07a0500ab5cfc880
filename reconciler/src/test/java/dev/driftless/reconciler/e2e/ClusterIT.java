package dev.driftless.reconciler.e2e;

import static dev.driftless.reconciler.e2e.E2eEnvironment.APP_HOSTS;
import static org.assertj.core.api.Assertions.assertThat;

import dev.driftless.reconciler.history.ReconcileRecord;
import dev.driftless.reconciler.history.ReconcileResult;
import dev.driftless.reconciler.history.StepAction;
import dev.driftless.reconciler.history.StepOutcome;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import org.assertj.core.api.ThrowingConsumer;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Two daemons of one environment clustered on PostgreSQL ({@code cluster: true}), as teams that
 * outgrow one daemon run them: they share Quartz's job store and the history, never reconcile at
 * the same time, do each piece of work once, and when the one in the middle of a rollout is killed
 * the other finishes it without a restart or a new commit.
 *
 * <p>The api's health gate needs four passing probes a second apart, so each host's step of a
 * rollout lasts a few seconds: long enough to act while it runs.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ClusterIT {

    private static final String API = "services/api.yaml";
    /** Quartz declares a member dead some 15-25 s after its last check-in (clusterCheckinInterval 15 s). */
    private static final Duration FAILOVER = Duration.ofSeconds(120);

    @RegisterExtension
    static final E2eEnvironment env = E2eEnvironment.clustered(repo -> {
        repo.replace(API, "  interval: 2s\n", "  interval: 1s\n");
        repo.replace(API, "  timeout: 30s\n", "  timeout: 30s\n  success-threshold: 4\n");
    });

    @Test
    @Order(1)
    void bothDaemonsJoinOneClusterAndTheFirstDeployHappensOnce() {
        env.startPeer();
        E2eEnvironment.await("both daemons registered in the Quartz job store").atMost(Duration.ofSeconds(60))
            .until(() -> env.clusterMembers().size() == 2);
        // Ops see the same in driftless status.
        assertThat(env.status().get("cluster")).hasSize(2)
            .allSatisfy(m -> assertThat(m.get("late").asBoolean()).isFalse());

        ReconcileRecord first = env.awaitRecord("the first deploy",
            r -> r.commit().equals(env.initialCommit()) && r.result() == ReconcileResult.SUCCEEDED);
        // Both daemons fire polls and drift checks; whichever takes one finds nothing left to do.
        env.awaitDriftChecks(3, "no second record of the first deploy",
            () -> env.records(env.initialCommit()).size() == 1);
        assertThat(env.records(env.initialCommit())).singleElement()
            .satisfies(r -> assertThat(r.id()).isEqualTo(first.id()));
        for (String host : APP_HOSTS) {
            assertThat(env.managed(host)).extracting(HostContainer::service).containsExactlyInAnyOrder("api", "worker");
        }
        assertNoTwoReconcilesOverlap();
    }

    @Test
    @Order(2)
    void aDaemonJoiningMidRolloutLeavesTheRunningReconcileAlone() {
        DaemonProcess idle = env.peer();
        idle.kill9();
        E2eEnvironment.await("the killed peer leaves the cluster").atMost(FAILOVER)
            .until(() -> env.clusterMembers().size() == 1);

        env.repo().replace(API, "LOG_LEVEL: info", "LOG_LEVEL: debug");
        String commit = env.repo().commit("api logs at debug");
        ReconcileRecord running = awaitApp1StepUnderWay(commit);
        env.restart(idle);

        ReconcileRecord done = env.awaitRecord("the rollout, finished by the daemon that started it",
            r -> r.id() == running.id());
        assertThat(done.result()).isEqualTo(ReconcileResult.SUCCEEDED);
        assertThat(env.records(commit)).as("one record: the joining daemon neither interrupted nor repeated it")
            .singleElement().satisfies(r -> assertThat(r.id()).isEqualTo(running.id()));
        everyAppHostRunsOneApi(c -> assertThat(c.env()).contains("LOG_LEVEL=debug"));
        E2eEnvironment.await("both daemons members again").atMost(Duration.ofSeconds(60))
            .until(() -> env.clusterMembers().size() == 2);
        assertNoTwoReconcilesOverlap();
    }

    @Test
    @Order(3)
    void killNineOfTheDaemonMidRolloutIsFinishedByTheOther() {
        env.repo().replace(API, "api:1.0.0", "api:1.1.0");
        String commit = env.repo().commit("api 1.1.0");
        ReconcileRecord running = awaitApp1StepUnderWay(commit);
        DaemonProcess runner = runnerOf(commit);
        DaemonProcess survivor = env.daemons().stream().filter(d -> d != runner).findFirst().orElseThrow();
        runner.kill9();

        ReconcileRecord completed = env.awaitRecord("the survivor finishes the rollout", FAILOVER,
            r -> r.commit().equals(commit) && r.id() > running.id() && r.result() == ReconcileResult.SUCCEEDED);
        // No restart was needed: the killed daemon stays dead and the survivor's own log has the
        // completing reconcile. (Its trigger may be any: a startup trigger the killed daemon had
        // scheduled and not yet fired is as good as a poll for the survivor to finish the work.)
        assertThat(runner.isAlive()).isFalse();
        assertThat(survivor.isAlive()).isTrue();
        assertThat(logOf(survivor)).contains("reconcile #" + completed.id() + " succeeded");
        ReconcileRecord interrupted = env.history().stream().filter(r -> r.id() == running.id()).findFirst()
            .orElseThrow();
        assertThat(interrupted.result()).isEqualTo(ReconcileResult.INTERRUPTED);
        assertThat(interrupted.daemon()).as("the record names the daemon that ran it, the killed one")
            .hasValueSatisfying(d -> assertThat(d).endsWith(" pid " + runner.pid()));
        assertThat(interrupted.steps()).allSatisfy(s -> assertThat(s.outcome()).isNotEqualTo(StepOutcome.PENDING));
        assertThat(env.records(commit)).extracting(ReconcileRecord::id).containsExactly(running.id(), completed.id());
        everyAppHostRunsOneApi(c -> {
            assertThat(c.version()).isEqualTo("1.1.0");
            assertThat(c.commit()).isEqualTo(commit);
            assertThat(c.isRunning()).isTrue();
        });
        // The killed daemon's lease went with its session at once and its record counts as
        // abandoned 30 s after its last heartbeat, so the survivor may well have finished before
        // Quartz declares the killed one dead (15-25 s after its last check-in).
        E2eEnvironment.await("the killed daemon leaves the cluster").atMost(FAILOVER)
            .until(() -> env.clusterMembers().size() == 1);
        assertNoTwoReconcilesOverlap();
    }

    /**
     * A daemon started on the same history without {@code cluster: true} has a scheduler of its
     * own that Quartz's job store knows nothing of; the reconcile lease alone keeps it out while
     * the survivor reconciles, and the other way round.
     */
    @Test
    @Order(4)
    void aDaemonStartedWithoutClusterIsKeptOutByTheReconcileLease() {
        env.startLoner();
        env.repo().replace(API, "LOG_LEVEL: debug", "LOG_LEVEL: warn");
        String commit = env.repo().commit("api logs warnings only");

        ReconcileRecord done = env.awaitRecord("the rollout, by one of the two daemons", r -> r.commit().equals(commit));
        assertThat(done.result()).isEqualTo(ReconcileResult.SUCCEEDED);
        // Both fire every second, and a rollout lasts seconds: the one left out said so.
        E2eEnvironment.await("a daemon to find the lease taken").atMost(Duration.ofSeconds(60))
            .until(() -> env.daemons().stream().anyMatch(d -> logOf(d).contains("another daemon is reconciling")));
        env.awaitDriftChecks(2, "one record of the commit", () -> env.records(commit).size() == 1);
        everyAppHostRunsOneApi(c -> assertThat(c.env()).contains("LOG_LEVEL=warn"));
        assertNoTwoReconcilesOverlap();
    }

    /**
     * The lease's database session ends mid-rollout (a restarted server, a cut network): the
     * daemon that was rolling out stops after the step under way, its record says why, and the
     * daemon holding the lease next finishes the job; nothing is left half done.
     */
    @Test
    @Order(5)
    void aReconcileWhoseLeaseSessionEndsStopsAndTheJobIsFinished() {
        env.repo().replace(API, "LOG_LEVEL: warn", "LOG_LEVEL: error");
        String commit = env.repo().commit("api logs errors only");
        ReconcileRecord running = awaitApp1StepUnderWay(commit);

        assertThat(env.endReconcileLeaseSession()).as("the lease's session found and ended").isTrue();

        ReconcileRecord stopped = env.awaitRecord("the rollout stops", r -> r.id() == running.id()
            && r.result() != ReconcileResult.RUNNING);
        assertThat(stopped.result()).isEqualTo(ReconcileResult.INTERRUPTED);
        assertThat(stopped.summary()).contains("lost the reconcile lease");
        assertThat(stopped.steps()).allSatisfy(s -> assertThat(s.outcome()).isNotEqualTo(StepOutcome.PENDING));
        env.awaitRecord("the job finished by the next holder of the lease", r -> r.commit().equals(commit)
            && r.id() > running.id() && r.result() == ReconcileResult.SUCCEEDED);
        everyAppHostRunsOneApi(c -> {
            assertThat(c.env()).contains("LOG_LEVEL=error");
            assertThat(c.isRunning()).isTrue();
        });
        assertThat(env.records(commit)).as("nothing failed on the way")
            .allSatisfy(r -> assertThat(r.result()).isIn(ReconcileResult.INTERRUPTED, ReconcileResult.SUCCEEDED));
        // The next holder of the lease waited for the steps under way (the stopped reconcile's
        // daemon beat until it ended), rather than marking it INTERRUPTED and applying alongside.
        assertNoTwoReconcilesOverlap();
    }

    /** Each app host runs exactly one api container, and it passes {@code check}. */
    private static void everyAppHostRunsOneApi(ThrowingConsumer<HostContainer> check) {
        for (String host : APP_HOSTS) {
            assertThat(env.managed(host, "api")).as("api on %s", host).singleElement().satisfies(check);
        }
    }

    /** Waits until the reconcile of {@code commit} is replacing api on app-1. */
    private static ReconcileRecord awaitApp1StepUnderWay(String commit) {
        return env.awaitAnyRecord("app-1's api step under way", r -> r.commit().equals(commit)
            && r.steps().stream().anyMatch(s -> s.host().equals("app-1") && s.action() == StepAction.REPLACE
                && s.outcome() == StepOutcome.PENDING));
    }

    /**
     * The daemon whose reconcile log names {@code commit}: the one that applies it. (Any daemon's
     * git source may log that it fetched the commit; only the runner logs "reconcile SHA".)
     */
    private static DaemonProcess runnerOf(String commit) {
        String sha = commit.substring(0, 7);
        List<DaemonProcess> runners = env.daemons().stream().filter(d -> logOf(d).contains("reconcile " + sha + " "))
            .toList();
        assertThat(runners).as("daemons whose log names commit %s", sha).hasSize(1);
        return runners.getFirst();
    }

    private static String logOf(DaemonProcess daemon) {
        try {
            return Files.readString(daemon.log());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Across both daemons, each reconcile ended before the next one began. */
    private static void assertNoTwoReconcilesOverlap() {
        List<ReconcileRecord> records = env.history().stream()
            .sorted(Comparator.comparing(ReconcileRecord::startedAt)).toList();
        for (int i = 1; i < records.size(); i++) {
            ReconcileRecord before = records.get(i - 1);
            ReconcileRecord after = records.get(i);
            assertThat(before.endedAt()).as("reconcile #%d has ended", before.id()).isPresent();
            assertThat(before.endedAt().get()).as("reconcile #%d ended before #%d began", before.id(), after.id())
                .isBeforeOrEqualTo(after.startedAt());
        }
    }
}
