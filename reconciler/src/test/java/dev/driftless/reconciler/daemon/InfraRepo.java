package dev.driftless.reconciler.daemon;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.api.errors.GitAPIException;
import org.eclipse.jgit.lib.PersonIdent;
import org.eclipse.jgit.revwalk.RevCommit;

/** A real git work tree holding an infra repo, committed to as an operator would (and reverted). */
final class InfraRepo implements AutoCloseable {

    static final Path EXAMPLE = Path.of("../examples/infra-repo");
    private static final PersonIdent AUTHOR = new PersonIdent("Grace Hopper", "grace@example.org",
        Instant.parse("2026-11-01T09:00:00Z"), ZoneOffset.UTC);

    private final Git git;
    private final Path dir;
    private int tick;

    private InfraRepo(Git git, Path dir) {
        this.git = git;
        this.dir = dir;
    }

    /** A new repository on branch main holding a copy of examples/infra-repo, not yet committed. */
    static InfraRepo ofExample(Path dir) {
        try {
            InfraRepo repo = new InfraRepo(Git.init().setDirectory(dir.toFile()).setInitialBranch("main").call(), dir);
            dev.driftless.reconciler.TestFiles.copyTree(EXAMPLE, dir);
            return repo;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (GitAPIException e) {
            throw new IllegalStateException(e);
        }
    }

    Path dir() {
        return dir;
    }

    org.eclipse.jgit.lib.Repository repository() {
        return git.getRepository();
    }

    InfraRepo write(String path, String content) {
        try {
            Path file = dir.resolve(path);
            Files.createDirectories(file.getParent());
            Files.writeString(file, content, StandardCharsets.UTF_8);
            return this;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    String read(String path) {
        try {
            return Files.readString(dir.resolve(path), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Replaces {@code from} by {@code to} in a file (which must contain it). */
    InfraRepo edit(String path, String from, String to) {
        String text = read(path);
        if (!text.contains(from)) {
            throw new IllegalArgumentException(path + " does not contain " + from);
        }
        return write(path, text.replace(from, to));
    }

    /** Commits every change in the work tree. */
    RevCommit commit(String message) {
        try {
            git.add().addFilepattern(".").call();
            git.add().addFilepattern(".").setUpdate(true).call();
            PersonIdent when = new PersonIdent(AUTHOR, AUTHOR.getWhenAsInstant().plusSeconds(60L * tick++));
            return git.commit().setMessage(message).setAuthor(when).setCommitter(when).setSign(false).call();
        } catch (GitAPIException e) {
            throw new IllegalStateException(e);
        }
    }

    /** {@code git revert <commit>}: a new commit undoing it. */
    RevCommit revert(RevCommit commit) {
        try {
            return git.revert().include(commit).call();
        } catch (GitAPIException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        git.close();
    }
}
