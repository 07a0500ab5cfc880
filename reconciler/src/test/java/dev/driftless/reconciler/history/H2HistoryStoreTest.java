package dev.driftless.reconciler.history;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.driftless.reconciler.ChildJvm;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.Socket;
import java.net.SocketException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The history contract on the default database: an embedded H2 file in the state directory. */
class H2HistoryStoreTest extends HistoryStoreContract {

    @TempDir
    Path tempDir;

    @Override
    HistorySettings freshDatabase() {
        return HistorySettings.embedded(tempDir.resolve("state"));
    }

    @Override
    List<String> expectedMigrations() {
        return List.of("1", "2", "3", "4", "5", "6", "7", "8", "9");
    }

    @Override
    boolean leaseCanBeLostAlive() {
        return false;
    }

    @Test
    void defaultDatabaseIsOneFileInAnOwnerOnlyStateDirectory() throws Exception {
        open().close();
        assertThat(tempDir.resolve("state/history.mv.db")).isRegularFile();
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(tempDir.resolve("state"))))
            .isEqualTo("rwx------");
    }

    @Test
    void quartzClusteringIsRefusedOnH2() {
        assertThatThrownBy(() -> HistoryStore.quartzProperties(settings, ENV))
            .isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("needs the history in PostgreSQL");
    }

    /**
     * The real thing instead of an abandoned pool: another JVM writes as the daemon does and is
     * killed with SIGKILL right after its last write. Without H2's WRITE_DELAY=0 this lost the
     * whole record in 3 runs out of 3 (H2 delays writing commits by up to half a second).
     */
    @Test
    void aDaemonKilledRightAfterItsWritesLosesNothing() throws Exception {
        ChildJvm daemon = startWriter();
        try {
            daemon.kill();

            HistoryStore restarted = open();
            assertThat(restarted.markInterrupted()).singleElement().satisfies(r -> {
                assertThat(r.id()).isEqualTo(daemon.readyNumber());
                assertThat(r.result()).isEqualTo(ReconcileResult.INTERRUPTED);
                assertThat(r.steps()).extracting(StepRecord::host, StepRecord::outcome).containsExactly(
                    org.assertj.core.groups.Tuple.tuple("app-1", StepOutcome.SUCCEEDED),
                    org.assertj.core.groups.Tuple.tuple("app-2", StepOutcome.INTERRUPTED));
            });
        } finally {
            daemon.kill();
        }
    }

    /** {@code driftless history} reads while the daemon's JVM holds the file (AUTO_SERVER). */
    @Test
    void theCliReadsWhileTheDaemonHoldsTheDatabase() throws Exception {
        ChildJvm daemon = startWriter();
        try (HistoryStore cli = HistoryStore.open(settings, ENV, clock)) {
            ReconcileRecord seen = cli.get(daemon.readyNumber()).orElseThrow();
            assertThat(seen.result()).isEqualTo(ReconcileResult.RUNNING);
            assertThat(seen.steps()).extracting(StepRecord::outcome)
                .containsExactly(StepOutcome.SUCCEEDED, StepOutcome.PENDING);
            assertThat(cli.lastAttempted()).isPresent();
            // The daemon's auto-server answers on loopback and nowhere else.
            Properties lock = new Properties();
            try (var in = Files.newInputStream(tempDir.resolve("state/history.lock.db"))) {
                lock.load(in);
            }
            String server = lock.getProperty("server");
            int port = Integer.parseInt(server.substring(server.lastIndexOf(':') + 1));
            try (Socket loopback = new Socket(InetAddress.getLoopbackAddress(), port)) {
                assertThat(loopback.isConnected()).isTrue();
            }
            for (InetAddress external : nonLoopbackAddresses()) {
                assertThatThrownBy(() -> new Socket(external, port).close())
                    .as("auto-server reachable on %s", external)
                    .isInstanceOf(ConnectException.class);
            }
        } finally {
            daemon.kill();
        }
    }

    /**
     * The process that opened the file first serves the others; when it goes (the CLI exits, or
     * an old daemon is killed), the store still holding connections through it goes on writing.
     */
    @Test
    void writesGoOnWhenTheProcessServingTheFileGoesAway() throws Exception {
        ChildJvm first = startWriter();
        HistoryStore daemon = open();
        try {
            assertThat(daemon.get(first.readyNumber())).isPresent();
        } finally {
            first.kill();
        }
        ReconcileRecord next = daemon.begin(start(A, "d1"));
        assertThat(daemon.get(first.readyNumber()).orElseThrow().result()).isEqualTo(ReconcileResult.INTERRUPTED);
        assertThat(daemon.get(next.id()).orElseThrow().result()).isEqualTo(ReconcileResult.RUNNING);
    }

    /**
     * Two daemons whose configurations name one H2 file (an explicit history.jdbc-url, their own
     * state directories) take turns: the lease is a file lock beside the database, let go when its
     * holder dies.
     */
    @Test
    void theReconcileLeaseOfAnH2FileIsHeldByOneProcessAtATimeAndFreedByItsDeath() throws Exception {
        ChildJvm other = ChildJvm.launch(HistoryWriterProcess.class, "--h2-lease", tempDir.resolve("state").toString());
        HistoryStore daemon = open();
        try {
            assertThat(daemon.tryLease()).as("the other process reconciles prod").isEmpty();
            assertThat(daemon.leaseHolder()).as("named without taking the lease").hasValueSatisfying(h -> assertThat(h)
                .startsWith("reconcile of environment prod, pid " + other.pid() + " on "));
            assertThat(open("staging").leaseHolder()).as("another environment's lease").isEmpty();
            try (ReconcileLease staging = open("staging").tryLease().orElseThrow()) {
                assertThat(staging.held()).as("each environment has its own lease").isTrue();
            }
        } finally {
            other.kill();
        }
        assertThat(daemon.leaseHolder()).as("its holder is dead; the file it wrote stays").isEmpty();
        try (ReconcileLease mine = daemon.tryLease().orElseThrow()) {
            assertThat(open().tryLease()).as("a second reconcile in this process").isEmpty();
            assertThat(open().leaseHolder()).hasValueSatisfying(h -> assertThat(h)
                .startsWith("reconcile of environment prod, pid " + ProcessHandle.current().pid() + " on "));
        }
        assertThat(daemon.tryLease()).as("given back").isPresent().get().satisfies(ReconcileLease::close);
        assertThat(tempDir.resolve("state")).isDirectoryContaining(p -> p.getFileName().toString()
            .equals("history.lease-" + Integer.toHexString(JdbcHistoryStore.leaseKey(ENV))));
    }

    /** A {@link HistoryWriterProcess} JVM that has written a RUNNING reconcile. */
    private ChildJvm startWriter() throws Exception {
        return ChildJvm.launch(HistoryWriterProcess.class, tempDir.resolve("state").toString());
    }

    private static List<InetAddress> nonLoopbackAddresses() throws SocketException {
        return NetworkInterface.networkInterfaces()
            .flatMap(NetworkInterface::inetAddresses)
            .filter(a -> !a.isLoopbackAddress() && !a.isLinkLocalAddress())
            .toList();
    }
}
