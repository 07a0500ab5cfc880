package dev.driftless.reconciler.source;

import java.time.Duration;

/**
 * A hard deadline for one short remote operation (ls-remote): interrupts the calling thread when
 * it expires. Needed because JGit's timeout covers the TCP connect and socket reads, but not the
 * SSH handshake: a server that accepts the connection and then stalls (overloaded sshd, frozen
 * host behind a port proxy) would otherwise hold the poll for sshd's 2-minute auth timeout.
 */
final class OperationDeadline implements AutoCloseable {

    private final Thread caller;
    private Thread timer;
    private boolean done;
    private boolean expired;

    private OperationDeadline(Thread caller) {
        this.caller = caller;
    }

    /** Starts the clock for the current thread. */
    static OperationDeadline start(Duration limit) {
        OperationDeadline deadline = new OperationDeadline(Thread.currentThread());
        deadline.timer = Thread.ofVirtual().name("git-source-deadline").start(() -> {
            try {
                Thread.sleep(limit);
            } catch (InterruptedException finishedInTime) {
                return;
            }
            deadline.expire();
        });
        return deadline;
    }

    private synchronized void expire() {
        if (!done) {
            expired = true;
            caller.interrupt();
        }
    }

    /** True if the deadline passed before {@link #close()}. */
    synchronized boolean expired() {
        return expired;
    }

    /** Stops the clock; clears the interrupt this deadline caused, and only that one. */
    @Override
    public void close() {
        boolean clear;
        synchronized (this) {
            done = true;
            clear = expired;
        }
        timer.interrupt();
        if (clear) {
            Thread.interrupted();
        }
    }
}
