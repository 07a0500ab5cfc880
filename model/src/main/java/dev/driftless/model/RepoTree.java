package dev.driftless.model;

import java.io.IOException;
import java.util.List;

/**
 * A read-only view of an infra repo's files, wherever they live: a directory
 * ({@link DirectoryTree}) or a commit in a git repository ({@link GitTree}). Paths are relative
 * to the repo root and '/'-separated.
 */
public interface RepoTree {

    /** Every regular file, sorted. Symbolic links and git submodules are not files. */
    List<String> files() throws IOException;

    /** The bytes of one of {@link #files()}. */
    byte[] read(String path) throws IOException;

    /**
     * Symbolic links in the tree, sorted. They are never followed (a link could leave the repo,
     * and git stores only its target text), so the loader reports the ones it would have read.
     */
    default List<String> symlinks() throws IOException {
        return List.of();
    }

    /** Where the tree comes from, for messages: a directory path or {@code <commit>:<subdir>}. */
    default String describe() {
        return "repo";
    }
}
