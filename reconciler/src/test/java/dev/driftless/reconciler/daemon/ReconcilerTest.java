package dev.driftless.reconciler.daemon;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;
import static org.assertj.core.api.Assertions.as;
import static org.assertj.core.api.InstanceOfAssertFactories.STRING;

import dev.driftless.model.DesiredState;
import dev.driftless.model.GitTree;
import dev.driftless.model.Instance;
import dev.driftless.reconciler.apply.Applier;
import dev.driftless.reconciler.apply.FakeTime;
import dev.driftless.reconciler.apply.HealthGate;
import dev.driftless.reconciler.plan.Departures;
import dev.driftless.reconciler.desired.DesiredStateLoader;
import dev.driftless.reconciler.desired.LoadedState;
import dev.driftless.reconciler.history.HistoryQuery;
import dev.driftless.reconciler.history.HistorySettings;
import dev.driftless.reconciler.history.DepartedHost;
import dev.driftless.reconciler.history.HistoryStore;
import dev.driftless.reconciler.history.ReconcileRecord;
import dev.driftless.reconciler.history.ReconcileResult;
import dev.driftless.reconciler.history.ReconcileStart;
import dev.driftless.reconciler.history.RestartRequest;
import dev.driftless.reconciler.history.ServiceOutcome;
import dev.driftless.reconciler.history.ServiceResult;
import dev.driftless.reconciler.history.StepAction;
import dev.driftless.reconciler.history.StepOutcome;
import dev.driftless.reconciler.history.StepRecord;
import dev.driftless.reconciler.history.Suspension;
import dev.driftless.reconciler.history.StepStart;
import dev.driftless.reconciler.history.Trigger;
import dev.driftless.reconciler.metrics.Metrics;
import dev.driftless.reconciler.observe.Observer;
import dev.driftless.reconciler.runtime.docker.DockerObserver;
import dev.driftless.reconciler.runtime.docker.DockerCommands;
import dev.driftless.reconciler.runtime.docker.InstanceContainers;
import dev.driftless.reconciler.source.GitSource;
import dev.driftless.reconciler.source.GitSourceSettings;
import dev.driftless.reconciler.source.verify.CommitVerifier;
import dev.driftless.reconciler.source.verify.SigningGit;
import dev.driftless.reconciler.ssh.CommandResult;
import dev.driftless.reconciler.ssh.HostFailure;
import dev.driftless.reconciler.ssh.RecordingHostSession;
import dev.driftless.secrets.KeyRing;
import java.nio.file.Files;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.Properties;
import org.eclipse.jgit.revwalk.RevCommit;
import org.junit.jupiter.api.AfterEach;
import org.quartz.Scheduler;
import org.quartz.impl.StdSchedulerFactory;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One reconcile end to end, without Docker: a real git repository (JGit) made from
 * examples/infra-repo, the real loader with the demo age key, real H2 history in a temp dir, and
 * fake hosts whose Docker answers the observe command with canned {@code docker inspect} JSON.
 */
class ReconcilerTest {

    private static final Path DEMO_KEY = Path.of("../examples/keys/demo-age.txt");
    private static final List<String> HOSTS = List.of("app-1", "app-2", "db-1");

    @TempDir
    Path tmp;

    private final FakeTime time = FakeTime.at("2026-11-21T12:00:00Z");
    private final RecordingHostSession.Fleet fleet = RecordingHostSession.Fleet.fakes();
    private InfraRepo infra;
    private RevCommit v1;
    private GitSource source;
    private HistoryStore history;
    private Reconciler reconciler;

    @BeforeEach
    void start() throws Exception {
        infra = InfraRepo.ofExample(tmp.resolve("infra"));
        v1 = infra.commit("Shop at 1.0.0");
        source = GitSource.open(GitSourceSettings.of(infra.dir().toString(), tmp.resolve("state/git")));
        history = HistoryStore.open(HistorySettings.embedded(tmp.resolve("state")), "default", time);
        CannedDocker.healthyHosts(fleet, HOSTS);
        for (String h : HOSTS) {
            CannedDocker.observes(fleet.host(h), List.of(), "-", "running");
        }
        reconciler = reconciler();
    }

    @AfterEach
    void stop() {
        source.close();
        history.close();
        infra.close();
    }

    /** A reconciler as Assembly wires one, over the fakes: a daemon (re)start makes a new one. */
    private Reconciler reconciler() {
        return reconciler(CommitVerifier.NONE);
    }

    private Reconciler reconciler(CommitVerifier verifier) {
        return reconciler(verifier, Departures.GIVE_UP);
    }

    private Reconciler reconciler(CommitVerifier verifier, Duration departedRetry) {
        return reconciler(verifier, departedRetry, Metrics.NONE);
    }

    private Reconciler reconciler(CommitVerifier verifier, Duration departedRetry, Metrics metrics) {
        DesiredStateLoader loader = new DesiredStateLoader(KeyRing.builder().ageIdentityFile(DEMO_KEY).build());
        Observer observer = new Observer(fleet, new DockerObserver(), Duration.ofSeconds(20));
        Applier applier = new Applier(fleet, new HealthGate(time, time, Duration.ofSeconds(20)),
            Applier.Settings.defaults(Duration.ofSeconds(20)), time);
        return new Reconciler(Optional.empty(), source, verifier, loader, fleet, observer, applier, history,
            metrics, time, RepairBackoff.after(Duration.ofSeconds(30)), departedRetry);
    }

    private DesiredState desiredAt(RevCommit commit) {
        LoadedState s = new DesiredStateLoader(KeyRing.builder().ageIdentityFile(DEMO_KEY).build())
            .load(new GitTree(infra.repository(), commit, ""), Optional.empty());
        return ((LoadedState.Ready) s).state();
    }

    /** The hosts run exactly what {@code commit} wants (as after a successful deploy of it). */
    private void hostsRun(RevCommit commit) {
        CannedDocker.running(fleet, desiredAt(commit), commit.name());
    }

    private int hostCalls() {
        return fleet.all().values().stream().mapToInt(h -> h.calls().size()).sum();
    }

    /** How many commands each host had received: to ask what came after. */
    private Map<String, Integer> mark() {
        Map<String, Integer> marks = new HashMap<>();
        HOSTS.forEach(h -> marks.put(h, fleet.host(h).renderedCommands().size()));
        return marks;
    }

    /** The commands each host received since {@code mark}, as "host: command". */
    private List<String> commandsSince(Map<String, Integer> mark) {
        return HOSTS.stream().flatMap(h -> {
            List<String> all = fleet.host(h).renderedCommands();
            return all.subList(mark.get(h), all.size()).stream().map(c -> h + ": " + c);
        }).toList();
    }

    /** An observation, or a health probe of a running instance ("host: command"). */
    private static boolean readsOnly(String hostCommand) {
        return hostCommand.contains(": docker version ") || hostCommand.contains(": curl ");
    }

    private List<ReconcileRecord> records() {
        return history.list(HistoryQuery.latest(50));
    }

    private RevCommit bumpApi(String version, String message) {
        infra.edit("services/api.yaml", "registry:5000/shop/api:" + currentApiVersion(), "registry:5000/shop/api:" + version);
        return infra.commit(message);
    }

    private String currentApiVersion() {
        String text = infra.read("services/api.yaml");
        int at = text.indexOf("registry:5000/shop/api:") + "registry:5000/shop/api:".length();
        return text.substring(at, text.indexOf('\n', at));
    }

    private String apiContainer(RevCommit commit, String host) {
        return InstanceContainers.containerName(desiredAt(commit).instance("api/" + host + "/1").orElseThrow());
    }

    // ---- suspensions ----

    @Test
    void aSuspendedEnvironmentIsNeitherObservedNorChangedAndItsHeadDeploysOnceResumed() throws Exception {
        reconciler.reconcile(Trigger.STARTUP);
        hostsRun(v1);
        List<dev.driftless.reconciler.history.HeldCommit> waiting = new java.util.concurrent.CopyOnWriteArrayList<>();
        reconciler.onDeployHeld(waiting::add);
        reconciler.reconcile(Trigger.DRIFT);
        assertThat(waiting).as("the applied commit does not wait").isEmpty();
        history.suspend(Optional.empty(), "incident 42", "alice@ops-1");
        RevCommit v2 = bumpApi("1.1.0", "api 1.1.0");
        int calls = hostCalls();

        for (Trigger t : List.of(Trigger.POLL, Trigger.DRIFT, Trigger.POLL, Trigger.MANUAL)) {
            Reconciler.Outcome o = reconciler.reconcile(t);
            assertThat(o.kind()).as(t.name()).isEqualTo(Reconciler.Kind.SUSPENDED);
            assertThat(o.recordId()).isEmpty();
        }
        assertThat(waiting).as("told once, not at every trigger").singleElement().satisfies(h -> {
            assertThat(h.commit()).isEqualTo(v2.name());
            assertThat(h.subject()).isEqualTo("api 1.1.0");
            assertThat(h.hold().by()).isEqualTo("alice@ops-1");
            assertThat(h.hold().reason()).isEqualTo("incident 42");
        });
        List<dev.driftless.reconciler.history.HeldCommit> toldAgain = new java.util.concurrent.CopyOnWriteArrayList<>();
        Reconciler restarted = reconciler();
        restarted.onDeployHeld(toldAgain::add);
        assertThat(restarted.reconcile(Trigger.POLL).kind()).isEqualTo(Reconciler.Kind.SUSPENDED);
        assertThat(toldAgain).as("a restarted daemon (or the next lease holder) reads it was told").isEmpty();
        assertThat(hostCalls()).as("no host is even observed").isEqualTo(calls);
        assertThat(records()).hasSize(1);
        assertThat(reconciler.status()).startsWith("environment default is suspended by alice@ops-1 since ")
            .endsWith(": incident 42; commit " + v2.name().substring(0, 7) + " waits");

        history.resume(Optional.empty(), "bob@ops-2");
        Reconciler.Outcome resumed = reconciler.reconcile(Trigger.POLL);

        assertThat(resumed.kind()).isEqualTo(Reconciler.Kind.APPLIED);
        assertThat(records().get(0).commit()).isEqualTo(v2.name());
        assertThat(records().get(0).trigger()).as("the commit that waited is deployed as a deploy")
            .isEqualTo(Trigger.POLL);
    }

    @Test
    void aClosedDeployWindowHoldsTheEnvironmentAndItsHeadDeploysWhenItOpens() throws Exception {
        reconciler.reconcile(Trigger.STARTUP);
        hostsRun(v1);
        // 2026-11-21 is a Saturday; it is noon: the window holds from 10:00 to 14:00.
        reconciler.deployWindows(new DeployWindows(List.of(new DeployWindows.Window("deploy-windows[0]",
            DeployWindows.Kind.DENY, "0 10 * * SAT", Duration.ofHours(4), java.time.ZoneId.of("UTC"), List.of(), false))));
        RevCommit v2 = bumpApi("1.1.0", "api 1.1.0");
        int calls = hostCalls();

        for (Trigger t : List.of(Trigger.POLL, Trigger.DRIFT, Trigger.MANUAL)) {
            assertThat(reconciler.reconcile(t).kind()).as(t.name()).isEqualTo(Reconciler.Kind.SUSPENDED);
        }
        assertThat(hostCalls()).as("no host is even observed").isEqualTo(calls);
        assertThat(reconciler.status()).isEqualTo("environment default is held by deploy window deploy-windows[0]"
            + " (deny \"0 10 * * SAT\" for 4h, UTC) since 2026-11-21T10:00:00Z: deploys resume at 2026-11-21T14:00:00Z;"
            + " commit " + v2.name().substring(0, 7) + " waits");
        assertThat(reconciler.suspensions(true)).as("what POST /reconcile is refused with").hasSize(1);

        time.sleep(Duration.ofHours(2));
        Reconciler.Outcome opened = reconciler.reconcile(Trigger.POLL);

        assertThat(opened.kind()).isEqualTo(Reconciler.Kind.APPLIED);
        assertThat(records().get(0).commit()).isEqualTo(v2.name());
        assertThat(records().get(0).trigger()).isEqualTo(Trigger.POLL);
    }

    @Test
    void aDeployWindowOfOneServiceHoldsItWhileTheOthersDeploy() throws Exception {
        reconciler.reconcile(Trigger.STARTUP);
        hostsRun(v1);
        reconciler.deployWindows(new DeployWindows(List.of(new DeployWindows.Window("deploy-windows[0]",
            DeployWindows.Kind.ALLOW, "0 9 * * MON-FRI", Duration.ofHours(8), java.time.ZoneId.of("UTC"), List.of("api"),
            false))));
        bumpApi("1.1.0", "api 1.1.0");
        infra.edit("services/worker.yaml", "INTERVAL: \"5\"", "INTERVAL: \"10\"").commit("worker every 10 s");

        Reconciler.Outcome o = reconciler.reconcile(Trigger.POLL);

        assertThat(o.kind()).isEqualTo(Reconciler.Kind.APPLIED);
        ReconcileRecord r = records().get(0);
        assertThat(r.result()).isEqualTo(ReconcileResult.SUCCEEDED);
        assertThat(r.steps()).extracting(StepRecord::service).containsOnly("worker");
        assertThat(r.summary()).endsWith("; suspended: api");
    }

    @Test
    void aResumeIsNoticedByTheNextPollEvenWithoutANewCommit() throws Exception {
        reconciler.reconcile(Trigger.STARTUP);
        hostsRun(v1);
        assertThat(reconciler.reconcile(Trigger.POLL).kind()).isEqualTo(Reconciler.Kind.NOTHING_NEW);
        history.suspend(Optional.empty(), "", "alice@ops-1");
        assertThat(reconciler.reconcile(Trigger.DRIFT).kind()).isEqualTo(Reconciler.Kind.SUSPENDED);
        CannedDocker.observes(fleet.host("app-2"), List.of(), "-", "running");  // app-2 emptied meanwhile
        history.resume(Optional.empty(), "alice@ops-1");

        Reconciler.Outcome o = reconciler.reconcile(Trigger.POLL);

        assertThat(o.kind()).as("not short-cut like an idle poll").isEqualTo(Reconciler.Kind.APPLIED);
        assertThat(records().get(0).trigger()).as("a repair of what drifted meanwhile").isEqualTo(Trigger.DRIFT);
        assertThat(records().get(0).steps()).extracting(s -> s.host() + " " + s.action())
            .contains("app-2 CREATE").doesNotContain("app-1 CREATE");
        assertThat(reconciler.reconcile(Trigger.POLL).kind()).isEqualTo(Reconciler.Kind.NOTHING_NEW);
    }

    @Test
    void aSuspendedServiceIsLeftAsItIsWhileTheOthersDeployAndItsResumeConvergesIt() throws Exception {
        reconciler.reconcile(Trigger.STARTUP);
        hostsRun(v1);
        List<dev.driftless.reconciler.history.HeldCommit> waiting = new java.util.concurrent.CopyOnWriteArrayList<>();
        reconciler.onDeployHeld(waiting::add);
        Suspension api = history.suspend(Optional.of("api"), "waiting for the schema change", "bob@ops-2");
        reconciler.reconcile(Trigger.DRIFT);
        assertThat(waiting).as("nothing of api waits while it runs the commit").isEmpty();
        bumpApi("1.1.0", "api 1.1.0");
        RevCommit both = infra.edit("services/worker.yaml", "INTERVAL: \"5\"", "INTERVAL: \"10\"")
            .commit("worker every 10 s");

        Reconciler.Outcome o = reconciler.reconcile(Trigger.POLL);
        reconciler.reconcile(Trigger.DRIFT);

        assertThat(waiting).as("told once that api waits, not at every reconcile").singleElement().satisfies(h -> {
            assertThat(h.commit()).isEqualTo(both.name());
            assertThat(h.subject()).isEqualTo("worker every 10 s");
            assertThat(h.hold().service()).contains("api");
            assertThat(h.hold().reason()).isEqualTo("waiting for the schema change");
        });
        List<dev.driftless.reconciler.history.HeldCommit> toldAgain = new java.util.concurrent.CopyOnWriteArrayList<>();
        Reconciler restarted = reconciler();
        restarted.onDeployHeld(toldAgain::add);
        restarted.reconcile(Trigger.DRIFT);
        assertThat(toldAgain).as("a restarted daemon (or the next lease holder) reads it was told").isEmpty();

        assertThat(o.kind()).isEqualTo(Reconciler.Kind.APPLIED);
        ReconcileRecord r = records().get(0);
        assertThat(r.commit()).isEqualTo(both.name());
        assertThat(r.result()).as("a suspension is no failure").isEqualTo(ReconcileResult.SUCCEEDED);
        assertThat(r.summary()).endsWith("; suspended: api");
        assertThat(r.steps()).extracting(StepRecord::service).containsOnly("worker");
        assertThat(history.failedCommits()).isEmpty();
        assertThat(reconciler.status()).endsWith("; suspended: api");

        DesiredState now = desiredAt(both);
        DesiredState before = desiredAt(v1);
        for (String h : HOSTS) {
            // worker (and store) as the commit wants; api still as v1 had it.
            List<dev.driftless.model.Instance> running = new java.util.ArrayList<>();
            now.instancesOn(h).stream().filter(i -> !i.service().name().equals("api")).forEach(running::add);
            before.instancesOn(h).stream().filter(i -> i.service().name().equals("api")).forEach(running::add);
            CannedDocker.observes(fleet.host(h), running, both.name(), "running");
        }
        assertThat(reconciler.reconcile(Trigger.POLL).kind()).as("api stays suspended")
            .isEqualTo(Reconciler.Kind.NOTHING_NEW);
        assertThat(reconciler.reconcile(Trigger.DRIFT).kind()).isEqualTo(Reconciler.Kind.IN_SYNC);
        history.resume(api.service(), "bob@ops-2");
        Reconciler.Outcome resumed = reconciler.reconcile(Trigger.POLL);

        assertThat(resumed.kind()).isEqualTo(Reconciler.Kind.APPLIED);
        assertThat(records().get(0).steps()).extracting(StepRecord::service, StepRecord::action)
            .containsOnly(tuple("api", StepAction.REPLACE));
    }

    // ---- deploys ----

    @Test
    void theFirstReconcileDeploysTheCommitAndRecordsEveryStep() throws Exception {
        Reconciler.Outcome outcome = reconciler.reconcile(Trigger.STARTUP);

        assertThat(outcome.kind()).isEqualTo(Reconciler.Kind.APPLIED);
        assertThat(outcome.retrySoon()).isFalse();
        assertThat(outcome.summary()).isEqualTo("succeeded: store, api, worker");
        ReconcileRecord r = records().get(0);
        assertThat(outcome.recordId()).contains(r.id());
        assertThat(r.commit()).isEqualTo(v1.name());
        assertThat(r.author()).isEqualTo("Grace Hopper <grace@example.org>");
        assertThat(r.message()).isEqualTo("Shop at 1.0.0");
        assertThat(r.trigger()).isEqualTo(Trigger.STARTUP);
        assertThat(r.result()).isEqualTo(ReconcileResult.SUCCEEDED);
        assertThat(r.desiredDigest()).isEqualTo(desiredAt(v1).digest());
        assertThat(r.returnsTo()).isEmpty();
        assertThat(r.services()).extracting(ServiceResult::service, ServiceResult::result).containsExactlyInAnyOrder(
            tuple("store", ServiceOutcome.SUCCEEDED),
            tuple("api", ServiceOutcome.SUCCEEDED),
            tuple("worker", ServiceOutcome.SUCCEEDED));
        assertThat(r.steps()).filteredOn(s -> s.action() == StepAction.CREATE)
            .extracting(s -> s.service() + "/" + s.host() + "/" + s.instance() + " " + s.outcome())
            .containsExactlyInAnyOrder("store/db-1/store-1 SUCCEEDED", "api/app-1/api-1 SUCCEEDED",
                "api/app-2/api-1 SUCCEEDED", "worker/app-1/worker-1 SUCCEEDED", "worker/app-2/worker-1 SUCCEEDED");
        assertThat(history.lastApplied()).hasValueSatisfying(a -> assertThat(a.commit()).isEqualTo(v1.name()));
        assertThat(history.lastAttempted()).hasValueSatisfying(a -> assertThat(a.commit()).isEqualTo(v1.name()));
        assertThat(reconciler.status()).isEqualTo("commit " + v1.name().substring(0, 7) + ": succeeded (reconcile #"
            + r.id() + ")");
    }

    @Test
    void everyCompletedRecordIsToldToTheListenerOnceStored() throws Exception {
        List<ReconcileRecord> told = new java.util.ArrayList<>();
        reconciler.onCompleted(told::add);

        reconciler.reconcile(Trigger.STARTUP);
        hostsRun(v1);
        infra.edit("services/worker.yaml", "image:", "imgae:").commit("Typo in the worker");
        reconciler.reconcile(Trigger.POLL);
        reconciler.onCompleted(r -> {
            throw new IllegalStateException("a listener that fails");
        });
        reconciler.reconcile(Trigger.MANUAL);

        assertThat(told).extracting(ReconcileRecord::trigger, ReconcileRecord::result).containsExactly(
            tuple(Trigger.STARTUP, ReconcileResult.SUCCEEDED), tuple(Trigger.POLL, ReconcileResult.FAILED));
        assertThat(told.get(0).steps()).as("the complete record, steps included").isNotEmpty();
        assertThat(records()).as("a failing listener changes nothing").hasSize(3);
    }

    @Test
    void atDebugLevelEveryReconcileThatObservedSaysWhereItsTimeWent() throws Exception {
        ch.qos.logback.classic.Logger log = (ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger(
            "driftless.reconcile");
        ch.qos.logback.classic.Level before = log.getLevel();
        ch.qos.logback.core.read.ListAppender<ch.qos.logback.classic.spi.ILoggingEvent> seen =
            new ch.qos.logback.core.read.ListAppender<>();
        seen.start();
        log.addAppender(seen);
        log.setLevel(ch.qos.logback.classic.Level.DEBUG);
        try {
            reconciler.reconcile(Trigger.STARTUP);
            hostsRun(v1);
            assertThat(reconciler.reconcile(Trigger.DRIFT).kind()).isEqualTo(Reconciler.Kind.IN_SYNC);
        } finally {
            log.detachAppender(seen);
            log.setLevel(before);
        }
        List<String> phases = seen.list.stream().map(ch.qos.logback.classic.spi.ILoggingEvent::getFormattedMessage)
            .filter(m -> m.contains("reconcile phases: ")).toList();
        assertThat(phases).hasSize(2);
        assertThat(phases.get(0)).matches("[0-9a-f]{7} reconcile phases: git \\d+ ms, suspensions \\d+ ms, load \\d+ ms,"
            + " departed hosts \\d+ ms, observe \\d+ ms, plan \\d+ ms, probe \\d+ ms, history reads \\d+ ms,"
            + " apply \\d+ ms, record \\d+ ms");
        assertThat(phases.get(1)).as("a drift check that changed nothing applies nothing")
            .contains("observe ").doesNotContain("apply").endsWith(" ms");
    }

    @Test
    void aPollWithoutANewCommitDoesNothing() throws Exception {
        hostsRun(v1);
        assertThat(reconciler.reconcile(Trigger.POLL).kind()).isEqualTo(Reconciler.Kind.IN_SYNC);
        int calls = hostCalls();

        Reconciler.Outcome again = reconciler.reconcile(Trigger.POLL);

        assertThat(again).isEqualTo(new Reconciler.Outcome(Reconciler.Kind.NOTHING_NEW, false, "no new commit",
            Optional.empty()));
        assertThat(hostCalls()).as("not even an observation").isEqualTo(calls);
        assertThat(records()).as("in sync is not a deployment").isEmpty();
        assertThat(history.lastApplied()).hasValueSatisfying(a -> assertThat(a.commit()).isEqualTo(v1.name()));
    }

    @Test
    void aManualReconcileWithNothingToDoStillAnswersWithARecord() throws Exception {
        hostsRun(v1);
        reconciler.reconcile(Trigger.POLL);
        int calls = hostCalls();

        Reconciler.Outcome outcome = reconciler.reconcile(Trigger.MANUAL);

        assertThat(outcome.kind()).as("not short-cut like an idle poll").isEqualTo(Reconciler.Kind.IN_SYNC);
        assertThat(hostCalls()).as("the hosts were observed").isGreaterThan(calls);
        ReconcileRecord r = records().get(0);
        assertThat(outcome.recordId()).contains(r.id());
        assertThat(r.trigger()).isEqualTo(Trigger.MANUAL);
        assertThat(r.result()).isEqualTo(ReconcileResult.SUCCEEDED);
        assertThat(r.summary()).isEqualTo("no host changes: the hosts already run this commit's state");
        assertThat(r.steps()).isEmpty();
        assertThat(r.returnsTo()).isEmpty();
    }

    @Test
    void aManualReconcileThatRepairsSomethingIsRecordedAsManual() throws Exception {
        String worker = deployedThenWorkerOnApp2Exited();

        reconciler.reconcile(Trigger.MANUAL);

        assertThat(fleet.host("app-2").renderedCommands()).contains("docker start " + worker);
        assertThat(records().get(0).trigger()).isEqualTo(Trigger.MANUAL);
        assertThat(records()).hasSize(1);
    }

    @Test
    void hostsThatAlreadyMatchANewCommitMoveTheAppliedCommitWithoutARecord() throws Exception {
        hostsRun(v1);
        reconciler.reconcile(Trigger.POLL);
        RevCommit docs = infra.write("README.md", "# our infra\n").commit("Document the repo");

        Reconciler.Outcome outcome = reconciler.reconcile(Trigger.POLL);

        assertThat(outcome.kind()).isEqualTo(Reconciler.Kind.IN_SYNC);
        assertThat(outcome.summary()).isEqualTo("in sync with commit " + docs.name().substring(0, 7));
        assertThat(records()).isEmpty();
        assertThat(history.lastApplied()).hasValueSatisfying(a -> assertThat(a.commit()).isEqualTo(docs.name()));
    }

    @Test
    void aDriftCheckHealsAStoppedContainerEvenWithoutANewCommit() throws Exception {
        // Someone ran `docker stop` on app-2's worker.
        String worker = deployedThenWorkerOnApp2Exited();

        Reconciler.Outcome outcome = reconciler.reconcile(Trigger.DRIFT);

        assertThat(outcome.kind()).isEqualTo(Reconciler.Kind.APPLIED);
        assertThat(fleet.host("app-2").renderedCommands()).contains("docker start " + worker);
        ReconcileRecord r = records().get(0);
        assertThat(r.trigger()).isEqualTo(Trigger.DRIFT);
        assertThat(r.result()).isEqualTo(ReconcileResult.SUCCEEDED);
        assertThat(r.steps()).singleElement().satisfies(s -> {
            assertThat(s.action()).isEqualTo(StepAction.START);
            assertThat(s.reason()).isEqualTo("container exited 60 min ago (exit code 1)");
            assertThat(s.outcome()).isEqualTo(StepOutcome.SUCCEEDED);
        });
    }

    @Test
    void aContainerThatKeepsCrashingAfterItsRestartIsRestartedLessAndLessOften() throws Exception {
        // worker on app-2 exited, and exits again whenever it is started.
        String start = "docker start " + deployedThenWorkerOnApp2Exited();
        fleet.host("app-2").reply("docker inspect --type container --format ", 0, "exited 1 0 - -\n", "");

        Reconciler.Outcome first = reconciler.reconcile(Trigger.DRIFT);
        assertThat(first.kind()).isEqualTo(Reconciler.Kind.APPLIED);
        assertThat(first.retrySoon()).isTrue();
        assertThat(records().get(0).steps()).singleElement().satisfies(s -> {
            assertThat(s.action()).isEqualTo(StepAction.START);
            assertThat(s.outcome()).isEqualTo(StepOutcome.FAILED);
        });

        // The retry 30 s later may restart it once more: the first wait is the retry interval.
        time.sleep(Duration.ofSeconds(30));
        assertThat(reconciler.reconcile(Trigger.DRIFT).kind()).isEqualTo(Reconciler.Kind.APPLIED);
        assertThat(records()).hasSize(2);

        // The next retry comes before the doubled wait ends: no restart, no record, no retry loop.
        time.sleep(Duration.ofSeconds(30));
        Map<String, Integer> mark = mark();
        Reconciler.Outcome held = reconciler.reconcile(Trigger.DRIFT);
        assertThat(held.kind()).isEqualTo(Reconciler.Kind.IN_SYNC);
        assertThat(held.retrySoon()).isFalse();
        assertThat(commandsSince(mark)).noneMatch(c -> c.contains(start));
        assertThat(records()).hasSize(2);
        assertThat(reconciler.status()).contains("restart backed off for worker-1 on app-2 (crash-looping: 2 restarts"
            + " in a row failed the health gate; next restart after ");

        // Once the wait is over it is restarted again; this time it stays up, and the count ends.
        time.sleep(Duration.ofSeconds(40));
        fleet.host("app-2").reply("docker inspect --type container --format ", 0, "running 0 0 - 172.17.0.5\n", "");
        mark = mark();
        Reconciler.Outcome healed = reconciler.reconcile(Trigger.DRIFT);
        assertThat(healed.kind()).isEqualTo(Reconciler.Kind.APPLIED);
        assertThat(commandsSince(mark)).contains("app-2: " + start);
        assertThat(records().get(0).result()).isEqualTo(ReconcileResult.SUCCEEDED);
        assertThat(reconciler.status()).doesNotContain("backed off");
    }

    /**
     * worker on app-2 exited and exits again whenever it is started: two drift checks 30 s apart
     * restarted it in vain. The restart command.
     */
    private String workerOnApp2RestartedTwiceInVain() throws Exception {
        String start = "docker start " + deployedThenWorkerOnApp2Exited();
        fleet.host("app-2").reply("docker inspect --type container --format ", 0, "exited 1 0 - -\n", "");
        reconciler.reconcile(Trigger.DRIFT);
        time.sleep(Duration.ofSeconds(30));
        reconciler.reconcile(Trigger.DRIFT);
        return start;
    }

    @Test
    void aBackoffOutlivesTheDaemonThatCountedIt() throws Exception {
        String start = workerOnApp2RestartedTwiceInVain();
        assertThat(records()).hasSize(2);

        // The daemon restarts (or another daemon of the cluster takes the next reconcile).
        Reconciler next = reconciler();
        time.sleep(Duration.ofSeconds(30));
        Map<String, Integer> mark = mark();
        Reconciler.Outcome held = next.reconcile(Trigger.DRIFT);

        assertThat(held.kind()).isEqualTo(Reconciler.Kind.IN_SYNC);
        assertThat(commandsSince(mark)).noneMatch(c -> c.contains(start));
        assertThat(records()).hasSize(2);
        assertThat(next.status()).contains("restart backed off for worker-1 on app-2 (crash-looping: 2 restarts");
        assertThat(history.backoffs("restart").values()).singleElement()
            .satisfies(b -> assertThat(b.failures()).isEqualTo(2));

        time.sleep(Duration.ofSeconds(40));
        fleet.host("app-2").reply("docker inspect --type container --format ", 0, "running 0 0 - 172.17.0.5\n", "");
        assertThat(next.reconcile(Trigger.DRIFT).kind()).isEqualTo(Reconciler.Kind.APPLIED);
        assertThat(history.backoffs("restart")).as("a restart that passed its gate ends the count").isEmpty();
    }

    @Test
    void aHostThatDoesNotAnswerForAMomentKeepsItsBackoffs() throws Exception {
        String start = workerOnApp2RestartedTwiceInVain();
        assertThat(history.backoffs("restart").values()).singleElement()
            .satisfies(b -> assertThat(b.failures()).isEqualTo(2));

        // app-2 drops off the network for one drift check: its count is kept, not forgotten.
        fleet.host("app-2").failEverything(HostFailure.Kind.UNREACHABLE, "host app-2 is unreachable: no route");
        time.sleep(Duration.ofSeconds(10));
        reconciler.reconcile(Trigger.DRIFT);
        assertThat(history.backoffs("restart").values()).singleElement()
            .satisfies(b -> assertThat(b.failures()).isEqualTo(2));

        // Back, still crash-looping, before the doubled wait ended: the restart still waits.
        fleet.host("app-2").answersAgain();
        fleet.host("app-2").reply("docker inspect --type container --format ", 0, "exited 1 0 - -\n", "");
        time.sleep(Duration.ofSeconds(20));
        Map<String, Integer> mark = mark();
        assertThat(reconciler.reconcile(Trigger.DRIFT).kind()).isEqualTo(Reconciler.Kind.IN_SYNC);
        assertThat(commandsSince(mark)).noneMatch(c -> c.contains(start));
        assertThat(reconciler.status()).contains("restart backed off for worker-1 on app-2 (crash-looping: 2 restarts");
    }

    @Test
    void aRunningInstanceThatStopsAnsweringItsProbeIsRestartedByTheDriftCheck() throws Exception {
        hostsRun(v1);
        reconciler.reconcile(Trigger.POLL);
        String api = apiContainer(v1, "app-1");
        AtomicBoolean restarted = new AtomicBoolean();
        probesFailUntilRestarted("app-1", restarted);
        Map<String, Integer> mark = mark();

        Reconciler.Outcome outcome = reconciler.reconcile(Trigger.DRIFT);

        assertThat(outcome.kind()).isEqualTo(Reconciler.Kind.APPLIED);
        assertThat(outcome.retrySoon()).isFalse();
        assertThat(commandsSince(mark)).filteredOn(c -> c.startsWith("app-1: curl ")).as("3 failed, 1 after the restart")
            .hasSize(4);
        assertThat(commandsSince(mark)).contains("app-1: docker restart --time 10 " + api)
            .noneMatch(c -> c.startsWith("app-2: docker restart") || c.startsWith("db-1: docker restart"));
        ReconcileRecord r = records().get(0);
        assertThat(r.trigger()).isEqualTo(Trigger.DRIFT);
        assertThat(r.result()).isEqualTo(ReconcileResult.SUCCEEDED);
        assertThat(r.steps()).singleElement().satisfies(s -> {
            assertThat(s.action()).isEqualTo(StepAction.RESTART);
            assertThat(s.host()).isEqualTo("app-1");
            assertThat(s.instance()).isEqualTo("api-1");
            assertThat(s.reason()).isEqualTo("unhealthy: http :8080/healthz failed (exit 22): curl: (22) The "
                + "requested URL returned error: 404 (3 probes in a row, 2s apart)");
            assertThat(s.outcome()).isEqualTo(StepOutcome.SUCCEEDED);
        });
    }

    /** From now on app-1 reports its api container with /www/banner.txt changed, as something on it keeps rewriting it. */
    private void bannerRewrittenOnApp1(RevCommit commit) {
        String observe = DockerCommands.observe().render();
        fleet.host("app-1").reply(c -> c.render().equals(observe), new dev.driftless.reconciler.ssh.CommandResult(0,
            "20.10.24+dfsg1\n" + CannedDocker.inspect(desiredAt(commit).instancesOn("app-1"), commit.name(), "running")
                + "\n" + DockerCommands.FILES_CHECK_MARK + "\n@@files " + apiContainer(commit, "app-1")
                + "\nchanged /www/banner.txt\n", "", Duration.ofMillis(2)));
    }

    @Test
    void aDriftThatComesBackAfterEachRepairIsRepairedLessAndLessOftenUntilItStaysAway() throws Exception {
        dev.driftless.reconciler.metrics.MicrometerMetrics metrics = new dev.driftless.reconciler.metrics.MicrometerMetrics(
            "default");
        reconciler = reconciler(CommitVerifier.NONE, Departures.GIVE_UP, metrics);
        List<dev.driftless.reconciler.history.RecurringDrift> told = new java.util.ArrayList<>();
        reconciler.onDriftRecurring(told::add);
        hostsRun(v1);
        reconciler.reconcile(Trigger.POLL);
        bannerRewrittenOnApp1(v1);

        time.sleep(Duration.ofMinutes(5));
        assertThat(reconciler.reconcile(Trigger.DRIFT).kind()).isEqualTo(Reconciler.Kind.APPLIED);
        assertThat(records().get(0).steps()).filteredOn(s -> s.action() == StepAction.REPLACE).singleElement()
            .satisfies(s -> {
                assertThat(s.host()).isEqualTo("app-1");
                assertThat(s.reason()).isEqualTo("file /www/banner.txt changed on the host");
            });
        assertThat(history.backoffs(Deferrals.DRIFT_REPAIRS).values()).singleElement()
            .satisfies(b -> assertThat(b.failures()).isEqualTo(1));

        assertThat(told).as("nothing recurs yet").isEmpty();
        // The next drift check finds it changed again: repaired at once (one interval has passed),
        // and drift_recurring told …
        time.sleep(Duration.ofMinutes(5));
        assertThat(reconciler.reconcile(Trigger.DRIFT).kind()).isEqualTo(Reconciler.Kind.APPLIED);
        assertThat(records()).hasSize(2);
        assertThat(told).singleElement().isEqualTo(new dev.driftless.reconciler.history.RecurringDrift("default", "api",
            "app-1", "api-1", "file /www/banner.txt changed on the host", 1, java.time.Instant.parse("2026-11-21T12:19:30Z")));
        // … but then it waits two intervals, …
        time.sleep(Duration.ofMinutes(5));
        Map<String, Integer> mark = mark();
        Reconciler.Outcome held = reconciler.reconcile(Trigger.DRIFT);
        assertThat(held.kind()).isEqualTo(Reconciler.Kind.IN_SYNC);
        assertThat(commandsSince(mark)).allMatch(ReconcilerTest::readsOnly);
        assertThat(records()).as("no record for a wait").hasSize(2);
        assertThat(reconciler.status()).contains("drift repair backed off for api-1 on app-1 (back after 2 repairs"
            + " in a row (is something on the host rewriting it? a file with drift: ignore is not checked); next"
            + " repair after 2026-11-21T12:19:30Z)");
        assertThat(metrics.scrape()).contains("driftless_repairs_backed_off{environment=\"default\",kind=\"drift-repair\"} 1.0")
            .contains("driftless_repairs_backed_off{environment=\"default\",kind=\"restart\"} 0.0");
        // … kept in the history, where a restarted daemon, another of a cluster or a plan finds it.
        assertThat(reconciler().reconcile(Trigger.DRIFT).kind()).isEqualTo(Reconciler.Kind.IN_SYNC);
        time.sleep(Duration.ofMinutes(5));
        assertThat(reconciler.reconcile(Trigger.DRIFT).kind()).isEqualTo(Reconciler.Kind.APPLIED);
        assertThat(history.backoffs(Deferrals.DRIFT_REPAIRS).values()).singleElement()
            .satisfies(b -> assertThat(b.failures()).isEqualTo(3));
        assertThat(metrics.scrape()).contains("driftless_repairs_backed_off{environment=\"default\",kind=\"drift-repair\"} 0.0");
        assertThat(told).as("once per run of repairs").hasSize(1);

        // It stays away (drift: ignore was set, or the rewriting stopped): after its wait and an
        // hour more without drift, the count starts afresh.
        hostsRun(v1);
        time.sleep(Duration.ofMinutes(20));
        assertThat(reconciler.reconcile(Trigger.DRIFT).kind()).isEqualTo(Reconciler.Kind.IN_SYNC);
        assertThat(history.backoffs(Deferrals.DRIFT_REPAIRS)).as("an hour has not passed since the wait ended")
            .hasSize(1);
        time.sleep(Duration.ofMinutes(60));
        reconciler.reconcile(Trigger.DRIFT);
        assertThat(history.backoffs(Deferrals.DRIFT_REPAIRS)).isEmpty();
    }

    // ---- restarts operators ask for ----

    @Test
    void aRequestedRestartOfAStopFirstServiceRestartsEveryInstanceInPlaceHostByHostAndEndsTheRequest() throws Exception {
        infra.edit("services/api.yaml", "order: start-first", "order: stop-first");
        RevCommit stopFirst = infra.commit("api stop-first");
        hostsRun(stopFirst);
        reconciler.reconcile(Trigger.POLL);
        RestartRequest asked = history.requestRestart("api", List.of(), "new TLS certificate", "alice@ops-1");
        Map<String, Integer> mark = mark();

        Reconciler.Outcome outcome = reconciler.reconcile(Trigger.POLL);

        assertThat(outcome.kind()).as("a poll with nothing new still does what was asked")
            .isEqualTo(Reconciler.Kind.APPLIED);
        List<String> commands = commandsSince(mark);
        assertThat(commands).filteredOn(c -> c.contains(": docker restart ")).containsExactly(
            "app-1: docker restart --time 10 " + apiContainer(stopFirst, "app-1"),
            "app-2: docker restart --time 10 " + apiContainer(stopFirst, "app-2"));
        assertThat(commands).noneMatch(c -> c.contains("docker run") || c.contains("docker rm"));
        ReconcileRecord r = records().get(0);
        assertThat(r.trigger()).isEqualTo(Trigger.MANUAL);
        assertThat(r.commit()).isEqualTo(stopFirst.name());
        assertThat(r.result()).isEqualTo(ReconcileResult.SUCCEEDED);
        assertThat(r.steps()).extracting(StepRecord::service, StepRecord::host, StepRecord::action, StepRecord::reason,
            StepRecord::outcome).containsExactlyInAnyOrder(
            tuple("api", "app-1", StepAction.RESTART, "restart requested by alice@ops-1: new TLS certificate",
                StepOutcome.SUCCEEDED),
            tuple("api", "app-2", StepAction.RESTART, "restart requested by alice@ops-1: new TLS certificate",
                StepOutcome.SUCCEEDED));
        StepRecord first = r.steps().stream().filter(s -> s.host().equals("app-1")).findFirst().orElseThrow();
        StepRecord second = r.steps().stream().filter(s -> s.host().equals("app-2")).findFirst().orElseThrow();
        assertThat(second.startedAt()).as("one host at a time (batch 50%)").isAfterOrEqualTo(first.endedAt().orElseThrow());
        assertThat(history.restartRequest(asked.id()).orElseThrow().finished()).hasValueSatisfying(f -> {
            assertThat(f.outcome()).isEqualTo(RestartRequest.Outcome.RESTARTED);
            assertThat(f.reconcileId()).contains(r.id());
            assertThat(f.message()).isEqualTo("restarted api-1 on app-1, api-1 on app-2");
        });
        assertThat(history.pendingRestarts()).isEmpty();
        assertThat(history.lastApplied()).hasValueSatisfying(a -> assertThat(a.commit()).isEqualTo(stopFirst.name()));

        assertThat(reconciler.reconcile(Trigger.POLL).kind()).as("done once").isEqualTo(Reconciler.Kind.NOTHING_NEW);
    }

    @Test
    void aRequestedRestartOfAStartFirstServiceStartsAFreshInstanceBesideEachOldOneBeforeStoppingIt() throws Exception {
        hostsRun(v1);
        reconciler.reconcile(Trigger.POLL);
        RestartRequest asked = history.requestRestart("api", List.of(), "new TLS certificate", "alice@ops-1");
        Map<String, Integer> mark = mark();

        reconciler.reconcile(Trigger.POLL);

        List<String> commands = commandsSince(mark);
        assertThat(commands).noneMatch(c -> c.contains("docker restart"));
        for (String host : List.of("app-1", "app-2")) {
            String old = apiContainer(v1, host);
            List<String> on = commands.stream().filter(c -> c.startsWith(host + ": docker ")
                || c.startsWith(host + ": rm -f -- .driftless/container-files/")).toList();
            // api has files: its container is created, the files copied in, then started.
            int run = indexOf(on, host + ": docker create --name " + old + "-b ");
            int stop = on.indexOf(host + ": " + DockerCommands.stop(old, Duration.ofSeconds(10)).render());
            int remove = on.indexOf(host + ": " + dev.driftless.reconciler.runtime.docker.DockerRuntime.INSTANCE.remove(old, Duration.ofSeconds(10)).render());
            assertThat(run).as("the fresh container under the spec's second name, on %s", host).isNotNegative();
            assertThat(stop).as("the old one stopped only after the new one was up").isGreaterThan(run);
            assertThat(remove).as("and removed once the service converged").isGreaterThan(stop);
        }
        ReconcileRecord r = records().get(0);
        assertThat(r.result()).isEqualTo(ReconcileResult.SUCCEEDED);
        assertThat(r.steps()).extracting(StepRecord::host, StepRecord::action, StepRecord::outcome, s -> s.message()
            .orElse("")).containsExactlyInAnyOrder(
            tuple("app-1", StepAction.RESTART, StepOutcome.SUCCEEDED, "healthy: " + apiContainer(v1, "app-1")
                + "-b took over from " + apiContainer(v1, "app-1") + " (start-first)"),
            tuple("app-2", StepAction.RESTART, StepOutcome.SUCCEEDED, "healthy: " + apiContainer(v1, "app-2")
                + "-b took over from " + apiContainer(v1, "app-2") + " (start-first)"));
        StepRecord first = r.steps().stream().filter(s -> s.host().equals("app-1")).findFirst().orElseThrow();
        StepRecord second = r.steps().stream().filter(s -> s.host().equals("app-2")).findFirst().orElseThrow();
        assertThat(second.startedAt()).as("one host at a time (batch 50%)").isAfterOrEqualTo(first.endedAt().orElseThrow());
        assertThat(history.restartRequest(asked.id()).orElseThrow().finished()).hasValueSatisfying(f -> {
            assertThat(f.outcome()).isEqualTo(RestartRequest.Outcome.RESTARTED);
            assertThat(f.message()).isEqualTo("restarted api-1 on app-1, api-1 on app-2");
        });
    }

    /** The index of the first command starting with {@code prefix}, -1 when none does. */
    private static int indexOf(List<String> commands, String prefix) {
        for (int i = 0; i < commands.size(); i++) {
            if (commands.get(i).startsWith(prefix)) {
                return i;
            }
        }
        return -1;
    }

    @Test
    void aRequestedRestartWhoseFreshInstanceIsUnhealthyKeepsTheOldOneServingAndIsNotTakenToTheNextHosts()
            throws Exception {
        hostsRun(v1);
        reconciler.reconcile(Trigger.POLL);
        // The old instance is healthy; the fresh one is not (a bad certificate on disk, say).
        AtomicBoolean started = new AtomicBoolean();
        fleet.host("app-1").reply(c -> c.render().startsWith("curl ") && started.get(),
            new CommandResult(7, "", "curl: (7) Failed to connect\n", Duration.ofMillis(1)));
        fleet.host("app-1").reply(c -> {
            if (c.render().startsWith("docker start ")) {
                started.set(true);
            }
            return false;
        }, new CommandResult(0, "", "", Duration.ZERO));
        RestartRequest asked = history.requestRestart("api", List.of(), "", "alice@ops-1");
        Map<String, Integer> mark = mark();

        reconciler.reconcile(Trigger.MANUAL);

        String old = apiContainer(v1, "app-1");
        List<String> commands = commandsSince(mark);
        assertThat(commands).filteredOn(c -> c.contains(": docker create ")).singleElement(as(STRING))
            .startsWith("app-1: docker create --name " + old + "-b ");
        String stopOld = "app-1: " + DockerCommands.stop(old, Duration.ofSeconds(10)).render();
        assertThat(commands).as("the old one is never stopped").noneMatch(c -> c.equals(stopOld)
            || c.startsWith(stopOld + " "));
        assertThat(commands).as("the fresh one removed again").containsSubsequence(
            "app-1: " + dev.driftless.reconciler.runtime.docker.DockerRuntime.INSTANCE.remove(old + "-b", Duration.ofSeconds(10)).render(),
            "app-1: " + dev.driftless.reconciler.runtime.docker.DockerRuntime.INSTANCE.remove(old + "-b", Duration.ofSeconds(10)).render());
        ReconcileRecord r = records().get(0);
        assertThat(r.result()).isEqualTo(ReconcileResult.PARTIALLY_FAILED);
        assertThat(r.steps()).singleElement().satisfies(s -> {
            assertThat(s.action()).isEqualTo(StepAction.RESTART);
            assertThat(s.outcome()).isEqualTo(StepOutcome.FAILED);
            assertThat(s.message()).hasValueSatisfying(m -> assertThat(m).startsWith("not healthy within 30 s: ")
                .endsWith("; " + old + "-b removed, " + old + " serves on"));
        });
        assertThat(r.services()).filteredOn(x -> x.service().equals("api")).singleElement().satisfies(x -> {
            assertThat(x.result()).as("no verdict on the release").isEqualTo(ServiceOutcome.SKIPPED);
            assertThat(x.message()).startsWith("restart halted after app-1: not healthy within 30 s: ")
                .endsWith("; not restarted: app-2");
        });
        assertThat(history.failedCommit("api")).as("nothing held").isEmpty();
        assertThat(history.restartRequest(asked.id()).orElseThrow().finished()).hasValueSatisfying(f -> {
            assertThat(f.outcome()).isEqualTo(RestartRequest.Outcome.INCOMPLETE);
            assertThat(f.message()).startsWith("asked: api-1 on app-1, api-1 on app-2; skipped: restart halted after"
                + " app-1: ");
        });
    }

    @Test
    void aRestartOfASuspendedServiceWaitsForItsResumeAndOneOfAnUnknownServiceIsRefused() throws Exception {
        hostsRun(v1);
        reconciler.reconcile(Trigger.POLL);
        history.suspend(Optional.of("api"), "schema change", "bob@ops-2");
        RestartRequest waits = history.requestRestart("api", List.of(), "", "alice@ops-1");
        RestartRequest unknown = history.requestRestart("billing", List.of(), "", "alice@ops-1");
        RestartRequest nowhere = history.requestRestart("store", List.of("app-1"), "", "alice@ops-1");
        Map<String, Integer> mark = mark();

        reconciler.reconcile(Trigger.POLL);

        assertThat(commandsSince(mark)).noneMatch(c -> c.contains("docker restart"));
        assertThat(history.pendingRestarts()).containsExactly(waits);
        assertThat(history.restartRequest(unknown.id()).orElseThrow().finished()).hasValueSatisfying(f -> {
            assertThat(f.outcome()).isEqualTo(RestartRequest.Outcome.REFUSED);
            assertThat(f.message()).isEqualTo("service billing is not in the desired state of commit "
                + v1.name().substring(0, 7));
        });
        assertThat(history.restartRequest(nowhere.id()).orElseThrow().finished()).hasValueSatisfying(f ->
            assertThat(f.message()).isEqualTo("store has no instance on app-1 (it runs on db-1)"));
        assertThat(reconciler.reconcile(Trigger.POLL).kind()).as("a waiting restart does not make polls observe")
            .isEqualTo(Reconciler.Kind.NOTHING_NEW);

        history.resume(Optional.of("api"), "bob@ops-2");
        reconciler.reconcile(Trigger.POLL);

        assertThat(commandsSince(mark)).as("a fresh container beside each of api's (start-first)")
            .filteredOn(c -> c.contains(": docker create --name api-1-")).hasSize(2);
        assertThat(history.restartRequest(waits.id()).orElseThrow().finished())
            .hasValueSatisfying(f -> assertThat(f.outcome()).isEqualTo(RestartRequest.Outcome.RESTARTED));
    }

    @Test
    void anInstanceARestartDoesNotMakeHealthyIsRestartedLessAndLessOften() throws Exception {
        hostsRun(v1);
        reconciler.reconcile(Trigger.POLL);
        String restart = "app-1: docker restart --time 10 " + apiContainer(v1, "app-1");
        probesFailUntilRestarted("app-1", null);

        Reconciler.Outcome first = reconciler.reconcile(Trigger.DRIFT);
        assertThat(first.retrySoon()).as("the host did not converge").isTrue();
        assertThat(records().get(0).steps()).singleElement().satisfies(s -> {
            assertThat(s.action()).isEqualTo(StepAction.RESTART);
            assertThat(s.outcome()).isEqualTo(StepOutcome.FAILED);
            assertThat(s.message()).hasValueSatisfying(e -> assertThat(e).startsWith("not healthy within 30 s: "));
        });
        time.sleep(Duration.ofSeconds(30));
        reconciler.reconcile(Trigger.DRIFT);
        assertThat(records()).hasSize(2);

        time.sleep(Duration.ofSeconds(30));
        Map<String, Integer> mark = mark();
        Reconciler.Outcome held = reconciler.reconcile(Trigger.DRIFT);
        assertThat(held.kind()).isEqualTo(Reconciler.Kind.IN_SYNC);
        assertThat(commandsSince(mark)).doesNotContain(restart);
        assertThat(records()).hasSize(2);
        assertThat(reconciler.status()).contains("restart backed off for api-1 on app-1 (stays unhealthy: 2 restarts"
            + " in a row failed the health gate; next restart after ");
    }

    @Test
    void aPullThatKeepsFailingIsTriedLessAndLessOftenUntilANewCommit() throws Exception {
        hostsRun(v1);
        reconciler.reconcile(Trigger.POLL);
        RevCommit bump = bumpApi("1.1.0", "api 1.1.0");
        String pull = "app-1: docker pull --quiet registry:5000/shop/api:1.1.0";
        fleet.host("app-1").reply("docker image inspect ", 1, "", "Error: No such image\n");
        fleet.host("app-1").reply("docker pull ", 1, "", "Error response from daemon: manifest unknown\n");

        Reconciler.Outcome first = reconciler.reconcile(Trigger.POLL);
        assertThat(first.retrySoon()).isTrue();
        assertThat(records().get(0).result()).isEqualTo(ReconcileResult.PARTIALLY_FAILED);
        // app-2 took the new version; app-1 still runs the old one.
        CannedDocker.observes(fleet.host("app-2"), desiredAt(bump).instancesOn("app-2"), bump.name(), "running");

        time.sleep(Duration.ofSeconds(30));
        Map<String, Integer> mark = mark();
        assertThat(reconciler.reconcile(Trigger.DRIFT).kind()).isEqualTo(Reconciler.Kind.APPLIED);
        assertThat(commandsSince(mark)).contains(pull);
        assertThat(records()).hasSize(2);

        time.sleep(Duration.ofSeconds(30));
        mark = mark();
        Reconciler.Outcome waiting = reconciler.reconcile(Trigger.DRIFT);
        assertThat(waiting.kind()).isEqualTo(Reconciler.Kind.IN_SYNC);
        assertThat(waiting.retrySoon()).isFalse();
        assertThat(commandsSince(mark)).doesNotContain(pull);
        assertThat(records()).as("no record for the wait").hasSize(2);
        assertThat(reconciler.status()).contains("pull backed off for registry:5000/shop/api:1.1.0 on app-1 (pull of "
            + "registry:5000/shop/api:1.1.0 failed 2 times in a row; next attempt after ");
        assertThat(history.lastApplied()).hasValueSatisfying(a -> assertThat(a.commit()).isEqualTo(v1.name()));

        // A new commit (the tag pushed, the credentials fixed…) tries again at once.
        RevCommit again = infra.write("README.md", "# retry\n").commit("Try the pull again");
        mark = mark();
        assertThat(reconciler.reconcile(Trigger.POLL).kind()).isEqualTo(Reconciler.Kind.APPLIED);
        assertThat(commandsSince(mark)).contains(pull);
        assertThat(records().get(0).commit()).isEqualTo(again.name());
    }

    /**
     * The api on {@code host} fails its http probe with a 404 until a {@code docker restart} on
     * that host sets {@code restarted}; with no flag, a restart does not help.
     */
    private void probesFailUntilRestarted(String host, AtomicBoolean restarted) {
        RecordingHostSession session = fleet.host(host);
        session.reply(c -> c.render().startsWith("curl ") && (restarted == null || !restarted.get()),
            new CommandResult(22, "", "curl: (22) The requested URL returned error: 404\n", Duration.ofMillis(1)));
        if (restarted != null) {
            noticeRestarts(host, restarted);
        }
    }

    /** Sets {@code restarted} when {@code host} gets a {@code docker restart}. */
    private void noticeRestarts(String host, AtomicBoolean restarted) {
        fleet.host(host).reply(c -> {
            if (c.render().startsWith("docker restart ")) {
                restarted.set(true);
            }
            return false;
        }, new CommandResult(0, "", "", Duration.ZERO));
    }

    /** v1 is deployed and in sync; then app-2 reports its worker exited. Returns that container's name. */
    private String deployedThenWorkerOnApp2Exited() throws InterruptedException {
        hostsRun(v1);
        reconciler.reconcile(Trigger.POLL);
        DesiredState d = desiredAt(v1);
        fleet.host("app-2").reply(c -> c.render().equals(new DockerObserver().command().render()),
            new CommandResult(0, "20.10.24\n" + merge(
                CannedDocker.inspect(List.of(d.instance("api/app-2/1").orElseThrow()), v1.name(), "running"),
                CannedDocker.inspect(List.of(d.instance("worker/app-2/1").orElseThrow()), v1.name(), "exited")),
                "", Duration.ofMillis(1)));
        return InstanceContainers.containerName(d.instance("worker/app-2/1").orElseThrow());
    }

    /** Two inspect arrays in a row, as xargs may print them. */
    private static String merge(String a, String b) {
        return a + "\n" + b;
    }

    // ---- invalid commits ----

    @Test
    void anInvalidCommitIsRecordedOnceWithItsProblemsAndNothingRunsOnHosts() throws Exception {
        hostsRun(v1);
        reconciler.reconcile(Trigger.POLL);
        RevCommit broken = infra.edit("services/worker.yaml", "image:", "imgae:").commit("Typo in the worker");
        int calls = hostCalls();

        Reconciler.Outcome outcome = reconciler.reconcile(Trigger.POLL);

        assertThat(outcome.kind()).isEqualTo(Reconciler.Kind.INVALID);
        assertThat(hostCalls()).as("no host is even observed").isEqualTo(calls);
        assertThat(records()).singleElement().satisfies(r -> {
            assertThat(outcome.recordId()).contains(r.id());
            assertThat(r.commit()).isEqualTo(broken.name());
            assertThat(r.result()).isEqualTo(ReconcileResult.FAILED);
            assertThat(r.trigger()).isEqualTo(Trigger.POLL);
            assertThat(r.summary()).isEqualTo("invalid desired state: 1 problem; nothing applied");
            assertThat(r.error()).contains("services/worker.yaml:5:1: unknown field \"imgae\" (did you mean \"image\"?)");
            assertThat(r.steps()).isEmpty();
        });
        assertThat(reconciler.status()).isEqualTo("commit " + broken.name().substring(0, 7)
            + " is invalid (1 problem); nothing applied");

        assertThat(reconciler.reconcile(Trigger.POLL).kind()).isEqualTo(Reconciler.Kind.NOTHING_NEW);
        Reconciler.Outcome drift = reconciler.reconcile(Trigger.DRIFT);
        assertThat(drift.kind()).as("the drift check keeps the hosts on the last valid commit")
            .isEqualTo(Reconciler.Kind.IN_SYNC);
        assertThat(records()).as("recorded once").hasSize(1);
        assertThat(history.lastApplied()).hasValueSatisfying(a -> assertThat(a.commit()).isEqualTo(v1.name()));
    }

    @Test
    void anInvalidCommitIsNotRecordedAgainByARestartedOrAnotherDaemon() throws Exception {
        hostsRun(v1);
        reconciler.reconcile(Trigger.POLL);
        RevCommit broken = infra.edit("services/worker.yaml", "image:", "imgae:").commit("Typo in the worker");
        assertThat(reconciler.reconcile(Trigger.POLL).kind()).isEqualTo(Reconciler.Kind.INVALID);
        assertThat(records()).hasSize(1);

        // A fresh reconciler on the same history: a restarted daemon, or a second daemon of a cluster.
        Reconciler other = reconciler();
        Reconciler.Outcome outcome = other.reconcile(Trigger.POLL);

        assertThat(outcome.kind()).isEqualTo(Reconciler.Kind.INVALID);
        assertThat(outcome.recordId()).isEmpty();
        assertThat(records()).as("still the one record").singleElement()
            .satisfies(r -> assertThat(r.commit()).isEqualTo(broken.name()));
        assertThat(other.status()).isEqualTo("commit " + broken.name().substring(0, 7)
            + " is invalid (1 problem); nothing applied");
    }

    @Test
    void anInvalidFirstCommitAppliesNothingEvenOnADriftCheck() throws Exception {
        RevCommit broken = infra.edit("hosts.yaml", "user: deploy", "usr: deploy").commit("Break the inventory");
        Reconciler fresh = reconciler();

        assertThat(fresh.reconcile(Trigger.STARTUP).kind()).isEqualTo(Reconciler.Kind.INVALID);
        assertThat(fresh.reconcile(Trigger.DRIFT).kind()).isEqualTo(Reconciler.Kind.INVALID);

        assertThat(hostCalls()).isZero();
        assertThat(records()).singleElement().satisfies(r -> assertThat(r.commit()).isEqualTo(broken.name()));
    }

    @Test
    void withRepoVerifyOnlyCommitsSignedByATrustedKeyAreApplied() throws Exception {
        try (SigningGit signing = SigningGit.of(infra.dir(), Files.createDirectories(tmp.resolve("signing")))) {
            Path key = signing.sshKey("grace", "ed25519");
            Path signers = signing.allowedSigners("allowed_signers", "grace@example.org " + signing.publicKey(key));
            Reconciler verifying = reconciler(CommitVerifier.open(
                new CommitVerifier.Policy(List.of(), Optional.of(signers))));
            RevCommit signed = revCommit(signing.commitSsh(key, "Shop at 1.0.0, signed"));
            hostsRun(signed);
            assertThat(verifying.reconcile(Trigger.POLL).kind()).isEqualTo(Reconciler.Kind.IN_SYNC);

            RevCommit unsigned = bumpApi("1.2.0", "api 1.2.0, unsigned");
            int calls = hostCalls();
            Reconciler.Outcome outcome = verifying.reconcile(Trigger.POLL);

            assertThat(outcome.kind()).isEqualTo(Reconciler.Kind.INVALID);
            assertThat(hostCalls()).as("no host is even observed").isEqualTo(calls);
            assertThat(records()).singleElement().satisfies(r -> {
                assertThat(r.commit()).isEqualTo(unsigned.name());
                assertThat(r.result()).isEqualTo(ReconcileResult.FAILED);
                assertThat(r.summary()).isEqualTo("untrusted commit: not signed by a key of repo.verify; nothing applied");
                assertThat(r.error()).contains("commit " + unsigned.name().substring(0, 7) + " is not signed;"
                    + " repo.verify accepts only commits signed by a trusted key (SSH keys of " + signers + ")");
                assertThat(r.steps()).isEmpty();
            });
            assertThat(verifying.status()).isEqualTo("commit " + unsigned.name().substring(0, 7)
                + " is not signed by a trusted key; nothing applied");
            assertThat(verifying.reconcile(Trigger.DRIFT).kind()).as("drift checks keep the last trusted commit")
                .isEqualTo(Reconciler.Kind.IN_SYNC);
            assertThat(records()).as("recorded once").hasSize(1);

            RevCommit trusted = revCommit(signing.commitSsh(key, "api 1.2.0, signed"));
            Reconciler.Outcome deployed = verifying.reconcile(Trigger.POLL);
            assertThat(deployed.kind()).isEqualTo(Reconciler.Kind.APPLIED);
            assertThat(records().get(0).commit()).isEqualTo(trusted.name());
            assertThat(records().get(0).signedBy()).contains("grace@example.org (ED25519 key "
                + signing.fingerprint(key) + ", allowed_signers:1)");
            assertThat(records().get(1).signedBy()).as("a refusal names no signer").isEmpty();
            assertThat(fleet.host("app-1").renderedCommands()).anyMatch(c -> c.contains("shop/api:1.2.0"));
        }
    }

    private RevCommit revCommit(String id) throws IOException {
        try (org.eclipse.jgit.revwalk.RevWalk walk = new org.eclipse.jgit.revwalk.RevWalk(infra.repository())) {
            return walk.parseCommit(org.eclipse.jgit.lib.ObjectId.fromString(id));
        }
    }

    // ---- failed commits are held ----

    @Test
    void aCommitWhoseRolloutFailedIsHeldAndNotRetriedUntilANewCommit() throws Exception {
        hostsRun(v1);
        reconciler.reconcile(Trigger.POLL);
        RevCommit broken = bumpApi("1.2.0", "api 1.2.0");
        fleet.host("app-1").reply(c -> c.render().endsWith(" " + apiContainer(broken, "app-1"))
                && c.render().startsWith("docker inspect --type container --format "),
            new CommandResult(0, "exited 1 0 -\n", "", Duration.ofMillis(1)));

        Reconciler.Outcome failed = reconciler.reconcile(Trigger.POLL);

        assertThat(failed.kind()).isEqualTo(Reconciler.Kind.APPLIED);
        ReconcileRecord r = records().get(0);
        assertThat(r.result()).isEqualTo(ReconcileResult.ROLLED_BACK);
        assertThat(r.summary()).isEqualTo("rolled_back: api");
        assertThat(r.error()).contains("api: api on app-1: container " + apiContainer(broken, "app-1")
            + " exited with code 1; rolled back to what ran before");
        assertThat(history.failedCommit("api")).contains(broken.name());
        assertThat(fleet.host("app-2").renderedCommands()).noneMatch(c -> c.contains("1.2.0"));

        // The rollback put 1.0.0 back; the daemon keeps checking for drift.
        hostsRun(v1);
        var calls = mark();
        Reconciler.Outcome drift = reconciler.reconcile(Trigger.DRIFT);

        assertThat(drift.kind()).isEqualTo(Reconciler.Kind.IN_SYNC);
        assertThat(drift.summary()).isEqualTo("holding api at the last good state; rest in sync with commit "
            + broken.name().substring(0, 7));
        assertThat(commandsSince(calls)).as("only observed and probed, nothing retried")
            .allMatch(ReconcilerTest::readsOnly)
            .as("a held service is left exactly as it is: not even probed")
            .noneMatch(c -> c.startsWith("app-1: curl ") || c.startsWith("app-2: curl "));
        assertThat(reconciler.reconcile(Trigger.POLL).kind()).isEqualTo(Reconciler.Kind.NOTHING_NEW);
        assertThat(records()).hasSize(1);

        RevCommit fixed = bumpApi("1.2.1", "api 1.2.1");
        Reconciler.Outcome next = reconciler.reconcile(Trigger.POLL);

        assertThat(next.kind()).isEqualTo(Reconciler.Kind.APPLIED);
        assertThat(records().get(0).result()).isEqualTo(ReconcileResult.SUCCEEDED);
        assertThat(records().get(0).commit()).isEqualTo(fixed.name());
        assertThat(history.failedCommit("api")).isEmpty();
    }

    @Test
    void aHeldCommitStaysHeldAcrossADaemonRestart() throws Exception {
        hostsRun(v1);
        reconciler.reconcile(Trigger.POLL);
        RevCommit broken = bumpApi("1.2.0", "api 1.2.0");
        fleet.host("app-1").reply(c -> c.render().startsWith("docker inspect --type container --format ")
            && c.render().endsWith(" " + apiContainer(broken, "app-1")),
            new CommandResult(0, "exited 1 0 -\n", "", Duration.ofMillis(1)));
        reconciler.reconcile(Trigger.POLL);
        hostsRun(v1);
        var calls = mark();

        Reconciler restarted = reconciler();
        Reconciler.Outcome outcome = restarted.reconcile(Trigger.STARTUP);

        assertThat(outcome.kind()).isEqualTo(Reconciler.Kind.IN_SYNC);
        assertThat(commandsSince(calls)).allMatch(ReconcilerTest::readsOnly);
        assertThat(records()).hasSize(1);
    }

    // ---- reverts ----

    @Test
    void aRevertOfADeployedCommitIsRecordedAsReturningToTheStateBeforeIt() throws Exception {
        reconciler.reconcile(Trigger.POLL);
        hostsRun(v1);
        RevCommit v2 = bumpApi("1.1.0", "api 1.1.0");
        assertThat(reconciler.reconcile(Trigger.POLL).kind()).isEqualTo(Reconciler.Kind.APPLIED);
        hostsRun(v2);
        RevCommit revert = infra.revert(v2);

        Reconciler.Outcome outcome = reconciler.reconcile(Trigger.POLL);

        assertThat(outcome.kind()).isEqualTo(Reconciler.Kind.APPLIED);
        ReconcileRecord r = records().get(0);
        assertThat(r.commit()).isEqualTo(revert.name());
        assertThat(r.result()).isEqualTo(ReconcileResult.SUCCEEDED);
        assertThat(r.returnsTo()).contains(v1.name());
        assertThat(r.desiredDigest()).isEqualTo(desiredAt(v1).digest());
        assertThat(r.steps()).filteredOn(s -> s.action() == StepAction.REPLACE)
            .extracting(StepRecord::host, StepRecord::reason).containsExactly(
                tuple("app-1", "image 1.1.0 → 1.0.0"),
                tuple("app-2", "image 1.1.0 → 1.0.0"));
        assertThat(records()).extracting(ReconcileRecord::returnsTo)
            .containsExactly(Optional.of(v1.name()), Optional.empty(), Optional.empty());
    }

    @Test
    void revertingACommitThatWasRolledBackIsRecordedAsAReturnAndClearsTheFailure() throws Exception {
        hostsRun(v1);
        reconciler.reconcile(Trigger.STARTUP);
        reconciler.reconcile(Trigger.MANUAL); // in sync: the environment's applied commit is v1
        infra.write("deploy-note.txt", "v1 is good\n").commit("note");
        reconciler.reconcile(Trigger.POLL);
        RevCommit broken = bumpApi("1.2.0", "api 1.2.0");
        fleet.host("app-1").reply(c -> c.render().startsWith("docker inspect --type container --format ")
            && c.render().endsWith(" " + apiContainer(broken, "app-1")),
            new CommandResult(0, "exited 1 0 -\n", "", Duration.ofMillis(1)));
        reconciler.reconcile(Trigger.POLL);
        hostsRun(v1);
        RevCommit revert = infra.revert(broken);
        var calls = mark();

        Reconciler.Outcome outcome = reconciler.reconcile(Trigger.POLL);

        assertThat(outcome.kind()).isEqualTo(Reconciler.Kind.IN_SYNC);
        assertThat(commandsSince(calls)).as("the hosts already run that state").allMatch(ReconcilerTest::readsOnly);
        ReconcileRecord r = records().get(0);
        assertThat(outcome.recordId()).contains(r.id());
        assertThat(r.commit()).isEqualTo(revert.name());
        assertThat(r.result()).isEqualTo(ReconcileResult.SUCCEEDED);
        assertThat(r.summary()).isEqualTo("no host changes: api already runs this commit's state");
        assertThat(r.services()).extracting(ServiceResult::service, ServiceResult::result)
            .containsExactly(tuple("api", ServiceOutcome.SUCCEEDED));
        assertThat(history.failedCommit("api")).isEmpty();
        assertThat(history.lastApplied()).hasValueSatisfying(a -> assertThat(a.commit()).isEqualTo(revert.name()));
    }

    // ---- restarts ----

    @Test
    void aRolloutInterruptedByACrashIsMarkedAndItsInstancesVerifiedAfterRestart() throws Exception {
        hostsRun(v1);
        String api1 = apiContainer(v1, "app-1");
        // A daemon died mid-rollout: its record is still RUNNING with a step PENDING.
        ReconcileRecord dead = history.begin(new ReconcileStart(v1.name(), "Grace Hopper", "Shop at 1.0.0", Trigger.POLL,
            desiredAt(v1).digest()));
        history.beginStep(dead.id(), new StepStart("api", "app-1", "api-1", StepAction.CREATE, "no container for this "
            + "instance", Optional.empty(), Optional.of("sha256:x"), Optional.empty(), Optional.of("registry:5000/shop/api:1.0.0")));

        Reconciler restarted = reconciler();
        List<ReconcileRecord> interrupted = restarted.recoverInterrupted();

        assertThat(interrupted).singleElement().satisfies(r -> {
            assertThat(r.id()).isEqualTo(dead.id());
            assertThat(r.result()).isEqualTo(ReconcileResult.INTERRUPTED);
            assertThat(r.steps()).extracting(StepRecord::outcome).containsExactly(StepOutcome.INTERRUPTED);
        });
        var calls = mark();

        Reconciler.Outcome outcome = restarted.reconcile(Trigger.STARTUP);

        assertThat(outcome.kind()).isEqualTo(Reconciler.Kind.APPLIED);
        assertThat(commandsSince(calls)).as("the instance the dead rollout started is gated before it is trusted")
            .contains("app-1: docker inspect --type container --format '{{.State.Status}} {{.State.ExitCode}} "
                + "{{.RestartCount}} {{if .State.Health}}{{.State.Health.Status}}{{else}}-{{end}}"
                + "{{range .NetworkSettings.Networks}} {{.IPAddress}}{{end}}' " + api1)
            .noneMatch(c -> c.startsWith("app-2: docker inspect --type container"));
        assertThat(records()).extracting(ReconcileRecord::result)
            .containsExactly(ReconcileResult.SUCCEEDED, ReconcileResult.INTERRUPTED);

        assertThat(restarted.reconcile(Trigger.POLL).kind()).as("verified once").isEqualTo(Reconciler.Kind.NOTHING_NEW);
    }

    /**
     * An instance a dead rollout left unverified that the next reconcile replaces anyway (a newer
     * commit) is gated by that replace: no later poll verifies it again, nor records anything.
     */
    @Test
    void anInterruptedInstanceReplacedByTheNextReconcileIsNotVerifiedAgain() throws Exception {
        hostsRun(v1);
        ReconcileRecord dead = history.begin(new ReconcileStart(v1.name(), "Grace Hopper", "Shop at 1.0.0", Trigger.POLL,
            desiredAt(v1).digest()));
        history.beginStep(dead.id(), new StepStart("api", "app-1", "api-1", StepAction.CREATE, "no container for this "
            + "instance", Optional.empty(), Optional.of("sha256:x"), Optional.empty(), Optional.of("registry:5000/shop/api:1.0.0")));
        Reconciler restarted = reconciler();
        restarted.recoverInterrupted();
        RevCommit v2 = bumpApi("1.1.0", "api 1.1.0");

        assertThat(restarted.reconcile(Trigger.POLL).kind()).isEqualTo(Reconciler.Kind.APPLIED);
        hostsRun(v2);
        int records = records().size();
        int calls = hostCalls();

        assertThat(restarted.reconcile(Trigger.POLL).kind()).isEqualTo(Reconciler.Kind.NOTHING_NEW);
        assertThat(hostCalls()).as("an idle poll observes no host").isEqualTo(calls);
        assertThat(records()).hasSize(records);
    }

    @Test
    void historyOlderThanTheRetentionIsPrunedAndTheEnvironmentStateKept() throws Exception {
        hostsRun(v1);
        RevCommit broken = bumpApi("1.2.0", "api 1.2.0");
        fleet.host("app-1").reply(c -> c.render().startsWith("docker inspect --type container --format ")
            && c.render().endsWith(" " + apiContainer(broken, "app-1")),
            new CommandResult(0, "exited 1 0 -\n", "", Duration.ofMillis(1)));
        reconciler.reconcile(Trigger.POLL);
        time.sleep(Duration.ofDays(40));
        RevCommit later = bumpApi("1.3.0", "api 1.3.0");
        reconciler.reconcile(Trigger.POLL);
        assertThat(records()).hasSize(2);
        time.sleep(Duration.ofDays(1));

        int deleted = reconciler.pruneHistory(Duration.ofDays(30));

        assertThat(deleted).isEqualTo(1);
        assertThat(records()).singleElement().satisfies(r -> assertThat(r.commit()).isEqualTo(later.name()));
        assertThat(history.lastApplied()).hasValueSatisfying(a -> assertThat(a.commit()).isEqualTo(later.name()));
        assertThat(reconciler.pruneHistory(Duration.ofDays(30))).isZero();
    }

    @Test
    void theDaemonPrunesHistoryAfterItsDriftChecksButNotAfterPolls() throws Exception {
        reconciler.reconcile(Trigger.STARTUP);
        hostsRun(v1);
        time.sleep(Duration.ofDays(31));
        Properties quartz = new Properties();
        quartz.setProperty("org.quartz.scheduler.instanceName", "runner-test-" + System.nanoTime());
        quartz.setProperty("org.quartz.jobStore.class", "org.quartz.simpl.RAMJobStore");
        quartz.setProperty("org.quartz.threadPool.threadCount", "1");
        quartz.setProperty("org.quartz.scheduler.skipUpdateCheck", "true");
        Scheduler scheduler = new StdSchedulerFactory(quartz).getScheduler();
        try {
            Daemon.Runner runner = new Daemon.Runner(reconciler, Duration.ofSeconds(30), Optional.of(Duration.ofDays(30)));

            runner.run(Trigger.POLL, scheduler);
            assertThat(records()).hasSize(1);

            runner.run(Trigger.DRIFT, scheduler);
            assertThat(records()).isEmpty();
            assertThat(history.lastApplied()).hasValueSatisfying(a -> assertThat(a.commit()).isEqualTo(v1.name()));
        } finally {
            scheduler.shutdown();
        }
    }

    @Test
    void aRepoThatCannotBeReadBeforeAnyRevisionIsASourceErrorRetriedSoon() throws Exception {
        try (GitSource missing = GitSource.open(GitSourceSettings.of(tmp.resolve("no-such-repo").toString(),
                tmp.resolve("state/git-missing")))) {
            Reconciler r = new Reconciler(Optional.empty(), missing, CommitVerifier.NONE,
                new DesiredStateLoader(KeyRing.builder().ageIdentityFile(DEMO_KEY).build()), fleet,
                new Observer(fleet, new DockerObserver(), Duration.ofSeconds(20)),
                new Applier(fleet, new HealthGate(time, time, Duration.ofSeconds(20)),
                    Applier.Settings.defaults(Duration.ofSeconds(20)), time), history, Metrics.NONE, time,
            RepairBackoff.after(Duration.ofSeconds(30)));

            Reconciler.Outcome outcome = r.reconcile(Trigger.STARTUP);

            assertThat(outcome.kind()).isEqualTo(Reconciler.Kind.SOURCE_ERROR);
            assertThat(outcome.retrySoon()).isTrue();
            assertThat(outcome.summary()).contains("no-such-repo");
            assertThat(r.status()).startsWith("source error: ");
            assertThat(hostCalls()).isZero();
            assertThat(records()).isEmpty();
        }
    }

    @Test
    void aRepoThatBecomesUnreadableKeepsTheHostsOnTheLastGoodRevision() throws Exception {
        hostsRun(v1);
        reconciler.reconcile(Trigger.STARTUP);
        DesiredState d = desiredAt(v1);
        try (var files = Files.walk(infra.dir())) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
        CannedDocker.observes(fleet.host("db-1"), List.of(), v1.name(), "running"); // store removed by hand

        assertThat(reconciler.reconcile(Trigger.POLL).kind()).as("a poll cannot tell a new commit")
            .isEqualTo(Reconciler.Kind.NOTHING_NEW);
        Reconciler.Outcome drift = reconciler.reconcile(Trigger.DRIFT);

        assertThat(drift.kind()).isEqualTo(Reconciler.Kind.APPLIED);
        assertThat(fleet.host("db-1").renderedCommands()).anyMatch(c -> c.startsWith("docker run --detach --name "
            + InstanceContainers.containerName(d.instance("store/db-1/1").orElseThrow()) + " "));
        assertThat(records().get(0).commit()).isEqualTo(v1.name());
    }

    @Test
    void aStopRequestEndsReconcilingAtOnce() throws Exception {
        reconciler.requestStop();

        assertThat(reconciler.reconcile(Trigger.POLL)).isEqualTo(new Reconciler.Outcome(Reconciler.Kind.NOTHING_NEW,
            false, "stopping", Optional.empty()));
        assertThat(hostCalls()).isZero();
    }

    @Test
    void anUnreachableHostLeavesTheReconcileIncompleteAndAsksForARetry() throws Exception {
        fleet.host("db-1").failEverything(HostFailure.Kind.UNREACHABLE,
            "host db-1 is unreachable: connection refused");

        Reconciler.Outcome outcome = reconciler.reconcile(Trigger.POLL);

        assertThat(outcome.kind()).isEqualTo(Reconciler.Kind.APPLIED);
        assertThat(outcome.retrySoon()).isTrue();
        ReconcileRecord r = records().get(0);
        assertThat(r.result()).isEqualTo(ReconcileResult.PARTIALLY_FAILED);
        assertThat(r.summary()).isEqualTo("succeeded: api, worker; unreachable: db-1");
        assertThat(history.lastApplied()).isEmpty();
    }

    @Test
    void withPlacementFailoverAnInstanceOfASilentHostIsPlacedOnTheNextInLineUntilItAnswersAgain() throws Exception {
        RevCommit one = infra.edit("services/worker.yaml", "  selector: {role: app}\n",
            "  selector: {role: app}\n  count: 1\n  failover: 2m\n").commit("One worker in all, failing over after 2m");
        dev.driftless.reconciler.metrics.MicrometerMetrics metrics = new dev.driftless.reconciler.metrics.MicrometerMetrics(
            "default");
        reconciler = reconciler(CommitVerifier.NONE, Departures.GIVE_UP, metrics);
        DesiredState desired = desiredAt(one);
        hostsRun(one);
        assertThat(reconciler.reconcile(Trigger.POLL).kind()).isEqualTo(Reconciler.Kind.IN_SYNC);
        Instance worker = desired.instancesOf("worker").getFirst();
        String chosen = worker.host().name();
        String next = chosen.equals("app-1") ? "app-2" : "app-1";
        java.time.Instant silentSince = time.instant();
        List<dev.driftless.reconciler.observe.HostSilence> told = new java.util.concurrent.CopyOnWriteArrayList<>();
        reconciler.onHostSilence(told::add);
        fleet.host(chosen).failEverything(HostFailure.Kind.UNREACHABLE, "host " + chosen + " is unreachable: no route");

        reconciler.reconcile(Trigger.DRIFT);
        time.sleep(Duration.ofSeconds(119));
        reconciler.reconcile(Trigger.DRIFT);
        assertThat(records()).flatExtracting(ReconcileRecord::steps).as("not yet: 1m59s of 2m").isEmpty();
        assertThat(history.silentHosts()).containsExactly(java.util.Map.entry(chosen, silentSince));
        assertThat(told).as("told once, not at every reconcile it stays silent").containsExactly(
            dev.driftless.reconciler.observe.HostSilence.began(chosen, silentSince, "host " + chosen
                + " is unreachable: no route"));

        // The silence is kept in the history: a restarted daemon (or the next lease holder) goes on
        // counting, and does not tell it again.
        reconciler = reconciler(CommitVerifier.NONE, Departures.GIVE_UP, metrics);
        reconciler.onHostSilence(told::add);
        time.sleep(Duration.ofSeconds(1));
        assertThat(reconciler.reconcile(Trigger.DRIFT).kind()).isEqualTo(Reconciler.Kind.APPLIED);
        ReconcileRecord moved = records().get(0);
        assertThat(moved.steps()).extracting(st -> st.action() + " " + st.service() + " " + st.host() + ": " + st.reason())
            .containsExactly("CREATE worker " + next + ": placed on " + next + " while " + chosen + " does not answer"
                + " (since " + silentSince + "; placement.failover 2m)");
        assertThat(moved.steps().getFirst().outcome()).isEqualTo(StepOutcome.SUCCEEDED);
        assertThat(metrics.scrape()).contains("driftless_failover_instances{environment=\"default\"} 1.0");

        // The stand-in runs; the host answers again, still running its own: the stand-in goes.
        Instance standIn = new Instance("worker/" + next + "/1", worker.name(), worker.service(),
            desired.hosts().get(next), 1, worker.inputs(), worker.fingerprint());
        List<Instance> both = new java.util.ArrayList<>(desired.instances());
        both.add(standIn);
        CannedDocker.running(fleet, new DesiredState(desired.environment(), desired.hosts(), desired.services(), both),
            one.name());
        fleet.host(chosen).answersAgain();
        assertThat(reconciler.reconcile(Trigger.DRIFT).kind()).isEqualTo(Reconciler.Kind.APPLIED);
        assertThat(records().get(0).steps()).extracting(st -> st.action() + " " + st.service() + " " + st.host())
            .containsExactly("REMOVE worker " + next);
        assertThat(metrics.scrape()).contains("driftless_failover_instances{environment=\"default\"} 0.0");
        assertThat(history.silentHosts()).isEmpty();
        assertThat(told).hasSize(2).last().satisfies(back -> {
            assertThat(back.host()).isEqualTo(chosen);
            assertThat(back.since()).isEqualTo(silentSince);
            assertThat(back.answeredAt()).hasValueSatisfying(at -> assertThat(at).isAfter(silentSince.plusSeconds(119)));
        });
    }

    @Test
    void aRefusedHostKeyIsToldOnceUntilItChangesOrTheHostIsTrustedAgain() throws Exception {
        List<String> told = new java.util.concurrent.CopyOnWriteArrayList<>();
        reconciler.onHostKeyRefused(u -> told.add(u.host() + " " + u.kind() + ": " + u.reason()));
        hostsRun(v1);
        reconciler.reconcile(Trigger.POLL);
        String changed = "host db-1 (10.0.2.21:22) offered host key SHA256:evil (ED25519), but it is pinned to SHA256:good";
        fleet.host("db-1").failEverything(HostFailure.Kind.HOST_KEY_CHANGED, changed);

        reconciler.reconcile(Trigger.DRIFT);
        reconciler.reconcile(Trigger.DRIFT);
        assertThat(told).as("once, not at every drift check").containsExactly("db-1 HOST_KEY_CHANGED: " + changed);

        fleet.host("db-1").answersAgain().failEverything(HostFailure.Kind.HOST_KEY_CHANGED, changed + " (another)");
        reconciler.reconcile(Trigger.DRIFT);
        assertThat(told).as("another key offered").hasSize(2);

        fleet.host("db-1").answersAgain();
        reconciler.reconcile(Trigger.DRIFT);
        fleet.host("db-1").failEverything(HostFailure.Kind.HOST_KEY_CHANGED, changed);
        reconciler.reconcile(Trigger.DRIFT);
        assertThat(told).as("again after the host was trusted meanwhile").hasSize(3);
        fleet.host("db-1").answersAgain().failEverything(HostFailure.Kind.UNREACHABLE, "host db-1 is unreachable");
        reconciler.reconcile(Trigger.DRIFT);
        assertThat(told).as("an unreachable host is no refusal").hasSize(3);
    }

    // ---- hosts leaving the inventory ----

    private static final String APP_2 = "  app-2:\n    address: 10.0.1.12\n    labels: {role: app, zone: b}\n";

    /** The container name of {@code service}'s instance on app-2 as of {@code commit}. */
    private String app2Container(RevCommit commit, String service) {
        return InstanceContainers.containerName(desiredAt(commit).instance(service + "/app-2/1").orElseThrow());
    }

    @Test
    void aHostRemovedFromTheInventoryHasItsContainersRemovedOnceAndIsThenForgotten() throws Exception {
        hostsRun(v1);
        reconciler.reconcile(Trigger.POLL);
        String api = app2Container(v1, "api");
        String worker = app2Container(v1, "worker");
        RevCommit shrink = infra.edit("hosts.yaml", APP_2, "").commit("Decommission app-2");
        Map<String, Integer> mark = mark();

        Reconciler.Outcome outcome = reconciler.reconcile(Trigger.POLL);

        assertThat(outcome.kind()).isEqualTo(Reconciler.Kind.APPLIED);
        // Each with its service's grace period (the example's worker drains for up to 30 s).
        assertThat(commandsSince(mark)).contains(
            "app-2: rm -f -- .driftless/container-files/" + api + ".sha256; docker stop --time 10 " + api + " > /dev/null 2> /dev/null; docker rm --force " + api,
            "app-2: rm -f -- .driftless/container-files/" + worker + ".sha256; docker stop --time 30 " + worker + " > /dev/null 2> /dev/null; docker rm --force " + worker);
        ReconcileRecord r = records().get(0);
        assertThat(r.result()).isEqualTo(ReconcileResult.SUCCEEDED);
        assertThat(r.steps()).extracting(s -> s.action() + " " + s.service() + " " + s.host() + ": " + s.reason())
            .containsExactlyInAnyOrder(
                "REMOVE api app-2: not in desired state (host app-2 left the inventory)",
                "REMOVE worker app-2: not in desired state (host app-2 left the inventory)");
        assertThat(history.lastApplied()).hasValueSatisfying(a -> assertThat(a.commit()).isEqualTo(shrink.name()));

        // Applied: app-2 is no longer anyone's business, not even observed.
        int app2Calls = fleet.host("app-2").calls().size();
        assertThat(reconciler.reconcile(Trigger.DRIFT).kind()).isEqualTo(Reconciler.Kind.IN_SYNC);
        assertThat(fleet.host("app-2").calls()).hasSize(app2Calls);
    }

    @Test
    void aRenamedHostIsNotARemovedOne() throws Exception {
        hostsRun(v1);
        reconciler.reconcile(Trigger.POLL);
        infra.edit("hosts.yaml", "  app-2:\n", "  app-2b:\n").commit("app-2 is now app-2b");
        CannedDocker.observes(fleet.host("app-2b"), List.of(), "-", "running");
        Map<String, Integer> mark = mark();

        reconciler.reconcile(Trigger.POLL);

        assertThat(commandsSince(mark)).noneMatch(c -> c.startsWith("app-2: docker rm"));
        assertThat(fleet.host("app-2").calls().size()).as("not even observed").isEqualTo(mark.get("app-2"));
    }

    @Test
    void aHostRemovedWhileItIsDownIsRememberedAndCleanedUpAtTheFirstDriftCheckItAnswers() throws Exception {
        hostsRun(v1);
        reconciler.reconcile(Trigger.POLL);
        DesiredState before = desiredAt(v1);
        String api = app2Container(v1, "api");
        infra.edit("hosts.yaml", APP_2, "").commit("Decommission app-2");
        fleet.host("app-2").failEverything(HostFailure.Kind.UNREACHABLE, "host app-2 is unreachable: no route");

        assertThat(reconciler.reconcile(Trigger.POLL).kind()).isEqualTo(Reconciler.Kind.IN_SYNC);
        assertThat(history.departedHosts()).containsOnlyKeys("app-2");
        DepartedHost remembered = history.departedHosts().get("app-2");
        assertThat(remembered.inventoryCommit()).isEqualTo(v1.name());
        assertThat(remembered.lastError()).contains("host app-2 is unreachable: no route");

        // A later deploy does not wait for it; the drift checks try it.
        RevCommit later = infra.edit("services/api.yaml", "LOG_LEVEL: info", "LOG_LEVEL: debug").commit("api debug");
        int app2Calls = fleet.host("app-2").calls().size();
        reconciler.reconcile(Trigger.POLL);
        assertThat(fleet.host("app-2").calls()).as("a deploy leaves app-2 to the drift checks").hasSize(app2Calls);
        assertThat(history.lastApplied()).hasValueSatisfying(a -> assertThat(a.commit()).isEqualTo(later.name()));
        hostsRun(later);
        fleet.host("app-2").failEverything(HostFailure.Kind.UNREACHABLE, "host app-2 is unreachable: no route");
        time.sleep(Duration.ofMinutes(5));
        reconciler.reconcile(Trigger.DRIFT);
        assertThat(fleet.host("app-2").calls().size()).as("the drift check tried it").isGreaterThan(app2Calls);
        assertThat(history.departedHosts().get("app-2").since()).as("since the first try").isEqualTo(remembered.since());

        // It answers again, still running v1's containers: the next drift check removes them.
        fleet.host("app-2").answersAgain();
        CannedDocker.observes(fleet.host("app-2"), before.instancesOn("app-2"), v1.name(), "running");
        Map<String, Integer> mark = mark();
        assertThat(reconciler.reconcile(Trigger.DRIFT).kind()).isEqualTo(Reconciler.Kind.APPLIED);
        assertThat(commandsSince(mark)).contains("app-2: rm -f -- .driftless/container-files/" + api + ".sha256; docker stop --time 10 " + api + " > /dev/null 2> /dev/null; docker rm --force " + api);
        assertThat(records().get(0).steps()).extracting(s -> s.action() + " " + s.host() + ": " + s.reason())
            .containsOnly("REMOVE app-2: not in desired state (host app-2 left the inventory)");
        assertThat(history.departedHosts()).as("until a check finds nothing left").containsOnlyKeys("app-2");

        CannedDocker.observes(fleet.host("app-2"), List.of(), "-", "running");
        reconciler.reconcile(Trigger.DRIFT);
        assertThat(history.departedHosts()).isEmpty();
        int calls = fleet.host("app-2").calls().size();
        reconciler.reconcile(Trigger.DRIFT);
        assertThat(fleet.host("app-2").calls()).as("forgotten: not even observed").hasSize(calls);
    }

    /** Deployed everywhere, then app-2 leaves the inventory while it does not answer: remembered as departed. */
    private void app2DepartsSilently() throws Exception {
        hostsRun(v1);
        reconciler.reconcile(Trigger.POLL);
        infra.edit("hosts.yaml", APP_2, "").commit("Decommission app-2");
        fleet.host("app-2").failEverything(HostFailure.Kind.UNREACHABLE, "host app-2 is unreachable: no route");
        reconciler.reconcile(Trigger.POLL);
        assertThat(history.departedHosts()).containsOnlyKeys("app-2");
    }

    @Test
    void intervalsDepartedSetsHowLongASilentDepartedHostIsTriedAndGivingUpIsTold() throws Exception {
        reconciler = reconciler(CommitVerifier.NONE, Duration.ofDays(2));
        Map<String, DepartedHost> told = new java.util.concurrent.ConcurrentHashMap<>();
        reconciler.onHostAbandoned(told::put);
        app2DepartsSilently();
        java.time.Instant departed = history.departedHosts().get("app-2").since();

        time.sleep(Duration.ofDays(1));
        reconciler.reconcile(Trigger.DRIFT);
        assertThat(told).as("still tried").isEmpty();
        time.sleep(Duration.ofDays(1).plusHours(1));
        reconciler.reconcile(Trigger.DRIFT);
        assertThat(history.departedHosts()).as("given up after 2 days").isEmpty();
        assertThat(told).containsOnlyKeys("app-2");
        assertThat(told.get("app-2").since()).isEqualTo(departed);
        assertThat(told.get("app-2").inventoryCommit()).as("the last commit that listed it").isEqualTo(v1.name());
        assertThat(told.get("app-2").lastError()).hasValueSatisfying(e -> assertThat(e).contains("no route"));
    }

    @Test
    void aDepartedHostSilentForThirtyDaysIsForgottenAndOneBackInTheInventoryIsManagedAgain() throws Exception {
        app2DepartsSilently();

        time.sleep(Departures.GIVE_UP.minusHours(1));
        reconciler.reconcile(Trigger.DRIFT);
        assertThat(history.departedHosts()).as("29 days and 23 hours").containsOnlyKeys("app-2");
        time.sleep(Duration.ofHours(2));
        reconciler.reconcile(Trigger.DRIFT);
        assertThat(history.departedHosts()).as("given up after 30 days").isEmpty();

        // Remembered again, then put back into the inventory: no longer departed.
        infra.edit("hosts.yaml", "  app-1:\n", APP_2 + "  app-1:\n").commit("app-2 is back");
        reconciler.reconcile(Trigger.POLL);
        history.replaceDepartedHosts(Map.of("app-2", new DepartedHost(v1.name(), time.instant(), Optional.empty())));
        reconciler.reconcile(Trigger.DRIFT);
        assertThat(history.departedHosts()).isEmpty();
    }

    @Test
    void aRemovedHostThatNoLongerAnswersIsTakenToBeGone() throws Exception {
        hostsRun(v1);
        reconciler.reconcile(Trigger.POLL);
        RevCommit shrink = infra.edit("hosts.yaml", APP_2, "").commit("Decommission app-2");
        fleet.host("app-2").failEverything(HostFailure.Kind.UNREACHABLE, "host app-2 is unreachable: no route");

        Reconciler.Outcome outcome = reconciler.reconcile(Trigger.POLL);

        assertThat(outcome.retrySoon()).as("a host gone for good is not retried for ever").isFalse();
        assertThat(outcome.kind()).isEqualTo(Reconciler.Kind.IN_SYNC);
        assertThat(history.lastApplied()).hasValueSatisfying(a -> assertThat(a.commit()).isEqualTo(shrink.name()));
    }
}
