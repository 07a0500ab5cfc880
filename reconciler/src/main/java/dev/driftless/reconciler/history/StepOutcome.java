package dev.driftless.reconciler.history;

/** How a recorded step ended. */
public enum StepOutcome {
    /** Written before the step runs; still PENDING only while it runs. */
    PENDING,
    SUCCEEDED,
    FAILED,
    /** Not attempted (host unreachable, an earlier batch failed, a dependency failed). */
    SKIPPED,
    /** The step ran and was then undone by a rollback. */
    ROLLED_BACK,
    /** Was PENDING when the daemon stopped: its effect on the host is unknown until observed. */
    INTERRUPTED
}
