package dev.driftless.reconciler.source;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.api.ResetCommand;
import org.eclipse.jgit.api.errors.GitAPIException;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.PersonIdent;
import org.eclipse.jgit.revwalk.RevCommit;

/** A real git work tree on disk that tests commit to, reset and force-move, as a pusher would. */
final class WorkRepo implements AutoCloseable {

    static final PersonIdent AUTHOR = new PersonIdent("Ada Lovelace", "ada@example.org",
        Instant.parse("2026-03-01T10:15:30Z"), ZoneOffset.UTC);

    private final Git git;
    private final Path dir;
    private int tick;

    private WorkRepo(Git git, Path dir) {
        this.git = git;
        this.dir = dir;
    }

    static WorkRepo init(Path dir) {
        try {
            return new WorkRepo(Git.init().setDirectory(dir.toFile()).setInitialBranch("main").call(), dir);
        } catch (GitAPIException e) {
            throw new IllegalStateException(e);
        }
    }

    Path dir() {
        return dir;
    }

    Git git() {
        return git;
    }

    /** Writes {@code path} (relative, / separated) and commits it with {@code message}. */
    RevCommit commit(String path, String content, String message) {
        try {
            Path file = dir.resolve(path);
            Files.createDirectories(file.getParent());
            Files.writeString(file, content, StandardCharsets.UTF_8);
            git.add().addFilepattern(path).call();
            // Distinct times keep commits distinct even with equal content and message.
            PersonIdent when = new PersonIdent(AUTHOR, AUTHOR.getWhenAsInstant().plusSeconds(tick++));
            return git.commit().setMessage(message).setAuthor(when).setCommitter(when).setSign(false).call();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (GitAPIException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Moves the current branch back to {@code commit}, as a force-push rewrites a remote branch. */
    void resetHard(ObjectId commit) {
        try {
            git.reset().setMode(ResetCommand.ResetType.HARD).setRef(commit.name()).call();
        } catch (GitAPIException e) {
            throw new IllegalStateException(e);
        }
    }

    ObjectId head() {
        try {
            return git.getRepository().resolve("HEAD");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        git.close();
    }
}
