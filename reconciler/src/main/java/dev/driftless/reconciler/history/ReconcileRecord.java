package dev.driftless.reconciler.history;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * One recorded reconcile with its per-service results and per-instance steps, as stored.
 *
 * @param returnsTo commit of an earlier deployment whose desired state this one equals (a revert)
 * @param error     display-safe error text of a failed reconcile
 * @param daemon    the daemon that ran it, as {@code driftless HOST pid PID} (whose log tells
 *                  more); empty for records written before daemons were recorded
 * @param signedBy  who signed the commit, as {@code repo.verify} checked it; empty when the
 *                  daemon does not check signatures
 */
public record ReconcileRecord(
    long id,
    String environment,
    String commit,
    String author,
    String message,
    Trigger trigger,
    Instant startedAt,
    Optional<Instant> endedAt,
    ReconcileResult result,
    String desiredDigest,
    Optional<String> returnsTo,
    String summary,
    Optional<String> error,
    Optional<String> daemon,
    Optional<String> signedBy,
    List<ServiceResult> services,
    List<StepRecord> steps) {

    public ReconcileRecord {
        Objects.requireNonNull(environment, "environment");
        Objects.requireNonNull(commit, "commit");
        Objects.requireNonNull(author, "author");
        Objects.requireNonNull(message, "message");
        Objects.requireNonNull(trigger, "trigger");
        Objects.requireNonNull(startedAt, "startedAt");
        Objects.requireNonNull(endedAt, "endedAt");
        Objects.requireNonNull(result, "result");
        Objects.requireNonNull(desiredDigest, "desiredDigest");
        Objects.requireNonNull(returnsTo, "returnsTo");
        Objects.requireNonNull(summary, "summary");
        Objects.requireNonNull(error, "error");
        Objects.requireNonNull(daemon, "daemon");
        Objects.requireNonNull(signedBy, "signedBy");
        services = List.copyOf(services);
        steps = List.copyOf(steps);
    }

    /** The desired digest a refused (invalid) commit is recorded with: no state of it was ever loaded. */
    public static String refusedDigest(String commit) {
        return "invalid:" + commit;
    }

    /** Whether this records the refusal of an invalid commit, of which nothing was applied. */
    public boolean isRefusal() {
        return desiredDigest.equals(refusedDigest(commit));
    }

    /** The first seven characters of the commit, as git prints it. */
    public String shortCommit() {
        return ShortSha.of(commit);
    }

    /** How long it ran, once it has ended. */
    public Optional<Duration> duration() {
        return endedAt.map(end -> Duration.between(startedAt, end));
    }

    /** This record with its steps and service results replaced (used when filtering a query). */
    ReconcileRecord withDetails(List<ServiceResult> newServices, List<StepRecord> newSteps) {
        return new ReconcileRecord(id, environment, commit, author, message, trigger, startedAt,
            endedAt, result, desiredDigest, returnsTo, summary, error, daemon, signedBy, newServices, newSteps);
    }
}
