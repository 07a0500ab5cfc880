package dev.driftless.reconciler.history;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.driftless.reconciler.ChildJvm;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.quartz.DisallowConcurrentExecution;
import org.quartz.Job;
import org.quartz.JobBuilder;
import org.quartz.JobExecutionContext;
import org.quartz.Scheduler;
import org.quartz.SimpleScheduleBuilder;
import org.quartz.TriggerBuilder;
import org.quartz.impl.StdSchedulerFactory;

/**
 * The history contract on a real PostgreSQL server started from Debian's binaries, plus the
 * Quartz cluster tables and properties. One server per class, one database per test.
 */
class PostgresHistoryStoreIT extends HistoryStoreContract {

    private static PostgresCluster cluster;
    private static final AtomicInteger databases = new AtomicInteger();

    @BeforeAll
    static void startPostgres() throws Exception {
        cluster = PostgresCluster.start();
    }

    @AfterAll
    static void stopPostgres() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Override
    HistorySettings freshDatabase() throws SQLException {
        return cluster.createDatabase("history_" + databases.incrementAndGet());
    }

    @Override
    List<String> expectedMigrations() {
        return List.of("1", "1.1", "2", "3", "4", "5", "6", "7", "8", "9");
    }

    @Override
    boolean leaseCanBeLostAlive() {
        return true;
    }

    @Test
    void migrationCreatesTheQuartzClusterTables() throws SQLException {
        open().close();
        try (Connection c = rawConnection();
             PreparedStatement ps = c.prepareStatement("SELECT table_name FROM information_schema.tables"
                 + " WHERE table_schema = current_schema() AND table_name LIKE 'qrtz%' ORDER BY table_name");
             ResultSet rs = ps.executeQuery()) {
            List<String> tables = new ArrayList<>();
            while (rs.next()) {
                tables.add(rs.getString(1));
            }
            assertThat(tables).containsExactly("qrtz_blob_triggers", "qrtz_calendars", "qrtz_cron_triggers",
                "qrtz_fired_triggers", "qrtz_job_details", "qrtz_locks", "qrtz_paused_trigger_grps",
                "qrtz_scheduler_state", "qrtz_simple_triggers", "qrtz_simprop_triggers", "qrtz_triggers");
        }
    }

    /**
     * Daemons of one environment on one database take turns whatever their schedulers decide: the
     * lease is a PostgreSQL advisory lock, one per environment, and its holder gives it back.
     */
    @Test
    void theReconcileLeaseLetsOneDaemonOfAnEnvironmentReconcileAtATime() {
        HistoryStore first = open();
        HistoryStore second = open();
        HistoryStore staging = open("staging");
        ReconcileLease held = first.tryLease().orElseThrow();
        assertThat(second.tryLease()).as("the other daemon of prod").isEmpty();
        assertThat(first.tryLease()).as("a second reconcile in the holder's own process").isEmpty();
        try (ReconcileLease other = staging.tryLease().orElseThrow()) {
            assertThat(other).as("another environment has a lease of its own").isNotNull();
        }
        held.close();
        try (ReconcileLease next = second.tryLease().orElseThrow()) {
            assertThat(first.tryLease()).isEmpty();
        }
        assertThat(first.tryLease()).isPresent().get().satisfies(ReconcileLease::close);
    }

    /**
     * A lease whose session the server ended (pg_terminate_backend here; a restarted server or a
     * cut network alike) says so, and the lease is another's to take.
     */
    @Test
    void aLeaseWhoseSessionEndedIsNoLongerHeld() throws Exception {
        HistoryStore store = open();
        ReconcileLease lease = store.tryLease().orElseThrow();
        assertThat(lease.held()).isTrue();
        try (Connection admin = cluster.superuser("postgres");
             PreparedStatement ps = admin.prepareStatement("SELECT pg_terminate_backend(pid) FROM pg_locks"
                 + " WHERE locktype = 'advisory' AND classid = ? AND objid = ? AND objsubid = 2")) {
            ps.setLong(1, JdbcHistoryStore.LEASE_NAMESPACE);
            ps.setLong(2, Integer.toUnsignedLong(JdbcHistoryStore.leaseKey(ENV)));
            try (ResultSet rs = ps.executeQuery()) {
                assertThat(rs.next()).as("the lease's session found in pg_locks").isTrue();
            }
        }

        // pg_terminate_backend signals the session; it ends a moment later.
        await("the terminated session to end").atMost(Duration.ofSeconds(10)).until(() -> !lease.held());
        HistoryStore other = open();
        assertThat(other.tryLease()).as("free for another daemon").isPresent().get().satisfies(ReconcileLease::close);
        lease.close();
        assertThat(lease.held()).isFalse();
    }

    @Test
    void whoHoldsTheLeaseIsKnownToEveryDaemonOfTheEnvironment() {
        HistoryStore holder = open();
        HistoryStore other = open();
        assertThat(other.leaseHolder()).as("nobody reconciles").isEmpty();

        try (ReconcileLease lease = holder.tryLease().orElseThrow()) {
            assertThat(other.leaseHolder()).hasValueSatisfying(h -> assertThat(h)
                .startsWith("driftless ").contains(" pid " + ProcessHandle.current().pid())
                .contains(" from 127.0.0.1, connected since "));
            assertThat(open("staging").leaseHolder()).as("another environment's lease").isEmpty();
        }
        assertThat(other.leaseHolder()).isEmpty();
    }

    /** kill -9 of the holder closes its socket, and PostgreSQL frees the lease with the session. */
    @Test
    void theLeaseOfAKilledDaemonIsFreeAtOnce() throws Exception {
        HistoryStore survivor = open();
        ChildJvm holder = ChildJvm.launch(HistoryWriterProcess.class, "--lease", settings.jdbcUrl().orElseThrow(),
            settings.stateDir().toString(), settings.user().orElseThrow(),
            settings.passwordFile().orElseThrow().toString());
        try {
            assertThat(survivor.tryLease()).isEmpty();
        } finally {
            holder.kill();
        }
        await("the killed holder's lease freed").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100))
            .until(() -> survivor.tryLease().map(lease -> {
                lease.close();
                return true;
            }).orElse(false));
    }

    @Test
    void aWrongPasswordIsReportedWithoutThePassword() throws Exception {
        Path wrong = Files.createTempFile("driftless-wrong-", ".password");
        try {
            Files.writeString(wrong, "not-the-password-4711\n");
            HistorySettings bad = new HistorySettings(settings.jdbcUrl(), settings.stateDir(), settings.user(),
                Optional.of(wrong));
            assertThatThrownBy(() -> HistoryStore.open(bad, ENV))
                .isInstanceOf(HistoryException.class)
                .hasMessageContaining("cannot open the history database jdbc:postgresql://127.0.0.1:")
                .hasMessageContaining("password authentication failed")
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("not-the-password-4711"));
        } finally {
            Files.deleteIfExists(wrong);
        }
    }

    @Test
    void historyMovesFromTheEmbeddedH2FileToPostgres(@org.junit.jupiter.api.io.TempDir Path stateDir) {
        HistorySettings h2 = HistorySettings.embedded(stateDir);
        ReconcileRecord a;
        ReconcileRecord b;
        try (HistoryStore old = HistoryStore.open(h2, ENV, clock)) {
            a = deploy(old, A, "dA", step("api", "app-1", "api-1", StepAction.CREATE, null, "f1", "api:1"));
            b = old.begin(start(B, "dB"));
            old.recordServiceResult(b.id(), "api", ServiceOutcome.ROLLED_BACK, "health gate failed");
            old.complete(b.id(), ReconcileResult.ROLLED_BACK, "rolled back", Optional.of("gate failed"));
            ReconcileRecord s = old.begin(start(C, "dS"));
            old.complete(s.id(), ReconcileResult.SUCCEEDED, "", Optional.empty());
            old.suspend(Optional.of("api"), "waiting for the schema change", "alice@ops-1");
            old.replaceDepartedHosts(java.util.Map.of("app-3", new DepartedHost(A, clock.instant(),
                Optional.of("connection refused"))));
        }
        try (HistoryStore otherEnv = HistoryStore.open(h2, "staging", clock)) {
            deploy(otherEnv, D, "dD");
        }

        java.util.Map<String, Integer> copied = HistoryTransfer.copy(h2, settings);
        assertThat(copied).containsEntry("reconcile", 4).containsEntry("reconcile_step", 1)
            .containsEntry("service_result", 1).containsEntry("service_state", 1)
            .containsEntry("environment_state", 2).containsEntry("suspension", 1)
            .containsEntry("departed_host", 1);

        HistoryStore moved = open();
        assertThat(moved.get(a.id()).orElseThrow().steps()).singleElement()
            .satisfies(step -> assertThat(step.toImage()).contains("api:1"));
        assertThat(moved.get(b.id()).orElseThrow().error()).contains("gate failed");
        assertThat(moved.failedCommit("api")).contains(B);
        assertThat(moved.suspensions()).singleElement()
            .satisfies(x -> assertThat(x.describe()).endsWith(": waiting for the schema change"));
        assertThat(moved.departedHosts()).containsOnlyKeys("app-3");
        assertThat(moved.lastSucceededCommit("api")).isEmpty();
        assertThat(moved.lastApplied()).hasValueSatisfying(x -> assertThat(x.commit()).isEqualTo(C));
        assertThat(moved.runningSince("api", "app-1")).singleElement()
            .satisfies(r -> assertThat(r.commit()).isEqualTo(A));
        // New ids continue after the copied ones, and revert detection sees the copied past.
        ReconcileRecord next = moved.begin(start(E, "dA"));
        assertThat(next.id()).isGreaterThan(4);
        assertThat(next.returnsTo()).contains(A);
        assertThatThrownBy(() -> HistoryTransfer.copy(h2, settings))
            .isInstanceOf(IllegalStateException.class)
            .hasMessageContaining("already holds reconciles");
    }

    /** Counts runs of the clustered test job. */
    static final AtomicInteger runs = new AtomicInteger();

    /** A job that only counts, run by the clustered scheduler. */
    @DisallowConcurrentExecution
    public static final class CountingJob implements Job {
        @Override
        public void execute(JobExecutionContext context) {
            runs.incrementAndGet();
        }
    }

    @Test
    void clusteredQuartzRunsJobsFromTheHistoryDatabase() throws Exception {
        open().close(); // migrates, creating the Quartz tables
        Properties properties = HistoryStore.quartzProperties(settings, ENV);
        assertThat(properties.stringPropertyNames()).noneMatch(name -> name.toLowerCase().endsWith("password"));

        Scheduler scheduler = new StdSchedulerFactory(properties).getScheduler();
        try {
            scheduler.start();
            scheduler.scheduleJob(
                JobBuilder.newJob(CountingJob.class).withIdentity("count", "test").build(),
                TriggerBuilder.newTrigger().withIdentity("count", "test").startNow()
                    .withSchedule(SimpleScheduleBuilder.repeatSecondlyForever(1)).build());

            await().atMost(Duration.ofSeconds(30)).until(() -> runs.get() >= 2);
            try (HistoryStore store = open()) {
                assertThat(store.clusterMembers()).singleElement().satisfies(m -> {
                    assertThat(m.instance()).isEqualTo(scheduler.getSchedulerInstanceId());
                    assertThat(m.late(java.time.Instant.now())).isFalse();
                });
            }
            assertThat(scheduler.getMetaData().isJobStoreClustered()).isTrue();
            assertThat(scheduler.getMetaData().isJobStoreSupportsPersistence()).isTrue();
            try (Connection c = rawConnection();
                 PreparedStatement ps = c.prepareStatement(
                     "SELECT count(*) FROM qrtz_scheduler_state WHERE sched_name = ?")) {
                ps.setString(1, "driftless-" + ENV);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    assertThat(rs.getInt(1)).isEqualTo(1);
                }
            }
        } finally {
            scheduler.shutdown(true);
        }
    }
}
