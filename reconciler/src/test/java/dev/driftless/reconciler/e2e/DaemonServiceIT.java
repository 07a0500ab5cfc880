package dev.driftless.reconciler.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.driftless.reconciler.testhosts.TestHosts;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.eclipse.jgit.api.Git;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.testcontainers.containers.Container.ExecResult;

/**
 * The daemon as ops install it on a VM: {@code scripts/install.sh} on a real host (a test host with
 * systemd as PID 1, sshd and dockerd; the JDK of this JVM mounted read-only under /usr/lib/jvm),
 * then {@code driftless.service} with all its hardening. It starts, deploys a repo to the same host
 * over SSH, logs to the journal, serves the CLI from /usr/local/bin, and stops cleanly.
 */
class DaemonServiceIT {

    private static final String HOST = "ops-1";
    /** Not in /tmp: a trixie host mounts a tmpfs there at boot, hiding what is copied below it. */
    private static final String SRC = "/var/tmp/driftless-src";

    static TestHosts hosts;

    @TempDir
    static Path tmp;

    @BeforeAll
    static void start() {
        Path javaHome = Path.of(System.getProperty("java.home"));
        hosts = TestHosts.builder().host(HOST).mount(javaHome, "/usr/lib/jvm/" + javaHome.getFileName()).start();
        hosts.loadImage(HOST, "driftless/sample-svc:1.0.0");
    }

    @AfterAll
    static void stop() {
        if (hosts != null) {
            hosts.close();
        }
    }

    @Test
    void installedAsAServiceItDeploysLogsToTheJournalAndStopsCleanly() throws Exception {
        // What install.sh needs, laid out as in a checkout (an unpacked copy holds the same files).
        Path root = Path.of("..").toAbsolutePath().normalize();
        for (String f : List.of("scripts/install.sh", "scripts/driftless")) {
            hosts.copyTo(HOST, root.resolve(f), SRC + "/" + f, 0755);
        }
        for (String f : List.of("scripts/lib/common.sh", "packaging/driftless.service", "docs/install.md")) {
            hosts.copyTo(HOST, root.resolve(f), SRC + "/" + f, 0644);
        }
        Path jar = DriftlessJar.locate().path();
        hosts.copyTo(HOST, jar, SRC + "/lib/" + jar.getFileName(), 0644);

        ExecResult first = hosts.execResult(HOST, SRC + "/scripts/install.sh");
        assertThat(first.getExitCode()).as(first.getStderr()).isZero();
        assertThat(first.getStdout()).contains("installed driftless 0.1.0").contains("next: write /etc/driftless/");
        assertThat(hosts.exec(HOST, "stat", "-c", "%a %U:%G", "/etc/driftless").strip()).isEqualTo("750 root:driftless");
        assertThat(hosts.exec(HOST, "driftless", "--version")).startsWith("driftless ");

        // The infra repo (on the host itself) deploys one service to that same host, over SSH.
        Path repo = tmp.resolve("infra");
        Files.createDirectories(repo.resolve("services"));
        Files.writeString(repo.resolve("hosts.yaml"), """
            hosts:
              ops-1: {address: 127.0.0.1, user: deploy, host-key: "%s"}
            """.formatted(hosts.host(HOST).hostKey()));
        Files.writeString(repo.resolve("services/web.yaml"), """
            image: driftless/sample-svc:1.0.0
            placement: {hosts: [ops-1]}
            env: {MODE: http}
            health:
              http: {port: 8080, path: /healthz}
              timeout: 20s
            """);
        try (Git git = Git.init().setDirectory(repo.toFile()).setInitialBranch("main").call()) {
            git.add().addFilepattern(".").call();
            git.commit().setMessage("web on ops-1").setSign(false).setAuthor("ops", "ops@example.org")
                .setCommitter("ops", "ops@example.org").call();
        }
        hosts.copyTo(HOST, repo, "/srv/infra", 0755);
        hosts.exec(HOST, "chmod", "-R", "a+rX", "/srv/infra");
        // The usual mistake first: the key readable by root alone.
        hosts.copyTo(HOST, hosts.deployKeyFile(), "/etc/driftless/keys/id_ed25519", 0600);
        hosts.exec(HOST, "chgrp", "driftless", "/etc/driftless/keys");
        hosts.exec(HOST, "chmod", "0750", "/etc/driftless/keys");
        Path config = tmp.resolve("driftless.yaml");
        Files.writeString(config, """
            repo: {url: /srv/infra, branch: main}
            ssh: {key: /etc/driftless/keys/id_ed25519}
            state-dir: /var/lib/driftless
            intervals: {poll: 2s, drift: 10s, retry: 3s}
            metrics: {listen: "127.0.0.1:9464"}
            """);
        hosts.copyTo(HOST, config, "/etc/driftless/driftless.yaml", 0640);
        hosts.exec(HOST, "chgrp", "driftless", "/etc/driftless/driftless.yaml");

        ExecResult refused = hosts.execResult(HOST, SRC + "/scripts/install.sh");
        assertThat(refused.getExitCode()).isEqualTo(1);
        assertThat(refused.getStderr()).contains("/etc/driftless/driftless.yaml: ssh.key: "
            + "/etc/driftless/keys/id_ed25519 is not readable by this user")
            .contains("driftless.service not (re)started");
        assertThat(hosts.execResult(HOST, "systemctl", "is-enabled", "driftless").getStdout().strip())
            .isEqualTo("disabled");
        hosts.exec(HOST, "chgrp", "driftless", "/etc/driftless/keys/id_ed25519");
        hosts.exec(HOST, "chmod", "0640", "/etc/driftless/keys/id_ed25519");

        ExecResult again = hosts.execResult(HOST, SRC + "/scripts/install.sh");
        assertThat(again.getExitCode()).as(again.getStderr()).isZero();
        assertThat(again.getStdout()).contains("configuration /etc/driftless/driftless.yaml is fine")
            .contains("driftless.service enabled and (re)started");

        E2eEnvironment.await("the service to deploy web").atMost(Duration.ofSeconds(90))
            .failFast("the service failed", () -> hosts.execResult(HOST, "systemctl", "is-failed", "--quiet",
                "driftless").getExitCode() == 0)
            // The container runs before the rollout is over (it is health-gated): wait for the outcome.
            .until(() -> hosts.exec(HOST, "journalctl", "-u", "driftless", "--no-pager", "-o", "cat")
                .contains("web ops-1 web-1 create succeeded"));
        assertThat(hosts.exec(HOST, "journalctl", "-u", "driftless", "--no-pager", "-o", "cat"))
            .contains("driftless daemon started");
        assertThat(hosts.exec(HOST, "docker", "ps", "-q", "--filter", "label=dev.driftless.service=web",
            "--filter", "status=running")).isNotBlank();
        assertThat(hosts.exec(HOST, "runuser", "-u", "driftless", "--", "driftless", "history", "--config",
            "/etc/driftless/driftless.yaml")).as("the CLI reads the history the service writes").contains("SUCCEEDED");
        assertThat(hosts.exec(HOST, "stat", "-c", "%a %U", "/var/lib/driftless").strip()).isEqualTo("700 driftless");
        assertThat(hosts.exec(HOST, "systemctl", "show", "driftless", "-p", "User", "-p", "NoNewPrivileges",
            "-p", "ProtectSystem", "-p", "MainPID")).contains("User=driftless").contains("NoNewPrivileges=yes")
            .contains("ProtectSystem=strict");
        String pid = hosts.exec(HOST, "systemctl", "show", "driftless", "-p", "MainPID", "--value").strip();
        assertThat(hosts.exec(HOST, "ps", "-o", "user=", "-p", pid).strip()).isEqualTo("driftless");

        // systemctl reload: the unit sends SIGHUP, the daemon reads its file again and stays up.
        hosts.exec(HOST, "sed", "-i", "-e", "s/poll: 2s/poll: 3s/", "-e", "s/127.0.0.1:9464/127.0.0.1:9465/",
            "/etc/driftless/driftless.yaml");
        ExecResult reload = hosts.execResult(HOST, "systemctl", "reload", "driftless");
        assertThat(reload.getExitCode()).as(reload.getStderr()).isZero();
        E2eEnvironment.await("the daemon to read its configuration again").atMost(Duration.ofSeconds(30))
            .until(() -> hosts.exec(HOST, "journalctl", "-u", "driftless", "--no-pager", "-o", "cat")
                .contains("configuration reloaded from /etc/driftless/driftless.yaml: intervals.poll changed;"
                    + " key files read again"));
        assertThat(hosts.exec(HOST, "journalctl", "-u", "driftless", "--no-pager", "-o", "cat"))
            .contains("changed in the configuration but kept until the daemon restarts: metrics.listen");
        assertThat(hosts.exec(HOST, "systemctl", "show", "driftless", "-p", "MainPID", "--value").strip())
            .as("reloaded in place").isEqualTo(pid);
        assertThat(hosts.execResult(HOST, "systemctl", "is-active", "driftless").getStdout().strip()).isEqualTo("active");

        ExecResult stop = hosts.execResult(HOST, "systemctl", "stop", "driftless");
        assertThat(stop.getExitCode()).as(stop.getStderr()).isZero();
        assertThat(hosts.execResult(HOST, "systemctl", "is-active", "driftless").getStdout().strip())
            .as("stopped, not failed").isEqualTo("inactive");
        assertThat(hosts.exec(HOST, "journalctl", "-u", "driftless", "--no-pager", "-o", "cat"))
            .contains("driftless daemon stopped");
        assertThat(hosts.exec(HOST, "docker", "ps", "-q", "--filter", "label=dev.driftless.service=web"))
            .as("stopping the daemon leaves what it deployed running").isNotBlank();
    }
}
