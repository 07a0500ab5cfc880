package dev.driftless.model;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.eclipse.jgit.errors.IncorrectObjectTypeException;
import org.eclipse.jgit.lib.FileMode;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.ObjectReader;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.revwalk.RevCommit;
import org.eclipse.jgit.revwalk.RevObject;
import org.eclipse.jgit.revwalk.RevTree;
import org.eclipse.jgit.revwalk.RevWalk;
import org.eclipse.jgit.treewalk.TreeWalk;
import org.eclipse.jgit.treewalk.filter.PathFilter;

/**
 * An infra repo as committed: the files of one commit (or tree) of a git repository, read from
 * the object database without a checkout, so the daemon validates exactly what was pushed.
 * {@code subdir} selects an infra repo inside a larger repository ({@code ""} for the root).
 */
public final class GitTree implements RepoTree {

    private final Repository repo;
    private final ObjectId commit;
    private final String subdir;
    private Map<String, ObjectId> files;
    private List<String> symlinks;

    public GitTree(Repository repo, ObjectId commit, String subdir) {
        this.repo = Objects.requireNonNull(repo, "repo");
        this.commit = Objects.requireNonNull(commit, "commit").copy();
        String s = Objects.requireNonNull(subdir, "subdir");
        while (s.startsWith("/")) {
            s = s.substring(1);
        }
        while (s.endsWith("/")) {
            s = s.substring(0, s.length() - 1);
        }
        this.subdir = s;
    }

    @Override
    public synchronized List<String> files() throws IOException {
        scan();
        return List.copyOf(files.keySet());
    }

    @Override
    public synchronized List<String> symlinks() throws IOException {
        scan();
        return symlinks;
    }

    @Override
    public byte[] read(String path) throws IOException {
        ObjectId blob;
        synchronized (this) {
            scan();
            blob = files.get(path);
        }
        if (blob == null) {
            throw new java.nio.file.NoSuchFileException(path);
        }
        try (ObjectReader reader = repo.newObjectReader()) {
            return reader.open(blob).getBytes();
        }
    }

    @Override
    public String describe() {
        return commit.abbreviate(12).name() + (subdir.isEmpty() ? "" : ":" + subdir);
    }

    private void scan() throws IOException {
        if (files != null) {
            return;
        }
        Map<String, ObjectId> found = new LinkedHashMap<>();
        List<String> links = new ArrayList<>();
        try (RevWalk walk = new RevWalk(repo); TreeWalk tree = new TreeWalk(repo)) {
            tree.addTree(treeOf(walk));
            tree.setRecursive(true);
            if (!subdir.isEmpty()) {
                tree.setFilter(PathFilter.create(subdir));
            }
            String prefix = subdir.isEmpty() ? "" : subdir + "/";
            while (tree.next()) {
                String path = tree.getPathString();
                if (!path.startsWith(prefix)) {
                    continue;
                }
                String relative = path.substring(prefix.length());
                FileMode mode = tree.getFileMode(0);
                if (mode == FileMode.REGULAR_FILE || mode == FileMode.EXECUTABLE_FILE) {
                    found.put(relative, tree.getObjectId(0));
                } else if (mode == FileMode.SYMLINK) {
                    links.add(relative);
                }
            }
        }
        // TreeWalk yields git's order (byte order of names, directories as if suffixed '/'); sort as strings.
        Map<String, ObjectId> sorted = new LinkedHashMap<>();
        found.keySet().stream().sorted().forEach(k -> sorted.put(k, found.get(k)));
        files = sorted;
        symlinks = links.stream().sorted().toList();
    }

    private RevTree treeOf(RevWalk walk) throws IOException {
        RevObject object = walk.peel(walk.parseAny(commit));
        return switch (object) {
            case RevCommit c -> c.getTree();
            case RevTree t -> t;
            default -> throw new IncorrectObjectTypeException(commit, "commit or tree");
        };
    }
}
