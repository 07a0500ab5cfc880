package dev.driftless.reconciler.history;

/** The overall result of one recorded reconcile. */
public enum ReconcileResult {
    /** Written before the engine touches a host; still RUNNING after a crash until restart. */
    RUNNING,
    /** Every service converged. */
    SUCCEEDED,
    /** Nothing converged and nothing was rolled back (e.g. every pull failed). */
    FAILED,
    /** A failed rollout was returned to the last successfully deployed spec. */
    ROLLED_BACK,
    /** Some services converged, others failed or were rolled back. */
    PARTIALLY_FAILED,
    /** The daemon stopped (SIGTERM, crash, kill -9) before the reconcile completed. */
    INTERRUPTED;

    /** Whether a reconcile with this result has ended. */
    public boolean isFinal() {
        return this != RUNNING;
    }
}
