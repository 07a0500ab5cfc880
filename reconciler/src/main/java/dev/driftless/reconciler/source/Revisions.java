package dev.driftless.reconciler.source;

import java.io.IOException;
import org.eclipse.jgit.errors.AmbiguousObjectException;
import org.eclipse.jgit.errors.IncorrectObjectTypeException;
import org.eclipse.jgit.errors.MissingObjectException;
import org.eclipse.jgit.errors.RevisionSyntaxException;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.revwalk.RevWalk;

/** Resolves revision names (sha, short sha, tag, branch, {@code HEAD~2}) to commits of a repository. */
final class Revisions {

    private Revisions() {
    }

    /**
     * Resolves {@code rev} to a commit; an annotated tag is peeled to the commit it tags.
     *
     * @param where how the repository is named in messages
     */
    static SourceRevision resolve(Repository repository, String rev, String where) throws GitSourceException {
        if (rev == null || rev.isBlank()) {
            throw missing(where, String.valueOf(rev), "the revision is empty");
        }
        String name = rev.strip();
        ObjectId id;
        try {
            id = repository.resolve(name + "^{commit}");
        } catch (AmbiguousObjectException e) {
            throw missing(where, name, "the abbreviated sha matches " + e.getCandidates().size()
                + " objects; give more digits");
        } catch (IncorrectObjectTypeException e) {
            throw missing(where, name, "it names a tree or blob, not a commit");
        } catch (RevisionSyntaxException e) {
            throw missing(where, name, "not a valid revision expression");
        } catch (IOException e) {
            throw new GitSourceException(new SourceFailure.CacheFailure(repository.getDirectory().toPath(),
                e.getMessage()), e);
        }
        if (id == null) {
            throw missing(where, name, "no branch, tag or commit by that name");
        }
        return read(repository, id);
    }

    /** Reads the commit {@code id}. */
    static SourceRevision read(Repository repository, ObjectId id) throws GitSourceException {
        try (RevWalk walk = new RevWalk(repository)) {
            return SourceRevision.of(walk.parseCommit(id));
        } catch (MissingObjectException e) {
            throw new GitSourceException(new SourceFailure.CacheFailure(repository.getDirectory().toPath(),
                "commit " + id.name() + " is missing from the repository"), e);
        } catch (IOException e) {
            throw new GitSourceException(new SourceFailure.CacheFailure(repository.getDirectory().toPath(),
                e.getMessage()), e);
        }
    }

    private static GitSourceException missing(String where, String rev, String detail) {
        return new GitSourceException(new SourceFailure.RevisionMissing(where, rev, detail));
    }
}
