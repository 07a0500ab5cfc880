package dev.driftless.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DirectoryTreeTest {

    @TempDir
    Path dir;

    @Test
    void listsRegularFilesSortedWithSlashesAndSkipsDotGit() throws Exception {
        new TestRepo(dir).file("services/b.yaml", "").file("hosts.yaml", "").file("services/a.yaml", "")
            .file(".git/config", "").file(".sops.yaml", "");

        assertThat(new DirectoryTree(dir).files()).containsExactly(".sops.yaml", "hosts.yaml", "services/a.yaml", "services/b.yaml");
    }

    @Test
    void onlyListedFilesCanBeRead() throws Exception {
        new TestRepo(dir.resolve("repo")).file("hosts.yaml", "x");
        Files.writeString(dir.resolve("outside.txt"), "secret");
        DirectoryTree tree = new DirectoryTree(dir.resolve("repo"));

        assertThat(tree.read("hosts.yaml")).isEqualTo("x".getBytes());
        assertThatThrownBy(() -> tree.read("../outside.txt")).isInstanceOf(NoSuchFileException.class);
    }

    @Test
    void symlinksAreListedApartAndNeverRead() throws Exception {
        Files.writeString(dir.resolve("outside.txt"), "secret");
        Files.createDirectories(dir.resolve("repo/secrets"));
        Files.createSymbolicLink(dir.resolve("repo/secrets/x.yaml"), dir.resolve("outside.txt"));
        DirectoryTree tree = new DirectoryTree(dir.resolve("repo"));

        assertThat(tree.files()).isEmpty();
        assertThat(tree.symlinks()).containsExactly("secrets/x.yaml");
        assertThatThrownBy(() -> tree.read("secrets/x.yaml")).isInstanceOf(NoSuchFileException.class);
    }
}
