package dev.driftless.reconciler.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import dev.driftless.reconciler.config.ConfigException;
import dev.driftless.reconciler.config.ConfigLoader;
import dev.driftless.reconciler.config.DaemonConfig;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** Which keys of a reloaded configuration take effect at once, and which wait for a restart. */
class ConfigReloadTest {

    private static final String BASE = """
        repo:
          url: ssh://git@git.example.org/infra.git
        ssh:
          key: keys/deploy_ed25519
        intervals: {poll: 30s, drift: 5m}
        """;

    private static DaemonConfig parse(String yaml) throws ConfigException {
        return ConfigLoader.parse("driftless.yaml", yaml.getBytes(StandardCharsets.UTF_8), Path.of("/etc/driftless"));
    }

    @Test
    void theSameFileChangesNothingButTheKeyFilesAreReadAgain() throws Exception {
        ConfigReload r = ConfigReload.between(parse(BASE), parse(BASE));

        assertThat(r.applied()).isEmpty();
        assertThat(r.needRestart()).isEmpty();
        assertThat(r.describe("/etc/driftless/driftless.yaml")).isEqualTo("configuration reloaded from"
            + " /etc/driftless/driftless.yaml: no setting the daemon can change while it runs changed; key files read"
            + " again");
        assertThat(r.restartWarning()).isEmpty();
    }

    @Test
    void windowsWebhooksIntervalsRolloutSettingsRetentionTokenAndKeysTakeEffectAtOnce() throws Exception {
        ConfigReload r = ConfigReload.between(parse(BASE), parse(BASE.replace("poll: 30s, drift: 5m",
            "poll: 10s, drift: 5m, retry: 20s") + """
            deploy-windows:
              - {kind: deny, schedule: "0 16 * * FRI", duration: 64h}
            notifications:
              - {url: "https://hooks.example.org/x", events: [failed]}
            apply: {parallel-services: 2}
            images: {keep: 5}
            history: {retention: 90d}
            metrics: {reconcile-token-file: token}
            secrets: {age-key-file: age.txt}
            """.replace("90d", "2160h")));

        assertThat(r.applied()).containsExactly("intervals.poll", "intervals.retry", "deploy-windows", "notifications",
            "apply.parallel-services", "images.keep", "history.retention", "metrics.reconcile-token-file", "secrets");
        assertThat(r.needRestart()).isEmpty();
        assertThat(r.describe("driftless.yaml")).isEqualTo("configuration reloaded from driftless.yaml:"
            + " intervals.poll, intervals.retry, deploy-windows, notifications, apply.parallel-services, images.keep,"
            + " history.retention, metrics.reconcile-token-file, secrets changed; key files read again");
    }

    @Test
    void whatTheDaemonOpenedAtStartWaitsForARestartAndIsNamedWithoutItsValue() throws Exception {
        ConfigReload r = ConfigReload.between(parse(BASE), parse("""
            repo:
              url: ssh://git@git.example.org/other.git
              verify: {ssh-allowed-signers: allowed_signers}
            ssh:
              key: keys/deploy_ed25519
              command-timeout: 2m
            state-dir: /srv/driftless
            intervals: {poll: 30s, drift: 5m, departed: 240h}
            history: {jdbc-url: "jdbc:postgresql://db/driftless", user: driftless}
            cluster: true
            metrics: {listen: "127.0.0.1:9500"}
            log: {format: json}
            """));

        assertThat(r.applied()).containsExactly("repo.verify");
        assertThat(r.needRestart()).containsExactly("intervals.departed", "repo", "ssh", "state-dir", "history",
            "cluster", "metrics.listen", "log.format");
        assertThat(r.restartWarning()).contains("changed in the configuration but kept until the daemon restarts:"
            + " intervals.departed, repo, ssh, state-dir, history, cluster, metrics.listen, log.format");
        assertThat(r.restartWarning().orElseThrow()).doesNotContain("other.git").doesNotContain("postgresql");
    }
}
