package dev.driftless.reconciler.source;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import dev.driftless.reconciler.testhosts.SshKeyPair;
import dev.driftless.reconciler.testhosts.TestHost;
import dev.driftless.reconciler.testhosts.TestHosts;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.eclipse.jgit.util.FS;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The git source against a real repository served by git over sshd on a test host: pushes are made
 * on the host by user deploy with the git CLI, fetched here through JGit with the harness's deploy
 * key and a known_hosts file that pins the host.
 */
class GitSourceSshIT {

    static final String REPO = "/home/deploy/infra.git";
    static final String WORK = "/home/deploy/work";

    static TestHosts hosts;
    static TestHost git;

    @TempDir
    Path tmp;

    @BeforeAll
    static void startGitHost() {
        hosts = TestHosts.builder().host("git").host("bastion").start();
        git = hosts.host("git");
        asDeploy("git", "init", "-q", "--bare", "-b", "main", REPO);
        asDeploy("git", "clone", "-q", REPO, WORK);
        commitOnHost("environments/prod/hosts.yaml", "hosts: [app-1]\n", "Initial desired state");
    }

    @AfterAll
    static void removeGitHost() {
        if (hosts != null) {
            hosts.close();
        }
    }

    String url() {
        return "ssh://deploy@127.0.0.1:" + git.sshPort() + REPO;
    }

    GitSourceSettings settings() {
        return GitSourceSettings.of(url(), tmp.resolve("cache"))
            .withSubdirectory("environments/prod")
            .withSshKey(hosts.deployKeyFile())
            .withKnownHosts(hosts.knownHostsFile())
            .withTimeout(Duration.ofSeconds(20));
    }

    @Test
    void clonesOverSshWithTheHostKeyPinned() throws Exception {
        String head = hostHead();
        try (GitSource source = GitSource.open(settings())) {
            PollResult poll = source.poll();

            assertThat(poll.moved()).isTrue();
            assertThat(poll.revision().sha()).isEqualTo(head);
            assertThat(poll.revision().author()).isEqualTo("Grace Hopper");
            assertThat(poll.revision().authorEmail()).isEqualTo("grace@example.org");
            assertThat(GitSourceLocalTest.readFile(source.repository(), poll.revision().commit(),
                "environments/prod/hosts.yaml")).startsWith("hosts:");
            assertThat(source.repository().isBare()).isTrue();
        }
    }

    @Test
    void newCommitPushedToTheServerIsFetchedAndAnUnchangedBranchIsNot() throws Exception {
        try (GitSource source = GitSource.open(settings())) {
            String before = source.poll().revision().sha();
            assertThat(source.poll().fetched()).isFalse();

            String pushed = commitOnHost("environments/prod/hosts.yaml", "hosts: [app-1, app-2]\n", "Add app-2");
            PollResult poll = source.poll();

            assertThat(poll.moved()).isTrue();
            assertThat(poll.fetched()).isTrue();
            assertThat(poll.previous().orElseThrow().name()).isEqualTo(before);
            assertThat(poll.revision().sha()).isEqualTo(pushed);
            assertThat(poll.revision().message()).isEqualTo("Add app-2");
            assertThat(source.poll().fetched()).isFalse();
        }
    }

    @Test
    void forcePushIsRefusedNamingBothCommits() throws Exception {
        try (GitSource source = GitSource.open(settings())) {
            String accepted = commitOnHost("environments/prod/hosts.yaml", "hosts: [app-3]\n", "Add app-3");
            assertThat(source.poll().revision().sha()).isEqualTo(accepted);

            work("reset", "-q", "--hard", "HEAD~1");
            String rewritten = commitOnHost("environments/prod/hosts.yaml", "hosts: [app-9]\n", "Rewrite history",
                "--force");

            assertThatThrownBy(source::poll).isInstanceOfSatisfying(GitSourceException.class, e -> {
                assertThat(e.failure()).isEqualTo(
                    new SourceFailure.ForcePushRefused(url(), "main", accepted, rewritten));
                assertThat(e).hasMessageContaining(accepted).hasMessageContaining(rewritten);
            });
            assertThat(source.current().orElseThrow().sha()).isEqualTo(accepted);
        }
        try (GitSource allowing = GitSource.open(settings().withAllowForcePush(true))) {
            PollResult poll = allowing.poll();
            assertThat(poll.forcePushed()).isTrue();
            assertThat(poll.revision().sha()).isEqualTo(hostHead());
        }
    }

    @Test
    void throughAJumpHostAServerOnlyItCanReachIsFetchedWithBothKeysPinned() throws Exception {
        // git by its name on the hosts' network: only the bastion can resolve and reach it.
        String inside = "ssh://deploy@git" + REPO;
        TestHost bastion = hosts.host("bastion");
        Path knownHosts = writeKnownHosts(bastion.knownHostsLine() + "\ngit " + git.hostKey());
        Optional<dev.driftless.reconciler.ssh.JumpRoute> jump = Optional.of(dev.driftless.reconciler.ssh.JumpRoute.of(
            new dev.driftless.reconciler.ssh.JumpHost("deploy", "127.0.0.1", bastion.sshPort())));
        GitSourceSettings via = new GitSourceSettings(inside, "main", Optional.of("environments/prod"),
            tmp.resolve("cache"), Optional.of(hosts.deployKeyFile()), Optional.of(knownHosts), Optional.empty(),
            Optional.empty(), Optional.empty(), false, Duration.ofSeconds(20)).withJump(jump);

        try (GitSource source = GitSource.open(via)) {
            assertThat(source.poll().revision().sha()).isEqualTo(hostHead());
            String next = commitOnHost("environments/prod/hosts.yaml", "hosts: [app-1]\n# fetched through the bastion "
                + System.nanoTime() + "\n", "Pushed while the bastion is the way in");
            PollResult moved = source.poll();
            assertThat(moved.fetched()).isTrue();
            assertThat(moved.revision().sha()).isEqualTo(next);
        }
        try (GitSource direct = GitSource.open(via.withJump(Optional.empty()))) {
            assertThatThrownBy(direct::poll).as("not reachable without the jump host")
                .isInstanceOf(GitSourceException.class);
        }
        // The jump host's key is pinned like the server's: unknown, it is refused.
        Path onlyGit = writeKnownHosts("git " + git.hostKey());
        try (GitSource source = GitSource.open(via.withKnownHosts(onlyGit))) {
            assertThatThrownBy(source::poll).isInstanceOfSatisfying(GitSourceException.class, e -> {
                SourceFailure.HostKeyRefused refused = (SourceFailure.HostKeyRefused) e.failure();
                assertThat(refused.problem()).isEqualTo(SourceFailure.HostKeyProblem.UNKNOWN);
                assertThat(refused.host()).isEqualTo("[127.0.0.1]:" + bastion.sshPort());
            });
        }
    }

    @Test
    void unknownHostKeyIsRefusedWithTheOfferedFingerprint() throws Exception {
        // Pins the right key, but for another port: the host at this port is unknown.
        Path knownHosts = writeKnownHosts("[127.0.0.1]:1 " + git.hostKey());
        try (GitSource source = GitSource.open(settings().withKnownHosts(knownHosts))) {
            assertThatThrownBy(source::poll).isInstanceOfSatisfying(GitSourceException.class, e -> {
                SourceFailure.HostKeyRefused refused = (SourceFailure.HostKeyRefused) e.failure();
                assertThat(refused.problem()).isEqualTo(SourceFailure.HostKeyProblem.UNKNOWN);
                assertThat(refused.host()).isEqualTo("[127.0.0.1]:" + git.sshPort());
                assertThat(fingerprintOf(refused.offered())).isIn(hostFingerprints());
                assertThat(e).hasMessageContaining(fingerprintOf(refused.offered()))
                    .hasMessageContaining(knownHosts.toString());
                assertThat(e.isTransient()).isFalse();
            });
            assertThat(source.current()).isEmpty();
        }
        assertThat(Files.readString(knownHosts)).as("known_hosts is never written")
            .isEqualTo("[127.0.0.1]:1 " + git.hostKey() + "\n");
    }

    @Test
    void aPinnedKeyThatSshRevokedHostKeysListsIsRefusedAndAnotherListLetsItThrough() throws Exception {
        Path revoked = Files.writeString(tmp.resolve("revoked_keys"), "# revoked host keys\n" + git.hostKey() + "\n");
        try (GitSource source = GitSource.open(settings().withRevokedHostKeys(Optional.of(revoked)))) {
            assertThatThrownBy(source::poll).isInstanceOfSatisfying(GitSourceException.class, e -> {
                SourceFailure.HostKeyRefused refused = (SourceFailure.HostKeyRefused) e.failure();
                assertThat(refused.problem()).isEqualTo(SourceFailure.HostKeyProblem.REVOKED_BY_LIST);
                assertThat(e).hasMessageContaining("the server offered " + refused.offered() + "; it is revoked: "
                    + revoked + " revokes key ").hasMessageEndingWith(" (ssh.revoked-host-keys)");
                assertThat(e.isTransient()).isFalse();
            });
            assertThat(source.current()).isEmpty();
        }
        String otherKey = SshKeyPair.generate(tmp.resolve("retired"), "retired").publicKeyLine();
        Files.writeString(revoked, otherKey + "\n");
        try (GitSource source = GitSource.open(settings().withRevokedHostKeys(Optional.of(revoked)))) {
            assertThat(source.poll().revision().sha()).as("a list without its key").isEqualTo(hostHead());
        }
    }

    @Test
    void changedHostKeyIsRefusedNamingOfferedAndPinnedKeys() throws Exception {
        String impostorKey = SshKeyPair.generate(tmp.resolve("impostor"), "impostor").publicKeyLine();
        Path knownHosts = writeKnownHosts("[127.0.0.1]:" + git.sshPort() + " " + impostorKey);
        try (GitSource source = GitSource.open(settings().withKnownHosts(knownHosts))) {
            assertThatThrownBy(source::poll).isInstanceOfSatisfying(GitSourceException.class, e -> {
                SourceFailure.HostKeyRefused refused = (SourceFailure.HostKeyRefused) e.failure();
                assertThat(refused.problem()).isEqualTo(SourceFailure.HostKeyProblem.CHANGED);
                // The pinned key's type is preferred in negotiation, so the host offers its ed25519 key.
                assertThat(refused.offered()).isEqualTo("ssh-ed25519 " + hostFingerprint("ed25519"));
                assertThat(refused.pinned()).singleElement().asString().startsWith("ssh-ed25519 SHA256:")
                    .isNotEqualTo(refused.offered());
                assertThat(e).hasMessageContaining("CHANGED").hasMessageContaining(hostFingerprint("ed25519"));
            });
        }
    }

    @Test
    void aServerVouchedForByAnSshHostCaIsTrustedThroughItsCertificate() throws Exception {
        Path ca = dev.driftless.reconciler.ssh.SshKeygen.generate(tmp, "host-ca", "ed25519", "");
        Path knownHosts = writeKnownHosts("@cert-authority [127.0.0.1]:" + git.sshPort() + " "
            + dev.driftless.reconciler.ssh.SshKeygen.publicKey(ca));
        try {
            hosts.presentHostCertificate("git", ca, "127.0.0.1", "-5m:+1h");
            try (GitSource source = GitSource.open(settings().withKnownHosts(knownHosts))) {
                assertThat(source.poll().revision().sha()).isEqualTo(hostHead());
            }

            // Issued for another name: Apache MINA refuses it in the key exchange; still a host key refusal.
            hosts.presentHostCertificate("git", ca, "db-9.example.org", "-5m:+1h");
            try (GitSource source = GitSource.open(settings().withKnownHosts(knownHosts))) {
                assertThatThrownBy(source::poll).isInstanceOfSatisfying(GitSourceException.class, e -> {
                    SourceFailure.HostKeyRefused refused = (SourceFailure.HostKeyRefused) e.failure();
                    assertThat(refused.problem()).isEqualTo(SourceFailure.HostKeyProblem.INVALID_CERTIFICATE);
                    assertThat(refused.detail()).isEqualTo("certificate \"git-host\" is issued for db-9.example.org,"
                        + " not for 127.0.0.1");
                    assertThat(e.isTransient()).isFalse();
                });
            }

            // A valid certificate of a CA that is not listed: unknown, never trusted on first use.
            Path other = dev.driftless.reconciler.ssh.SshKeygen.generate(tmp, "other-ca", "ed25519", "");
            hosts.presentHostCertificate("git", other, "127.0.0.1", "-5m:+1h");
            try (GitSource source = GitSource.open(settings().withKnownHosts(knownHosts))) {
                assertThatThrownBy(source::poll).isInstanceOfSatisfying(GitSourceException.class, e -> {
                    SourceFailure.HostKeyRefused refused = (SourceFailure.HostKeyRefused) e.failure();
                    assertThat(refused.problem()).isEqualTo(SourceFailure.HostKeyProblem.UNKNOWN);
                    assertThat(refused.offered()).startsWith("a host certificate of ssh-ed25519 "
                        + hostFingerprint("ed25519") + " (\"git-host\", serial 42) signed by CA key ssh-ed25519 SHA256:");
                    assertThat(refused.detail()).startsWith("no @cert-authority line names that CA for it");
                });
            }
        } finally {
            hosts.withdrawHostCertificate("git");
        }
    }

    @Test
    void wrongDeployKeyIsAnAuthenticationFailure() throws Exception {
        Path otherKey = SshKeyPair.generate(tmp.resolve("other"), "not-authorised").privateKeyFile();
        try (GitSource source = GitSource.open(settings().withSshKey(otherKey))) {
            assertThatThrownBy(source::poll).isInstanceOfSatisfying(GitSourceException.class, e -> {
                assertThat(e.failure()).isInstanceOf(SourceFailure.AuthFailed.class);
                assertThat(e.isTransient()).isFalse();
                assertThat(e).hasMessageContaining(url());
            });
        }
    }

    @Test
    void missingRepositoryOnTheServerIsReported() throws Exception {
        String url = "ssh://deploy@127.0.0.1:" + git.sshPort() + "/home/deploy/nope.git";
        try (GitSource source = GitSource.open(GitSourceSettings.of(url, tmp.resolve("cache"))
                .withSshKey(hosts.deployKeyFile()).withKnownHosts(hosts.knownHostsFile()))) {
            assertThatThrownBy(source::poll).isInstanceOfSatisfying(GitSourceException.class,
                e -> assertThat(e.failure()).isInstanceOf(SourceFailure.RepositoryMissing.class));
        }
    }

    @Test
    void closedPortIsUnreachableAndTransient() throws Exception {
        int closed = dev.driftless.reconciler.testhosts.LoopbackPorts.closed();
        String url = "ssh://deploy@127.0.0.1:" + closed + REPO;
        try (GitSource source = GitSource.open(GitSourceSettings.of(url, tmp.resolve("cache"))
                .withSshKey(hosts.deployKeyFile()).withKnownHosts(hosts.knownHostsFile()))) {
            assertThatThrownBy(source::poll).isInstanceOfSatisfying(GitSourceException.class, e -> {
                assertThat(e.failure()).isInstanceOf(SourceFailure.Unreachable.class);
                assertThat(e.isTransient()).isTrue();
            });
        }
    }

    @Test
    void hostThatStopsAnsweringTimesOutAsTransient() throws Exception {
        try (GitSource warm = GitSource.open(settings())) {
            warm.poll();
        }
        try (GitSource source = GitSource.open(settings().withTimeout(Duration.ofSeconds(3)))) {
            hosts.pause("git");
            try {
                // The frozen host still accepts TCP (docker's port proxy) but never answers the SSH
                // handshake: the poll must give up after the configured timeout, not sshd's 2 minutes.
                assertTimeoutPreemptively(Duration.ofSeconds(30), () ->
                    assertThatThrownBy(source::poll).isInstanceOfSatisfying(GitSourceException.class, e -> {
                        assertThat(e.failure()).isEqualTo(new SourceFailure.Unreachable(url(), "no answer within 3s"));
                        assertThat(e.isTransient()).isTrue();
                    }));
                assertThat(source.current()).as("the cached revision stays usable").isPresent();
            } finally {
                hosts.unpause("git");
            }
        }
    }

    @Test
    void userSshDirectoryIsNeverRead() throws Exception {
        // A ~/.ssh that would break every connection if it were read: wrong port, wrong key, no checking.
        Path home = tmp.resolve("home");
        Files.createDirectories(home.resolve(".ssh"));
        Files.writeString(home.resolve(".ssh/config"),
            "Host *\n  Port 1\n  IdentityFile ~/.ssh/bogus\n  StrictHostKeyChecking no\n");
        Files.writeString(home.resolve(".ssh/known_hosts"), "");
        FS fs = FS.DETECTED;
        File before = fs.userHome();
        fs.setUserHome(home.toFile());
        try (GitSource source = GitSource.open(settings())) {
            assertThat(source.poll().revision().sha()).isEqualTo(hostHead());
        } finally {
            fs.setUserHome(before);
        }
        assertThat(Files.readString(home.resolve(".ssh/known_hosts"))).isEmpty();
    }

    // --- the host side ---------------------------------------------------------------------------

    static String asDeploy(String... argv) {
        String[] command = Stream.concat(Stream.of("runuser", "-u", "deploy", "--", "env", "HOME=/home/deploy"),
            Arrays.stream(argv)).toArray(String[]::new);
        return hosts.exec("git", command);
    }

    static String work(String... gitArgs) {
        List<String> argv = new ArrayList<>(List.of("git", "-C", WORK, "-c", "user.name=Grace Hopper",
            "-c", "user.email=grace@example.org"));
        argv.addAll(List.of(gitArgs));
        return asDeploy(argv.toArray(String[]::new));
    }

    /** Commits a file in the host's work clone and pushes it; returns the new head. */
    static String commitOnHost(String path, String content, String message, String... pushFlags) {
        asDeploy("sh", "-c", "mkdir -p \"$(dirname \"$1\")\" && printf '%s' \"$2\" > \"$1\"", "sh",
            WORK + "/" + path, content);
        work("add", path);
        work("commit", "-q", "-m", message);
        List<String> push = new ArrayList<>(List.of("push", "-q"));
        push.addAll(List.of(pushFlags));
        push.addAll(List.of("origin", "main"));
        work(push.toArray(String[]::new));
        return hostHead();
    }

    static String hostHead() {
        return asDeploy("git", "--git-dir", REPO, "rev-parse", "main").strip();
    }

    /** "SHA256:…" of each of the host's keys, as ssh-keygen prints them on the host itself. */
    static List<String> hostFingerprints() {
        return Stream.of("ed25519", "ecdsa", "rsa").map(GitSourceSshIT::hostFingerprint).toList();
    }

    static String hostFingerprint(String type) {
        return hosts.exec("git", "ssh-keygen", "-l", "-f", "/etc/ssh/ssh_host_" + type + "_key.pub").split(" ")[1];
    }

    static String fingerprintOf(String described) {
        return described.substring(described.indexOf(' ') + 1);
    }

    Path writeKnownHosts(String line) throws IOException {
        Path file = tmp.resolve("known_hosts");
        Files.writeString(file, line + "\n");
        return file;
    }
}
