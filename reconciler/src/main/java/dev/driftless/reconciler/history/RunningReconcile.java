package dev.driftless.reconciler.history;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * A reconcile still RUNNING whose daemon is alive: it beat within {@link HistoryStore#abandonAfter()}.
 *
 * @param id             the record
 * @param commit         the commit it applies
 * @param owner          the daemon running it, as {@code driftless HOST pid PID}; empty for a
 *                       record written before owners were recorded
 * @param lastSignOfLife its latest heartbeat, step or start
 */
public record RunningReconcile(long id, String commit, Optional<String> owner, Instant lastSignOfLife) {

    public RunningReconcile {
        Objects.requireNonNull(commit, "commit");
        Objects.requireNonNull(owner, "owner");
        Objects.requireNonNull(lastSignOfLife, "lastSignOfLife");
    }
}
