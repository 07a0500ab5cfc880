package dev.driftless.reconciler.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.driftless.reconciler.config.ConfigLoader;
import dev.driftless.reconciler.source.GitSource;
import java.nio.file.Path;
import org.eclipse.jgit.api.Git;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code driftless logs} through the command line: its arguments, and hosts that cannot be read
 * (loopback ports that refuse). Reading real containers and units: SystemdServicesIT.
 */
class LogsCommandTest {

    @TempDir
    Path tmp;

    private Path config;
    private int port;

    @BeforeEach
    void setUp() throws Exception {
        Path infra = tmp.resolve("infra");
        port = Cli.closedPort();
        Cli.write(infra.resolve("hosts.yaml"), """
            hosts:
              app-1: {address: 127.0.0.1, port: %d, user: deploy}
            """.formatted(port));
        Cli.write(infra.resolve("services/web.yaml"), "image: nginx:1.27\nplacement: {hosts: [app-1]}\n");
        try (Git git = Git.init().setDirectory(infra.toFile()).setInitialBranch("main").call()) {
            git.add().addFilepattern(".").call();
            git.commit().setMessage("web").setSign(false).setAuthor("t", "t@example.org")
                .setCommitter("t", "t@example.org").call();
        }
        Cli.sshKey(tmp);
        config = tmp.resolve("driftless.yaml");
        Cli.write(config, """
            repo: {url: infra}
            ssh: {key: id_ed25519, connect-timeout: 5s}
            state-dir: state
            metrics: {listen: off}
            """);
    }

    private void daemonFetched() throws Exception {
        try (GitSource source = GitSource.open(ConfigLoader.load(config).gitSource())) {
            source.poll();
        }
    }

    @Test
    void beforeTheDaemonFetchedTheRepoTheHostsAreUnknown() {
        Cli.Run run = Cli.run("logs", "web", "--config", config.toString());

        assertThat(run.exit()).isEqualTo(1);
        assertThat(run.err()).isEqualTo("driftless logs: no revision of the repo with a valid inventory has been"
            + " fetched yet, so the hosts are unknown: run the daemon (driftless run) first\n");
    }

    @Test
    void argumentsAreCheckedBeforeAnyHostIsAsked() throws Exception {
        daemonFetched();

        assertThat(Cli.run("logs", "Web;rm", "-c", config.toString()).err())
            .contains("--service: \"Web;rm\" is not a service name");
        assertThat(Cli.run("logs", "web", "-n", "0", "-c", config.toString()).err())
            .isEqualTo("driftless logs: --lines must be from 1 to 10000\n");
        assertThat(Cli.run("logs", "web", "--host", "db-9", "-c", config.toString()).err())
            .isEqualTo("driftless logs: --host: no host db-9 in the inventory (hosts: app-1)\n");
        Cli.Run none = Cli.run("logs", "-c", config.toString());
        assertThat(none.exit()).as("a usage error, like any").isEqualTo(1);
        assertThat(none.err()).startsWith("Missing required parameter: 'SERVICE'");
    }

    @Test
    void aHostThatCannotBeReadIsAnErrorNamingIt() throws Exception {
        daemonFetched();

        Cli.Run run = Cli.run("logs", "web", "-c", config.toString());

        assertThat(run.exit()).isEqualTo(1);
        assertThat(run.out()).isEmpty();
        assertThat(run.err()).isEqualTo("driftless logs: host app-1 (deploy@127.0.0.1:" + port + ") is unreachable:"
            + " connection refused (is sshd listening on port " + port + "?)\n");
    }

    @Test
    void followingWithNothingToFollowEndsAtOnceNamingTheHost() throws Exception {
        daemonFetched();

        Cli.Run run = Cli.run("logs", "web", "-f", "-c", config.toString());

        assertThat(run.exit()).isEqualTo(1);
        assertThat(run.out()).isEmpty();
        assertThat(run.err()).isEqualTo("driftless logs: host app-1 (deploy@127.0.0.1:" + port + ") is unreachable:"
            + " connection refused (is sshd listening on port " + port + "?)\n");
    }
}
