package dev.driftless.reconciler.e2e;

import dev.driftless.reconciler.ExternalTool;
import dev.driftless.reconciler.testhosts.TestHost;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The infra repo the daemon under test follows: a real git repository in a temp directory, made
 * from {@code examples/infra-repo} with an inventory that points at the test hosts (127.0.0.1,
 * each host's published sshd port and its pinned host key). Tests change the desired state only
 * by committing here, with the git CLI, as an operator would.
 */
final class InfraRepo {

    private static final List<String> AUTHOR = List.of(
        "-c", "user.name=E2E Engineer", "-c", "user.email=e2e@example.com");

    private final Path dir;
    /** The engineer's SSH signing key: every commit is signed with it, as repo.verify wants. */
    private final Path signingKey;
    private final Path allowedSigners;

    private InfraRepo(Path dir) {
        this.dir = dir;
        this.signingKey = dir.resolveSibling("e2e-signing-key");
        this.allowedSigners = dir.resolveSibling("allowed_signers");
    }

    /**
     * Copies {@code example} to {@code dir}, writes hosts.yaml for {@code hosts} (name → labels
     * flow-style, e.g. {@code {role: app, zone: a}}) and runs {@code git init} on branch main;
     * the first {@link #commit} records it.
     */
    static InfraRepo create(Path dir, Path example, Map<TestHost, String> hosts) {
        copyTree(example, dir);
        StringBuilder inventory = new StringBuilder("""
            # The test hosts: each one's sshd is published on 127.0.0.1 and its own host key is pinned.
            defaults:
              user: deploy

            hosts:
            """);
        hosts.forEach((h, labels) -> inventory
            .append("  ").append(h.name()).append(":\n")
            .append("    address: 127.0.0.1\n")
            .append("    port: ").append(h.sshPort()).append('\n')
            .append("    host-key: \"").append(h.hostKey()).append("\"\n")
            .append("    labels: ").append(labels).append('\n'));
        InfraRepo repo = new InfraRepo(dir);
        repo.write("hosts.yaml", inventory.toString());
        repo.run(List.of("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "e2e@example.com", "-f",
            repo.signingKey.toString()));
        try {
            Files.writeString(repo.allowedSigners, "e2e@example.com "
                + Files.readString(Path.of(repo.signingKey + ".pub")).strip() + "\n");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        repo.git("init", "-q", "-b", "main");
        return repo;
    }

    /** The allowed signers file that trusts this repo's signing key (for repo.verify). */
    Path allowedSigners() {
        return allowedSigners;
    }

    Path dir() {
        return dir;
    }

    String read(String file) {
        try {
            return Files.readString(dir.resolve(file));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    void write(String file, String content) {
        try {
            Files.createDirectories(dir.resolve(file).getParent());
            Files.writeString(dir.resolve(file), content);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Replaces the one occurrence of {@code from} in {@code file}; a test edit that misses is a broken test. */
    void replace(String file, String from, String to) {
        String text = read(file);
        int at = text.indexOf(from);
        if (at < 0 || text.indexOf(from, at + 1) >= 0) {
            throw new IllegalStateException(file + " must contain \"" + from + "\" exactly once:\n" + text);
        }
        write(file, text.replace(from, to));
    }

    /** 1-based line and column where {@code text} first appears in {@code file}. */
    int[] position(String file, String text) {
        List<String> lines = read(file).lines().toList();
        for (int i = 0; i < lines.size(); i++) {
            int col = lines.get(i).indexOf(text);
            if (col >= 0) {
                return new int[] {i + 1, col + 1};
            }
        }
        throw new IllegalStateException(file + " does not contain \"" + text + "\"");
    }

    /** Stages everything and commits; returns the new head. */
    String commit(String message) {
        git("add", "-A");
        git("commit", "-q", "-m", message);
        return head();
    }

    /** Stages everything and commits without a signature (as someone without the key could); returns the new head. */
    String commitUnsigned(String message) {
        git("add", "-A");
        git("-c", "commit.gpgsign=false", "commit", "-q", "-m", message);
        return head();
    }

    /** {@code git rm} of one file and a commit; returns the new head. */
    String remove(String file, String message) {
        git("rm", "-q", file);
        git("commit", "-q", "-m", message);
        return head();
    }

    /** {@code git revert --no-edit}; returns the new head. */
    String revert(String commit) {
        git("revert", "--no-edit", commit);
        return head();
    }

    String head() {
        return git("rev-parse", "HEAD").strip();
    }

    /** git with the engineer's name and signing key: commits and reverts are SSH-signed. */
    String git(String... args) {
        List<String> argv = new ArrayList<>(List.of("git"));
        argv.addAll(AUTHOR);
        argv.addAll(List.of("-c", "commit.gpgsign=true", "-c", "gpg.format=ssh", "-c",
            "user.signingkey=" + signingKey));
        argv.addAll(List.of(args));
        return run(argv);
    }

    private String run(List<String> argv) {
        return ExternalTool.run(argv, dir, Map.of(), Duration.ofSeconds(60));
    }

    private static void copyTree(Path from, Path to) {
        try (Stream<Path> paths = Files.walk(from)) {
            for (Path p : paths.toList()) {
                Path target = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(p, target, StandardCopyOption.REPLACE_EXISTING);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
