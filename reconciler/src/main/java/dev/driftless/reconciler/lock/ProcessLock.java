package dev.driftless.reconciler.lock;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * An exclusive lock on a file: held by one process at a time (an advisory lock of the operating
 * system, {@code fcntl} on Linux) and within that process by one holder at a time. The operating
 * system drops it when the process ends, also on {@code kill -9}, so a lock file left behind never
 * needs removing by hand: an unlocked file is free, whatever it says.
 *
 * <p>The holder writes who it is into the file (purpose, pid, host, since) so that whoever is
 * refused can say who holds it (informative only, so not synced to disk: taken at every poll, the
 * lock costs no fsync). Used for the daemon's state directory (one daemon per state directory),
 * the git cache (one fetch at a time, daemon and {@code driftless plan} alike) and the reconcile
 * lease of an embedded H2 history.
 */
public final class ProcessLock implements AutoCloseable {

    /**
     * The files this JVM holds, each with its lock: the OS lock is per process, so threads are kept
     * apart here; and a lock is kept reachable here until closed, since a collected lock's file
     * would be closed by the garbage collector and the operating system would drop the lock with it.
     */
    private static final Map<Path, Object> HELD_HERE = new ConcurrentHashMap<>();
    /** Stands in {@link #HELD_HERE} for a lock being taken, or a file being read by {@link #holder}. */
    private static final Object BUSY = new Object();
    private static final long RETRY_NANOS = TimeUnit.MILLISECONDS.toNanos(50);
    /** The kernel's table of the locks held now, one per line (proc(5)). */
    private static final Path KERNEL_LOCKS = Path.of("/proc/locks");

    private final Path file;
    private final FileChannel channel;
    private final FileLock lock;
    private final String holderText;

    private ProcessLock(Path file, FileChannel channel, FileLock lock, String holderText) {
        this.file = file;
        this.channel = channel;
        this.lock = lock;
        this.holderText = holderText;
    }

    /**
     * Takes the lock on {@code file} (created if missing, with its directory, owner-only) if no process and no
     * other holder in this one has it; empty if taken, then {@link #holder(Path)} says by whom.
     *
     * @param purpose what the holder does, e.g. {@code driftless run}; written into the file
     */
    public static Optional<ProcessLock> tryAcquire(Path file, String purpose) throws IOException {
        Path key = file.toAbsolutePath().normalize();
        if (HELD_HERE.putIfAbsent(key, BUSY) != null) {
            return Optional.empty();
        }
        FileChannel channel = null;
        try {
            if (!Files.isDirectory(key.getParent())) {
                // Owner-only, as every directory driftless makes for its state.
                Files.createDirectories(key.getParent(),
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            }
            channel = FileChannel.open(key, StandardOpenOption.CREATE, StandardOpenOption.READ,
                StandardOpenOption.WRITE);
            FileLock lock = channel.tryLock();
            if (lock == null) {
                channel.close();
                HELD_HERE.remove(key);
                return Optional.empty();
            }
            String holderText = purpose + ", pid " + ProcessHandle.current().pid() + " on " + thisHost()
                + " since " + Instant.now().truncatedTo(ChronoUnit.SECONDS);
            channel.truncate(0);
            channel.write(ByteBuffer.wrap((holderText + "\n").getBytes(StandardCharsets.UTF_8)));
            ProcessLock held = new ProcessLock(key, channel, lock, holderText);
            HELD_HERE.put(key, held);
            return Optional.of(held);
        } catch (IOException | RuntimeException e) {
            if (channel != null) {
                channel.close();
            }
            HELD_HERE.remove(key);
            throw e;
        }
    }

    /**
     * Takes the lock on {@code file}, waiting at most {@code wait} for its holder to let go.
     *
     * @throws LockTimeoutException when it is still held after {@code wait}; names the holder
     */
    public static ProcessLock acquire(Path file, String purpose, Duration wait, Clock clock)
            throws IOException, InterruptedException {
        Instant deadline = clock.instant().plus(wait);
        while (true) {
            Optional<ProcessLock> lock = tryAcquire(file, purpose);
            if (lock.isPresent()) {
                return lock.get();
            }
            if (!clock.instant().isBefore(deadline)) {
                throw new LockTimeoutException(file, holder(file), wait);
            }
            LockSupport.parkNanos(RETRY_NANOS);
            if (Thread.interrupted()) {
                throw new InterruptedException("interrupted while waiting for the lock " + file);
            }
        }
    }

    /**
     * Who holds {@code file} as its holder wrote it (purpose, pid, host, since); "another holder"
     * when it says nothing readable, e.g. in the instant between taking the lock and writing.
     */
    public static String holder(Path file) {
        Path key = file.toAbsolutePath().normalize();
        // Closing any descriptor of a file drops this process's fcntl lock on it: a holder in this
        // JVM is never read, and no holder here takes the lock while the file is read.
        if (HELD_HERE.putIfAbsent(key, BUSY) != null) {
            return "another holder in this process (pid " + ProcessHandle.current().pid() + ")";
        }
        try {
            String text = Files.readString(key, StandardCharsets.UTF_8).strip();
            return text.isEmpty() ? "another holder" : text;
        } catch (IOException | RuntimeException e) {
            return "another holder";
        } finally {
            HELD_HERE.remove(key);
        }
    }

    /**
     * Who holds {@code file}'s lock now, asked without taking it (a peek that took the lock, even
     * for an instant, could make its rightful holder's attempt fail): this JVM's own holder, or
     * any process the kernel's lock table ({@code /proc/locks}) lists for the file, named as it
     * wrote itself into the file. Empty when nobody holds it, the file does not exist, or the
     * kernel's table cannot be read (not Linux).
     */
    public static Optional<String> heldBy(Path file) {
        Path key = file.toAbsolutePath().normalize();
        if (HELD_HERE.get(key) instanceof ProcessLock mine) {
            return Optional.of(mine.holderText);
        }
        long inode;
        long device;
        try {
            inode = ((Number) Files.getAttribute(key, "unix:ino")).longValue();
            device = ((Number) Files.getAttribute(key, "unix:dev")).longValue();
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
            return Optional.empty();
        }
        List<String> table;
        try {
            table = Files.readAllLines(KERNEL_LOCKS, StandardCharsets.US_ASCII);
        } catch (IOException e) {
            return Optional.empty();
        }
        return table.stream().anyMatch(line -> locks(line, device, inode))
            ? Optional.of(holder(key)) : Optional.empty();
    }

    /**
     * Whether a line of {@code /proc/locks} is a lock held (not waited for) on the file with this
     * device and inode: {@code 1: POSIX  ADVISORY  WRITE 4711 fe:00:2149029 0 EOF}, the device as
     * hexadecimal major and minor numbers; a waiter's line has {@code ->} after its number.
     */
    static boolean locks(String line, long device, long inode) {
        String[] fields = line.trim().split("\\s+");
        if (fields.length < 6 || fields[1].equals("->")) {
            return false;
        }
        String[] id = fields[5].split(":");
        try {
            return id.length == 3 && Long.parseLong(id[2]) == inode
                && Long.parseLong(id[0], 16) == major(device) && Long.parseLong(id[1], 16) == minor(device);
        } catch (NumberFormatException e) {
            return false;
        }
    }

    /** The major number of a Linux device number ({@code st_dev}), as glibc's {@code major()}. */
    static long major(long device) {
        return ((device >>> 8) & 0xfffL) | ((device >>> 32) & 0xfffff000L);
    }

    /** The minor number of a Linux device number ({@code st_dev}), as glibc's {@code minor()}. */
    static long minor(long device) {
        return (device & 0xffL) | ((device >>> 12) & 0xffffff00L);
    }

    /** The kernel's name for this machine (no DNS lookup that could hang); {@code unknown-host} if unreadable. */
    public static String thisHost() {
        try {
            return Files.readAllLines(Path.of("/proc/sys/kernel/hostname")).getFirst().strip();
        } catch (IOException | RuntimeException e) {
            return "unknown-host";
        }
    }

    /** The locked file. */
    public Path file() {
        return file;
    }

    /** Lets go; the file stays (an unlocked file is free). Idempotent. */
    @Override
    public void close() {
        if (!channel.isOpen()) {
            return;
        }
        try {
            lock.release();
        } catch (IOException e) {
            // Closing the channel below releases it as well.
        }
        try {
            channel.close();
        } catch (IOException e) {
            // The process lock goes with the channel; nothing more to do.
        } finally {
            HELD_HERE.remove(file);
        }
    }

    @Override
    public String toString() {
        return "ProcessLock[" + file + "]";
    }

    /** The lock stayed taken for as long as the caller could wait. */
    public static final class LockTimeoutException extends IOException {
        private final String holder;

        LockTimeoutException(Path file, String holder, Duration wait) {
            super(Objects.requireNonNull(file) + " is locked by " + holder + " (waited " + wait.toSeconds() + " s)");
            this.holder = holder;
        }

        /** Who held the lock when the wait ended. */
        public String holder() {
            return holder;
        }
    }
}
