package dev.driftless.reconciler.history;

/** What started a reconcile: recorded with it so that history tells a deploy from a heal. */
public enum Trigger {
    /** The repository's head moved. */
    POLL,
    /** The periodic drift check found hosts that differ from the desired state. */
    DRIFT,
    /** An operator asked for it. */
    MANUAL,
    /** The daemon started (and found work, e.g. an interrupted rollout to finish). */
    STARTUP
}
