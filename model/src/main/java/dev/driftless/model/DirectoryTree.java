package dev.driftless.model;

import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * An infra repo in a directory on disk (a checkout, or files being edited before a commit).
 * The listing is taken once, on first use; {@code .git} is skipped and links are not followed.
 */
public final class DirectoryTree implements RepoTree {

    private final Path root;
    private List<String> files;
    private List<String> symlinks;

    public DirectoryTree(Path root) {
        this.root = Objects.requireNonNull(root, "root").toAbsolutePath().normalize();
    }

    public Path root() {
        return root;
    }

    @Override
    public synchronized List<String> files() throws IOException {
        scan();
        return files;
    }

    @Override
    public synchronized List<String> symlinks() throws IOException {
        scan();
        return symlinks;
    }

    @Override
    public byte[] read(String path) throws IOException {
        // Only listed files: a path with ".." or a link can never reach outside the root.
        if (!files().contains(path)) {
            throw new NoSuchFileException(path);
        }
        return Files.readAllBytes(root.resolve(path));
    }

    @Override
    public String describe() {
        return root.toString();
    }

    private void scan() throws IOException {
        if (files != null) {
            return;
        }
        if (!Files.isDirectory(root)) {
            throw new NoSuchFileException(root.toString(), null, "not a directory");
        }
        List<String> found = new ArrayList<>();
        List<String> links = new ArrayList<>();
        Files.walkFileTree(root, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) {
                return dir.getFileName() != null && dir.getFileName().toString().equals(".git") && !dir.equals(root)
                    ? FileVisitResult.SKIP_SUBTREE : FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
                if (attrs.isRegularFile()) {
                    found.add(relative(file));
                } else if (attrs.isSymbolicLink()) {
                    links.add(relative(file));
                }
                return FileVisitResult.CONTINUE;
            }
        });
        files = found.stream().sorted().toList();
        symlinks = links.stream().sorted().toList();
    }

    private String relative(Path file) {
        return root.relativize(file).toString().replace(java.io.File.separatorChar, '/');
    }
}
