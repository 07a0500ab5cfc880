package dev.driftless.reconciler.daemon;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Runs a beat every interval on a thread of its own until closed; used to tell the history that
 * this daemon still runs a reconcile while it applies, so that another daemon that takes the lease
 * this one lost waits for the host steps under way rather than marking the record INTERRUPTED and
 * applying alongside. A beat that fails (the database restarting, say) is simply tried again at
 * the next.
 *
 * <p>The beating thread is never interrupted: a beat is a database write, and an interrupt during
 * an embedded H2 write closes the database file for the whole process
 * ({@code ClosedByInterruptException}, seen in the e2e suite). {@link #close()} waits for a beat
 * under way instead.
 */
final class Heartbeat implements AutoCloseable {

    private static final Duration CLOSE_WAIT = Duration.ofSeconds(15);

    private final CountDownLatch stop = new CountDownLatch(1);
    private final Thread beating;

    private Heartbeat(String what, Duration every, Runnable beat) {
        beating = Thread.ofVirtual().name("heartbeat " + what).start(() -> {
            try {
                while (!stop.await(every.toMillis(), TimeUnit.MILLISECONDS)) {
                    try {
                        beat.run();
                    } catch (RuntimeException e) {
                        ReconcileLog.debug("-------", "heartbeat of " + what + " missed: " + e.getMessage());
                    }
                }
            } catch (InterruptedException e) {
                // Nobody interrupts it (see above); should someone, the beating ends.
                Thread.currentThread().interrupt();
            }
        });
    }

    /** Starts beating: the first beat after {@code every}. */
    static Heartbeat start(String what, Duration every, Runnable beat) {
        Objects.requireNonNull(what, "what");
        Objects.requireNonNull(beat, "beat");
        if (every.isNegative() || every.isZero()) {
            throw new IllegalArgumentException("every must be positive");
        }
        return new Heartbeat(what, every, beat);
    }

    /** Whether its thread still runs: until {@link #close()} has returned (or waited in vain). */
    boolean isBeating() {
        return beating.isAlive();
    }

    /** Stops beating; a beat under way finishes first (waited for up to 15 s). */
    @Override
    public void close() throws InterruptedException {
        stop.countDown();
        beating.join(CLOSE_WAIT);
    }
}
