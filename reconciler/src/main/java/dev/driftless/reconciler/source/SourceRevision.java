package dev.driftless.reconciler.source;

import java.time.Instant;
import java.util.Objects;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.revwalk.RevCommit;

/**
 * One commit of the desired state, as the rest of the flow sees it: what is planned, applied and
 * recorded in history. The tree is loaded from the source's repository at {@link #commit()}.
 *
 * @param commit      the commit id
 * @param shortSha    the first 7 hex digits, for humans
 * @param author      the author's name
 * @param authorEmail the author's e-mail address
 * @param committedAt when the commit was made (committer time)
 * @param message     the first line of the commit message
 * @param fullMessage the whole commit message
 */
public record SourceRevision(
        ObjectId commit,
        String shortSha,
        String author,
        String authorEmail,
        Instant committedAt,
        String message,
        String fullMessage) {

    public SourceRevision {
        // RevCommit is an ObjectId that drags its parsed buffers along; keep only the id.
        commit = Objects.requireNonNull(commit, "commit").copy();
        Objects.requireNonNull(shortSha, "shortSha");
        Objects.requireNonNull(author, "author");
        Objects.requireNonNull(authorEmail, "authorEmail");
        Objects.requireNonNull(committedAt, "committedAt");
        Objects.requireNonNull(message, "message");
        Objects.requireNonNull(fullMessage, "fullMessage");
    }

    /** Reads the fields from a parsed commit. */
    public static SourceRevision of(RevCommit c) {
        var author = c.getAuthorIdent();
        return new SourceRevision(c, c.name().substring(0, 7), author.getName(), author.getEmailAddress(),
            c.getCommitterIdent().getWhenAsInstant(), c.getShortMessage(), c.getFullMessage());
    }

    /** The full 40-digit hex id. */
    public String sha() {
        return commit.name();
    }
}
