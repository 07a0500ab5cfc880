package dev.driftless.model;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/** Writes small repos into a temporary directory for loader tests. */
final class TestRepo {

    static final Path EXAMPLE = Path.of("../examples/infra-repo");

    static final String HOSTS = """
        defaults:
          user: deploy
        hosts:
          app-1: {address: 10.0.0.11, labels: {role: app}}
          app-2: {address: 10.0.0.12, labels: {role: app}}
          db-1: {address: 10.0.0.21, labels: {role: db}}
        """;

    static final String SECRETS = """
        db:
            password: ENC[AES256_GCM,data:c2VjcmV0,iv:aXY=,tag:dGFn,type:str]
        sops:
            age:
                - recipient: age1qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqq
            version: 3.9.4
        """;

    private final Path root;

    TestRepo(Path root) {
        this.root = root;
    }

    /** A repo with the standard three hosts and nothing else. */
    static TestRepo withHosts(Path root) {
        return new TestRepo(root).file("hosts.yaml", HOSTS);
    }

    TestRepo file(String path, String text) {
        try {
            Path p = root.resolve(path);
            Files.createDirectories(p.getParent());
            Files.writeString(p, text);
            return this;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    TestRepo delete(String path) {
        try {
            Files.delete(root.resolve(path));
            return this;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    Path root() {
        return root;
    }

    LoadResult load() {
        return RepoLoader.load(new DirectoryTree(root), Optional.empty());
    }

    LoadResult load(String environment) {
        return RepoLoader.load(new DirectoryTree(root), Optional.of(environment));
    }

    /** The repo, failing the test with the problems if there are any. */
    Repo repo() {
        return ok(load());
    }

    Repo repo(String environment) {
        return ok(load(environment));
    }

    static Repo ok(LoadResult result) {
        return result.repo().orElseThrow(() -> new AssertionError("expected no problems, got:\n"
            + String.join("\n", result.problems().stream().map(Problem::toString).toList())));
    }

    static List<String> lines(LoadResult result) {
        return result.problems().stream().map(Problem::toString).toList();
    }

    /** Copies a directory tree (e.g. the example repo) into {@code target}. */
    static void copy(Path source, Path target) {
        try (Stream<Path> walk = Files.walk(source)) {
            for (Path p : walk.toList()) {
                Path t = target.resolve(source.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(t);
                } else {
                    Files.copy(p, t);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
