package dev.driftless.reconciler.source;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.revwalk.RevCommit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Opening a local directory for {@code plan --repo DIR --ref REV}. */
class LocalRepositoryTest {

    @TempDir
    Path tmp;

    WorkRepo work;
    RevCommit first;
    RevCommit second;

    @BeforeEach
    void createRepository() throws Exception {
        work = WorkRepo.init(tmp.resolve("infra"));
        first = work.commit("hosts.yaml", "hosts: [a]\n", "First");
        work.git().tag().setName("v1.0").setAnnotated(true).setMessage("Release 1.0").setSigned(false).call();
        work.git().tag().setName("light").setAnnotated(false).call();
        second = work.commit("hosts.yaml", "hosts: [a, b]\n", "Second");
    }

    @AfterEach
    void close() {
        work.close();
    }

    @Test
    void workTreeResolvesShasTagsBranchesAndExpressions() throws Exception {
        try (LocalRepository repo = LocalRepository.open(work.dir()).orElseThrow()) {
            assertThat(repo.isBare()).isFalse();
            assertThat(repo.workTree()).contains(work.dir().toRealPath());
            assertThat(repo.head().commit()).isEqualTo(second);
            assertThat(repo.resolve(first.name()).commit()).isEqualTo(first);
            assertThat(repo.resolve(first.name().substring(0, 8)).commit()).isEqualTo(first);
            assertThat(repo.resolve("v1.0").commit()).as("annotated tag peeled").isEqualTo(first);
            assertThat(repo.resolve("light").commit()).isEqualTo(first);
            assertThat(repo.resolve("main").commit()).isEqualTo(second);
            assertThat(repo.resolve("HEAD~1").commit()).isEqualTo(first);
            assertThat(repo.resolve("main").message()).isEqualTo("Second");
        }
    }

    @Test
    void bareRepositoryOpens() throws Exception {
        Path bare = tmp.resolve("infra.git");
        Git.cloneRepository().setURI(work.dir().toString()).setDirectory(bare.toFile()).setBare(true).call().close();
        try (LocalRepository repo = LocalRepository.open(bare).orElseThrow()) {
            assertThat(repo.isBare()).isTrue();
            assertThat(repo.workTree()).isEmpty();
            assertThat(repo.resolve("v1.0").commit()).isEqualTo(first);
        }
    }

    @Test
    void gitFileIsFollowed() throws Exception {
        // What `git worktree add` and submodules leave: a .git file naming the git directory.
        Path linked = tmp.resolve("linked");
        Files.createDirectories(linked);
        Files.writeString(linked.resolve(".git"), "gitdir: " + work.dir().resolve(".git") + "\n");
        try (LocalRepository repo = LocalRepository.open(linked).orElseThrow()) {
            assertThat(repo.head().commit()).isEqualTo(second);
        }
    }

    @Test
    void plainDirectoryIsNotARepository() throws Exception {
        Path plain = Files.createDirectories(tmp.resolve("plain"));
        assertThat(LocalRepository.open(plain)).isEmpty();
    }

    @Test
    void plainDirectoryInsideAWorkTreeIsNotTakenForItsParent() throws Exception {
        Path inside = Files.createDirectories(work.dir().resolve("examples/infra-repo"));
        assertThat(LocalRepository.open(inside)).isEmpty();
    }

    @Test
    void missingDirectoryIsAnError() {
        assertThatThrownBy(() -> LocalRepository.open(tmp.resolve("nope")))
            .isInstanceOf(GitSourceException.class)
            .hasMessage("git source misconfigured: no directory " + tmp.resolve("nope"));
    }

    @Test
    void unknownRevisionNamesRepositoryAndRevision() throws Exception {
        try (LocalRepository repo = LocalRepository.open(work.dir()).orElseThrow()) {
            assertThatThrownBy(() -> repo.resolve("v9.9"))
                .isInstanceOfSatisfying(GitSourceException.class,
                    e -> assertThat(e.failure()).isInstanceOf(SourceFailure.RevisionMissing.class))
                .hasMessage("revision v9.9 not found in " + work.dir().toRealPath()
                    + ": no branch, tag or commit by that name");
            assertThatThrownBy(() -> repo.resolve("main:hosts.yaml"))
                .isInstanceOfSatisfying(GitSourceException.class,
                    e -> assertThat(e.failure()).isInstanceOf(SourceFailure.RevisionMissing.class));
            assertThatThrownBy(() -> repo.resolve(" ")).isInstanceOf(GitSourceException.class)
                .hasMessageContaining("the revision is empty");
        }
    }

    @Test
    void openIsEmptyOnlyForPlainDirectories() throws Exception {
        Optional<LocalRepository> repo = LocalRepository.open(work.dir());
        assertThat(repo).isPresent();
        repo.get().close();
    }
}
