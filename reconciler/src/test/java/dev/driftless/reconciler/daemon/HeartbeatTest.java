package dev.driftless.reconciler.daemon;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class HeartbeatTest {

    @Test
    void beatsUntilClosedAndAFailedBeatDoesNotStopIt() throws Exception {
        AtomicInteger beats = new AtomicInteger();
        Heartbeat heartbeat = Heartbeat.start("test", Duration.ofMillis(20), () -> {
            if (beats.incrementAndGet() == 1) {
                throw new IllegalStateException("database restarting");
            }
        });
        await().atMost(Duration.ofSeconds(10)).until(() -> beats.get() >= 3);

        heartbeat.close();

        assertThat(heartbeat.isBeating()).as("its thread has ended: no beat can follow").isFalse();
    }

    /**
     * Closing waits for a beat under way and never interrupts it: an interrupt during an embedded
     * H2 write closes the database file for the whole process.
     */
    @Test
    void closingWaitsForABeatUnderWayWithoutInterruptingIt() throws Exception {
        CountDownLatch inBeat = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        AtomicBoolean interrupted = new AtomicBoolean();
        AtomicBoolean finished = new AtomicBoolean();
        Heartbeat heartbeat = Heartbeat.start("test", Duration.ofMillis(10), () -> {
            if (finished.get()) {
                return;
            }
            inBeat.countDown();
            try {
                release.await();
            } catch (InterruptedException e) {
                interrupted.set(true);
            }
            interrupted.compareAndSet(false, Thread.currentThread().isInterrupted());
            finished.set(true);
        });
        assertThat(inBeat.await(10, TimeUnit.SECONDS)).isTrue();

        CompletableFuture<Void> closing = CompletableFuture.runAsync(() -> {
            try {
                heartbeat.close();
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        assertThat(closing).as("waits for the beat").isNotDone();
        release.countDown();
        closing.get(10, TimeUnit.SECONDS);

        assertThat(finished).isTrue();
        assertThat(interrupted).isFalse();
    }
}
