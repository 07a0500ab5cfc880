package dev.driftless.reconciler.source;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.driftless.reconciler.ChildJvm;
import dev.driftless.reconciler.lock.LockHolder;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.revwalk.RevCommit;
import org.eclipse.jgit.revwalk.RevWalk;
import org.eclipse.jgit.storage.file.FileRepositoryBuilder;
import org.eclipse.jgit.treewalk.TreeWalk;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The git source against real repositories on local disk (the local-path transport). */
class GitSourceLocalTest {

    @TempDir
    Path tmp;

    WorkRepo upstream;
    RevCommit first;

    @BeforeEach
    void createUpstream() {
        upstream = WorkRepo.init(tmp.resolve("infra"));
        first = upstream.commit("environments/prod/hosts.yaml", "hosts: [app-1]\n",
            "Add prod hosts\n\nThe first environment.\n");
    }

    @AfterEach
    void closeUpstream() {
        upstream.close();
    }

    GitSourceSettings settings() {
        return GitSourceSettings.of(upstream.dir().toString(), tmp.resolve("state/git"))
            .withSubdirectory("environments/prod");
    }

    @Test
    void firstPollClonesTheBranchIntoABareCacheAndYieldsItsHead() throws Exception {
        try (GitSource source = GitSource.open(settings())) {
            assertThat(source.current()).isEmpty();

            PollResult poll = source.poll();

            assertThat(poll.moved()).isTrue();
            assertThat(poll.fetched()).isTrue();
            assertThat(poll.previous()).isEmpty();
            assertThat(poll.forcePushed()).isFalse();
            SourceRevision rev = poll.revision();
            assertThat(rev.commit()).isEqualTo(first);
            assertThat(rev.sha()).isEqualTo(first.name());
            assertThat(rev.shortSha()).isEqualTo(first.name().substring(0, 7));
            assertThat(rev.author()).isEqualTo("Ada Lovelace");
            assertThat(rev.authorEmail()).isEqualTo("ada@example.org");
            assertThat(rev.committedAt()).isEqualTo(WorkRepo.AUTHOR.getWhenAsInstant());
            assertThat(rev.message()).isEqualTo("Add prod hosts");
            assertThat(rev.fullMessage()).isEqualTo("Add prod hosts\n\nThe first environment.\n");

            assertThat(source.repository().isBare()).isTrue();
            assertThat(source.cachePath()).startsWith(tmp.resolve("state/git")).isDirectory();
            assertThat(source.subdirectory()).isEqualTo("environments/prod");
            assertThat(readFile(source.repository(), rev.commit(), "environments/prod/hosts.yaml"))
                .isEqualTo("hosts: [app-1]\n");
            assertThat(source.current()).contains(rev);
        }
    }

    @Test
    void pollWithoutANewCommitDoesNotFetch() throws Exception {
        try (GitSource source = GitSource.open(settings())) {
            source.poll();

            PollResult again = source.poll();
            PollResult thrice = source.poll();

            assertThat(again.moved()).isFalse();
            assertThat(again.fetched()).isFalse();
            assertThat(again.revision().commit()).isEqualTo(first);
            assertThat(again.previous()).contains(first);
            assertThat(thrice.fetched()).isFalse();
        }
    }

    @Test
    void newCommitIsFetchedAndYielded() throws Exception {
        try (GitSource source = GitSource.open(settings())) {
            source.poll();
            RevCommit second = upstream.commit("environments/prod/hosts.yaml", "hosts: [app-1, app-2]\n",
                "Add app-2");

            PollResult poll = source.poll();

            assertThat(poll.moved()).isTrue();
            assertThat(poll.fetched()).isTrue();
            assertThat(poll.forcePushed()).isFalse();
            assertThat(poll.previous()).contains(first);
            assertThat(poll.revision().commit()).isEqualTo(second);
            assertThat(poll.revision().message()).isEqualTo("Add app-2");
            assertThat(readFile(source.repository(), second, "environments/prod/hosts.yaml"))
                .isEqualTo("hosts: [app-1, app-2]\n");
            assertThat(source.poll().fetched()).isFalse();
        }
    }

    @Test
    void forcePushIsRefusedAndThePreviousRevisionStaysCurrent() throws Exception {
        try (GitSource source = GitSource.open(settings())) {
            RevCommit second = upstream.commit("environments/prod/hosts.yaml", "hosts: [app-2]\n", "Second");
            source.poll();
            upstream.resetHard(first);
            RevCommit rewritten = upstream.commit("environments/prod/hosts.yaml", "hosts: [evil]\n", "Rewritten");

            assertThatThrownBy(source::poll)
                .isInstanceOfSatisfying(GitSourceException.class, e -> {
                    assertThat(e.failure()).isEqualTo(new SourceFailure.ForcePushRefused(
                        upstream.dir().toString(), "main", second.name(), rewritten.name()));
                    assertThat(e.isTransient()).isFalse();
                })
                .hasMessageContaining(second.name())
                .hasMessageContaining(rewritten.name())
                .hasMessageContaining("force-push");

            assertThat(source.current().orElseThrow().commit()).isEqualTo(second);
            // Refused again on the next poll: terminal until the config or the branch changes.
            assertThatThrownBy(source::poll).isInstanceOfSatisfying(GitSourceException.class,
                e -> assertThat(e.failure()).isInstanceOf(SourceFailure.ForcePushRefused.class));
            assertThat(source.current().orElseThrow().commit()).isEqualTo(second);
        }
    }

    @Test
    void forcePushIsAcceptedWhenTheSettingsAllowIt() throws Exception {
        RevCommit second = upstream.commit("environments/prod/hosts.yaml", "hosts: [app-2]\n", "Second");
        try (GitSource source = GitSource.open(settings())) {
            source.poll();
        }
        upstream.resetHard(first);
        RevCommit rewritten = upstream.commit("environments/prod/hosts.yaml", "hosts: [app-3]\n", "Rewritten");

        try (GitSource source = GitSource.open(settings().withAllowForcePush(true))) {
            PollResult poll = source.poll();

            assertThat(poll.moved()).isTrue();
            assertThat(poll.forcePushed()).isTrue();
            assertThat(poll.previous()).contains(second);
            assertThat(poll.revision().commit()).isEqualTo(rewritten);
            assertThat(source.current().orElseThrow().commit()).isEqualTo(rewritten);
            // The replaced head stays in the cache (reflog), so history can still point at it.
            assertThat(source.resolve(second.name()).commit()).isEqualTo(second);
        }
    }

    @Test
    void refusedForcePushIsAcceptedOnceTheBranchDescendsFromTheAcceptedHeadAgain() throws Exception {
        try (GitSource source = GitSource.open(settings())) {
            RevCommit second = upstream.commit("environments/prod/hosts.yaml", "hosts: [app-2]\n", "Second");
            source.poll();
            upstream.resetHard(first);
            upstream.commit("environments/prod/other.yaml", "x: 1\n", "Rewritten");
            assertThatThrownBy(source::poll).isInstanceOf(GitSourceException.class);

            upstream.git().merge().include(second).setMessage("Restore the lost commit").call();
            PollResult poll = source.poll();

            assertThat(poll.moved()).isTrue();
            assertThat(poll.forcePushed()).isFalse();
            assertThat(poll.previous()).contains(second);
            assertThat(poll.revision().message()).isEqualTo("Restore the lost commit");
        }
    }

    @Test
    void rewindToAnOlderCommitIsAForcePush() throws Exception {
        try (GitSource source = GitSource.open(settings())) {
            RevCommit second = upstream.commit("environments/prod/hosts.yaml", "hosts: [app-2]\n", "Second");
            source.poll();
            upstream.resetHard(first);

            assertThatThrownBy(source::poll).isInstanceOfSatisfying(GitSourceException.class,
                e -> assertThat(e.failure()).isEqualTo(new SourceFailure.ForcePushRefused(
                    upstream.dir().toString(), "main", second.name(), first.name())));
        }
    }

    @Test
    void cacheSurvivesARestartAndIsNotClonedAgain() throws Exception {
        Path cachePath;
        try (GitSource source = GitSource.open(settings())) {
            source.poll();
            cachePath = source.cachePath();
        }
        try (GitSource source = GitSource.open(settings())) {
            assertThat(source.cachePath()).isEqualTo(cachePath);
            assertThat(source.current().orElseThrow().commit()).isEqualTo(first);

            PollResult poll = source.poll();

            assertThat(poll.moved()).isFalse();
            assertThat(poll.fetched()).isFalse();
        }
    }

    @Test
    void aPollWaitsForAnotherProcessFetchingIntoTheSameCache() throws Exception {
        // The daemon and a `driftless plan --config` share the cache; one fetches and accepts at a time.
        try (GitSource source = GitSource.open(settings())) {
            source.poll();
            RevCommit second = upstream.commit("environments/prod/hosts.yaml", "hosts: [app-1, app-2]\n", "Add app-2");
            ChildJvm other = ChildJvm.launch(LockHolder.class, GitSource.lockFile(source.cachePath()).toString(),
                "git fetch into " + source.cachePath().getFileName());
            try {
                CompletableFuture<PollResult> poll = CompletableFuture.supplyAsync(() -> {
                    try {
                        return source.poll();
                    } catch (GitSourceException e) {
                        throw new IllegalStateException(e);
                    }
                });
                // Still waiting after the other process was seen to hold the cache for a while.
                assertThatThrownBy(() -> poll.get(500, TimeUnit.MILLISECONDS)).isInstanceOf(TimeoutException.class);
                try (Repository cache = new FileRepositoryBuilder().setGitDir(source.cachePath().toFile()).build()) {
                    assertThat(cache.resolve("refs/heads/main")).as("nothing accepted meanwhile").isEqualTo(first);
                }

                other.kill();

                PollResult result = poll.get(30, TimeUnit.SECONDS);
                assertThat(result.moved()).isTrue();
                assertThat(result.revision().commit()).isEqualTo(second);
            } finally {
                other.kill();
            }
        }
    }

    @Test
    void aCacheLockWaitsFourNetworkTimeoutsAndAtLeastTwoMinutes() {
        assertThat(GitSource.cacheLockWait(Duration.ofSeconds(60))).isEqualTo(Duration.ofMinutes(4));
        assertThat(GitSource.cacheLockWait(Duration.ofSeconds(5))).isEqualTo(Duration.ofMinutes(2));
        assertThat(GitSource.lockFile(tmp.resolve("git/infra-0a1b2c.git"))).isEqualTo(tmp.resolve("git/infra-0a1b2c.git.lock"));
    }

    @Test
    void missingBranchIsATerminalFailure() throws Exception {
        try (GitSource source = GitSource.open(settings().withBranch("release"))) {
            assertThatThrownBy(source::poll).isInstanceOfSatisfying(GitSourceException.class, e -> {
                assertThat(e.failure()).isEqualTo(new SourceFailure.BranchMissing(upstream.dir().toString(), "release"));
                assertThat(e.isTransient()).isFalse();
                assertThat(e).hasMessage("git source " + upstream.dir() + " has no branch release");
            });
            assertThat(source.current()).isEmpty();
        }
    }

    @Test
    void otherBranchIsFollowedWhenConfigured() throws Exception {
        upstream.git().branchCreate().setName("staging").call();
        upstream.git().checkout().setName("staging").call();
        RevCommit staged = upstream.commit("environments/prod/hosts.yaml", "hosts: []\n", "Staging only");
        try (GitSource main = GitSource.open(settings());
             GitSource staging = GitSource.open(settings().withBranch("staging"))) {
            assertThat(main.poll().revision().commit()).isEqualTo(first);
            assertThat(staging.poll().revision().commit()).isEqualTo(staged);
            assertThat(main.cachePath()).isNotEqualTo(staging.cachePath());
        }
    }

    @Test
    void missingRepositoryIsReportedAsSuch() throws Exception {
        GitSourceSettings settings = GitSourceSettings.of(tmp.resolve("nowhere").toString(), tmp.resolve("cache"));
        try (GitSource source = GitSource.open(settings)) {
            assertThatThrownBy(source::poll).isInstanceOfSatisfying(GitSourceException.class, e -> {
                assertThat(e.failure()).isInstanceOf(SourceFailure.RepositoryMissing.class);
                assertThat(e).hasMessageContaining(tmp.resolve("nowhere").toString());
            });
        }
    }

    @Test
    void bareRepositoryByFileUrlIsASource() throws Exception {
        Path bare = tmp.resolve("infra.git");
        Git.cloneRepository().setURI(upstream.dir().toString()).setDirectory(bare.toFile()).setBare(true).call()
            .close();
        try (GitSource source = GitSource.open(GitSourceSettings.of("file://" + bare, tmp.resolve("cache")))) {
            assertThat(source.poll().revision().commit()).isEqualTo(first);
            assertThat(source.url().kind()).isEqualTo(RepoUrl.Kind.LOCAL);
            assertThat(source.subdirectory()).isEmpty();
        }
    }

    @Test
    void revisionsAreResolvedAgainstTheCache() throws Exception {
        RevCommit second = upstream.commit("environments/prod/hosts.yaml", "hosts: [app-2]\n", "Second");
        try (GitSource source = GitSource.open(settings())) {
            source.poll();

            assertThat(source.resolve(first.name().substring(0, 10)).commit()).isEqualTo(first);
            assertThat(source.resolve("main~1").commit()).isEqualTo(first);
            assertThat(source.resolve("main").commit()).isEqualTo(second);
            assertThatThrownBy(() -> source.resolve("v9.9.9")).isInstanceOfSatisfying(GitSourceException.class,
                e -> assertThat(e.failure()).isInstanceOf(SourceFailure.RevisionMissing.class));
        }
    }

    @Test
    void sshOptionsOnALocalPathAreRefused() {
        GitSourceSettings settings = settings().withSshKey(tmp.resolve("id"));
        assertThatThrownBy(() -> GitSource.open(settings)).isInstanceOfSatisfying(GitSourceException.class,
            e -> assertThat(e.failure()).isInstanceOf(SourceFailure.Misconfigured.class))
            .hasMessageContaining("is a local path");
    }

    static String readFile(Repository repo, ObjectId commit, String path) throws IOException {
        try (RevWalk walk = new RevWalk(repo);
             TreeWalk tw = TreeWalk.forPath(repo, path, walk.parseCommit(commit).getTree())) {
            assertThat(tw).as("%s in %s", path, commit.name()).isNotNull();
            return new String(repo.open(tw.getObjectId(0)).getBytes(), StandardCharsets.UTF_8);
        }
    }
}
