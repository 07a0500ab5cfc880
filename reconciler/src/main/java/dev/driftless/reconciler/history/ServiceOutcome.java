package dev.driftless.reconciler.history;

/** How one service fared in a reconcile; drives the per-service deployment state. */
public enum ServiceOutcome {
    /** Converged: this commit becomes the service's last succeeded commit. */
    SUCCEEDED,
    /** Failed without rollback: this commit becomes the service's failed commit. */
    FAILED,
    /** Failed and was returned to its last good spec: this commit becomes its failed commit. */
    ROLLED_BACK,
    /** Not worked on (a dependency failed, nothing to do): the service's state is unchanged. */
    SKIPPED
}
