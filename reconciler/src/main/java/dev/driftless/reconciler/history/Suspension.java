package dev.driftless.reconciler.history;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * An operator's "hands off" ({@code driftless suspend}): while active, the daemon applies nothing
 * to the whole environment, or nothing to one service, until {@code driftless resume}. A deploy
 * window that is closed holds a scope the same way, as a {@linkplain #isScheduled() scheduled}
 * suspension that ends by itself and is never stored.
 *
 * @param id          its row, for the record
 * @param service     the service suspended; empty for the whole environment
 * @param reason      why, as the operator put it (may be empty)
 * @param by          who: the operator's name as given, by default user@host
 * @param since       when it began
 * @param resumedBy   who ended it; empty while active
 * @param resumedAt   when it ended; empty while active
 */
public record Suspension(long id, Optional<String> service, String reason, String by, Instant since,
                         Optional<String> resumedBy, Optional<Instant> resumedAt) {

    public Suspension {
        Objects.requireNonNull(service, "service");
        Objects.requireNonNull(reason, "reason");
        Objects.requireNonNull(by, "by");
        Objects.requireNonNull(since, "since");
        Objects.requireNonNull(resumedBy, "resumedBy");
        Objects.requireNonNull(resumedAt, "resumedAt");
    }

    /**
     * A hold of a closed deploy window: {@code reason} says until when, {@code by} which window;
     * its id is below zero and stable while it lasts.
     */
    public static Suspension scheduled(long id, Optional<String> service, String reason, String by, Instant since) {
        if (id >= 0) {
            throw new IllegalArgumentException("a scheduled suspension's id is negative");
        }
        return new Suspension(id, service, reason, by, since, Optional.empty(), Optional.empty());
    }

    /** Whether a deploy window holds the scope, rather than an operator. */
    public boolean isScheduled() {
        return id < 0;
    }

    /** How long nothing is applied, for messages: {@code until driftless resume}, or until the window allows it. */
    public String until() {
        return isScheduled() ? "until then" : "until driftless resume";
    }

    public boolean isActive() {
        return resumedAt.isEmpty();
    }

    /** Whether it suspends the whole environment rather than one service. */
    public boolean isEnvironmentWide() {
        return service.isEmpty();
    }

    /** {@code environment prod} or {@code service api}. */
    public String scope(String environment) {
        return service.map(s -> "service " + s).orElse("environment " + environment);
    }

    /**
     * {@code suspended by alice@ops-1 since 2026-11-22T10:14:00Z: debugging the api}, or {@code
     * held by deploy window deploy-windows[0] (deny "0 16 * * FRI" for 64h (UTC)) since …: deploys
     * resume at …}.
     */
    public String describe() {
        return (isScheduled() ? "held by " : "suspended by ") + by + " since " + since.truncatedTo(java.time.temporal.ChronoUnit.SECONDS)
            + (reason.isBlank() ? "" : ": " + reason);
    }
}
