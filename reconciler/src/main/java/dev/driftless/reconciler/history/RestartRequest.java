package dev.driftless.reconciler.history;

import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;

/**
 * An operator's request to restart a service's instances in place ({@code driftless restart}):
 * kept in the deployment history, so whichever daemon of the environment holds the reconcile lease
 * takes it at its next reconcile, a daemon restart does not lose it, and who restarted what, when
 * and why stays on record.
 *
 * @param id          its row
 * @param service     the service to restart
 * @param hosts       the hosts to restart it on; empty for every host that runs it
 * @param reason      why, as the operator put it (may be empty)
 * @param by          who: the operator's name as given, by default user@host
 * @param requestedAt when it was asked for
 * @param finished    how it ended; empty while pending
 */
public record RestartRequest(long id, String service, List<String> hosts, String reason, String by,
                             Instant requestedAt, Optional<Finished> finished) {

    public RestartRequest {
        Objects.requireNonNull(service, "service");
        hosts = List.copyOf(hosts);
        Objects.requireNonNull(reason, "reason");
        Objects.requireNonNull(by, "by");
        Objects.requireNonNull(requestedAt, "requestedAt");
        Objects.requireNonNull(finished, "finished");
    }

    /** How a request ended. */
    public enum Outcome {
        /** Every instance it named was restarted (or replaced by the same reconcile) and passed its health gate. */
        RESTARTED,
        /** Some instances were not restarted: a host did not answer, or a restart failed its gate and the rest were left. */
        INCOMPLETE,
        /** Nothing to restart: no such service, no instance on the named hosts, or the service is held after a failed commit. */
        REFUSED,
        /** Withdrawn by an operator before the daemon took it. */
        CANCELLED;

        public String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /**
     * The end of a request.
     *
     * @param at          when
     * @param outcome     how
     * @param reconcileId the reconcile that restarted the instances, if one did
     * @param message     what happened, in a phrase ops can act on
     */
    public record Finished(Instant at, Outcome outcome, Optional<Long> reconcileId, String message) {
        public Finished {
            Objects.requireNonNull(at, "at");
            Objects.requireNonNull(outcome, "outcome");
            Objects.requireNonNull(reconcileId, "reconcileId");
            Objects.requireNonNull(message, "message");
        }
    }

    public boolean isPending() {
        return finished.isEmpty();
    }

    /** {@code api on every host}, or {@code api on app-1, app-2}. */
    public String scope() {
        return service + " on " + (hosts.isEmpty() ? "every host" : String.join(", ", hosts));
    }

    /** The reason a restarted instance's step records: {@code restart requested by alice@ops-1: new TLS certificate}. */
    public String stepReason() {
        return "restart requested by " + by + (reason.isBlank() ? "" : ": " + reason);
    }

    /** Whether it asks for the instances of {@code host}. */
    public boolean names(String host) {
        return hosts.isEmpty() || hosts.contains(host);
    }
}
