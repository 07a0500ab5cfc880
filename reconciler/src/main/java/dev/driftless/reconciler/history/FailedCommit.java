package dev.driftless.reconciler.history;

import java.time.Instant;
import java.util.Objects;

/** A commit that failed for a service and is not retried until a newer commit arrives. */
public record FailedCommit(String service, String commit, Instant failedAt, long reconcileId, String message) {

    public FailedCommit {
        Objects.requireNonNull(service, "service");
        Objects.requireNonNull(commit, "commit");
        Objects.requireNonNull(failedAt, "failedAt");
        Objects.requireNonNull(message, "message");
    }

    public String shortCommit() {
        return ShortSha.of(commit);
    }

    /** Why a service whose rollout of {@code commit} failed is left as it is: shown in plans and status. */
    public static String heldReason(String commit) {
        return "commit " + ShortSha.of(commit) + " failed its rollout; waiting for a new commit";
    }
}
