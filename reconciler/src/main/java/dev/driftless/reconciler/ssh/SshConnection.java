package dev.driftless.reconciler.ssh;

import java.net.Socket;
import java.util.concurrent.Semaphore;
import java.util.concurrent.locks.ReentrantLock;
import net.schmizz.sshj.SSHClient;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one persistent connection to one host, shared by every command for it. A connection that
 * died (sshd restarted, network dropped, keep-alives unanswered) is replaced on next use.
 */
final class SshConnection {

    private static final Logger LOG = LoggerFactory.getLogger(SshConnection.class);

    /** A live client, and whether this call opened it (only a reused one is worth one retry). */
    record Lease(SSHClient client, boolean fresh) {
    }

    /** Opens a connection to a host and logs in. */
    @FunctionalInterface
    interface Opener {
        SSHClient open(HostTarget target) throws HostException;
    }

    /**
     * Commands in flight on one connection. OpenSSH refuses an 11th session channel by default
     * (MaxSessions 10), and a refused channel would look like a broken host.
     */
    static final int MAX_CHANNELS = 8;

    private final HostTarget target;
    private final Opener opener;
    private final Semaphore channels = new Semaphore(MAX_CHANNELS, true);
    private final ReentrantLock lock = new ReentrantLock();
    private final java.util.concurrent.atomic.AtomicInteger inUse = new java.util.concurrent.atomic.AtomicInteger();
    private volatile long lastUsed = System.nanoTime();
    private SSHClient client;

    SshConnection(HostTarget target, Opener opener) {
        this.target = target;
        this.opener = opener;
    }

    /** The live client, connecting first if there is none. Concurrent callers share one connect. */
    Lease lease() throws HostException {
        lock.lock();
        try {
            if (client != null && isAlive(client)) {
                return new Lease(client, false);
            }
            if (client != null) {
                LOG.info("connection to {} was closed; reconnecting", target.name());
                closeInBackground(client);
                client = null;
            }
            client = opener.open(target);
            return new Lease(client, true);
        } finally {
            lock.unlock();
        }
    }

    /** Limits the commands in flight on this connection. */
    Semaphore channels() {
        return channels;
    }

    /** A command starts: the connection is not idle until {@link #end}. Call before {@link #lease}. */
    void begin() {
        inUse.incrementAndGet();
    }

    /** A command ended, however. */
    void end() {
        lastUsed = System.nanoTime();
        inUse.decrementAndGet();
    }

    /**
     * Closes the connection if no command has used it for {@code idle} and none is running (the
     * next command reconnects); whether it did. A command between {@link #begin} and {@link #end}
     * keeps it open, so a close never cuts one short.
     */
    boolean closeIfIdle(java.time.Duration idle) {
        SSHClient c;
        lock.lock();
        try {
            if (client == null || inUse.get() > 0 || System.nanoTime() - lastUsed < idle.toNanos()) {
                return false;
            }
            c = client;
            client = null;
        } finally {
            lock.unlock();
        }
        LOG.debug("closing the connection to {}: idle for {} s", target.name(), idle.toSeconds());
        closeInBackground(c);
        return true;
    }

    /** Drops {@code dead} if it is still the current client; the next lease reconnects. */
    void discard(SSHClient dead) {
        lock.lock();
        try {
            if (client == dead) {
                client = null;
            }
        } finally {
            lock.unlock();
        }
        closeInBackground(dead);
    }

    /** Drops the current client, if any. */
    void disconnect() {
        SSHClient c;
        lock.lock();
        try {
            c = client;
            client = null;
        } finally {
            lock.unlock();
        }
        if (c != null) {
            closeQuietly(c);
        }
    }

    boolean isOpen() {
        lock.lock();
        try {
            return client != null && isAlive(client);
        } finally {
            lock.unlock();
        }
    }

    static boolean isAlive(SSHClient c) {
        return c.isConnected() && c.getTransport().isRunning() && c.isAuthenticated();
    }

    /**
     * Says goodbye (SSH_MSG_DISCONNECT) and closes the socket. Writing the goodbye does not wait
     * for an answer, so this returns promptly even for a host that stopped answering.
     */
    static void closeQuietly(SSHClient c) {
        try {
            c.disconnect();
        } catch (Exception ignored) {
            // a connection that already died cannot say goodbye
        }
        try {
            Socket s = c.getSocket();
            if (s != null) {
                s.close();
            }
        } catch (Exception ignored) {
            // already closed
        }
    }

    /**
     * Closes the socket first, which unblocks any thread stuck reading from a host that does not
     * answer, then lets sshj clean up.
     */
    static void abort(SSHClient c) {
        try {
            Socket s = c.getSocket();
            if (s != null) {
                s.close();
            }
        } catch (Exception ignored) {
            // already closed
        }
        try {
            c.disconnect();
        } catch (Exception ignored) {
            // the socket is gone; sshj's cleanup may complain about it
        }
    }

    static void closeInBackground(SSHClient c) {
        Thread.startVirtualThread(() -> abort(c));
    }
}
