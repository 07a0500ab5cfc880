package dev.driftless.reconciler.ssh;

import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Runs an action when a deadline passes unless it was cancelled first. sshj blocks in socket
 * reads that no timeout of its own bounds (the server's identification line, a reply from a
 * frozen host); closing the socket from here is what unblocks them.
 */
final class Deadlines implements AutoCloseable {

    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "driftless-ssh-deadlines");
        t.setDaemon(true);
        return t;
    });

    /** Arms a deadline; the action runs on a virtual thread so a slow close cannot delay other deadlines. */
    Deadline start(Duration timeout, Runnable onExpiry) {
        Deadline d = new Deadline();
        d.future = timer.schedule(() -> {
            if (d.state.compareAndSet(Deadline.ARMED, Deadline.FIRED)) {
                Thread.startVirtualThread(onExpiry);
            }
        }, timeout.toMillis(), TimeUnit.MILLISECONDS);
        return d;
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }

    /** One armed deadline; closing it cancels the action if it has not run. */
    static final class Deadline implements AutoCloseable {
        private static final int ARMED = 0;
        private static final int FIRED = 1;
        private static final int CANCELLED = 2;

        private final AtomicInteger state = new AtomicInteger(ARMED);
        private volatile ScheduledFuture<?> future;

        /** Whether the deadline passed (and the action ran or is running). */
        boolean fired() {
            return state.get() == FIRED;
        }

        /** Cancels the action; returns true when it had not fired. */
        boolean cancel() {
            boolean cancelled = state.compareAndSet(ARMED, CANCELLED);
            if (cancelled && future != null) {
                future.cancel(false);
            }
            return cancelled;
        }

        @Override
        public void close() {
            cancel();
        }
    }
}
