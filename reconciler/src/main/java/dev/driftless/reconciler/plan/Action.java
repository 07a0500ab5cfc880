package dev.driftless.reconciler.plan;

import java.util.Locale;

/** What a plan does to one instance on one host. */
public enum Action {
    /** No container for a desired instance: run one. */
    CREATE,
    /** A container runs a different spec (its fingerprint differs): run the new one, retire the old. */
    REPLACE,
    /** The container has the desired spec but is not running: start it again. */
    START,
    /**
     * The container runs the desired spec but keeps failing its health probe ({@code
     * failure-threshold} probes in a row): restart it. Only the daemon plans it, after probing.
     */
    RESTART,
    /** A managed container that is not desired (or a duplicate): remove it. */
    REMOVE,
    /** Already as desired. */
    UNCHANGED,
    /** The host could not be observed, so nothing is known or planned there. */
    UNKNOWN;

    /** True for the actions that change a host. */
    public boolean changes() {
        return this == CREATE || this == REPLACE || this == START || this == RESTART || this == REMOVE;
    }

    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
