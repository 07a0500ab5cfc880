package dev.driftless.reconciler.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.driftless.model.Problem;
import dev.driftless.reconciler.daemon.DeployWindows;
import dev.driftless.reconciler.history.ReconcileResult;
import dev.driftless.reconciler.ssh.HostTarget;
import dev.driftless.reconciler.ssh.JumpHost;
import dev.driftless.reconciler.ssh.JumpRoute;
import dev.driftless.reconciler.ssh.JumpRules;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code driftless.yaml}: defaults, every key, paths, and every kind of mistake with its exact message. */
class ConfigLoaderTest {

    private static final Path BASE = Path.of("/etc/driftless");

    private static final String MINIMAL = """
        repo:
          url: ssh://git@git.example.org/infra.git
        ssh:
          key: keys/deploy_ed25519
        """;

    @TempDir
    Path tmp;

    private static DaemonConfig parse(String yaml) throws ConfigException {
        return ConfigLoader.parse("driftless.yaml", yaml.getBytes(StandardCharsets.UTF_8), BASE);
    }

    /** The problems of a configuration that must not load, as printed: file:line:column: message. */
    private static List<String> problems(String yaml) {
        try {
            parse(yaml);
        } catch (ConfigException e) {
            assertThat(e.getMessage()).isEqualTo(String.join("\n", e.problems().stream().map(Problem::toString).toList()));
            return e.problems().stream().map(Problem::toString).toList();
        }
        throw new AssertionError("the configuration loaded:\n" + yaml);
    }

    // ---- repo ----

    @Test
    void theGitServerIsReachedThroughItsOwnJumpHostsForAnSshUrlOnly() throws Exception {
        String viaBastion = """
            repo:
              url: ssh://git@git.internal/infra.git
              jump: ops@bastion.example.org:2222,ops@[fd00::7]
            ssh:
              key: keys/deploy_ed25519
            """;
        DaemonConfig c = parse(viaBastion);
        assertThat(c.gitSource().jump()).contains(new JumpRoute(List.of(new JumpHost("ops", "bastion.example.org", 2222),
            new JumpHost("ops", "fd00::7", 22))));
        assertThat(c.sshSettings().jump()).as("the inventory's hosts are reached directly").isEqualTo(JumpRules.none());
        assertThat(parse(MINIMAL).gitSource().jump()).as("direct by default").isEmpty();
        assertThat(problems(viaBastion.replace("ops@bastion.example.org:2222,ops@[fd00::7]", "bastion")))
            .containsExactly("driftless.yaml:3:9: repo.jump: expected user@host or user@host:port, got \"bastion\"");
        assertThat(problems("""
            repo:
              url: https://git.example.org/infra.git
              jump: ops@bastion.example.org
            ssh:
              key: keys/deploy_ed25519
            """)).containsExactly("driftless.yaml:3:9: repo.jump: only an SSH URL (ssh://… or user@host:path) is"
                + " reached through jump hosts; https://git.example.org/infra.git is not one");
    }

    // ---- notifications ----

    @Test
    void notificationsReadWithTheirDefaults() throws Exception {
        DaemonConfig c = parse(MINIMAL + """
            notifications:
              - url: https://hooks.example.org/driftless
              - url-file: secrets/slack-url
                format: slack
                events: [failed, rolled_back, suspended, host_abandoned]
                token-file: /etc/driftless/hook-token
            """);

        assertThat(c.notifications()).hasSize(2);
        DaemonConfig.Notification first = c.notifications().get(0);
        assertThat(first.url()).contains("https://hooks.example.org/driftless");
        assertThat(first.format()).isEqualTo(DaemonConfig.NotificationFormat.JSON);
        assertThat(first.events()).as("every result by default").containsExactlyInAnyOrder(ReconcileResult.SUCCEEDED,
            ReconcileResult.FAILED, ReconcileResult.ROLLED_BACK, ReconcileResult.PARTIALLY_FAILED,
            ReconcileResult.INTERRUPTED);
        assertThat(first.noticeEvents()).as("and suspend, resume, departed, refused and silent hosts, held commits, recurring drift")
            .containsExactlyInAnyOrder(DaemonConfig.NoticeEvent.SUSPENDED, DaemonConfig.NoticeEvent.RESUMED,
                DaemonConfig.NoticeEvent.HOST_ABANDONED, DaemonConfig.NoticeEvent.HOST_KEY_REFUSED,
                DaemonConfig.NoticeEvent.HOST_UNREACHABLE, DaemonConfig.NoticeEvent.HOST_REACHABLE,
                DaemonConfig.NoticeEvent.DEPLOY_HELD, DaemonConfig.NoticeEvent.DRIFT_RECURRING);
        DaemonConfig.Notification slack = c.notifications().get(1);
        assertThat(slack.noticeEvents()).containsExactlyInAnyOrder(DaemonConfig.NoticeEvent.SUSPENDED,
            DaemonConfig.NoticeEvent.HOST_ABANDONED);
        assertThat(slack.urlFile()).contains(BASE.resolve("secrets/slack-url"));
        assertThat(slack.format()).isEqualTo(DaemonConfig.NotificationFormat.SLACK);
        assertThat(slack.events()).containsExactlyInAnyOrder(ReconcileResult.FAILED, ReconcileResult.ROLLED_BACK);
        assertThat(slack.tokenFile()).contains(Path.of("/etc/driftless/hook-token"));
        assertThat(parse(MINIMAL).notifications()).isEmpty();
        assertThat(parse(MINIMAL + "notifications: [{url: \"https://hooks.slack.com/services/T0/B0/s3cr3t\"}]\n")
            .toString()).as("a webhook URL can be its secret").contains("hooks.slack.com").doesNotContain("s3cr3t");
    }

    @Test
    void theReconcileTokenAndSigningSecretsComeFromFilesAndABlankOneIsRefused() throws Exception {
        Path token = tmp.resolve("reconcile-token");
        Path signing = tmp.resolve("signing");
        Files.writeString(token, "  t0ken \n");
        Files.writeString(signing, "\n");
        DaemonConfig c = parse(MINIMAL + """
            metrics:
              reconcile-token-file: %s
            notifications:
              - url: https://hooks.example.org/driftless
                signing-secret-file: %s
            """.formatted(token, signing));
        assertThat(c.reconcileTokenFile()).contains(token);
        assertThat(c.reconcileToken()).contains("t0ken");
        assertThat(c.notifications().getFirst().signingSecretFile()).contains(signing);
        assertThatThrownBy(() -> c.notifications().getFirst().signingSecret())
            .isInstanceOf(IllegalArgumentException.class)
            .hasMessage("notifications[].signing-secret-file: " + signing + " is empty; put the secret on its first line");
        Files.writeString(token, "");
        assertThatThrownBy(c::reconcileToken).hasMessageContaining("metrics.reconcile-token-file");
        assertThat(parse(MINIMAL).reconcileToken()).isEmpty();
    }

    @Test
    void deployWindowsReadWithTheirDefaults() throws Exception {
        DaemonConfig c = parse(MINIMAL + """
            deploy-windows:
              - {kind: deny, schedule: "0 16 * * FRI", duration: 64h, timezone: Europe/Berlin}
              - kind: allow
                schedule: "0 9 * * MON-FRI"
                duration: 8h
                services: [api]
                manual: true
            """);

        assertThat(c.deployWindows()).containsExactly(
            new DeployWindows.Window("deploy-windows[0]", DeployWindows.Kind.DENY, "0 16 * * FRI", Duration.ofHours(64),
                java.time.ZoneId.of("Europe/Berlin"), List.of(), false),
            new DeployWindows.Window("deploy-windows[1]", DeployWindows.Kind.ALLOW, "0 9 * * MON-FRI",
                Duration.ofHours(8), java.time.ZoneId.of("UTC"), List.of("api"), true));
        assertThat(parse(MINIMAL).deployWindows()).isEmpty();
    }

    @Test
    void badDeployWindowsAreReportedWhereTheyAreWritten() {
        assertThat(problems(MINIMAL + """
            deploy-windows:
              - {kind: never, schedule: "0 16 * * FRI", duration: 0s, timezone: Mars/Olympus}
              - {kind: deny, schedule: "0 0 1 * MON", duration: 1h}
              - {kind: deny, schedule: "every friday", duration: 1h, service: [api]}
              - {kind: allow}
            """)).containsExactly(
                "driftless.yaml:6:12: deploy-windows[0].kind must be allow or deny, got \"never\"",
                "driftless.yaml:6:55: deploy-windows[0].duration must be longer than zero",
                "driftless.yaml:6:69: deploy-windows[0].timezone \"Mars/Olympus\" is not a time zone; write a region"
                    + " such as Europe/Berlin, or UTC",
                "driftless.yaml:7:28: deploy-windows[1].schedule \"0 0 1 * MON\" is not a cron line this reads: five"
                    + " fields (minute hour day-of-month month day-of-week, e.g. \"0 16 * * FRI\" or \"30 8 * * 1-5\"),"
                    + " days of the week 0-7 or SUN-SAT, and not both day fields restricted",
                "driftless.yaml:8:28: deploy-windows[2].schedule \"every friday\" is not a cron line this reads: five"
                    + " fields (minute hour day-of-month month day-of-week, e.g. \"0 16 * * FRI\" or \"30 8 * * 1-5\"),"
                    + " days of the week 0-7 or SUN-SAT, and not both day fields restricted",
                "driftless.yaml:8:58: unknown field \"service\" in deploy-windows[2] (did you mean \"services\"?)",
                "driftless.yaml:9:5: missing required field \"duration\" in deploy-windows[3]: how long it stays open,"
                    + " e.g. 64h",
                "driftless.yaml:9:5: missing required field \"schedule\" in deploy-windows[3]: when it opens, as a cron"
                    + " line, e.g. \"0 16 * * FRI\"");
    }

    @Test
    void badNotificationsAreReportedWithoutEchoingTheirUrl() {
        assertThat(problems(MINIMAL + """
            notifications:
              - {url: "ftp://hooks.example.org/T0KEN", format: msteams, events: [failed, sucess], retries: 3}
              - {format: json}
              - https://hooks.example.org/plain
            """)).containsExactly(
                "driftless.yaml:6:11: notifications[0].url must be an http:// or https:// URL",
                "driftless.yaml:6:52: notifications[0].format must be json, slack, teams or discord, got \"msteams\"",
                "driftless.yaml:6:69: notifications[0].events: \"sucess\" is not an event; use succeeded, failed, "
                    + "rolled_back, partially_failed, interrupted, suspended, resumed, host_abandoned, host_key_refused,"
                    + " host_unreachable, host_reachable, deploy_held, drift_recurring",
                "driftless.yaml:6:87: unknown field \"retries\" in notifications[0]",
                "driftless.yaml:7:5: notifications[1] needs exactly one of url and url-file",
                "driftless.yaml:8:5: notifications[2] must be a mapping with url (or url-file), e.g. "
                    + "{url: https://hooks.example.org/driftless}");
    }

    // ---- defaults ----

    @Test
    void repoVerifyNamesTheTrustedKeyFiles() throws Exception {
        DaemonConfig c = parse("""
            repo:
              url: ssh://git@git.example.org/infra.git
              verify: {pgp-keys: keys/team.asc, ssh-allowed-signers: /etc/driftless/allowed_signers,
                       ssh-revoked-keys: keys/revoked.krl}
            ssh:
              key: keys/deploy_ed25519
            """);
        assertThat(c.repo().verify()).hasValueSatisfying(v -> {
            assertThat(v.pgpKeys()).containsExactly(BASE.resolve("keys/team.asc"));
            assertThat(v.sshAllowedSigners()).contains(Path.of("/etc/driftless/allowed_signers"));
            assertThat(v.sshRevokedKeys()).contains(BASE.resolve("keys/revoked.krl"));
        });
        DaemonConfig withSsh = parse(MINIMAL + "  revoked-host-keys: keys/hosts.krl\n  idle-timeout: 2m\n");
        assertThat(withSsh.ssh().revokedHostKeys()).contains(BASE.resolve("keys/hosts.krl"));
        assertThat(withSsh.sshSettings().idleTimeout()).isEqualTo(Duration.ofMinutes(2));
        assertThat(parse(MINIMAL).sshSettings().idleTimeout()).as("connections stay open by default").isZero();
        assertThat(parse(MINIMAL + "  jump: ops@bastion.example.org:2222\n").sshSettings().jump())
            .isEqualTo(JumpRules.every(new JumpHost("ops", "bastion.example.org", 2222)));
        assertThat(parse(MINIMAL).sshSettings().jump()).as("direct by default").isEqualTo(JumpRules.none());
        assertThat(problems(MINIMAL + "  jump: bastion.example.org\n")).containsExactly("driftless.yaml:5:9: ssh.jump:"
            + " expected user@host or user@host:port, got \"bastion.example.org\"");
        assertThat(problems(MINIMAL + "  idle-timeout: 500ms\n")).containsExactly("driftless.yaml:5:17: ssh.idle-timeout"
            + " must be 0s (connections stay open) or at least 1s, got 500ms");
        assertThat(problems("""
            repo:
              url: ssh://git@git.example.org/infra.git
              verify: {pgp-keys: keys/team.asc, ssh-revoked-keys: keys/revoked.krl}
            ssh:
              key: keys/deploy_ed25519
            """)).containsExactly("driftless.yaml:3:55: repo.verify.ssh-revoked-keys revokes SSH keys, and no SSH"
                + " key is trusted (ssh-allowed-signers is not set)");
        assertThat(parse(MINIMAL).repo().verify()).isEmpty();
    }

    @Test
    void jumpRulesChooseAJumpHostPerGroupOfHostsInTheirOrder() throws Exception {
        JumpRules rules = parse(MINIMAL + """
              jump:
                - {via: ops@bastion-eu.example.org, labels: {region: eu}}
                - {via: direct, hosts: db-*}
                - {via: "ops@[fd00::1]:2222", hosts: ["us-*", 10.2.*]}
                - {via: "ops@bastion.example.org,ops@inner.example.org:2222", labels: {zone: deep}}
            """).sshSettings().jump();
        assertThat(rules.rules()).hasSize(4);
        HostTarget euWeb = new HostTarget("web-1", "10.1.0.5", 22, "deploy", Optional.empty(),
            new TreeMap<>(Map.of("region", "eu", "role", "web")));
        HostTarget euDb = new HostTarget("db-1", "10.1.0.9", 22, "deploy", Optional.empty(),
            new TreeMap<>(Map.of("region", "eu")));
        assertThat(rules.jumpFor(euWeb)).contains(JumpRoute.of(new JumpHost("ops", "bastion-eu.example.org", 22)));
        assertThat(rules.jumpFor(euDb)).as("the first matching rule decides").contains(
            JumpRoute.of(new JumpHost("ops", "bastion-eu.example.org", 22)));
        assertThat(rules.jumpFor(HostTarget.of("db-2", "10.3.0.2", "deploy"))).as("via: direct").isEmpty();
        assertThat(rules.jumpFor(HostTarget.of("us-7", "10.9.0.7", "deploy"))).as("by name")
            .contains(JumpRoute.of(new JumpHost("ops", "fd00::1", 2222)));
        assertThat(rules.jumpFor(HostTarget.of("cache", "10.2.0.4", "deploy"))).as("by address")
            .contains(JumpRoute.of(new JumpHost("ops", "fd00::1", 2222)));
        assertThat(rules.jumpFor(HostTarget.of("cache", "10.4.0.4", "deploy"))).as("no rule: direct").isEmpty();
        assertThat(rules.jumpFor(new HostTarget("vault", "10.7.0.1", 22, "deploy", Optional.empty(),
            new TreeMap<>(Map.of("zone", "deep"))))).as("a chain, as ProxyJump a,b").contains(new JumpRoute(List.of(
                new JumpHost("ops", "bastion.example.org", 22), new JumpHost("ops", "inner.example.org", 2222))));
        assertThat(rules).hasToString("[labels region=eu via ops@bastion-eu.example.org; hosts db-* via direct;"
            + " hosts us-*,10.2.* via ops@[fd00::1]:2222; labels zone=deep via"
            + " ops@bastion.example.org,ops@inner.example.org:2222]");
        assertThat(parse(MINIMAL + "  jump: ops@a.example.org,ops@b.example.org\n").sshSettings().jump())
            .isEqualTo(JumpRules.every(JumpRoute.parse("ops@a.example.org,ops@b.example.org")));
    }

    @Test
    void badJumpRulesAreReportedWhereTheyAre() {
        assertThat(problems(MINIMAL + """
              jump:
                - {labels: {zone: a}}
                - {via: bastion, labels: {zone: [a]}, host: x}
                - ops@bastion
                - {via: ops@bastion-1}
                - {via: ops@bastion-2, hosts: "app-*"}
            """)).containsExactly(
                "driftless.yaml:6:7: missing required field \"via\" in ssh.jump[0]: the jump host (user@host[:port]), or direct",
                "driftless.yaml:7:13: ssh.jump[1].via: expected user@host or user@host:port, got \"bastion\"",
                "driftless.yaml:7:37: ssh.jump[1].labels.zone must be a single value, not a list",
                "driftless.yaml:7:43: unknown field \"host\" in ssh.jump[1] (did you mean \"hosts\"?)",
                "driftless.yaml:8:7: ssh.jump[2] must be a mapping: {via: user@host, labels: {…}} or"
                    + " {via: user@host, hosts: [pattern, …]}",
                "driftless.yaml:10:7: ssh.jump[4] is never used: ssh.jump[3] already matches every host");
    }

    @Test
    void aJumpRuleLabelNoHostCanCarryIsReported() {
        assertThat(problems(MINIMAL + """
              jump:
                - {via: ops@bastion, labels: {"zone a": x}}
            """)).singleElement().asString()
            .startsWith("driftless.yaml:6:35: ssh.jump[0].labels: label key \"zone a\" is not safe");
    }

    @Test
    void repoVerifyWithoutKeysOrWithAnUnknownFieldIsRefused() {
        assertThat(problems("""
            repo:
              url: ssh://git@git.example.org/infra.git
              verify: {}
            ssh:
              key: keys/deploy_ed25519
            """)).containsExactly("driftless.yaml:3:11: repo.verify needs pgp-keys (OpenPGP public key files) or"
                + " ssh-allowed-signers (an allowed signers file), or both");
        assertThat(problems("""
            repo:
              url: ssh://git@git.example.org/infra.git
              verify:
                pgp-key: keys/team.asc
                ssh-allowed-signers: ""
            ssh:
              key: keys/deploy_ed25519
            """)).containsExactly(
                "driftless.yaml:4:5: repo.verify needs pgp-keys (OpenPGP public key files) or"
                    + " ssh-allowed-signers (an allowed signers file), or both",
                "driftless.yaml:4:5: unknown field \"pgp-key\" in repo.verify (did you mean \"pgp-keys\"?)",
                "driftless.yaml:5:26: repo.verify.ssh-allowed-signers is empty");
    }

    @Test
    void anAbandonAfterShorterThanTenSecondsIsRefused() {
        assertThat(problems(MINIMAL + "history: {abandon-after: 5s}\n")).containsExactly(
            "driftless.yaml:5:26: history.abandon-after must be at least 10s: a daemon beats six times within it");
    }

    @Test
    void hostsKeepThreeImagesOfEachServiceUnlessToldOtherwiseAndZeroKeepsThemAll() throws Exception {
        assertThat(parse(MINIMAL).keepImages()).isEqualTo(3);
        assertThat(parse(MINIMAL + "images: {keep: 0}\n").keepImages()).isZero();
        assertThat(parse(MINIMAL + "images: {keep: 10}\n").keepImages()).isEqualTo(10);
        assertThat(problems(MINIMAL + "images: {keep: -1}\n")).containsExactly(
            "driftless.yaml:5:16: images.keep must be from 0 to 1000, got -1");
        assertThat(problems(MINIMAL + "images: {kept: 2}\n")).singleElement().asString()
            .startsWith("driftless.yaml:5:10: unknown field \"kept\" in images");
    }

    @Test
    void fourServicesRollOutAtOnceUnlessToldOtherwise() throws Exception {
        assertThat(parse(MINIMAL).parallelServices()).isEqualTo(4);
        assertThat(parse(MINIMAL + "apply: {parallel-services: 1}\n").parallelServices()).isEqualTo(1);
        assertThat(problems(MINIMAL + "apply: {parallel-services: 0}\n")).containsExactly(
            "driftless.yaml:5:28: apply.parallel-services must be from 1 to 64, got 0");
    }

    @Test
    void aMinimalConfigurationGetsEveryDefault() throws Exception {
        DaemonConfig c = parse(MINIMAL);

        assertThat(c.file()).isEqualTo(Path.of("driftless.yaml"));
        assertThat(c.repo().url()).isEqualTo("ssh://git@git.example.org/infra.git");
        assertThat(c.repo().branch()).isEqualTo("main");
        assertThat(c.repo().path()).isEmpty();
        assertThat(c.repo().environment()).isEmpty();
        assertThat(c.repo().sshKey()).isEmpty();
        assertThat(c.repo().knownHosts()).isEmpty();
        assertThat(c.repo().tokenFile()).isEmpty();
        assertThat(c.repo().tokenEnv()).isEmpty();
        assertThat(c.repo().caFile()).isEmpty();
        assertThat(c.repo().allowForcePush()).isFalse();
        assertThat(c.repo().timeout()).isEqualTo(Duration.ofSeconds(60));

        assertThat(c.ssh().key()).isEqualTo(Path.of("/etc/driftless/keys/deploy_ed25519"));
        assertThat(c.ssh().keyPassphraseFile()).isEmpty();
        assertThat(c.ssh().knownHosts()).isEmpty();
        assertThat(c.ssh().connectTimeout()).isEqualTo(Duration.ofSeconds(10));
        assertThat(c.ssh().commandTimeout()).isEqualTo(Duration.ofMinutes(5));
        assertThat(c.ssh().parallelism()).isEqualTo(8);
        assertThat(c.ssh().keepAlive()).isEqualTo(Duration.ofSeconds(30));

        assertThat(c.secrets().ageKeyFiles()).isEmpty();
        assertThat(c.secrets().pgpKeyFiles()).isEmpty();
        assertThat(c.secrets().passphraseFile()).isEmpty();

        assertThat(c.stateDir()).isEqualTo(Path.of("/var/lib/driftless"));
        assertThat(c.intervals().poll()).isEqualTo(Duration.ofSeconds(30));
        assertThat(c.intervals().drift()).isEqualTo(Duration.ofMinutes(5));
        assertThat(c.intervals().retry()).isEqualTo(Duration.ofSeconds(30));
        assertThat(c.intervals().departed()).isEqualTo(Duration.ofDays(30));

        assertThat(c.history().jdbcUrl()).isEmpty();
        assertThat(c.history().user()).isEmpty();
        assertThat(c.history().passwordFile()).isEmpty();
        assertThat(c.history().retention()).isEmpty();
        assertThat(c.historySettings().abandonAfter()).isEqualTo(Duration.ofSeconds(30));
        assertThat(c.cluster()).isFalse();

        assertThat(c.metricsListen()).contains(InetSocketAddress.createUnresolved("127.0.0.1", 9464));
        assertThat(c.logFormat()).isEqualTo(DaemonConfig.LogFormat.TEXT);
    }

    @Test
    void defaultsDeriveTheGitCacheAndTheEmbeddedHistoryFromTheStateDirectory() throws Exception {
        DaemonConfig c = parse(MINIMAL + "state-dir: /srv/driftless\n");

        assertThat(c.gitSource().cacheDir()).isEqualTo(Path.of("/srv/driftless/git"));
        assertThat(c.gitSource().branch()).isEqualTo("main");
        assertThat(c.historySettings().jdbcUrl()).isEmpty();
        assertThat(c.historySettings().stateDir()).isEqualTo(Path.of("/srv/driftless"));
    }

    // ---- every key ----

    @Test
    void everyKeyIsRead() throws Exception {
        DaemonConfig c = parse("""
            repo:
              url: https://git.example.org/ops/infra.git
              branch: production
              path: deploy/infra
              environment: prod
              ssh-key: keys/git_ed25519
              known-hosts: keys/git_known_hosts
              token-file: keys/git-token
              ca-file: keys/ca.pem
              allow-force-push: true
              timeout: 2m
            ssh:
              key: keys/deploy_ed25519
              key-passphrase-file: keys/deploy.pass
              known-hosts: keys/known_hosts
              connect-timeout: 5s
              command-timeout: 1m30s
              parallelism: 32
              keep-alive: 15s
            secrets:
              age-key-file: [keys/age.txt, /root/.config/sops/age/keys.txt]
              pgp-key-file: keys/ops.asc
              passphrase-file: keys/pgp.pass
            state-dir: state
            intervals:
              poll: 10s
              drift: 1m
              retry: 15s
              departed: 168h
            history:
              jdbc-url: jdbc:postgresql://db.example.org:5432/driftless
              user: driftless
              password-file: keys/db.pass
              retention: 2160h
              abandon-after: 2m
            cluster: true
            metrics:
              listen: 0.0.0.0:9100
            log:
              format: json
            """);

        DaemonConfig.Repo repo = c.repo();
        assertThat(repo.url()).isEqualTo("https://git.example.org/ops/infra.git");
        assertThat(repo.branch()).isEqualTo("production");
        assertThat(repo.path()).contains("deploy/infra");
        assertThat(repo.environment()).contains("prod");
        assertThat(repo.sshKey()).contains(Path.of("/etc/driftless/keys/git_ed25519"));
        assertThat(repo.knownHosts()).contains(Path.of("/etc/driftless/keys/git_known_hosts"));
        assertThat(repo.tokenFile()).contains(Path.of("/etc/driftless/keys/git-token"));
        assertThat(repo.tokenEnv()).isEmpty();
        assertThat(repo.caFile()).contains(Path.of("/etc/driftless/keys/ca.pem"));
        assertThat(repo.allowForcePush()).isTrue();
        assertThat(repo.timeout()).isEqualTo(Duration.ofMinutes(2));

        DaemonConfig.Ssh ssh = c.ssh();
        assertThat(ssh.key()).isEqualTo(Path.of("/etc/driftless/keys/deploy_ed25519"));
        assertThat(ssh.keyPassphraseFile()).contains(Path.of("/etc/driftless/keys/deploy.pass"));
        assertThat(ssh.knownHosts()).contains(Path.of("/etc/driftless/keys/known_hosts"));
        assertThat(ssh.connectTimeout()).isEqualTo(Duration.ofSeconds(5));
        assertThat(ssh.commandTimeout()).isEqualTo(Duration.ofSeconds(90));
        assertThat(ssh.parallelism()).isEqualTo(32);
        assertThat(ssh.keepAlive()).isEqualTo(Duration.ofSeconds(15));

        assertThat(c.secrets().ageKeyFiles()).containsExactly(Path.of("/etc/driftless/keys/age.txt"),
            Path.of("/root/.config/sops/age/keys.txt"));
        assertThat(c.secrets().pgpKeyFiles()).containsExactly(Path.of("/etc/driftless/keys/ops.asc"));
        assertThat(c.secrets().passphraseFile()).contains(Path.of("/etc/driftless/keys/pgp.pass"));

        assertThat(c.stateDir()).isEqualTo(Path.of("/etc/driftless/state"));
        assertThat(c.intervals()).isEqualTo(new DaemonConfig.Intervals(Duration.ofSeconds(10), Duration.ofMinutes(1),
            Duration.ofSeconds(15), Duration.ofDays(7)));
        assertThat(c.history()).isEqualTo(new DaemonConfig.History(
            Optional.of("jdbc:postgresql://db.example.org:5432/driftless"), Optional.of("driftless"),
            Optional.of(Path.of("/etc/driftless/keys/db.pass")), Optional.of(Duration.ofDays(90)),
            Duration.ofMinutes(2)));
        assertThat(c.cluster()).isTrue();
        assertThat(c.metricsListen()).contains(InetSocketAddress.createUnresolved("0.0.0.0", 9100));
        assertThat(c.logFormat()).isEqualTo(DaemonConfig.LogFormat.JSON);

        assertThat(c.gitSource().subdirectory()).contains("deploy/infra");
        assertThat(c.gitSource().cacheDir()).isEqualTo(Path.of("/etc/driftless/state/git"));
        assertThat(c.gitSource().allowForcePush()).isTrue();
    }

    // ---- paths ----

    @Test
    void relativePathsResolveAgainstTheConfigurationFilesDirectory() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("etc/driftless"));
        Path file = dir.resolve("driftless.yaml");
        Files.writeString(file, """
            repo: {url: ../infra}
            ssh: {key: ./keys/../keys/id_ed25519, known-hosts: known_hosts}
            secrets: {age-key-file: age.txt}
            state-dir: ../../var/lib/driftless
            """);

        DaemonConfig c = ConfigLoader.load(file);

        assertThat(c.file()).isEqualTo(file);
        assertThat(c.repo().url()).isEqualTo(tmp.resolve("etc/infra").toString());
        assertThat(c.ssh().key()).isEqualTo(dir.resolve("keys/id_ed25519"));
        assertThat(c.ssh().knownHosts()).contains(dir.resolve("known_hosts"));
        assertThat(c.secrets().ageKeyFiles()).containsExactly(dir.resolve("age.txt"));
        assertThat(c.stateDir()).isEqualTo(tmp.resolve("var/lib/driftless"));
    }

    @Test
    void aConfigurationGivenByARelativePathStillResolvesAgainstItsDirectory() throws Exception {
        Path file = Path.of("target", "config-test-" + ProcessHandle.current().pid(), "driftless.yaml");
        Files.createDirectories(file.getParent());
        try {
            Files.writeString(file, MINIMAL);
            DaemonConfig c = ConfigLoader.load(file);
            assertThat(c.ssh().key()).isEqualTo(file.toAbsolutePath().getParent().resolve("keys/deploy_ed25519"));
            assertThat(c.ssh().key()).isAbsolute();
        } finally {
            Files.deleteIfExists(file);
            Files.deleteIfExists(file.getParent());
        }
    }

    @Test
    void aTildeMeansTheHomeDirectory() throws Exception {
        DaemonConfig c = parse("""
            repo: {url: "~/infra"}
            ssh: {key: ~/.ssh/id_ed25519}
            """);
        Path home = Path.of(System.getProperty("user.home"));
        assertThat(c.repo().url()).isEqualTo(home.resolve("infra").toString());
        assertThat(c.ssh().key()).isEqualTo(home.resolve(".ssh/id_ed25519"));
    }

    @Test
    void urlsAreKeptAsWrittenAndOnlyLocalRepoPathsAreResolved() throws Exception {
        assertThat(parse(MINIMAL.replace("ssh://git@git.example.org/infra.git", "git@github.com:acme/infra.git"))
            .repo().url()).isEqualTo("git@github.com:acme/infra.git");
        assertThat(parse(MINIMAL.replace("ssh://git@git.example.org/infra.git", "file:///srv/git/infra.git"))
            .repo().url()).isEqualTo("file:///srv/git/infra.git");
        assertThat(parse(MINIMAL.replace("ssh://git@git.example.org/infra.git", "/srv/git/infra"))
            .repo().url()).isEqualTo("/srv/git/infra");
        assertThat(parse(MINIMAL.replace("ssh://git@git.example.org/infra.git", "infra"))
            .repo().url()).isEqualTo("/etc/driftless/infra");
    }

    @Test
    void theHttpsTokenMayComeFromAnEnvironmentVariable() throws Exception {
        DaemonConfig c = parse("""
            repo: {url: "https://git.example.org/infra.git", token-env: INFRA_TOKEN}
            ssh: {key: id}
            """);
        assertThat(c.repo().tokenEnv()).contains("INFRA_TOKEN");
        assertThat(c.gitSource().tokenEnv()).contains("INFRA_TOKEN");
    }

    @Test
    void oneAgeKeyFileMayBeWrittenWithoutAList() throws Exception {
        assertThat(parse(MINIMAL + "secrets: {age-key-file: /keys/age.txt}\n").secrets().ageKeyFiles())
            .containsExactly(Path.of("/keys/age.txt"));
    }

    // ---- mistakes ----

    @Test
    void anUnknownKeyIsReportedAtItsPositionWithDidYouMean() {
        assertThat(problems(MINIMAL + """
            intervalls:
              poll: 10s
            """)).containsExactly("driftless.yaml:5:1: unknown field \"intervalls\" (did you mean \"intervals\"?)");
    }

    @Test
    void anUnknownNestedKeyNamesItsSection() {
        assertThat(problems("""
            repo:
              url: /srv/infra
              brnach: prod
            ssh:
              key: id
              paralelism: 4
              frobnicate: yes
            """)).containsExactly(
            "driftless.yaml:3:3: unknown field \"brnach\" in repo (did you mean \"branch\"?)",
            "driftless.yaml:6:3: unknown field \"paralelism\" in ssh (did you mean \"parallelism\"?)",
            "driftless.yaml:7:3: unknown field \"frobnicate\" in ssh");
    }

    @Test
    void aMisspeltRequiredKeyIsReportedOnceAsMisspelt() {
        assertThat(problems("""
            repo:
              ulr: /srv/infra
            ssh:
              key: id
            """)).containsExactly("driftless.yaml:2:3: unknown field \"ulr\" in repo (did you mean \"url\"?)");
    }

    @Test
    void missingRequiredKeysAreEachReported() {
        assertThat(problems("state-dir: /var/lib/driftless\n")).containsExactly(
            "driftless.yaml:1:1: missing required field \"repo\": the infra repo to follow (url, branch)",
            "driftless.yaml:1:1: missing required field \"ssh\": how to reach hosts (at least ssh.key)");
        assertThat(problems("""
            repo: {branch: main}
            ssh: {parallelism: 4}
            """)).containsExactly(
            "driftless.yaml:1:7: missing required field \"url\" in repo: a git URL (ssh://, https://) or a local path",
            "driftless.yaml:2:6: missing required field \"key\" in ssh: the private key driftless logs in to hosts with");
    }

    @Test
    void wrongTypesAreReportedAtTheValue() {
        assertThat(problems("""
            repo:
              url: [a, b]
              allow-force-push: sometimes
            ssh:
              key: id
              parallelism: many
            secrets:
              age-key-file: {file: age.txt}
            intervals: 30s
            cluster: 1
            """)).containsExactly(
            "driftless.yaml:2:8: repo.url must be a single value, not a list",
            "driftless.yaml:3:21: repo.allow-force-push must be true or false, got \"sometimes\"",
            "driftless.yaml:6:16: ssh.parallelism must be a whole number, got \"many\"",
            "driftless.yaml:8:17: secrets.age-key-file must be a list, not a mapping",
            "driftless.yaml:9:12: intervals must be a mapping of \"key: value\" lines, not \"30s\"",
            "driftless.yaml:10:10: cluster must be true or false, got \"1\"");
    }

    @Test
    void emptyPathsAreRefusedInsteadOfMeaningTheConfigurationsDirectory() {
        assertThat(problems("""
            repo: {url: ""}
            ssh: {key: "", known-hosts: " "}
            state-dir: ""
            secrets: {age-key-file: [age.txt, ""]}
            """)).containsExactly(
            "driftless.yaml:1:13: repo.url is empty",
            "driftless.yaml:2:12: ssh.key is empty",
            "driftless.yaml:2:29: ssh.known-hosts is empty",
            "driftless.yaml:3:12: state-dir is empty",
            "driftless.yaml:4:25: secrets.age-key-file[1] is empty");
    }

    @Test
    void parallelismMustBeInRange() {
        assertThat(problems(MINIMAL.replace("  key: keys/deploy_ed25519\n", "  key: k\n  parallelism: 0\n")))
            .containsExactly("driftless.yaml:5:16: ssh.parallelism must be from 1 to 256, got 0");
        assertThat(problems(MINIMAL.replace("  key: keys/deploy_ed25519\n", "  key: k\n  parallelism: 1000\n")))
            .containsExactly("driftless.yaml:5:16: ssh.parallelism must be from 1 to 256, got 1000");
    }

    @Test
    void badDurationsSayHowToWriteOne() {
        assertThat(problems(MINIMAL + """
            intervals:
              poll: 30
              drift: 5 minutes
              retry: 0s
            repo-timeout-is-elsewhere: true
            """)).containsExactly(
            "driftless.yaml:6:9: intervals.poll: bad duration \"30\": a number needs a unit: 30s or 30ms?",
            "driftless.yaml:7:10: intervals.drift: bad duration \"5 minutes\": write a number and a unit (h, m, s, ms), "
                + "e.g. 500ms, 2s, 1m30s",
            "driftless.yaml:8:10: intervals.retry must be longer than zero",
            "driftless.yaml:9:1: unknown field \"repo-timeout-is-elsewhere\"");
    }

    @Test
    void zeroTimeoutsAreRefused() {
        assertThat(problems("""
            repo: {url: /srv/infra, timeout: 0ms}
            ssh: {key: id, connect-timeout: 0s, command-timeout: 0m}
            """)).containsExactly(
            "driftless.yaml:1:34: repo.timeout must be longer than zero",
            "driftless.yaml:2:33: ssh.connect-timeout must be longer than zero",
            "driftless.yaml:2:54: ssh.command-timeout must be longer than zero");
    }

    @Test
    void keepAlivesAreOffAtZeroAndAtLeastASecondOtherwise() throws Exception {
        assertThat(problems("repo: {url: /srv/infra}\nssh: {key: id, keep-alive: 500ms}\n")).containsExactly(
            "driftless.yaml:2:28: ssh.keep-alive must be 0s (off) or at least 1s, got 500ms");
        DaemonConfig off = parse("repo: {url: /srv/infra}\nssh: {key: id, keep-alive: 0s}\n");
        assertThat(off.sshSettings().keepAliveInterval()).isZero();
    }

    @Test
    void aTokenFromAFileAndFromTheEnvironmentAtOnceIsRefusedAtItsLine() {
        assertThat(problems("""
            repo:
              url: https://git.example.org/infra.git
              token-file: /etc/driftless/token
              token-env: INFRA_TOKEN
            ssh: {key: id}
            """)).containsExactly(
            "driftless.yaml:4:14: repo.token-file and repo.token-env are both set; choose one");
    }

    @Test
    void aBranchGitWouldRefuseIsReportedAtItsLine() {
        assertThat(problems("""
            repo: {url: /srv/infra, branch: refs/heads/main}
            ssh: {key: id}
            """)).containsExactly("driftless.yaml:1:33: repo.branch: branch refs/heads/main: give the branch name, "
                + "not a ref (main, not refs/heads/main)");
        assertThat(problems("""
            repo: {url: /srv/infra, branch: "release..1"}
            ssh: {key: id}
            """)).containsExactly("driftless.yaml:1:33: repo.branch: branch release..1 is not a valid git branch name");
    }

    @Test
    void aRepoPathOutsideTheRepositoryIsReportedAtItsLine() {
        assertThat(problems("""
            repo: {url: /srv/infra, path: ../elsewhere}
            ssh: {key: id}
            """)).containsExactly(
            "driftless.yaml:1:31: repo.path: subdirectory ../elsewhere must stay inside the repository (no ..)");
    }

    @Test
    void aHistoryDatabaseDriftlessCannotUseIsReportedWithoutEchoingTheUrl() {
        assertThat(problems(MINIMAL + "history: {jdbc-url: \"jdbc:mysql://db/driftless?password=hunter2\"}\n"))
            .containsExactly("driftless.yaml:5:21: history.jdbc-url must be jdbc:postgresql://… or jdbc:h2:…");
    }

    @Test
    void clusterNeedsTheHistoryInPostgresql() {
        assertThat(problems(MINIMAL + "cluster: true\n")).containsExactly(
            "driftless.yaml:5:10: cluster: true needs the history in PostgreSQL (history.jdbc-url: jdbc:postgresql://…): "
                + "the daemons of a cluster share its Quartz tables");
        assertThat(problems(MINIMAL + "cluster: true\nhistory: {jdbc-url: \"jdbc:h2:file:/tmp/h\"}\n"))
            .containsExactly("driftless.yaml:5:10: cluster: true needs the history in PostgreSQL "
                + "(history.jdbc-url: jdbc:postgresql://…): the daemons of a cluster share its Quartz tables");
    }

    @Test
    void clusterWithPostgresqlLoads() throws Exception {
        DaemonConfig c = parse(MINIMAL + "cluster: true\nhistory: {jdbc-url: \"jdbc:postgresql://db/driftless\"}\n");
        assertThat(c.cluster()).isTrue();
    }

    @Test
    void metricsListenTakesAddressAndPortOrOff() throws Exception {
        assertThat(parse(MINIMAL + "metrics: {listen: \"127.0.0.1:9100\"}\n").metricsListen())
            .contains(InetSocketAddress.createUnresolved("127.0.0.1", 9100));
        assertThat(parse(MINIMAL + "metrics: {listen: \":9100\"}\n").metricsListen())
            .contains(InetSocketAddress.createUnresolved("0.0.0.0", 9100));
        assertThat(parse(MINIMAL + "metrics: {listen: \"9100\"}\n").metricsListen())
            .contains(InetSocketAddress.createUnresolved("0.0.0.0", 9100));
        assertThat(parse(MINIMAL + "metrics: {listen: \"[::1]:9100\"}\n").metricsListen())
            .contains(InetSocketAddress.createUnresolved("::1", 9100));
        assertThat(parse(MINIMAL + "metrics: {listen: \"localhost:0\"}\n").metricsListen())
            .contains(InetSocketAddress.createUnresolved("localhost", 0));
        assertThat(parse(MINIMAL + "metrics: {listen: off}\n").metricsListen()).isEmpty();
    }

    @Test
    void aBadMetricsListenIsReportedWithAnExample() {
        assertThat(problems(MINIMAL + "metrics: {listen: \"127.0.0.1:http\"}\n")).containsExactly(
            "driftless.yaml:5:19: metrics.listen must be \"address:port\" (e.g. 127.0.0.1:9464) or \"off\", "
                + "got \"127.0.0.1:http\"");
        assertThat(problems(MINIMAL + "metrics: {listen: \"127.0.0.1:70000\"}\n")).containsExactly(
            "driftless.yaml:5:19: metrics.listen must be \"address:port\" (e.g. 127.0.0.1:9464) or \"off\", "
                + "got \"127.0.0.1:70000\"");
    }

    @Test
    void logFormatIsTextOrJson() throws Exception {
        assertThat(parse(MINIMAL + "log: {format: TEXT}\n").logFormat()).isEqualTo(DaemonConfig.LogFormat.TEXT);
        assertThat(problems(MINIMAL + "log: {format: yaml}\n"))
            .containsExactly("driftless.yaml:5:15: log.format must be text or json, got \"yaml\"");
    }

    @Test
    void everyProblemOfAFileIsReportedAtOnceInFileOrder() {
        assertThat(problems("""
            repo:
              url: /srv/infra
              brach: x
            ssh:
              parallelism: 0
            intervals: {poll: 1x}
            log: {format: xml}
            """)).containsExactly(
            "driftless.yaml:3:3: unknown field \"brach\" in repo (did you mean \"branch\"?)",
            "driftless.yaml:5:3: missing required field \"key\" in ssh: the private key driftless logs in to hosts with",
            "driftless.yaml:5:16: ssh.parallelism must be from 1 to 256, got 0",
            "driftless.yaml:6:19: intervals.poll: bad duration \"1x\": write a number and a unit (h, m, s, ms), "
                + "e.g. 500ms, 2s, 1m30s",
            "driftless.yaml:7:15: log.format must be text or json, got \"xml\"");
    }

    @Test
    void aDocumentThatIsNotAMappingIsRefused() {
        assertThat(problems("- repo\n- ssh\n"))
            .containsExactly("driftless.yaml:1:1: the configuration must be a mapping of \"key: value\" lines, not a list");
    }

    @Test
    void anEmptyFileSaysWhatItNeeds() {
        assertThat(problems("")).containsExactly(
            "driftless.yaml:1:1: the configuration file is empty: it needs at least repo.url and ssh.key");
        assertThat(problems("# nothing yet\n")).containsExactly(
            "driftless.yaml:1:1: the configuration file is empty: it needs at least repo.url and ssh.key");
    }

    @Test
    void malformedYamlIsReportedAtItsLine() {
        assertThat(problems("repo:\n  url: [unclosed\nssh: {key: id}\n")).containsExactly(
            "driftless.yaml:3:4: unclosed list: expected ',' or ']' (opened at line 2, column 8)");
    }

    @Test
    void aMissingFileIsOneProblemNamingIt() {
        Path missing = tmp.resolve("nope/driftless.yaml");
        assertThatThrownBy(() -> ConfigLoader.load(missing))
            .isInstanceOf(ConfigException.class)
            .hasMessage(missing + ":0:0: configuration file not found");
    }

    @Test
    void aDirectoryGivenAsTheFileIsReported() {
        assertThatThrownBy(() -> ConfigLoader.load(tmp))
            .isInstanceOf(ConfigException.class)
            .hasMessage(tmp + ":0:0: cannot read the configuration file: IOException");
    }

    @Test
    void problemsOfALoadedFileNameTheFileAsGiven() throws IOException {
        Path file = tmp.resolve("driftless.yaml");
        Files.writeString(file, MINIMAL + "log: {format: xml}\n");
        assertThatThrownBy(() -> ConfigLoader.load(file))
            .isInstanceOf(ConfigException.class)
            .hasMessage(file + ":5:15: log.format must be text or json, got \"xml\"");
    }

    @Test
    void theKeysPassphraseIsReadFromItsFileAndNeverKeptInTheConfiguration() throws Exception {
        Files.writeString(tmp.resolve("pass"), "correct horse\r\nsecond line\n");
        Files.writeString(tmp.resolve("driftless.yaml"), MINIMAL + "  key-passphrase-file: pass\n");
        DaemonConfig c = ConfigLoader.load(tmp.resolve("driftless.yaml"));

        assertThat(c.toString()).doesNotContain("correct horse");
        assertThat(c.sshSettings().keyPassphrase()).contains("correct horse");
        assertThat(c.sshSettings().toString()).doesNotContain("correct horse");
    }
}
