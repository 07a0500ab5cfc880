package dev.driftless.reconciler.history;

import java.util.Objects;
import java.util.Optional;

/**
 * What the engine knows when a reconcile begins: handed to {@link HistoryStore#begin}.
 *
 * @param commit        full commit sha
 * @param author        commit author, display form ({@code Name <email>} or just a name)
 * @param message       commit message; only its first line is stored
 * @param trigger       what started the reconcile
 * @param desiredDigest a hash of the resolved desired state (no secret values), used to recognise
 *                      a return to an earlier state such as a {@code git revert}
 * @param signedBy      who signed the commit, as {@code repo.verify} found it; empty when
 *                      signatures are not checked (or for a refused commit)
 */
public record ReconcileStart(
    String commit, String author, String message, Trigger trigger, String desiredDigest, Optional<String> signedBy) {

    /** A start whose commit's signature was not checked. */
    public ReconcileStart(String commit, String author, String message, Trigger trigger, String desiredDigest) {
        this(commit, author, message, trigger, desiredDigest, Optional.empty());
    }

    public ReconcileStart {
        Objects.requireNonNull(commit, "commit");
        Objects.requireNonNull(author, "author");
        Objects.requireNonNull(message, "message");
        Objects.requireNonNull(trigger, "trigger");
        Objects.requireNonNull(desiredDigest, "desiredDigest");
        Objects.requireNonNull(signedBy, "signedBy");
        if (commit.isBlank()) {
            throw new IllegalArgumentException("commit must not be blank");
        }
        if (desiredDigest.isBlank()) {
            throw new IllegalArgumentException("desiredDigest must not be blank");
        }
    }
}
