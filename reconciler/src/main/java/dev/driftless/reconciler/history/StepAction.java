package dev.driftless.reconciler.history;

/** What a recorded step did to one instance on one host. */
public enum StepAction {
    /** Pulled the image an instance needs (before anything is stopped). */
    PULL,
    /** Ran the service's pre-deploy job once, before a new spec rolled out to any instance. */
    PRE_DEPLOY,
    /** Started a new instance where none ran. */
    CREATE,
    /** Replaced an instance whose fingerprint differs from the desired one. */
    REPLACE,
    /** Removed an instance that is no longer desired (prune). */
    REMOVE,
    /** Started a stopped instance. */
    START,
    /** Restarted a running instance that kept failing its health probe. */
    RESTART,
    /** Returned an instance to the last successfully deployed spec after a failed gate. */
    ROLLBACK,
    /** Recreated a managed instance that was missing or had drifted. */
    HEAL
}
