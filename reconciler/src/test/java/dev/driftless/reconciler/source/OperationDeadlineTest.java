package dev.driftless.reconciler.source;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class OperationDeadlineTest {

    @Test
    void expiredDeadlineInterruptsTheBlockedCallerAndClearsItsInterrupt() {
        boolean interrupted = false;
        OperationDeadline deadline = OperationDeadline.start(Duration.ofMillis(50));
        try {
            Thread.sleep(Duration.ofSeconds(30));
        } catch (InterruptedException e) {
            interrupted = true;
        } finally {
            deadline.close();
        }
        assertThat(interrupted).isTrue();
        assertThat(deadline.expired()).isTrue();
        assertThat(Thread.currentThread().isInterrupted()).isFalse();
    }

    @Test
    void deadlineClosedInTimeNeverInterrupts() throws Exception {
        OperationDeadline deadline = OperationDeadline.start(Duration.ofMillis(200));
        deadline.close();
        // Longer than the limit: a timer that was not stopped would interrupt this sleep.
        Thread.sleep(400);
        assertThat(deadline.expired()).isFalse();
        assertThat(Thread.currentThread().isInterrupted()).isFalse();
    }
}
