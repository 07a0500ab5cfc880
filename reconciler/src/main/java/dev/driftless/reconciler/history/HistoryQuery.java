package dev.driftless.reconciler.history;

import java.util.Objects;
import java.util.Optional;

/**
 * Which records {@code driftless history} lists: the newest {@code limit} reconciles, optionally
 * only those that touched a service and/or host (their steps narrowed the same way).
 */
public record HistoryQuery(Optional<String> service, Optional<String> host, int limit) {

    /** Upper bound on one page, so that a typo cannot load the whole history into memory. */
    public static final int MAX_LIMIT = 10_000;

    public HistoryQuery {
        Objects.requireNonNull(service, "service");
        Objects.requireNonNull(host, "host");
        if (limit < 1 || limit > MAX_LIMIT) {
            throw new IllegalArgumentException(
                "limit must be between 1 and " + MAX_LIMIT + ", got " + limit);
        }
    }

    /** The newest {@code limit} reconciles, unfiltered. */
    public static HistoryQuery latest(int limit) {
        return new HistoryQuery(Optional.empty(), Optional.empty(), limit);
    }
}
