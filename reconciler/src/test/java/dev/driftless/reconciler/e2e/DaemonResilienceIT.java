package dev.driftless.reconciler.e2e;

import static dev.driftless.reconciler.e2e.E2eEnvironment.APP_HOSTS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import dev.driftless.reconciler.history.ReconcileRecord;
import dev.driftless.reconciler.history.ReconcileResult;
import dev.driftless.reconciler.history.ServiceOutcome;
import dev.driftless.reconciler.history.ServiceResult;
import dev.driftless.reconciler.history.StepAction;
import dev.driftless.reconciler.history.StepOutcome;
import dev.driftless.reconciler.history.StepRecord;
import dev.driftless.reconciler.history.Trigger;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The daemon under adverse conditions, mid-rollout: a host that stops answering, a {@code kill -9}
 * of the daemon, and a SIGTERM; then an operator's suspend and resume. Each time the hosts must end up converged without a new commit and
 * history must tell what happened, losing nothing.
 *
 * <p>The api's health gate here needs four passing probes a second apart, so each host's step of a
 * rollout lasts a few seconds: long enough to act while it runs.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DaemonResilienceIT {

    private static final String API = "services/api.yaml";
    private static final String WORKER = "services/worker.yaml";

    @RegisterExtension
    static final E2eEnvironment env = new E2eEnvironment(repo -> {
        repo.replace(API, "  interval: 2s\n", "  interval: 1s\n");
        repo.replace(API, "  timeout: 30s\n", "  timeout: 30s\n  success-threshold: 4\n");
    }, e -> { });

    @Test
    @Order(1)
    void firstDeployConverges() {
        ReconcileRecord record = env.awaitRecord("the first deploy",
            r -> r.commit().equals(env.initialCommit()) && r.result() == ReconcileResult.SUCCEEDED);
        assertThat(record.trigger()).isEqualTo(Trigger.STARTUP);
        for (String host : APP_HOSTS) {
            assertThat(env.managed(host)).extracting(HostContainer::service).containsExactlyInAnyOrder("api", "worker");
        }
    }

    @Test
    @Order(2)
    void hostPausedDuringARolloutCatchesUpWhenItReturnsWithoutANewCommit() {
        env.repo().replace(API, "api:1.0.0", "api:1.1.0");
        env.repo().replace(WORKER, "worker:1.0.0", "worker:1.1.0");
        String commit = env.repo().commit("api and worker 1.1.0");

        env.awaitAnyRecord("app-1's api step of the rollout", r -> r.commit().equals(commit)
            && r.steps().stream().anyMatch(s -> s.host().equals("app-1") && s.action() == StepAction.REPLACE));
        env.hosts().pause("app-2");
        ReconcileRecord partial;
        try {
            partial = env.awaitRecord("the rollout with app-2 frozen", r -> r.commit().equals(commit));
            assertThat(partial.result()).isEqualTo(ReconcileResult.PARTIALLY_FAILED);
            assertThat(partial.services()).extracting(ServiceResult::service, ServiceResult::result)
                .containsExactlyInAnyOrder(
                    tuple("api", ServiceOutcome.SKIPPED),
                    tuple("worker", ServiceOutcome.SKIPPED));
            assertThat(partial.steps()).filteredOn(s -> s.host().equals("app-1") && s.action() == StepAction.REPLACE)
                .extracting(StepRecord::service, StepRecord::outcome)
                .containsExactlyInAnyOrder(
                    tuple("api", StepOutcome.SUCCEEDED),
                    tuple("worker", StepOutcome.SUCCEEDED));
            assertThat(partial.steps()).filteredOn(s -> s.host().equals("app-2"))
                .noneMatch(s -> s.outcome() == StepOutcome.SUCCEEDED);
            // the others converged while app-2 was away
            assertThat(env.managed("app-1")).allSatisfy(c -> {
                assertThat(c.version()).isEqualTo("1.1.0");
                assertThat(c.commit()).isEqualTo(commit);
            });
            // While it stays away the retries find nothing they can do: no record per retry.
            long partialId = partial.id();
            env.awaitDriftChecks(2, "no record while app-2 is away", () -> env.lastRecordId() == partialId);
        } finally {
            env.hosts().unpause("app-2");
        }

        ReconcileRecord caughtUp = env.awaitRecord("app-2 catching up after it returned",
            r -> r.id() > partial.id() && r.result() == ReconcileResult.SUCCEEDED);
        // The retry job does it (trigger DRIFT), on the same commit; should app-2 need more than
        // one try to come back, every try is on record and together they converge it.
        List<ReconcileRecord> retries = env.history().stream()
            .filter(r -> r.id() > partial.id() && r.id() <= caughtUp.id()).toList();
        assertThat(retries).allSatisfy(r -> {
            assertThat(r.commit()).as("no new commit").isEqualTo(commit);
            assertThat(r.trigger()).isEqualTo(Trigger.DRIFT);
        });
        assertThat(retries.stream().flatMap(r -> r.steps().stream()))
            .filteredOn(s -> s.action() == StepAction.REPLACE && s.outcome() == StepOutcome.SUCCEEDED)
            .extracting(StepRecord::service, StepRecord::host)
            .containsExactlyInAnyOrder(
                tuple("api", "app-2"),
                tuple("worker", "app-2"));
        for (String host : APP_HOSTS) {
            assertThat(env.managed(host)).as("managed containers on %s", host).hasSize(2).allSatisfy(c -> {
                assertThat(c.version()).isEqualTo("1.1.0");
                assertThat(c.commit()).isEqualTo(commit);
                assertThat(c.isRunning()).isTrue();
            });
        }
        assertThat(env.repo().head()).isEqualTo(commit);
    }

    @Test
    @Order(3)
    void killNineMidRolloutIsFinishedAfterRestartWithNothingLostFromHistory() {
        Map<Long, String> before = fingerprint(env.history());
        env.repo().replace(API, "api:1.1.0", "api:1.0.0");
        String commit = env.repo().commit("api back to 1.0.0");

        ReconcileRecord running = env.awaitAnyRecord("app-1's api step under way", r -> r.commit().equals(commit)
            && r.steps().stream().anyMatch(s -> s.host().equals("app-1") && s.action() == StepAction.REPLACE
                && s.outcome() == StepOutcome.PENDING));
        env.daemon().kill9();
        env.startDaemon();

        ReconcileRecord completed = env.awaitRecord("the reconcile that finishes the killed rollout",
            r -> r.commit().equals(commit) && r.id() > running.id() && r.result() == ReconcileResult.SUCCEEDED);
        assertThat(completed.trigger()).isEqualTo(Trigger.STARTUP);
        ReconcileRecord interrupted = env.history().stream().filter(r -> r.id() == running.id()).findFirst()
            .orElseThrow();
        assertThat(interrupted.result()).isEqualTo(ReconcileResult.INTERRUPTED);
        assertThat(interrupted.endedAt()).isPresent();
        assertThat(interrupted.steps()).filteredOn(s -> s.host().equals("app-1") && s.action() == StepAction.REPLACE)
            .singleElement().satisfies(s -> assertThat(s.outcome()).isEqualTo(StepOutcome.INTERRUPTED));
        assertThat(interrupted.steps()).allSatisfy(s -> assertThat(s.outcome()).isNotEqualTo(StepOutcome.PENDING));

        for (String host : APP_HOSTS) {
            List<HostContainer> api = env.managed(host, "api");
            assertThat(api).as("api on %s", host).singleElement().satisfies(c -> {
                assertThat(c.version()).isEqualTo("1.0.0");
                assertThat(c.commit()).isEqualTo(commit);
                assertThat(c.isRunning()).isTrue();
                assertThat(c.get(env.hosts(), "/version")).contains("1.0.0");
            });
        }
        Map<Long, String> after = fingerprint(env.history());
        assertThat(after).as("every record from before the kill, unchanged").containsAllEntriesOf(before);
        // Only the interrupted and the completing record are new: the kill lost nothing and
        // wrote nothing twice. (H2 loses its cached identity values on a kill, so ids may jump.)
        assertThat(after.keySet()).containsExactlyInAnyOrderElementsOf(
            Stream.concat(before.keySet().stream(), Stream.of(running.id(), completed.id()))
                .toList());
    }

    @Test
    @Order(4)
    void sigtermMidRolloutStopsAfterTheCurrentHostStepAndARestartCompletesIt() {
        env.repo().replace(API, "LOG_LEVEL: info", "LOG_LEVEL: debug");
        String commit = env.repo().commit("api logs at debug");

        ReconcileRecord running = env.awaitAnyRecord("app-1's api step under way", r -> r.commit().equals(commit)
            && r.steps().stream().anyMatch(s -> s.host().equals("app-1") && s.action() == StepAction.REPLACE
                && s.outcome() == StepOutcome.PENDING));
        Instant signalled = Instant.now();
        env.daemon().terminate();
        // It finishes the host step in flight (its gate gives up after 30 s at worst), not the rollout,
        // and exits: far within its 5-minute shutdown wait.
        assertThat(env.daemon().awaitExit(Duration.ofSeconds(45))).as("the daemon exits after SIGTERM").isTrue();
        Duration stopping = Duration.between(signalled, Instant.now());
        System.out.println("e2e: the daemon stopped " + stopping.toMillis() + " ms after SIGTERM");
        assertThat(DaemonProcess.tail(env.daemon().log(), 30)).contains("driftless daemon stopped");

        ReconcileRecord interrupted = env.history().stream().filter(r -> r.id() == running.id()).findFirst()
            .orElseThrow();
        assertThat(interrupted.result()).isEqualTo(ReconcileResult.INTERRUPTED);
        assertThat(interrupted.steps()).filteredOn(s -> s.action() == StepAction.REPLACE)
            .as("the step under way was finished, the next host was not started")
            .extracting(StepRecord::host, StepRecord::outcome)
            .containsExactly(tuple("app-1", StepOutcome.SUCCEEDED));
        // app-1 runs the new spec; the container it replaced is only stopped (kept for a rollback
        // until the whole service converged); app-2 was not touched.
        assertThat(env.managed("app-1", "api")).filteredOn(HostContainer::isRunning).singleElement()
            .satisfies(c -> assertThat(c.env()).contains("LOG_LEVEL=debug"));
        assertThat(env.managed("app-1", "api")).filteredOn(c -> !c.isRunning()).singleElement()
            .satisfies(c -> assertThat(c.env()).contains("LOG_LEVEL=info"));
        assertThat(only("app-2").env()).contains("LOG_LEVEL=info");

        env.startDaemon();
        ReconcileRecord completed = env.awaitRecord("the reconcile that finishes the stopped rollout",
            r -> r.commit().equals(commit) && r.id() > running.id() && r.result() == ReconcileResult.SUCCEEDED);
        assertThat(completed.steps()).filteredOn(s -> s.action() == StepAction.REPLACE)
            .extracting(StepRecord::host).containsExactly("app-2");
        assertThat(completed.steps()).filteredOn(s -> s.action() == StepAction.REMOVE)
            .extracting(StepRecord::host, StepRecord::outcome)
            .containsExactly(tuple("app-1", StepOutcome.SUCCEEDED));
        for (String host : APP_HOSTS) {
            HostContainer api = only(host);
            assertThat(api.env()).contains("LOG_LEVEL=debug");
            assertThat(api.commit()).isEqualTo(commit);
            assertThat(api.isRunning()).isTrue();
        }
    }

    @Test
    @Order(5)
    void aSuspendedEnvironmentIsLeftAloneUntilResumedAndThenCatchesUp() {
        DriftlessJar.Result suspend = env.cli("suspend", "--reason", "incident 42", "--by", "alice@ops-1");
        assertThat(suspend.exitCode()).as(suspend.stderr()).isZero();
        // A drift check under way finishes first (it may probe and restart what it saw unhealthy):
        // the second from now started after the suspension.
        env.awaitDriftChecks(2, "the suspension taken", () -> true);
        // What an operator does by hand meanwhile, and a merge, both wait for the resume.
        HostContainer app1 = only("app-1");
        env.hosts().exec("app-1", "docker", "stop", app1.id());
        env.repo().replace(API, "LOG_LEVEL: debug", "LOG_LEVEL: warn");
        String commit = env.repo().commit("api logs warnings only");
        long last = env.lastRecordId();

        env.awaitDriftChecks(2, "nothing is recorded, started or replaced while suspended",
            () -> env.lastRecordId() == last && !only("app-1").isRunning() && only("app-2").env()
                .contains("LOG_LEVEL=debug"));
        DriftlessJar.Result asked = env.cli("reconcile");
        assertThat(asked.exitCode()).isEqualTo(1);
        assertThat(asked.stderr()).contains("(503): environment default is suspended by alice@ops-1 since ")
            .contains(": incident 42; nothing is applied until driftless resume");
        var status = env.status();
        assertThat(status.path("daemon").path("status").asText())
            .startsWith("environment default is suspended by alice@ops-1").endsWith("; commit " + commit.substring(0, 7)
                + " waits");
        assertThat(status.path("deployment").path("suspensions").get(0).path("reason").asText())
            .isEqualTo("incident 42");

        DriftlessJar.Result resume = env.cli("resume", "--by", "bob@ops-2");
        assertThat(resume.exitCode()).as(resume.stderr()).isZero();
        ReconcileRecord deployed = env.awaitRecord("the deploy after the resume",
            r -> r.commit().equals(commit) && r.result() == ReconcileResult.SUCCEEDED);
        assertThat(deployed.trigger()).isEqualTo(Trigger.POLL);
        for (String host : APP_HOSTS) {
            HostContainer api = only(host);
            assertThat(api.env()).contains("LOG_LEVEL=warn");
            assertThat(api.isRunning()).isTrue();
        }
        assertThat(DaemonProcess.tail(env.daemon().log(), 400))
            .contains("; nothing is applied until driftless resume").contains("environment default resumed");

        // One service suspended: a merge that changes it waits for it, and the webhook that asked
        // for deploy_held hears so once, naming the service.
        int noticed = env.hostNotices().size();
        DriftlessJar.Result suspendApi = env.cli("suspend", "--service", "api", "--reason", "schema change", "--by",
            "bob@ops-2");
        assertThat(suspendApi.exitCode()).as(suspendApi.stderr()).isZero();
        env.repo().replace(API, "LOG_LEVEL: warn", "LOG_LEVEL: warn\n  CACHE: \"on\"");
        String waiting = env.repo().commit("api with its cache");
        E2eEnvironment.await("the webhook told that api waits").atMost(E2eEnvironment.DEPLOY_TIMEOUT)
            .until(() -> env.hostNotices().size() > noticed);
        long told = env.lastRecordId();
        env.awaitDriftChecks(2, "api is left as it is", () -> !only("app-1").env().contains("CACHE=on"));
        assertThat(env.hostNotices().subList(noticed, env.hostNotices().size())).as("told once")
            .singleElement().satisfies(n -> {
                assertThat(n.path("event").asText()).isEqualTo("deploy_held");
                assertThat(n.path("service").asText()).isEqualTo("api");
                assertThat(n.path("commit").asText()).isEqualTo(waiting);
                assertThat(n.path("heldBy").asText()).isEqualTo("bob@ops-2");
                assertThat(n.path("reason").asText()).isEqualTo("schema change");
            });
        assertThat(DaemonProcess.tail(env.daemon().log(), 400)).contains("commit " + waiting.substring(0, 7)
            + " waits for api (2 instances): api is suspended by bob@ops-2 since ");
        assertThat(env.cli("resume", "--service", "api").exitCode()).isZero();
        env.awaitRecord("api deployed after its resume", r -> r.id() > told && r.commit().equals(waiting)
            && r.result() == ReconcileResult.SUCCEEDED && !r.steps().isEmpty());
        for (String host : APP_HOSTS) {
            assertThat(only(host).env()).contains("CACHE=on", "LOG_LEVEL=warn");
        }
    }

    /**
     * One worker in all, failing over after 3 s: its host frozen, the worker is placed on the
     * other app host until the frozen one answers again, then the stand-in goes. The revert puts a
     * worker back on every app host.
     */
    @Test
    @Order(6)
    void withPlacementFailoverAnInstanceOfAFrozenHostRunsOnTheNextInLineUntilItAnswers() {
        env.repo().replace(WORKER, "  selector: {role: app}\n", "  selector: {role: app}\n  count: 1\n  failover: 3s\n");
        String one = env.repo().commit("one worker in all, failing over after 3 s");
        env.awaitRecord("one worker left", r -> r.commit().equals(one) && r.result() == ReconcileResult.SUCCEEDED);
        List<String> chosen = APP_HOSTS.stream().filter(h -> !env.managed(h, "worker").isEmpty()).toList();
        assertThat(chosen).hasSize(1);
        String frozen = chosen.getFirst();
        String next = APP_HOSTS.stream().filter(h -> !h.equals(frozen)).findFirst().orElseThrow();
        long before = env.lastRecordId();
        int noticed = env.hostNotices().size();

        env.hosts().pause(frozen);
        try {
            ReconcileRecord moved = env.awaitRecord("the worker placed on " + next, r -> r.id() > before
                && r.steps().stream().anyMatch(st -> st.service().equals("worker") && st.host().equals(next)
                    && st.action() == StepAction.CREATE));
            // (a PULL first: the image went from that host with the worker the commit took away)
            assertThat(moved.steps()).filteredOn(st -> st.service().equals("worker") && st.action() == StepAction.CREATE)
                .singleElement().satisfies(st -> {
                    assertThat(st.outcome()).isEqualTo(StepOutcome.SUCCEEDED);
                    assertThat(st.reason()).startsWith("placed on " + next + " while " + frozen
                        + " does not answer (since ").endsWith("; placement.failover 3s)");
                });
            assertThat(env.managed(next, "worker")).singleElement().satisfies(w -> assertThat(w.isRunning()).isTrue());
            assertThat(DaemonProcess.tail(env.daemon().log(), 300)).contains("placement.failover: worker/" + next
                + "/1 placed on " + next);
            // The silence is the daemon's record, not its memory: status shows since when.
            assertThat(env.cli("status").stdout()).containsPattern(frozen + " +\\(unreachable: .*; the daemon has had"
                + " no answer since \\d{4}-\\d{2}-\\d{2} \\d{2}:\\d{2}");
            // The webhook that asked for it heard once that the host went silent.
            E2eEnvironment.await("the webhook told that " + frozen + " does not answer").atMost(Duration.ofSeconds(30))
                .until(() -> env.hostNotices().subList(noticed, env.hostNotices().size()).stream()
                    .anyMatch(n -> n.path("host").asText().equals(frozen)));
            assertThat(env.hostNotices().subList(noticed, env.hostNotices().size()))
                .filteredOn(n -> n.path("host").asText().equals(frozen)).singleElement().satisfies(n -> {
                    assertThat(n.path("event").asText()).isEqualTo("host_unreachable");
                    assertThat(n.path("message").asText()).contains(frozen);
                });
        } finally {
            env.hosts().unpause(frozen);
        }
        env.awaitRecord("the stand-in removed once " + frozen + " answers", r -> r.id() > before
            && r.steps().stream().anyMatch(st -> st.service().equals("worker") && st.host().equals(next)
                && st.action() == StepAction.REMOVE && st.outcome() == StepOutcome.SUCCEEDED));
        assertThat(env.managed(next, "worker")).isEmpty();
        assertThat(env.managed(frozen, "worker")).singleElement().satisfies(w -> assertThat(w.isRunning()).isTrue());
        E2eEnvironment.await("the webhook told that " + frozen + " answers again").atMost(E2eEnvironment.DEPLOY_TIMEOUT)
            .until(() -> env.hostNotices().subList(noticed, env.hostNotices().size()).stream()
                .anyMatch(n -> n.path("host").asText().equals(frozen) && n.path("event").asText().equals("host_reachable")
                    && n.path("silentSeconds").asLong() >= 3));

        String revert = env.repo().revert(one);
        env.awaitRecord("a worker on every app host again", r -> r.commit().equals(revert)
            && r.result() == ReconcileResult.SUCCEEDED);
        for (String host : APP_HOSTS) {
            assertThat(env.managed(host, "worker")).hasSize(1);
        }
    }

    /**
     * app-2 is taken out of the inventory while it is down (paused): nothing can be removed from
     * it then, so the daemon remembers it, and removes api and worker there at the first drift
     * check after it answers again — two commits later, without anyone asking.
     */
    @Test
    @Order(7)
    void aHostRemovedWhileItIsDownIsCleanedUpWhenItAnswersAgain() {
        env.hosts().pause("app-2");
        String commit;
        try {
            java.util.regex.Matcher block = APP_2.matcher(env.repo().read("hosts.yaml"));
            assertThat(block.find()).isTrue();
            app2Block = block.group();
            env.repo().write("hosts.yaml", APP_2.matcher(env.repo().read("hosts.yaml")).replaceAll(""));
            commit = env.repo().commit("decommission app-2");
            E2eEnvironment.await("app-2 remembered as departed").atMost(E2eEnvironment.DEPLOY_TIMEOUT)
                .until(() -> env.departedHosts().containsKey("app-2"));
            assertThat(env.departedHosts().get("app-2").lastError()).as("why it could not be cleaned up")
                .hasValueSatisfying(e -> assertThat(e).contains("app-2"));
            // A later commit moves the last applied commit past the one that had app-2; the
            // daemon still knows how to reach it.
            env.repo().replace(API, "LOG_LEVEL: warn", "LOG_LEVEL: info");
            String later = env.repo().commit("api logs at info");
            env.awaitRecord("the next deploy, app-2 still away",
                r -> r.commit().equals(later) && r.result() == ReconcileResult.SUCCEEDED);
            env.awaitDriftChecks(1, "app-2 still remembered", () -> env.departedHosts().containsKey("app-2"));
            var status = env.status();
            assertThat(status.path("deployment").path("departedHosts").get(0).path("host").asText()).isEqualTo("app-2");
            assertThat(status.path("deployment").path("departedHosts").get(0).path("inventoryCommit").asText())
                .isNotEqualTo(later);
        } finally {
            env.hosts().unpause("app-2");
        }

        ReconcileRecord cleanup = env.awaitRecord("app-2 cleaned up once it answers",
            r -> r.steps().stream().anyMatch(s -> s.host().equals("app-2") && s.action() == StepAction.REMOVE));
        assertThat(cleanup.trigger()).isEqualTo(Trigger.DRIFT);
        // Each container, then the images of its service, which no instance on app-2 needs any more
        // (what the step removed is in its message; a pull the freeze interrupted may finish later).
        assertThat(cleanup.steps()).filteredOn(s -> s.host().equals("app-2"))
            .extracting(StepRecord::service, StepRecord::instance, StepRecord::action, StepRecord::outcome)
            .containsExactlyInAnyOrder(
                tuple("api", "api-1", StepAction.REMOVE, StepOutcome.SUCCEEDED),
                tuple("api", "-", StepAction.REMOVE, StepOutcome.SUCCEEDED),
                tuple("worker", "worker-1", StepAction.REMOVE, StepOutcome.SUCCEEDED),
                tuple("worker", "-", StepAction.REMOVE, StepOutcome.SUCCEEDED));
        assertThat(env.managed("app-2")).isEmpty();
        E2eEnvironment.await("app-2 forgotten once nothing is left there").atMost(Duration.ofSeconds(60))
            .until(() -> env.departedHosts().isEmpty());
        assertThat(DaemonProcess.tail(env.daemon().log(), 400))
            .contains("host app-2 left the inventory and does not answer")
            .contains("departed host app-2 answers and runs nothing of environment default any more");
        assertThat(env.records(commit)).as("the decommissioning commit changed nothing it could reach").isEmpty();
    }

    /** app-2's entry in hosts.yaml. */
    private static final java.util.regex.Pattern APP_2 = java.util.regex.Pattern.compile("(?m)^  app-2:\n(    .*\n)+");
    /** app-2's entry as chapter 6 took it out. */
    private static String app2Block;

    @Test
    @Order(8)
    void aDepartedHostForgottenByHandIsNeitherTriedNorCleanedUp() {
        env.repo().write("hosts.yaml", env.repo().read("hosts.yaml").replaceFirst("(?m)^hosts:\n",
            "hosts:\n" + java.util.regex.Matcher.quoteReplacement(app2Block)));
        String back = env.repo().commit("app-2 back in the inventory");
        env.awaitRecord("app-2 deployed again", r -> r.commit().equals(back) && r.result() == ReconcileResult.SUCCEEDED);
        assertThat(env.managed("app-2")).extracting(HostContainer::service).contains("api", "worker");

        env.hosts().pause("app-2");
        long forgottenAfter;
        try {
            env.repo().write("hosts.yaml", APP_2.matcher(env.repo().read("hosts.yaml")).replaceAll(""));
            env.repo().commit("hand app-2 over to another team, containers and all");
            E2eEnvironment.await("app-2 remembered as departed").atMost(E2eEnvironment.DEPLOY_TIMEOUT)
                .until(() -> env.departedHosts().containsKey("app-2"));

            DriftlessJar.Result forget = env.cli("forget-host", "app-2");

            assertThat(forget.exitCode()).as(forget.stderr()).isZero();
            assertThat(forget.stdout()).startsWith("Forgot departed host app-2 of environment default (reached"
                + " through the inventory of commit " + back.substring(0, 7) + ", not cleaned up since ");
            forgottenAfter = env.lastRecordId();
            env.awaitDriftChecks(2, "app-2 stays forgotten", () -> !env.departedHosts().containsKey("app-2"));
            assertThat(env.status().path("deployment").path("departedHosts")).isEmpty();
        } finally {
            env.hosts().unpause("app-2");
        }

        env.awaitDriftChecks(2, "nothing is removed from app-2 now that it answers",
            () -> env.managed("app-2").size() == 2);
        assertThat(env.history()).filteredOn(r -> r.id() > forgottenAfter)
            .allSatisfy(r -> assertThat(r.steps()).noneMatch(s -> s.host().equals("app-2")));
        assertThat(env.cli("forget-host", "app-2").stderr())
            .isEqualTo("driftless forget-host: environment default remembers no departed host app-2 (it remembers none)\n");
    }

    /**
     * SIGHUP reads the configuration again without a restart: a broken file changes nothing (the
     * daemon goes on, says why, and counts the failure); a deny window holds a merge until a
     * later reload lifts it, and a webhook that now asks for successes hears of the deploy.
     */
    @Test
    @Order(9)
    void aReloadedConfigurationTakesEffectWithoutARestartAndABrokenOneChangesNothing() {
        DaemonProcess daemon = env.daemon();
        String original = env.config();
        String successes = original.replace("events: [failed, rolled_back, interrupted]",
            "events: [succeeded, failed, rolled_back, interrupted]");
        assertThat(successes).isNotEqualTo(original);
        try {
            env.config(original + "pol: 1s\n");
            daemon.hangUp();
            E2eEnvironment.await("the broken configuration refused").atMost(Duration.ofSeconds(30))
                .until(() -> DaemonProcess.tail(daemon.log(), 50).contains("configuration reload failed, the daemon"
                    + " goes on with the configuration it had: "));
            assertThat(DaemonProcess.tail(daemon.log(), 50)).contains("unknown field \"pol\"");
            assertThat(daemon.isAlive()).isTrue();
            assertThat(env.metrics()).contains("driftless_config_last_reload_successful{environment=\"default\"} 0.0")
                .contains("driftless_config_reloads_total{environment=\"default\",result=\"failure\"} 1.0");

            env.config(successes + """
                deploy-windows:
                  - {kind: deny, schedule: "0 0 * * *", duration: 24h}
                """);
            daemon.hangUp();
            E2eEnvironment.await("the window and webhook taken").atMost(Duration.ofSeconds(30))
                .until(() -> DaemonProcess.tail(daemon.log(), 50).contains(": deploy-windows, notifications changed;"
                    + " key files read again"));
            env.repo().replace(API, "LOG_LEVEL: info", "LOG_LEVEL: error");
            String held = env.repo().commit("api logs errors only");
            long last = env.lastRecordId();
            env.awaitDriftChecks(2, "nothing is deployed while the reloaded deny window holds",
                () -> env.lastRecordId() == last && only("app-1").env().contains("LOG_LEVEL=info"));
            assertThat(env.hostNotices()).as("the merge's author hears why it waits, once")
                .filteredOn(n -> n.path("event").asText().equals("deploy_held")
                    && n.path("commit").asText().equals(held)).singleElement().satisfies(n -> {
                    assertThat(n.path("scheduled").asBoolean()).isTrue();
                    assertThat(n.path("heldBy").asText()).startsWith("deploy window deploy-windows[0]");
                });

            env.config(successes);
            daemon.hangUp();
            env.awaitRecord("the deploy once a reload lifted the window",
                r -> r.commit().equals(held) && r.result() == ReconcileResult.SUCCEEDED);
            assertThat(only("app-1").env()).contains("LOG_LEVEL=error");
            E2eEnvironment.await("the webhook told of the success").atMost(Duration.ofSeconds(30))
                .until(() -> env.notifications().stream().anyMatch(n -> n.path("commit").asText().equals(held)
                    && n.path("result").asText().equals("SUCCEEDED")));
            assertThat(daemon.pid()).as("never restarted").isEqualTo(env.daemon().pid());
            assertThat(daemon.isAlive()).isTrue();
            assertThat(env.metrics()).contains("driftless_config_last_reload_successful{environment=\"default\"} 1.0");
        } finally {
            env.config(original);
            daemon.hangUp();
        }
    }

    private static HostContainer only(String host) {
        List<HostContainer> api = env.managed(host, "api");
        assertThat(api).as("api containers on %s", host).hasSize(1);
        return api.getFirst();
    }

    /** Each record as id → what must never change once it ended (result, steps and their outcomes). */
    private static Map<Long, String> fingerprint(List<ReconcileRecord> records) {
        return records.stream().filter(r -> r.result().isFinal()).collect(Collectors.toMap(ReconcileRecord::id,
            r -> r.commit() + " " + r.result() + " " + r.steps().stream()
                .map(s -> s.service() + "/" + s.host() + "/" + s.action() + "=" + s.outcome())
                .collect(Collectors.joining(","))));
    }
}
