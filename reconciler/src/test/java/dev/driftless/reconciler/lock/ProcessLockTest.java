package dev.driftless.reconciler.lock;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.driftless.reconciler.ChildJvm;
import java.lang.ref.WeakReference;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link ProcessLock} against real processes: a lock is exclusive across JVMs and within one, its
 * holder is named to whoever is refused, and it is free again when its holder dies, also by
 * {@code kill -9}.
 */
class ProcessLockTest {

    @TempDir
    Path tmp;

    private Path file() {
        return tmp.resolve("state").resolve("daemon.lock");
    }

    @Test
    void theHolderWritesWhoItIsAndTheDirectoryIsMadeOwnerOnly() throws Exception {
        try (ProcessLock lock = ProcessLock.tryAcquire(file(), "driftless run --config /etc/driftless.yaml").orElseThrow()) {
            assertThat(lock.file()).isEqualTo(file());
            assertThat(Files.readString(file())).matches("driftless run --config /etc/driftless\\.yaml, pid "
                + ProcessHandle.current().pid() + " on \\S+ since \\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ\n");
        }
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file().getParent())))
            .isEqualTo("rwx------");
    }

    @Test
    void withinOneProcessASecondHolderIsRefusedUntilTheFirstLetsGo() throws Exception {
        ProcessLock first = ProcessLock.tryAcquire(file(), "first").orElseThrow();

        assertThat(ProcessLock.tryAcquire(file(), "second")).isEmpty();
        assertThat(ProcessLock.holder(file())).isEqualTo("another holder in this process (pid "
            + ProcessHandle.current().pid() + ")");

        first.close();
        first.close();
        try (ProcessLock second = ProcessLock.tryAcquire(file(), "second").orElseThrow()) {
            assertThat(Files.readString(file())).startsWith("second, pid ");
        }
    }

    /**
     * A holder that keeps no reference to its lock (a daemon whose lock sits in a field of an
     * object nobody reads again) still holds it: were the lock collectable, the garbage collector
     * would close its file and the operating system would drop the lock with it (seen in CI: a
     * second process took a lease the first still believed it held).
     */
    @Test
    void aLockNobodyReferencesStaysHeldUntilClosed() throws Exception {
        WeakReference<ProcessLock> forgotten = new WeakReference<>(
            ProcessLock.tryAcquire(file(), "driftless run --config c.yaml").orElseThrow());
        for (int i = 0; i < 3; i++) {
            System.gc();
        }

        assertThat(forgotten.get()).as("still reachable while held").isNotNull();
        assertThatThrownBy(() -> ChildJvm.launch(LockHolder.class, file().toString(), "intruder"))
            .hasMessageContaining("TAKEN driftless run --config c.yaml");
        forgotten.get().close();
        assertThat(ProcessLock.tryAcquire(file(), "me")).isPresent().get().satisfies(ProcessLock::close);
    }

    @Test
    void whoHoldsALockIsAskedWithoutTakingIt() throws Exception {
        assertThat(ProcessLock.heldBy(file())).as("no file yet").isEmpty();
        ChildJvm holder = ChildJvm.launch(LockHolder.class, file().toString(), "driftless run --config d.yaml");
        try {
            for (int i = 0; i < 3; i++) {
                assertThat(ProcessLock.heldBy(file())).hasValueSatisfying(h -> assertThat(h)
                    .startsWith("driftless run --config d.yaml, pid " + holder.pid() + " on "));
            }
        } finally {
            holder.kill();
        }
        assertThat(ProcessLock.heldBy(file())).as("free, whatever the file says").isEmpty();
        try (ProcessLock mine = ProcessLock.tryAcquire(file(), "me").orElseThrow()) {
            assertThat(ProcessLock.heldBy(file())).hasValueSatisfying(h -> assertThat(h)
                .startsWith("me, pid " + ProcessHandle.current().pid() + " on "));
            assertThatThrownBy(() -> ChildJvm.launch(LockHolder.class, file().toString(), "intruder"))
                .as("still held after being asked").hasMessageContaining("TAKEN me, pid ");
        }
    }

    /** Lines of /proc/locks as Linux writes them: held locks, waiters, other devices and inodes. */
    @Test
    void theKernelsLockTableIsReadByDeviceAndInode() {
        long vda = (0xfeL << 8);
        assertThat(ProcessLock.locks("1: POSIX  ADVISORY  WRITE 4711 fe:00:2149029 0 EOF", vda, 2149029)).isTrue();
        assertThat(ProcessLock.locks("1: -> POSIX  ADVISORY  WRITE 4712 fe:00:2149029 0 EOF", vda, 2149029))
            .as("a waiter holds nothing").isFalse();
        assertThat(ProcessLock.locks("2: POSIX  ADVISORY  WRITE 4711 fe:00:2149030 0 EOF", vda, 2149029)).isFalse();
        assertThat(ProcessLock.locks("2: POSIX  ADVISORY  WRITE 4711 00:27:2149029 0 EOF", vda, 2149029))
            .as("same inode on another file system").isFalse();
        assertThat(ProcessLock.locks("3: OFDLCK ADVISORY  READ  -1 00:27:1777703 0 EOF", 0x27, 1777703)).isTrue();
        assertThat(ProcessLock.locks("garbage", vda, 1)).isFalse();
        // Device numbers beyond 8-bit major and minor numbers, as glibc's makedev() encodes them.
        long major = 0x1103;
        long minor = 0x12345;
        long big = ((major & 0xfffL) << 8) | ((major & 0xfffff000L) << 32) | (minor & 0xffL) | ((minor & 0xffffff00L) << 12);
        assertThat(ProcessLock.major(big)).isEqualTo(major);
        assertThat(ProcessLock.minor(big)).isEqualTo(minor);
    }

    @Test
    void anotherProcessIsRefusedAndToldWhoHoldsTheLock() throws Exception {
        try (ProcessLock held = ProcessLock.tryAcquire(file(), "driftless run --config a.yaml").orElseThrow()) {
            // Reading the holder in this process must not drop this process's lock (fcntl locks go with
            // any closed descriptor of the file).
            ProcessLock.holder(file());

            assertThatThrownBy(() -> ChildJvm.launch(LockHolder.class, file().toString(), "intruder"))
                .hasMessageContaining("TAKEN driftless run --config a.yaml, pid " + ProcessHandle.current().pid() + " on ");
        }
    }

    @Test
    void aLockOfAProcessKilledWithSigkillIsFreeAtOnceWhateverItsFileSays() throws Exception {
        ChildJvm holder = ChildJvm.launch(LockHolder.class, file().toString(), "driftless run --config b.yaml");
        try {
            assertThat(ProcessLock.tryAcquire(file(), "me")).isEmpty();
            assertThat(ProcessLock.holder(file())).startsWith("driftless run --config b.yaml, pid " + holder.pid() + " on ");
        } finally {
            holder.kill();
        }
        assertThat(Files.readString(file())).as("the dead holder's words stay").contains("pid " + holder.pid());

        try (ProcessLock mine = ProcessLock.tryAcquire(file(), "me").orElseThrow()) {
            assertThat(Files.readString(file())).startsWith("me, pid " + ProcessHandle.current().pid());
        }
    }

    @Test
    void acquireWaitsForTheHolderAndGivesUpAfterItsWaitNamingIt() throws Exception {
        ChildJvm holder = ChildJvm.launch(LockHolder.class, file().toString(), "git fetch into infra.git");
        try {
            assertThatThrownBy(() -> ProcessLock.acquire(file(), "me", Duration.ofMillis(300), Clock.systemUTC()))
                .isInstanceOf(ProcessLock.LockTimeoutException.class)
                .hasMessageStartingWith(file() + " is locked by git fetch into infra.git, pid " + holder.pid() + " on ")
                .satisfies(e -> assertThat(((ProcessLock.LockTimeoutException) e).holder())
                    .startsWith("git fetch into infra.git, pid " + holder.pid()));

            CompletableFuture<ProcessLock> waiting = CompletableFuture.supplyAsync(() -> {
                try {
                    return ProcessLock.acquire(file(), "me", Duration.ofMinutes(1), Clock.systemUTC());
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            assertThat(waiting).isNotDone();
            holder.kill();
            try (ProcessLock mine = waiting.get(30, TimeUnit.SECONDS)) {
                assertThat(Files.readString(file())).startsWith("me, pid ");
            }
        } finally {
            holder.kill();
        }
    }

    @Test
    void aHolderInThisProcessIsWaitedForToo() throws Exception {
        ProcessLock first = ProcessLock.tryAcquire(file(), "first").orElseThrow();
        CompletableFuture<Optional<ProcessLock>> waiting = CompletableFuture.supplyAsync(() -> {
            try {
                return Optional.of(ProcessLock.acquire(file(), "second", Duration.ofMinutes(1), Clock.systemUTC()));
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        assertThat(waiting).isNotDone();
        first.close();
        try (ProcessLock second = waiting.get(30, TimeUnit.SECONDS).orElseThrow()) {
            assertThat(Files.readString(file())).startsWith("second, pid ");
        }
    }
}
