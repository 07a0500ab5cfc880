package dev.driftless.reconciler.apply;

import dev.driftless.reconciler.history.ServiceOutcome;
import dev.driftless.reconciler.history.StepOutcome;
import dev.driftless.reconciler.history.StepStart;
import java.time.Duration;

/**
 * What apply reports while it works: every step before it runs and after, and each service's
 * outcome. The daemon writes these to history (write-ahead), to the reconcile log and to metrics.
 */
public interface ApplyListener {

    /** A step is about to run; returns a token {@link #stepFinished} gets back. */
    long stepStarted(StepStart step);

    /** The step ended. {@code message} is display-safe (never a secret). */
    void stepFinished(long token, StepStart step, StepOutcome outcome, String message, Duration took);

    /** A service's rollout ended. */
    void serviceFinished(String service, ServiceOutcome outcome, String message);

    /** A listener that ignores everything (tests, dry runs). */
    ApplyListener NONE = new ApplyListener() {
        @Override
        public long stepStarted(StepStart step) {
            return 0;
        }

        @Override
        public void stepFinished(long token, StepStart step, StepOutcome outcome, String message, Duration took) {
        }

        @Override
        public void serviceFinished(String service, ServiceOutcome outcome, String message) {
        }
    };
}
