package dev.driftless.reconciler.history;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What every history database must do, run against H2 ({@link H2HistoryStoreTest}) and a real
 * PostgreSQL server ({@link PostgresHistoryStoreIT}). Each test gets an empty database.
 */
abstract class HistoryStoreContract {

    static final String ENV = "prod";
    static final String A = "a".repeat(40);
    static final String B = "b".repeat(40);
    static final String C = "c".repeat(40);
    static final String D = "d".repeat(40);
    static final String E = "e".repeat(40);

    /** An empty database of the kind under test. */
    abstract HistorySettings freshDatabase() throws Exception;

    /** The history migrations this kind of database gets, in order. */
    abstract List<String> expectedMigrations();

    /**
     * Whether a daemon can lose the reconcile lease while it lives (PostgreSQL: its session ends)
     * and so may still run a RUNNING reconcile another daemon finds; not on an H2 file, whose
     * lease is a lock its process holds until it dies.
     */
    abstract boolean leaseCanBeLostAlive();

    protected final TestClock clock = TestClock.at("2025-03-01T10:00:00Z");
    protected HistorySettings settings;
    private final List<HistoryStore> opened = new ArrayList<>();

    @BeforeEach
    void freshDatabaseForEachTest() throws Exception {
        settings = freshDatabase();
    }

    @AfterEach
    void closeStores() {
        opened.forEach(HistoryStore::close);
    }

    HistoryStore open() {
        return open(ENV);
    }

    HistoryStore open(String environment) {
        HistoryStore store = HistoryStore.open(settings, environment, clock);
        opened.add(store);
        return store;
    }

    static ReconcileStart start(String commit, String digest) {
        return new ReconcileStart(commit, "Alice <alice@example.com>", "Deploy " + commit.charAt(0) + "\n\nbody",
            Trigger.POLL, digest);
    }

    static StepStart step(String service, String host, String instance, StepAction action,
                          String fromFp, String toFp, String toImage) {
        return new StepStart(service, host, instance, action, action.name().toLowerCase() + " " + instance,
            Optional.ofNullable(fromFp), Optional.ofNullable(toFp), Optional.empty(), Optional.ofNullable(toImage));
    }

    /** A whole successful reconcile: begin, one succeeded step per given step, complete. */
    ReconcileRecord deploy(HistoryStore store, String commit, String digest, StepStart... steps) {
        return finish(store, commit, digest, ReconcileResult.SUCCEEDED, steps);
    }

    ReconcileRecord finish(HistoryStore store, String commit, String digest, ReconcileResult result,
                           StepStart... steps) {
        ReconcileRecord r = store.begin(start(commit, digest));
        for (StepStart s : steps) {
            long id = store.beginStep(r.id(), s);
            clock.advance(Duration.ofSeconds(2));
            store.completeStep(id, StepOutcome.SUCCEEDED, Optional.empty());
        }
        clock.advance(Duration.ofSeconds(1));
        return store.complete(r.id(), result, "done", Optional.empty());
    }

    // ---------------------------------------------------------------- write-ahead round trip

    @Test
    void noDaemonRunsClusteredSoTheClusterHasNoMembers() {
        assertThat(open().clusterMembers()).isEmpty();
    }

    @Test
    void aReconcileLeaseIsGrantedAndGivenBackAgain() {
        HistoryStore store = open();
        ReconcileLease lease = store.tryLease().orElseThrow();
        lease.close();
        lease.close();
        try (ReconcileLease again = store.tryLease().orElseThrow()) {
            assertThat(again).isNotNull();
        }
    }

    @Test
    void beginStepCompleteRoundTripKeepsEverything() {
        HistoryStore store = open();
        Instant t0 = clock.instant();
        ReconcileRecord begun = store.begin(new ReconcileStart(A, "Alice <alice@example.com>",
            "Bump api to 1.1.0\n\nLonger explanation", Trigger.MANUAL, "sha256:d1",
            Optional.of("alice@example.com (ED25519 key SHA256:q8Tm, allowed_signers:2)")));

        assertThat(begun.result()).isEqualTo(ReconcileResult.RUNNING);
        assertThat(begun.environment()).isEqualTo(ENV);
        assertThat(begun.message()).isEqualTo("Bump api to 1.1.0");
        assertThat(begun.startedAt()).isEqualTo(t0);
        assertThat(begun.endedAt()).isEmpty();
        assertThat(begun.returnsTo()).isEmpty();
        assertThat(begun.signedBy()).contains("alice@example.com (ED25519 key SHA256:q8Tm, allowed_signers:2)");

        long stepId = store.beginStep(begun.id(), new StepStart("api", "app-1", "api-1", StepAction.REPLACE,
            "image 1.0.0 → 1.1.0", Optional.of("fp-old"), Optional.of("fp-new"),
            Optional.of("registry:5000/api:1.0.0"), Optional.of("registry:5000/api:1.1.0")));
        assertThat(store.get(begun.id()).orElseThrow().steps()).singleElement()
            .satisfies(s -> assertThat(s.outcome()).isEqualTo(StepOutcome.PENDING));

        clock.advance(Duration.ofMillis(4200));
        store.completeStep(stepId, StepOutcome.SUCCEEDED, Optional.of("healthy after 3 probes"));
        store.recordServiceResult(begun.id(), "api", ServiceOutcome.SUCCEEDED, "1 instance replaced");
        clock.advance(Duration.ofSeconds(1));
        ReconcileRecord done = store.complete(begun.id(), ReconcileResult.SUCCEEDED, "api: 1 replaced",
            Optional.empty());

        assertThat(done.result()).isEqualTo(ReconcileResult.SUCCEEDED);
        assertThat(done.duration()).contains(Duration.ofMillis(5200));
        assertThat(done.summary()).isEqualTo("api: 1 replaced");
        assertThat(done.trigger()).isEqualTo(Trigger.MANUAL);
        assertThat(done.desiredDigest()).isEqualTo("sha256:d1");
        assertThat(done.services()).singleElement().satisfies(s -> {
            assertThat(s.service()).isEqualTo("api");
            assertThat(s.result()).isEqualTo(ServiceOutcome.SUCCEEDED);
        });
        StepRecord step = done.steps().getFirst();
        assertThat(step.id()).isEqualTo(stepId);
        assertThat(step.outcome()).isEqualTo(StepOutcome.SUCCEEDED);
        assertThat(step.duration()).contains(Duration.ofMillis(4200));
        assertThat(step.reason()).isEqualTo("image 1.0.0 → 1.1.0");
        assertThat(step.fromFingerprint()).contains("fp-old");
        assertThat(step.toImage()).contains("registry:5000/api:1.1.0");
        assertThat(step.message()).contains("healthy after 3 probes");
        assertThat(store.get(begun.id())).contains(done);
        assertThat(store.lastApplied()).hasValueSatisfying(a -> {
            assertThat(a.commit()).isEqualTo(A);
            assertThat(a.reconcileId()).contains(begun.id());
        });
        assertThat(store.begin(start(B, "sha256:d2")).signedBy()).as("signatures not checked").isEmpty();
    }

    @Test
    void beginAndStepsAreCommittedBeforeTheEngineTouchesAHost() {
        HistoryStore writer = open();
        HistoryStore reader = open();
        ReconcileRecord r = writer.begin(start(A, "d1"));
        writer.beginStep(r.id(), step("api", "app-1", "api-1", StepAction.CREATE, null, "fp1", "api:1"));

        ReconcileRecord seen = reader.get(r.id()).orElseThrow();
        assertThat(seen.result()).isEqualTo(ReconcileResult.RUNNING);
        assertThat(seen.steps()).extracting(StepRecord::outcome).containsExactly(StepOutcome.PENDING);
        assertThat(reader.lastAttempted()).hasValueSatisfying(a -> assertThat(a.commit()).isEqualTo(A));
        assertThat(reader.lastApplied()).isEmpty();
    }

    @Test
    void runningRecordLeftByACrashBecomesInterruptedWithItsSteps() {
        // The first store's pool is abandoned without close(), as a killed daemon leaves it.
        HistoryStore crashed = HistoryStore.open(settings, ENV, clock);
        try {
            ReconcileRecord r = crashed.begin(start(A, "d1"));
            long done = crashed.beginStep(r.id(), step("api", "app-1", "api-1", StepAction.REPLACE, "f0", "f1", "api:2"));
            clock.advance(Duration.ofSeconds(3));
            crashed.completeStep(done, StepOutcome.SUCCEEDED, Optional.empty());
            clock.advance(Duration.ofSeconds(1));
            crashed.beginStep(r.id(), step("api", "app-2", "api-1", StepAction.REPLACE, "f0", "f1", "api:2"));
            Instant lastSignOfLife = clock.instant();

            clock.advance(Duration.ofMinutes(10));
            HistoryStore restarted = open();
            List<ReconcileRecord> interrupted = restarted.markInterrupted();

            assertThat(interrupted).singleElement().satisfies(i -> {
                assertThat(i.id()).isEqualTo(r.id());
                assertThat(i.result()).isEqualTo(ReconcileResult.INTERRUPTED);
                assertThat(i.endedAt()).contains(lastSignOfLife);
                assertThat(i.summary()).startsWith("interrupted");
                assertThat(i.steps()).extracting(StepRecord::host, StepRecord::outcome).containsExactly(
                    org.assertj.core.groups.Tuple.tuple("app-1", StepOutcome.SUCCEEDED),
                    org.assertj.core.groups.Tuple.tuple("app-2", StepOutcome.INTERRUPTED));
            });
            assertThat(restarted.get(r.id()).orElseThrow().result()).isEqualTo(ReconcileResult.INTERRUPTED);
            assertThat(restarted.markInterrupted()).isEmpty();
            assertThatThrownBy(() -> crashed.complete(r.id(), ReconcileResult.SUCCEEDED, "late", Optional.empty()))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("INTERRUPTED");
        } finally {
            crashed.close();
        }
    }

    @Test
    void aRunningReconcileIsAbandonedOnlyWhenItsDaemonCannotBeAtWorkAnyMore() {
        HistoryStore owner = open();
        ReconcileRecord r = owner.begin(start(A, "d1"));
        assertThat(r.daemon()).as("the daemon running it, as its database sessions are named")
            .hasValueSatisfying(d -> assertThat(d).matches("driftless \\S+ pid " + ProcessHandle.current().pid()));
        clock.advance(Duration.ofSeconds(25));
        owner.heartbeat(r.id());
        Instant beat = clock.instant();
        clock.advance(Duration.ofSeconds(25));
        HistoryStore other = open();

        if (leaseCanBeLostAlive()) {
            assertThat(other.markInterrupted()).as("its daemon beat 25 s ago").isEmpty();
            assertThat(other.runningReconciles()).singleElement().satisfies(x -> {
                assertThat(x.id()).isEqualTo(r.id());
                assertThat(x.commit()).isEqualTo(A);
                assertThat(x.owner()).hasValueSatisfying(o -> assertThat(o)
                    .matches("driftless \\S+ pid " + ProcessHandle.current().pid()));
                assertThat(x.lastSignOfLife()).isEqualTo(beat);
            });
            ReconcileRecord next = other.begin(start(B, "d2"));
            assertThat(other.get(r.id()).orElseThrow().result()).as("nor does begin interrupt it")
                .isEqualTo(ReconcileResult.RUNNING);
            other.complete(next.id(), ReconcileResult.SUCCEEDED, "done", Optional.empty());
            clock.advance(other.abandonAfter().minusSeconds(25).plusSeconds(1));
        } else {
            assertThat(other.runningReconciles()).as("its daemon died: the asker holds its lease").isEmpty();
        }

        assertThat(other.runningReconciles()).isEmpty();
        assertThat(other.markInterrupted()).singleElement().satisfies(x -> {
            assertThat(x.id()).isEqualTo(r.id());
            assertThat(x.result()).isEqualTo(ReconcileResult.INTERRUPTED);
            assertThat(x.endedAt()).as("its last heartbeat").contains(beat);
        });
        owner.heartbeat(r.id());
        assertThat(other.get(r.id()).orElseThrow().result()).as("a late beat changes nothing")
            .isEqualTo(ReconcileResult.INTERRUPTED);
    }

    @Test
    void aLongerAbandonAfterWaitsLongerForADaemonThatMayStillBeAtWork() {
        HistoryStore owner = open();
        ReconcileRecord r = owner.begin(start(A, "d1"));
        HistoryStore patient = HistoryStore.open(settings.withAbandonAfter(Duration.ofMinutes(2)), ENV, clock);
        opened.add(patient);
        assertThat(patient.abandonAfter()).isEqualTo(Duration.ofMinutes(2));
        assertThat(patient.heartbeatEvery()).isEqualTo(Duration.ofSeconds(20));
        assertThat(open().heartbeatEvery()).as("the default").isEqualTo(Duration.ofSeconds(5));
        clock.advance(Duration.ofSeconds(90));

        if (leaseCanBeLostAlive()) {
            assertThat(patient.markInterrupted()).as("no sign of life for 90 s of the 120 allowed").isEmpty();
            assertThat(patient.runningReconciles()).extracting(RunningReconcile::id).containsExactly(r.id());
            clock.advance(Duration.ofSeconds(31));
        }
        assertThat(patient.markInterrupted()).extracting(ReconcileRecord::id).containsExactly(r.id());
    }

    @Test
    void beginClosesAnOrphanLeftRunningByAnotherDaemon() {
        HistoryStore store = open();
        ReconcileRecord orphan = store.begin(start(A, "d1"));
        clock.advance(Duration.ofMinutes(1));
        ReconcileRecord next = store.begin(start(B, "d2"));

        assertThat(store.get(orphan.id()).orElseThrow().result()).isEqualTo(ReconcileResult.INTERRUPTED);
        assertThat(next.result()).isEqualTo(ReconcileResult.RUNNING);
        assertThat(store.list(HistoryQuery.latest(10))).extracting(ReconcileRecord::id, ReconcileRecord::result)
            .containsExactly(
                org.assertj.core.groups.Tuple.tuple(next.id(), ReconcileResult.RUNNING),
                org.assertj.core.groups.Tuple.tuple(orphan.id(), ReconcileResult.INTERRUPTED));
    }

    @Test
    void completeTurnsStepsNobodyCompletedIntoInterrupted() {
        HistoryStore store = open();
        ReconcileRecord r = store.begin(start(A, "d1"));
        store.beginStep(r.id(), step("api", "app-1", "api-1", StepAction.CREATE, null, "f1", "api:1"));
        ReconcileRecord done = store.complete(r.id(), ReconcileResult.INTERRUPTED, "SIGTERM after app-1",
            Optional.empty());

        assertThat(done.result()).isEqualTo(ReconcileResult.INTERRUPTED);
        assertThat(done.steps()).extracting(StepRecord::outcome).containsExactly(StepOutcome.INTERRUPTED);
    }

    @Test
    void writesOutOfOrderAreRefusedWithAClearMessage() {
        HistoryStore store = open();
        ReconcileRecord r = store.begin(start(A, "d1"));
        long stepId = store.beginStep(r.id(), step("api", "app-1", "api-1", StepAction.CREATE, null, "f1", "api:1"));
        store.completeStep(stepId, StepOutcome.FAILED, Optional.of("health gate: /healthz 404"));

        assertThatThrownBy(() -> store.completeStep(stepId, StepOutcome.SUCCEEDED, Optional.empty()))
            .isInstanceOf(IllegalStateException.class).hasMessageContaining("already FAILED");
        assertThatThrownBy(() -> store.complete(r.id(), ReconcileResult.RUNNING, "", Optional.empty()))
            .isInstanceOf(IllegalArgumentException.class);
        store.complete(r.id(), ReconcileResult.FAILED, "api failed", Optional.of("health gate failed on app-1"));
        assertThatThrownBy(() -> store.complete(r.id(), ReconcileResult.SUCCEEDED, "", Optional.empty()))
            .isInstanceOf(IllegalStateException.class).hasMessageContaining("is not running");
        assertThatThrownBy(() -> store.beginStep(r.id(), step("api", "app-2", "api-1", StepAction.CREATE, null, "f", "i")))
            .isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> store.beginStep(9_999, step("api", "app-2", "api-1", StepAction.CREATE, null, "f", "i")))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("no reconcile 9999");
        assertThat(store.get(r.id()).orElseThrow().error()).contains("health gate failed on app-1");
    }

    @Test
    void skippedStepIsRecordedInOneWrite() {
        HistoryStore store = open();
        ReconcileRecord r = store.begin(start(A, "d1"));
        store.recordStep(r.id(), step("api", "app-3", "api-1", StepAction.REPLACE, "f0", "f1", "api:2"),
            StepOutcome.SKIPPED, Optional.of("host unreachable: connection refused"));

        StepRecord s = store.get(r.id()).orElseThrow().steps().getFirst();
        assertThat(s.outcome()).isEqualTo(StepOutcome.SKIPPED);
        assertThat(s.endedAt()).contains(s.startedAt());
        assertThat(s.message()).contains("host unreachable: connection refused");
    }

    // ---------------------------------------------------------------- revert detection

    @Test
    void revertIsRecordedAsReturningToTheEarlierCommit() {
        HistoryStore store = open();
        deploy(store, A, "dA");
        deploy(store, B, "dB");
        ReconcileRecord revert = store.begin(start(C, "dA"));

        assertThat(revert.returnsTo()).contains(A);
    }

    @Test
    void reapplyingTheStateAlreadyAppliedReturnsNowhere() {
        HistoryStore store = open();
        deploy(store, A, "dA");
        deploy(store, B, "dB");
        ReconcileRecord revert = deploy(store, C, "dA");
        assertThat(revert.returnsTo()).contains(A);

        // A drift heal at the reverted commit re-applies the current state: not a return.
        ReconcileRecord heal = store.begin(new ReconcileStart(C, "Alice", "Revert", Trigger.DRIFT, "dA"));
        assertThat(heal.returnsTo()).isEmpty();
    }

    @Test
    void returnsToTheLatestEarlierDeploymentOfThatState() {
        HistoryStore store = open();
        deploy(store, A, "d1");
        deploy(store, B, "d2");
        assertThat(deploy(store, C, "d1").returnsTo()).contains(A);
        assertThat(deploy(store, D, "d2").returnsTo()).contains(B);
        assertThat(deploy(store, E, "d1").returnsTo()).contains(C);
    }

    @Test
    void aStateThatNeverSucceededIsNoReturnTarget() {
        HistoryStore store = open();
        deploy(store, A, "dA");
        finish(store, B, "dB", ReconcileResult.ROLLED_BACK);
        deploy(store, C, "dC");

        assertThat(store.begin(start(D, "dB")).returnsTo()).isEmpty();
    }

    @Test
    void revertingARolledBackCommitReturnsToTheStateBeforeIt() {
        HistoryStore store = open();
        deploy(store, A, "dA");
        finish(store, B, "dB", ReconcileResult.ROLLED_BACK);

        assertThat(store.begin(start(C, "dA")).returnsTo()).contains(A);
    }

    // ---------------------------------------------------------------- per-service and environment state

    @Test
    void failedCommitIsRememberedPerServiceUntilANewerCommitSucceeds() {
        HistoryStore store = open();
        ReconcileRecord a = store.begin(start(A, "dA"));
        store.recordServiceResult(a.id(), "api", ServiceOutcome.SUCCEEDED, "");
        store.recordServiceResult(a.id(), "worker", ServiceOutcome.SUCCEEDED, "");
        store.complete(a.id(), ReconcileResult.SUCCEEDED, "", Optional.empty());

        ReconcileRecord b = store.begin(start(B, "dB"));
        store.recordServiceResult(b.id(), "api", ServiceOutcome.FAILED, "health gate failed on app-1");
        store.recordServiceResult(b.id(), "api", ServiceOutcome.ROLLED_BACK, "rolled back app-1 to " + A.substring(0, 7));
        store.recordServiceResult(b.id(), "worker", ServiceOutcome.SUCCEEDED, "");
        store.recordServiceResult(b.id(), "db", ServiceOutcome.SKIPPED, "unchanged");
        store.complete(b.id(), ReconcileResult.PARTIALLY_FAILED, "", Optional.empty());

        assertThat(store.failedCommit("api")).contains(B);
        assertThat(store.lastSucceededCommit("api")).contains(A);
        assertThat(store.lastSucceededCommit("worker")).contains(B);
        assertThat(store.failedCommit("worker")).isEmpty();
        assertThat(store.failedCommit("db")).isEmpty();
        assertThat(store.lastSucceededCommit("db")).isEmpty();
        assertThat(store.failedCommits()).singleElement().satisfies(f -> {
            assertThat(f.service()).isEqualTo("api");
            assertThat(f.commit()).isEqualTo(B);
            assertThat(f.reconcileId()).isEqualTo(b.id());
            assertThat(f.message()).isEqualTo("rolled back app-1 to aaaaaaa");
        });
        assertThat(store.get(b.id()).orElseThrow().services())
            .extracting(ServiceResult::service, ServiceResult::result)
            .containsExactly(
                org.assertj.core.groups.Tuple.tuple("api", ServiceOutcome.ROLLED_BACK),
                org.assertj.core.groups.Tuple.tuple("db", ServiceOutcome.SKIPPED),
                org.assertj.core.groups.Tuple.tuple("worker", ServiceOutcome.SUCCEEDED));

        ReconcileRecord c = store.begin(start(C, "dC"));
        store.recordServiceResult(c.id(), "api", ServiceOutcome.SUCCEEDED, "");
        store.complete(c.id(), ReconcileResult.SUCCEEDED, "", Optional.empty());

        assertThat(store.failedCommit("api")).isEmpty();
        assertThat(store.lastSucceededCommit("api")).contains(C);
        assertThat(store.failedCommits()).isEmpty();
    }

    @Test
    void lastAppliedAndLastAttemptedAreKeptApart() {
        HistoryStore store = open();
        assertThat(store.lastApplied()).isEmpty();
        assertThat(store.lastAttempted()).isEmpty();

        ReconcileRecord a = deploy(store, A, "dA");
        ReconcileRecord b = finish(store, B, "dB", ReconcileResult.FAILED);
        assertThat(store.lastApplied()).hasValueSatisfying(x -> {
            assertThat(x.commit()).isEqualTo(A);
            assertThat(x.desiredDigest()).isEqualTo("dA");
            assertThat(x.reconcileId()).contains(a.id());
        });
        assertThat(store.lastAttempted()).hasValueSatisfying(x -> {
            assertThat(x.commit()).isEqualTo(B);
            assertThat(x.reconcileId()).contains(b.id());
        });

        clock.advance(Duration.ofMinutes(5));
        store.recordInSync(C, "dA");
        assertThat(store.lastApplied()).hasValueSatisfying(x -> {
            assertThat(x.commit()).isEqualTo(C);
            assertThat(x.reconcileId()).isEmpty();
            assertThat(x.at()).isEqualTo(clock.instant());
        });
        assertThat(store.lastAttempted()).hasValueSatisfying(x -> assertThat(x.commit()).isEqualTo(C));
    }

    @Test
    void environmentsSharingADatabaseDoNotSeeEachOther() {
        HistoryStore prod = open("prod");
        HistoryStore staging = open("staging");
        ReconcileRecord p = deploy(prod, A, "dA");
        ReconcileRecord s = staging.begin(start(B, "dB"));
        staging.recordServiceResult(s.id(), "api", ServiceOutcome.FAILED, "boom");

        // A stale RUNNING record of staging is not prod's to interrupt.
        assertThat(prod.markInterrupted()).isEmpty();
        assertThat(prod.get(s.id())).isEmpty();
        assertThat(staging.get(p.id())).isEmpty();
        assertThat(prod.list(HistoryQuery.latest(10))).extracting(ReconcileRecord::id).containsExactly(p.id());
        assertThat(prod.failedCommits()).isEmpty();
        assertThat(staging.failedCommit("api")).contains(B);
        assertThat(staging.lastApplied()).isEmpty();
        assertThat(prod.lastApplied()).isPresent();
    }

    @Test
    void aPreDeployJobCountsAsRunForItsServiceSpecAndEnvironmentOnlyOnceItSucceeded() {
        HistoryStore prod = open("prod");
        HistoryStore staging = open("staging");
        ReconcileRecord r = prod.begin(start(A, "dA"));
        prod.recordStep(r.id(), step("api", "app-1", "-", StepAction.PRE_DEPLOY, "", "f1", "api:2"),
            StepOutcome.FAILED, Optional.of("failed (exit 3)"));
        assertThat(prod.preDeployRan("api", "f1")).isFalse();

        prod.recordStep(r.id(), step("api", "app-1", "-", StepAction.PRE_DEPLOY, "", "f1", "api:2"),
            StepOutcome.SUCCEEDED, Optional.of("exit 0"));
        prod.recordStep(r.id(), step("web", "app-1", "web-1", StepAction.CREATE, "", "f2", "web:1"),
            StepOutcome.SUCCEEDED, Optional.empty());

        assertThat(prod.preDeployRan("api", "f1")).isTrue();
        assertThat(prod.preDeployRan("api", "f0")).as("another spec").isFalse();
        assertThat(prod.preDeployRan("worker", "f1")).as("another service").isFalse();
        assertThat(prod.preDeployRan("web", "f2")).as("a deploy is no job").isFalse();
        assertThat(staging.preDeployRan("api", "f1")).as("another environment").isFalse();
    }

    // ---------------------------------------------------------------- queries

    @Test
    void runningSinceTellsWhichVersionRunsOnAHostSinceWhen() {
        HistoryStore store = open();
        deploy(store, A, "dA",
            step("api", "app-1", "api-1", StepAction.CREATE, null, "fp1", "api:1.0.0"),
            step("api", "app-2", "api-1", StepAction.CREATE, null, "fp1", "api:1.0.0"));
        Instant beforeB = clock.instant();
        ReconcileRecord b = deploy(store, B, "dB",
            step("api", "app-2", "api-1", StepAction.REPLACE, "fp1", "fp2", "api:1.1.0"));
        Instant replacedAt = beforeB.plusSeconds(2);
        clock.advance(Duration.ofHours(1));
        deploy(store, B, "dB", step("api", "app-2", "api-1", StepAction.HEAL, null, "fp2", "api:1.1.0"));

        assertThat(store.runningSince("api", "app-2")).singleElement().satisfies(r -> {
            assertThat(r.instance()).isEqualTo("api-1");
            assertThat(r.fingerprint()).isEqualTo("fp2");
            assertThat(r.image()).contains("api:1.1.0");
            assertThat(r.commit()).isEqualTo(B);
            assertThat(r.since()).isEqualTo(replacedAt);
            assertThat(r.reconcileId()).isEqualTo(b.id());
        });
        assertThat(store.runningSince("api", "app-1")).singleElement()
            .satisfies(r -> assertThat(r.commit()).isEqualTo(A));

        // C breaks app-1, the engine rolls it back: what runs is A's spec again, since the rollback.
        ReconcileRecord c = store.begin(start(C, "dC"));
        long replace = store.beginStep(c.id(), step("api", "app-1", "api-1", StepAction.REPLACE, "fp1", "fp3", "api:1.2.0"));
        store.completeStep(replace, StepOutcome.SUCCEEDED, Optional.empty());
        clock.advance(Duration.ofSeconds(30));
        long rollback = store.beginStep(c.id(), step("api", "app-1", "api-1", StepAction.ROLLBACK, "fp3", "fp1", "api:1.0.0"));
        clock.advance(Duration.ofSeconds(2));
        store.completeStep(rollback, StepOutcome.SUCCEEDED, Optional.empty());
        Instant rolledBackAt = clock.instant();
        store.complete(c.id(), ReconcileResult.ROLLED_BACK, "", Optional.empty());

        assertThat(store.runningSince("api", "app-1")).singleElement().satisfies(r -> {
            assertThat(r.fingerprint()).isEqualTo("fp1");
            assertThat(r.commit()).isEqualTo(A);
            assertThat(r.since()).isEqualTo(rolledBackAt);
        });

        deploy(store, D, "dD", step("api", "app-2", "api-1", StepAction.REMOVE, "fp2", null, null));
        assertThat(store.runningSince("api", "app-2")).isEmpty();
        assertThat(store.runningSince("api", "nowhere")).isEmpty();
    }

    @Test
    void listIsNewestFirstAndNarrowsToServiceAndHost() {
        HistoryStore store = open();
        ReconcileRecord a = deploy(store, A, "dA",
            step("api", "app-1", "api-1", StepAction.CREATE, null, "a1", "api:1"),
            step("web", "app-2", "web-1", StepAction.CREATE, null, "w1", "web:1"));
        ReconcileRecord b = deploy(store, B, "dB",
            step("web", "app-1", "web-1", StepAction.CREATE, null, "w1", "web:1"));
        ReconcileRecord c = store.begin(start(C, "dC"));
        store.recordServiceResult(c.id(), "api", ServiceOutcome.FAILED, "pull failed on every host");
        store.complete(c.id(), ReconcileResult.FAILED, "", Optional.empty());

        assertThat(store.list(HistoryQuery.latest(10))).extracting(ReconcileRecord::id)
            .containsExactly(c.id(), b.id(), a.id());
        assertThat(store.list(HistoryQuery.latest(2))).extracting(ReconcileRecord::id)
            .containsExactly(c.id(), b.id());

        List<ReconcileRecord> api = store.list(new HistoryQuery(Optional.of("api"), Optional.empty(), 10));
        assertThat(api).extracting(ReconcileRecord::id).containsExactly(c.id(), a.id());
        assertThat(api.get(1).steps()).extracting(StepRecord::service).containsExactly("api");

        List<ReconcileRecord> app1 = store.list(new HistoryQuery(Optional.empty(), Optional.of("app-1"), 10));
        assertThat(app1).extracting(ReconcileRecord::id).containsExactly(b.id(), a.id());
        assertThat(app1.get(1).steps()).extracting(StepRecord::host).containsExactly("app-1");

        List<ReconcileRecord> webOnApp1 = store.list(new HistoryQuery(Optional.of("web"), Optional.of("app-1"), 10));
        assertThat(webOnApp1).extracting(ReconcileRecord::id).containsExactly(b.id());
        assertThat(store.get(a.id()).orElseThrow().steps()).hasSize(2);
        assertThat(store.get(12_345)).isEmpty();
    }

    @Test
    void longOrOddTextIsStoredBoundedInsteadOfFailingTheWrite() {
        HistoryStore store = open();
        String longLine = "x".repeat(5_000);
        ReconcileRecord r = store.begin(new ReconcileStart(A, "Zoë 🚀 <z@example.com>",
            longLine + "\nsecond line", Trigger.POLL, "d1"));
        store.complete(r.id(), ReconcileResult.FAILED, "summary with a NUL\0 byte",
            Optional.of("e".repeat(20_000)));

        ReconcileRecord stored = store.get(r.id()).orElseThrow();
        assertThat(stored.message()).hasSize(1000).endsWith("…");
        assertThat(stored.author()).isEqualTo("Zoë 🚀 <z@example.com>");
        assertThat(stored.summary()).isEqualTo("summary with a NUL byte");
        assertThat(stored.error()).hasValueSatisfying(e -> assertThat(e).hasSize(8000).endsWith("…"));
    }

    @Test
    void pruneDeletesOldEndedRecordsButKeepsDeploymentState() {
        HistoryStore store = open();
        ReconcileRecord old = store.begin(start(A, "dA"));
        store.beginStep(old.id(), step("api", "app-1", "api-1", StepAction.CREATE, null, "f1", "api:1"));
        store.recordServiceResult(old.id(), "api", ServiceOutcome.SUCCEEDED, "");
        store.complete(old.id(), ReconcileResult.SUCCEEDED, "", Optional.empty());
        clock.advance(Duration.ofDays(100));
        Instant cutoff = clock.instant();
        ReconcileRecord recent = deploy(store, B, "dB");
        ReconcileRecord running = store.begin(start(C, "dC"));

        assertThat(store.prune(cutoff)).isEqualTo(1);
        assertThat(store.get(old.id())).isEmpty();
        assertThat(store.list(HistoryQuery.latest(10))).extracting(ReconcileRecord::id)
            .containsExactly(running.id(), recent.id());
        assertThat(store.lastSucceededCommit("api")).contains(A);
    }

    // ---------------------------------------------------------------- suspensions

    @Test
    void aSuspensionLastsUntilItsResumeForItsScopeAndEnvironmentOnly() {
        HistoryStore store = open();
        assertThat(store.suspensions()).isEmpty();
        assertThat(store.environmentSuspension()).isEmpty();

        Suspension env = store.suspend(Optional.empty(), "  incident 42  ", "alice@ops-1");
        assertThat(env.isActive()).isTrue();
        assertThat(env.isEnvironmentWide()).isTrue();
        assertThat(env.describe()).isEqualTo("suspended by alice@ops-1 since 2025-03-01T10:00:00Z: incident 42");
        clock.advance(java.time.Duration.ofMinutes(1));
        assertThat(store.suspend(Optional.empty(), "another reason", "bob@ops-2"))
            .as("suspending a suspended scope keeps the first").isEqualTo(env);
        Suspension api = store.suspend(Optional.of("api"), "", "bob@ops-2");
        assertThat(api.describe()).isEqualTo("suspended by bob@ops-2 since 2025-03-01T10:01:00Z");

        assertThat(store.suspensions()).containsExactly(env, api);
        assertThat(open().environmentSuspension()).as("read by another daemon").contains(env);
        assertThat(open("staging").suspensions()).as("other environments are not suspended").isEmpty();

        clock.advance(java.time.Duration.ofMinutes(1));
        Suspension resumed = store.resume(Optional.empty(), "carol@ops-3").orElseThrow();
        assertThat(resumed.id()).isEqualTo(env.id());
        assertThat(resumed.resumedBy()).contains("carol@ops-3");
        assertThat(resumed.resumedAt()).contains(java.time.Instant.parse("2025-03-01T10:02:00Z"));
        assertThat(resumed.isActive()).isFalse();
        assertThat(store.suspensions()).as("the service stays suspended").containsExactly(api);
        assertThat(store.resume(Optional.empty(), "carol@ops-3")).as("nothing left to resume").isEmpty();
        assertThat(store.resume(Optional.of("worker"), "carol@ops-3")).isEmpty();

        assertThat(store.resume(Optional.of("api"), "carol@ops-3")).isPresent();
        assertThat(store.suspensions()).isEmpty();
        Suspension again = store.suspend(Optional.empty(), "incident 43", "alice@ops-1");
        assertThat(again.id()).as("a new suspension, the old one stays on record").isNotEqualTo(env.id());

        assertThat(store.suspensionHistory(10)).extracting(Suspension::id)
            .containsExactly(again.id(), api.id(), env.id());
        assertThat(store.suspensionHistory(10).get(2)).isEqualTo(resumed);
        assertThat(store.suspensionHistory(1)).containsExactly(again);
        assertThat(open("staging").suspensionHistory(10)).isEmpty();
    }

    @Test
    void suspensionTextLongerThanItsColumnIsShortenedNotRefused() {
        HistoryStore store = open();
        Suspension s = store.suspend(Optional.of("api"), "r".repeat(5000), "b".repeat(900));
        assertThat(store.suspensions()).containsExactly(s);
        assertThat(s.reason()).hasSizeLessThanOrEqualTo(1000).endsWith("…");
        assertThat(s.by()).hasSizeLessThanOrEqualTo(500);
    }

    // ---------------------------------------------------------------- restart requests

    @Test
    void aRestartRequestIsPendingUntilADaemonFinishesItAndStaysOnRecord() {
        HistoryStore store = open();
        assertThat(store.pendingRestarts()).isEmpty();

        RestartRequest all = store.requestRestart("api", List.of(), "  new TLS certificate ", "alice@ops-1");
        assertThat(all.isPending()).isTrue();
        assertThat(all.scope()).isEqualTo("api on every host");
        assertThat(all.stepReason()).isEqualTo("restart requested by alice@ops-1: new TLS certificate");
        clock.advance(Duration.ofMinutes(1));
        RestartRequest some = store.requestRestart("worker", List.of("app-2", "app-1", "app-2"), "", "bob@ops-2");
        assertThat(some.hosts()).as("sorted, each once").containsExactly("app-1", "app-2");
        assertThat(some.scope()).isEqualTo("worker on app-1, app-2");
        assertThat(some.stepReason()).isEqualTo("restart requested by bob@ops-2");
        assertThat(store.requestRestart("api", List.of(), "again", "carol@ops-3"))
            .as("the same restart pending already is not asked twice").isEqualTo(all);
        RestartRequest one = store.requestRestart("api", List.of("app-1"), "", "carol@ops-3");
        assertThat(one.id()).isNotEqualTo(all.id());

        assertThat(open().pendingRestarts()).as("read by another daemon, oldest first").containsExactly(all, some, one);
        assertThat(open("staging").pendingRestarts()).as("other environments have none").isEmpty();

        ReconcileRecord record = store.begin(start(A, "dA"));
        clock.advance(Duration.ofMinutes(1));
        assertThat(store.finishRestart(all.id(), RestartRequest.Outcome.RESTARTED, Optional.of(record.id()),
            "restarted api-1 on app-1, app-2, app-3")).isTrue();
        assertThat(open().finishRestart(all.id(), RestartRequest.Outcome.INCOMPLETE, Optional.empty(), "late"))
            .as("another daemon cannot finish it again").isFalse();
        assertThat(store.pendingRestarts()).containsExactly(some, one);
        RestartRequest done = store.restartRequest(all.id()).orElseThrow();
        assertThat(done.isPending()).isFalse();
        assertThat(done.finished()).contains(new RestartRequest.Finished(Instant.parse("2025-03-01T10:02:00Z"),
            RestartRequest.Outcome.RESTARTED, Optional.of(record.id()), "restarted api-1 on app-1, app-2, app-3"));

        List<RestartRequest> cancelled = store.cancelRestarts("api", "dave@ops-4");
        assertThat(cancelled).extracting(RestartRequest::id).containsExactly(one.id());
        assertThat(store.restartRequest(one.id()).orElseThrow().finished()).hasValueSatisfying(f -> {
            assertThat(f.outcome()).isEqualTo(RestartRequest.Outcome.CANCELLED);
            assertThat(f.reconcileId()).isEmpty();
            assertThat(f.message()).isEqualTo("cancelled by dave@ops-4");
        });
        assertThat(store.cancelRestarts("api", "dave@ops-4")).isEmpty();
        assertThat(store.pendingRestarts()).containsExactly(some);
        assertThat(store.restartRequest(9999)).isEmpty();
        assertThat(open("staging").restartRequest(some.id())).as("another environment's request").isEmpty();
    }

    @Test
    void endedRestartRequestsArePrunedWithOldReconcilesPendingOnesStay() {
        HistoryStore store = open();
        RestartRequest ended = store.requestRestart("api", List.of(), "", "alice@ops-1");
        store.finishRestart(ended.id(), RestartRequest.Outcome.REFUSED, Optional.empty(), "no service api");
        RestartRequest pending = store.requestRestart("worker", List.of(), "", "alice@ops-1");
        clock.advance(Duration.ofDays(100));

        store.prune(clock.instant());

        assertThat(store.restartRequest(ended.id())).isEmpty();
        assertThat(store.pendingRestarts()).containsExactly(pending);
    }

    @Test
    void tooManyHostsForTheColumnAreRefusedWithAMessage() {
        HistoryStore store = open();
        List<String> hosts = java.util.stream.IntStream.range(0, 100).mapToObj(i -> "host-" + i + "-" + "x".repeat(50))
            .toList();
        assertThatThrownBy(() -> store.requestRestart("api", hosts, "", "alice@ops-1"))
            .isInstanceOf(IllegalArgumentException.class)
            .hasMessage("too many hosts named (100): name fewer, or none for every host that runs api");
        assertThat(store.pendingRestarts()).isEmpty();
    }

    // ---------------------------------------------------------------- backoffs

    @Test
    void backoffsAreKeptPerKindAndEnvironmentAndReplacedAsAWhole() {
        HistoryStore store = open();
        java.time.Instant t = java.time.Instant.parse("2025-03-01T10:05:00Z");
        assertThat(store.backoffs("restart")).isEmpty();

        store.replaceBackoffs("restart", Map.of("worker/app-2/worker-1@sha256:aa", new Backoff(2, t),
            "api/app-1/api-1@sha256:bb", new Backoff(1, t.plusSeconds(30))));
        store.replaceBackoffs("pull", Map.of("pull/app-1/registry:5000/shop/api:9@" + A, new Backoff(1, t)));

        assertThat(open().backoffs("restart")).as("read by a restarted or another daemon").isEqualTo(Map.of(
            "worker/app-2/worker-1@sha256:aa", new Backoff(2, t), "api/app-1/api-1@sha256:bb",
            new Backoff(1, t.plusSeconds(30))));
        assertThat(open("staging").backoffs("restart")).isEmpty();

        store.replaceBackoffs("restart", Map.of("worker/app-2/worker-1@sha256:aa", new Backoff(3, t.plusSeconds(60)),
            "x".repeat(2001), new Backoff(1, t)));
        assertThat(store.backoffs("restart")).as("the others went; a key too long for the column is not kept")
            .isEqualTo(Map.of("worker/app-2/worker-1@sha256:aa", new Backoff(3, t.plusSeconds(60))));
        assertThat(store.backoffs("pull")).hasSize(1);
        store.replaceBackoffs("pull", Map.of());
        assertThat(store.backoffs("pull")).isEmpty();
    }

    // ---------------------------------------------------------------- departed hosts

    @Test
    void departedHostsAreKeptPerEnvironmentAndReplacedAsAWhole() {
        HistoryStore store = open();
        java.time.Instant t = java.time.Instant.parse("2025-03-01T10:05:00.123456Z");
        assertThat(store.departedHosts()).isEmpty();

        store.replaceDepartedHosts(Map.of(
            "app-3", new DepartedHost(A, t, Optional.of("app-3 (10.0.0.13:22): connection refused")),
            "app-4", new DepartedHost(B, t.plusSeconds(60), Optional.empty())));

        assertThat(open().departedHosts()).as("read by a restarted or another daemon").containsExactly(
            Map.entry("app-3", new DepartedHost(A, t, Optional.of("app-3 (10.0.0.13:22): connection refused"))),
            Map.entry("app-4", new DepartedHost(B, t.plusSeconds(60), Optional.empty())));
        assertThat(open("staging").departedHosts()).isEmpty();

        store.replaceDepartedHosts(Map.of("app-4", new DepartedHost(B, t.plusSeconds(60), Optional.of("e".repeat(5000)))));
        assertThat(store.departedHosts()).containsOnlyKeys("app-4");
        assertThat(store.departedHosts().get("app-4").lastError().orElseThrow())
            .hasSizeLessThanOrEqualTo(4000).endsWith("…");
        store.replaceDepartedHosts(Map.of());
        assertThat(store.departedHosts()).isEmpty();
    }

    @Test
    void aReconcileWritesOnlyWhatItChangedOfTheDepartedHostsSoAForgottenHostStaysForgotten() {
        HistoryStore store = open();
        java.time.Instant t = java.time.Instant.parse("2025-03-01T10:05:00Z");
        DepartedHost app3 = new DepartedHost(A, t, Optional.of("connection refused"));
        DepartedHost app4 = new DepartedHost(B, t, Optional.empty());
        store.replaceDepartedHosts(Map.of("app-3", app3, "app-4", app4));
        Map<String, DepartedHost> read = store.departedHosts();

        // Meanwhile an operator forgets app-3 (driftless forget-host); the reconcile had tried it again.
        assertThat(open().forgetDepartedHost("app-3")).isTrue();
        assertThat(open().forgetDepartedHost("app-3")).as("forgotten already").isFalse();
        assertThat(open("staging").forgetDepartedHost("app-4")).as("another environment's").isFalse();
        DepartedHost app5 = new DepartedHost(A, t.plusSeconds(60), Optional.of("no route to host"));
        store.changeDepartedHosts(read, Map.of(
            "app-3", app3.attempted(Optional.of("timed out")),
            "app-5", app5));

        assertThat(open().departedHosts()).as("app-3 stays forgotten, app-4 is done with, app-5 is new")
            .containsExactly(Map.entry("app-5", app5));

        // A host departed meanwhile by another daemon as well keeps one row, the latest word.
        store.changeDepartedHosts(Map.of(), Map.of("app-5", app5.attempted(Optional.empty())));
        assertThat(store.departedHosts()).containsExactly(Map.entry("app-5", app5.attempted(Optional.empty())));
        assertThat(open("staging").departedHosts()).isEmpty();
    }

    // ---------------------------------------------------------------- silent hosts

    @Test
    void silentHostsAreKeptPerEnvironmentAndReplacedAsAWhole() {
        HistoryStore store = open();
        java.time.Instant t = java.time.Instant.parse("2025-03-01T10:05:00.123456Z");
        assertThat(store.silentHosts()).isEmpty();

        store.replaceSilentHosts(Map.of("app-2", t, "app-1", t.plusSeconds(30)));

        assertThat(open().silentHosts()).as("read by a restarted daemon or the next lease holder")
            .containsExactly(Map.entry("app-1", t.plusSeconds(30)), Map.entry("app-2", t));
        assertThat(open("staging").silentHosts()).isEmpty();

        store.replaceSilentHosts(Map.of("app-2", t));
        assertThat(open().silentHosts()).as("app-1 answered again").containsExactly(Map.entry("app-2", t));
        store.replaceSilentHosts(Map.of());
        assertThat(store.silentHosts()).isEmpty();
    }

    // ---------------------------------------------------------------- told notices

    @Test
    void aNoticeIsToldOncePerEnvironmentWhicheverDaemonAsksAndForgottenWithTheHistory() {
        HistoryStore store = open();

        assertThat(store.markTold("deploy_held", "3f9a2c1 window-1")).isTrue();
        assertThat(store.markTold("deploy_held", "3f9a2c1 window-1")).isFalse();
        assertThat(open().markTold("deploy_held", "3f9a2c1 window-1")).as("a restarted daemon, the next lease holder")
            .isFalse();
        assertThat(store.markTold("deploy_held", "3f9a2c1 window-2")).as("the same commit, another hold").isTrue();
        assertThat(store.markTold("other_event", "3f9a2c1 window-1")).isTrue();
        assertThat(open("staging").markTold("deploy_held", "3f9a2c1 window-1")).isTrue();
        assertThatThrownBy(() -> store.markTold("deploy_held", "x".repeat(201)))
            .isInstanceOf(IllegalArgumentException.class);

        clock.advance(Duration.ofDays(40));
        store.prune(clock.instant().minus(Duration.ofDays(30)));

        assertThat(store.markTold("deploy_held", "3f9a2c1 window-1")).as("pruned with the history").isTrue();
        assertThat(open("staging").markTold("deploy_held", "3f9a2c1 window-1")).as("only this environment's pruned")
            .isFalse();
    }

    // ---------------------------------------------------------------- schema

    @Test
    void flywayMigratesAnEmptyDatabaseAndIsANoOpOnAMigratedOne() throws SQLException {
        open().close();
        List<String> first = appliedMigrations();
        assertThat(first).containsExactlyElementsOf(expectedMigrations());

        HistoryStore again = open();
        deploy(again, A, "dA");
        assertThat(appliedMigrations()).isEqualTo(first);
        assertThat(again.list(HistoryQuery.latest(5))).hasSize(1);
    }

    /** Versions in flyway_schema_history, each with its success flag. */
    List<String> appliedMigrations() throws SQLException {
        try (Connection c = rawConnection();
             Statement s = c.createStatement();
             ResultSet rs = s.executeQuery(
                 "SELECT \"version\", \"success\" FROM \"flyway_schema_history\" WHERE \"version\" IS NOT NULL"
                     + " ORDER BY \"installed_rank\"")) {
            List<String> versions = new ArrayList<>();
            while (rs.next()) {
                versions.add(rs.getString(1) + (rs.getBoolean(2) ? "" : " FAILED"));
            }
            return versions;
        }
    }

    Connection rawConnection() throws SQLException {
        return DriverManager.getConnection(HistoryDatabase.url(settings),
            settings.user().orElse("sa"), HistoryDatabase.password(settings).orElse(""));
    }
}
