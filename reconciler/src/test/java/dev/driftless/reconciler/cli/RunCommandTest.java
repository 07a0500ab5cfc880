package dev.driftless.reconciler.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import dev.driftless.reconciler.ChildJvm;
import dev.driftless.reconciler.lock.LockHolder;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.eclipse.jgit.api.Git;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code driftless run}: the daemon refuses to start, with a message and exit 1, when it has no
 * usable configuration; nothing is left running. (The running daemon is proven end to end.)
 */
class RunCommandTest {

    private static final Duration START_LIMIT = Duration.ofSeconds(60);

    @TempDir
    Path tmp;

    private Cli.Run run(String... args) {
        return assertTimeoutPreemptively(START_LIMIT, () -> Cli.run(args), "driftless run must not start");
    }

    /** A configuration that would start: a local repo, a real key, metrics on {@code metrics}. */
    private Path startableConfig(String metrics) throws Exception {
        Path infra = tmp.resolve("infra");
        Cli.write(infra.resolve("hosts.yaml"), "hosts:\n  app-1: {address: 127.0.0.1, port: " + Cli.closedPort()
            + ", user: deploy}\n");
        try (Git git = Git.init().setDirectory(infra.toFile()).setInitialBranch("main").call()) {
            git.add().addFilepattern(".").call();
            git.commit().setMessage("inventory").setSign(false).setAuthor("t", "t@example.org")
                .setCommitter("t", "t@example.org").call();
        }
        Cli.sshKey(tmp);
        return Cli.daemonConfig(tmp, metrics);
    }

    @Test
    void withoutAConfigurationItSaysWhatToPass() {
        assumeFalse(Cli.configFoundWithoutOption(), "a driftless.yaml is found on this machine");

        Cli.Run run = run("run");

        assertThat(run.exit()).isEqualTo(1);
        assertThat(run.out()).isEmpty();
        assertThat(run.err()).isEqualTo("driftless run: no configuration: pass --config FILE (see docs/configuration.md); "
            + "run needs the repo, SSH and state settings\n");
    }

    @Test
    void aMissingConfigurationFileIsAnErrorNamingIt() {
        Path missing = tmp.resolve("etc/driftless.yaml");

        Cli.Run run = run("run", "--config", missing.toString());

        assertThat(run.exit()).isEqualTo(1);
        assertThat(run.err()).isEqualTo("driftless run: " + missing + ":0:0: configuration file not found\n");
    }

    @Test
    void everyProblemOfTheConfigurationIsReportedAtItsLineAndNothingStarts() {
        Path config = tmp.resolve("driftless.yaml");
        Cli.write(config, """
            repo:
              url: infra
              brnach: main
            ssh: {key: id_ed25519}
            state-dir: state
            intervals: {poll: 0s}
            """);

        Cli.Run run = run("run", "--config", config.toString());

        assertThat(run.exit()).isEqualTo(1);
        assertThat(run.err()).isEqualTo("driftless run: " + config + ":3:3: unknown field \"brnach\" in repo (did you mean "
            + "\"branch\"?)\n" + config + ":6:19: intervals.poll must be longer than zero\n");
        assertThat(tmp.resolve("state")).doesNotExist();
    }

    @Test
    void anUnknownLogFormatIsAUsageError() {
        Cli.Run run = run("run", "--log-format", "xml");

        assertThat(run.exit()).isEqualTo(1);
        assertThat(run.err()).startsWith("Invalid value for option '--log-format': expected one of [text, json] "
            + "(case-sensitive) but was 'xml'");
    }

    @Test
    void helpNamesTheOptions() {
        Cli.Run run = run("run", "--help");

        assertThat(run.exit()).isZero();
        assertThat(run.out()).startsWith("Usage: driftless run ").contains("-c, --config=FILE", "--log-format=FORMAT");
    }

    @Test
    void aMissingSshKeyStopsTheStartWithAMessageNamingIt() throws Exception {
        Path config = startableConfig("off");
        Files.delete(tmp.resolve("id_ed25519"));

        Cli.Run run = run("run", "--config", config.toString());

        assertThat(run.exit()).isEqualTo(1);
        assertThat(run.err()).isEqualTo("driftless run: SSH private key " + tmp.resolve("id_ed25519")
            + " does not exist or is not a file\n");
    }

    @Test
    void aMetricsAddressInUseStopsTheStartWithAMessageNamingIt() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            Path config = startableConfig("127.0.0.1:" + taken.getLocalPort());

            Cli.Run run = run("run", "--config", config.toString());

            assertThat(run.exit()).isEqualTo(1);
            assertThat(run.err()).isEqualTo("driftless run: cannot serve metrics on 127.0.0.1:" + taken.getLocalPort()
                + " (metrics.listen): Address already in use\n");
        }
        // Everything the start opened was closed again: the history database can be opened by another process.
        Cli.Run history = Cli.run("history", "--config", tmp.resolve("driftless.yaml").toString());
        assertThat(history.exit()).isZero();
    }

    @Test
    void aSecondDaemonOnTheSameStateDirectoryIsRefusedNamingTheFirst() throws Exception {
        Path config = startableConfig("off");
        Path lock = tmp.resolve("state").resolve("daemon.lock");
        ChildJvm first = ChildJvm.launch(LockHolder.class, lock.toString(), "driftless run --config " + config);
        try {
            Cli.Run run = run("run", "--config", config.toString());

            assertThat(run.exit()).isEqualTo(1);
            assertThat(run.err()).matches("driftless run: the state directory " + java.util.regex.Pattern.quote(
                tmp.resolve("state").toString()) + " is in use by another daemon \\(driftless run --config "
                + java.util.regex.Pattern.quote(config.toString()) + ", pid " + first.pid() + " on \\S+ since \\S+Z\\):"
                + " one daemon per state directory; to run several for one environment, give each its own state-dir"
                + " and share a PostgreSQL history \\(cluster: true\\)\n");
            assertThat(tmp.resolve("state")).as("the refused daemon opened neither history nor git cache")
                .isDirectoryNotContaining(p -> !p.getFileName().toString().equals("daemon.lock"));
        } finally {
            first.kill();
        }
    }

    @Test
    void checkSaysAConfigurationTheDaemonCanStartWithIsFineAndStartsNothing() throws Exception {
        Path config = startableConfig("127.0.0.1:" + Cli.closedPort());

        Cli.Run run = run("run", "--check", "--config", config.toString());

        assertThat(run.exit()).as(run.err()).isZero();
        assertThat(run.out()).isEqualTo("configuration " + config + " is fine: repo " + tmp.resolve("infra")
            + " (main), state in " + tmp.resolve("state") + "\n");
        assertThat(tmp.resolve("state")).as("nothing was created").doesNotExist();
    }

    @Test
    void checkNamesEveryFileTheDaemonWouldFailOnLater() throws Exception {
        Path config = startableConfig("127.0.0.1:" + Cli.closedPort());
        Cli.write(tmp.resolve("blank-token"), "\n");
        java.nio.file.Files.writeString(config, """
            secrets: {age-key-file: keys/age.txt}
            notifications:
              - {url-file: keys/slack-url, format: slack}
            """, java.nio.file.StandardOpenOption.APPEND);
        java.nio.file.Files.writeString(config, java.nio.file.Files.readString(config)
            .replace("metrics: {", "metrics: {reconcile-token-file: blank-token, ")
            .replace("repo: {url: infra}", "repo: {url: infra, verify: {ssh-allowed-signers: keys/allowed_signers}}"));
        java.nio.file.Files.delete(tmp.resolve("id_ed25519"));

        Cli.Run run = run("run", "--check", "--config", config.toString());

        assertThat(run.exit()).isEqualTo(1);
        assertThat(run.err().lines().toList()).containsExactly(
            config + ": ssh.key: " + tmp.resolve("id_ed25519") + " does not exist",
            config + ": secrets.age-key-file " + tmp.resolve("keys/age.txt") + ": " + tmp.resolve("keys/age.txt")
                + " does not exist",
            config + ": metrics.reconcile-token-file: " + tmp.resolve("blank-token")
                + " is empty; put the secret on its first line",
            config + ": repo.verify: " + tmp.resolve("keys/allowed_signers")
                + ": cannot read the allowed signers file (NoSuchFileException)",
            config + ": notifications[0]: cannot read " + tmp.resolve("keys/slack-url") + ": NoSuchFileException");
    }

    @Test
    void checkRefusesARevokedHostKeysFileThatIsNotOne() throws Exception {
        Path config = startableConfig("127.0.0.1:" + Cli.closedPort());
        java.nio.file.Files.writeString(config, java.nio.file.Files.readString(config)
            .replace("ssh: {key: id_ed25519}", "ssh: {key: id_ed25519, revoked-host-keys: hosts.krl}"));
        Cli.write(tmp.resolve("hosts.krl"), "app-1 was rebuilt\n");

        Cli.Run run = run("run", "--check", "--config", config.toString());

        assertThat(run.exit()).isEqualTo(1);
        assertThat(run.err().lines().toList()).containsExactly(config + ": ssh.revoked-host-keys " + tmp.resolve("hosts.krl")
            + ":1: not a public key (expected \"key-type base64-key [comment]\", as in a .pub file, or a key revocation"
            + " list from ssh-keygen -k)");
    }
}
