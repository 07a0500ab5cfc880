package dev.driftless.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Optional;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.revwalk.RevCommit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GitTreeTest {

    @TempDir
    Path work;

    private RevCommit commitExampleUnder(Git git, String subdir) throws Exception {
        Path target = subdir.isEmpty() ? work : work.resolve(subdir);
        Files.createDirectories(target);
        TestRepo.copy(TestRepo.EXAMPLE, target);
        Files.writeString(work.resolve("README.md"), "not part of the infra repo\n");
        git.add().addFilepattern(".").call();
        return git.commit().setMessage("estate").setAuthor("t", "t@example.com").setCommitter("t", "t@example.com")
            .setSign(false).call();
    }

    @Test
    void aCommittedRepoLoadsToTheSameRepoAsTheDirectory() throws Exception {
        try (Git git = Git.init().setDirectory(work.toFile()).setInitialBranch("main").call()) {
            RevCommit commit = commitExampleUnder(git, "");

            LoadResult fromGit = RepoLoader.load(new GitTree(git.getRepository(), commit, ""), Optional.empty());
            LoadResult fromDirectory = RepoLoader.load(new DirectoryTree(TestRepo.EXAMPLE), Optional.empty());

            assertThat(fromGit.problems()).isEmpty();
            assertThat(fromGit.repo()).isEqualTo(fromDirectory.repo());
        }
    }

    @Test
    void theCommitIsReadNotTheWorkingTree() throws Exception {
        try (Git git = Git.init().setDirectory(work.toFile()).setInitialBranch("main").call()) {
            RevCommit commit = commitExampleUnder(git, "infra");
            Files.writeString(work.resolve("infra/services/api.yaml"), "this: [is not valid\n");
            Files.delete(work.resolve("infra/hosts.yaml"));

            LoadResult result = RepoLoader.load(new GitTree(git.getRepository(), commit, "infra"), Optional.empty());

            assertThat(result.problems()).isEmpty();
            assertThat(result.repo().orElseThrow().services()).containsOnlyKeys("api", "store", "worker");
        }
    }

    @Test
    void aSubdirectorySelectsTheInfraRepoInsideALargerOne() throws Exception {
        try (Git git = Git.init().setDirectory(work.toFile()).setInitialBranch("main").call()) {
            RevCommit commit = commitExampleUnder(git, "deploy/infra");
            GitTree tree = new GitTree(git.getRepository(), commit, "/deploy/infra/");

            assertThat(tree.files()).contains("hosts.yaml", "services/api.yaml", "secrets/shop.yaml").doesNotContain("README.md");
            assertThat(new String(tree.read("hosts.yaml"), java.nio.charset.StandardCharsets.UTF_8)).contains("app-1");
            assertThat(RepoLoader.load(tree, Optional.empty()).ok()).isTrue();
            assertThat(tree.describe()).isEqualTo(commit.abbreviate(12).name() + ":deploy/infra");
        }
    }

    @Test
    void aTreeIdWorksLikeACommit() throws Exception {
        try (Git git = Git.init().setDirectory(work.toFile()).setInitialBranch("main").call()) {
            RevCommit commit = commitExampleUnder(git, "");
            ObjectId tree = commit.getTree().getId();

            assertThat(RepoLoader.load(new GitTree(git.getRepository(), tree, ""), Optional.empty()).ok()).isTrue();
        }
    }

    @Test
    void symlinksAreListedAndReportedNotFollowed() throws Exception {
        try (Git git = Git.init().setDirectory(work.toFile()).setInitialBranch("main").call()) {
            TestRepo.copy(TestRepo.EXAMPLE, work);
            Files.createSymbolicLink(work.resolve("services/web.yaml"), Path.of("api.yaml"));
            git.add().addFilepattern(".").call();
            RevCommit commit = git.commit().setMessage("link").setAuthor("t", "t@example.com")
                .setCommitter("t", "t@example.com").setSign(false).call();
            GitTree tree = new GitTree(git.getRepository(), commit, "");

            assertThat(tree.symlinks()).containsExactly("services/web.yaml");
            assertThat(tree.files()).doesNotContain("services/web.yaml");
            assertThat(TestRepo.lines(RepoLoader.load(tree, Optional.empty()))).containsExactly(
                "services/web.yaml:0:0: is a symbolic link; driftless reads files as committed and does not follow links");
        }
    }

    @Test
    void readingAFileThatIsNotInTheTreeFails() throws Exception {
        try (Git git = Git.init().setDirectory(work.toFile()).setInitialBranch("main").call()) {
            RevCommit commit = commitExampleUnder(git, "");
            assertThatThrownBy(() -> new GitTree(git.getRepository(), commit, "").read("nope.yaml"))
                .isInstanceOf(NoSuchFileException.class);
        }
    }
}
