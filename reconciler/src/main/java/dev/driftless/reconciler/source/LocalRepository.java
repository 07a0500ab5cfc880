package dev.driftless.reconciler.source;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.lib.RepositoryCache;
import org.eclipse.jgit.storage.file.FileRepositoryBuilder;
import org.eclipse.jgit.util.FS;

/**
 * A repository on local disk opened as it is, for {@code driftless plan --repo DIR --ref REV}:
 * a work tree (with a {@code .git} directory or file) or a bare repository, whose revisions are
 * resolved without a fetch or a cache. A plain directory is not a repository and yields empty, so
 * the caller can load its files directly.
 */
public final class LocalRepository implements AutoCloseable {

    private final Path directory;
    private final Repository repository;

    private LocalRepository(Path directory, Repository repository) {
        this.directory = directory;
        this.repository = repository;
    }

    /**
     * Opens {@code dir} if it is itself a git work tree or bare repository. Parent directories are
     * deliberately not searched: a plain directory inside some other repository (an example repo
     * inside a project checkout) is a plain directory.
     *
     * @throws GitSourceException when {@code dir} is not a directory or the repository is unreadable
     */
    public static Optional<LocalRepository> open(Path dir) throws GitSourceException {
        Path directory = dir.toAbsolutePath().normalize();
        if (!Files.isDirectory(directory)) {
            throw new GitSourceException(new SourceFailure.Misconfigured(
                Files.exists(directory) ? directory + " is not a directory" : "no directory " + directory));
        }
        FileRepositoryBuilder builder = new FileRepositoryBuilder().setMustExist(true);
        if (Files.exists(directory.resolve(Constants.DOT_GIT))) {
            // A .git file (worktree, submodule) is followed by the builder.
            builder.setWorkTree(directory.toFile());
        } else if (RepositoryCache.FileKey.isGitRepository(directory.toFile(), FS.DETECTED)) {
            builder.setGitDir(directory.toFile()).setBare();
        } else {
            return Optional.empty();
        }
        try {
            return Optional.of(new LocalRepository(directory, builder.build()));
        } catch (IOException | IllegalArgumentException e) {
            throw new GitSourceException(new SourceFailure.CacheFailure(directory,
                "cannot open the git repository: " + e.getMessage()), e);
        }
    }

    /** Resolves a sha (full or abbreviated), tag, branch or expression such as {@code HEAD~1}. */
    public SourceRevision resolve(String rev) throws GitSourceException {
        return Revisions.resolve(repository, rev, directory.toString());
    }

    /** The commit HEAD points to. */
    public SourceRevision head() throws GitSourceException {
        return resolve(Constants.HEAD);
    }

    /** The opened repository, to read trees from; closed by {@link #close()}. */
    public Repository repository() {
        return repository;
    }

    public boolean isBare() {
        return repository.isBare();
    }

    /** The work tree, for a non-bare repository. */
    public Optional<Path> workTree() {
        return repository.isBare() ? Optional.empty() : Optional.of(repository.getWorkTree().toPath());
    }

    /** The directory that was opened. */
    public Path directory() {
        return directory;
    }

    @Override
    public void close() {
        repository.close();
    }

    @Override
    public String toString() {
        return "LocalRepository[" + directory + "]";
    }
}
