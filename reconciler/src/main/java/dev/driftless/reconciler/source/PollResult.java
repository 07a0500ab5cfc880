package dev.driftless.reconciler.source;

import java.util.Objects;
import java.util.Optional;
import org.eclipse.jgit.lib.ObjectId;

/**
 * What one poll of the git source found: the revision to reconcile now and whether it is new.
 *
 * @param revision    the accepted head of the branch after this poll
 * @param previous    the accepted head before this poll; empty on the first clone
 * @param moved       the accepted head changed in this poll (always true on the first clone)
 * @param fetched     objects were fetched in this poll; false when ls-remote showed no change
 * @param forcePushed the new head does not descend from the previous one and was accepted because
 *                    the settings allow force-pushes
 */
public record PollResult(
        SourceRevision revision,
        Optional<ObjectId> previous,
        boolean moved,
        boolean fetched,
        boolean forcePushed) {

    public PollResult {
        Objects.requireNonNull(revision, "revision");
        previous = Objects.requireNonNull(previous, "previous").map(ObjectId::copy);
    }
}
