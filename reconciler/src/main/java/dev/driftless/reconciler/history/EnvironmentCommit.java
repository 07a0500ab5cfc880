package dev.driftless.reconciler.history;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * The environment's last applied or last attempted commit, for {@code driftless status}.
 *
 * @param reconcileId the recorded reconcile that applied or attempted it; empty when the hosts
 *                    already matched the commit and nothing was recorded
 */
public record EnvironmentCommit(
    String commit, String desiredDigest, Instant at, Optional<Long> reconcileId) {

    public EnvironmentCommit {
        Objects.requireNonNull(commit, "commit");
        Objects.requireNonNull(desiredDigest, "desiredDigest");
        Objects.requireNonNull(at, "at");
        Objects.requireNonNull(reconcileId, "reconcileId");
    }

    public String shortCommit() {
        return ShortSha.of(commit);
    }
}
