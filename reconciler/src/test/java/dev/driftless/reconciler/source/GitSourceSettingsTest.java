package dev.driftless.reconciler.source;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Settings values, and the checks {@link GitSource#open} makes before any network access. */
class GitSourceSettingsTest {

    static final String SSH_URL = "ssh://deploy@git.example.org/srv/infra.git";
    static final String HTTPS_URL = "https://git.example.org/acme/infra.git";

    @TempDir
    Path tmp;

    @Test
    void defaultsFollowMainAtTheRepositoryRootWithoutForcePushes() {
        GitSourceSettings s = GitSourceSettings.of(HTTPS_URL, tmp);
        assertThat(s.branch()).isEqualTo("main");
        assertThat(s.subdirectory()).isEmpty();
        assertThat(s.subdirectoryOrRoot()).isEmpty();
        assertThat(s.allowForcePush()).isFalse();
        assertThat(s.timeout()).isEqualTo(Duration.ofSeconds(60));
        assertThat(s.sshKey()).isEmpty();
        assertThat(s.tokenFile()).isEmpty();
        assertThat(s.caFile()).isEmpty();
    }

    @Test
    void subdirectoryIsNormalised() {
        GitSourceSettings s = GitSourceSettings.of(HTTPS_URL, tmp);
        assertThat(s.withSubdirectory("./environments//prod/").subdirectory()).contains("environments/prod");
        assertThat(s.withSubdirectory("/").subdirectory()).isEmpty();
        assertThat(s.withSubdirectory(".").subdirectoryOrRoot()).isEmpty();
    }

    @Test
    void subdirectoryOutsideTheRepositoryIsRefused() {
        GitSourceSettings s = GitSourceSettings.of(HTTPS_URL, tmp);
        assertThatThrownBy(() -> s.withSubdirectory("environments/../../etc"))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("no ..");
        assertThatThrownBy(() -> s.withSubdirectory("environments\\prod"))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("use / as separator");
    }

    @Test
    void invalidBranchNamesAreRefused() {
        GitSourceSettings s = GitSourceSettings.of(HTTPS_URL, tmp);
        assertThatThrownBy(() -> s.withBranch("feature..x")).isInstanceOf(IllegalArgumentException.class)
            .hasMessage("branch feature..x is not a valid git branch name");
        assertThatThrownBy(() -> s.withBranch("refs/heads/main")).isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("give the branch name");
        assertThat(s.withBranch("release/2026-03").branch()).isEqualTo("release/2026-03");
    }

    @Test
    void tokenFileAndTokenEnvironmentVariableExcludeEachOther() {
        assertThatThrownBy(() -> new GitSourceSettings(HTTPS_URL, "main", Optional.empty(), tmp, Optional.empty(),
                Optional.empty(), Optional.of(tmp.resolve("t")), Optional.of("TOKEN"), Optional.empty(), false,
                Duration.ofSeconds(5)))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("choose one");
    }

    @Test
    void nonPositiveTimeoutIsRefused() {
        assertThatThrownBy(() -> GitSourceSettings.of(HTTPS_URL, tmp).withTimeout(Duration.ZERO))
            .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void sshUrlNeedsAKeyAndAKnownHostsFile() {
        assertMisconfigured(GitSourceSettings.of(SSH_URL, tmp), "set ssh-key");
        assertMisconfigured(GitSourceSettings.of(SSH_URL, tmp).withSshKey(tmp.resolve("id")),
            "driftless never trusts a host key on first use");
    }

    @Test
    void credentialsOfTheOtherTransportAreRefused() {
        assertMisconfigured(GitSourceSettings.of(SSH_URL, tmp).withSshKey(tmp.resolve("id"))
            .withKnownHosts(tmp.resolve("kh")).withTokenEnv("T"), "token and ca-file are for https URLs");
        assertMisconfigured(GitSourceSettings.of(HTTPS_URL, tmp).withSshKey(tmp.resolve("id")),
            "ssh-key and known-hosts are for SSH URLs");
    }

    @Test
    void tokenOverPlainHttpIsRefused() {
        assertMisconfigured(GitSourceSettings.of("http://mirror.lan/infra.git", tmp).withTokenEnv("T"),
            "would travel in clear text");
    }

    @Test
    void missingKeyFileIsReportedAtOpen() throws Exception {
        Path knownHosts = Files.writeString(tmp.resolve("known_hosts"), "");
        assertMisconfigured(GitSourceSettings.of(SSH_URL, tmp).withSshKey(tmp.resolve("nope"))
            .withKnownHosts(knownHosts), "cannot load SSH key " + tmp.resolve("nope") + ": no such file");
    }

    @Test
    void fileWithoutAKeyIsReportedAtOpen() throws Exception {
        Path key = Files.writeString(tmp.resolve("id"), "not a key\n");
        Path knownHosts = Files.writeString(tmp.resolve("known_hosts"), "");
        assertMisconfigured(GitSourceSettings.of(SSH_URL, tmp).withSshKey(key).withKnownHosts(knownHosts),
            "cannot load SSH key " + key);
    }

    @Test
    void missingTokenIsReportedAtOpen() {
        assertMisconfigured(GitSourceSettings.of(HTTPS_URL, tmp).withTokenFile(tmp.resolve("token")),
            "token file " + tmp.resolve("token") + " does not exist");
        assertThatThrownBy(() -> GitSource.open(GitSourceSettings.of(HTTPS_URL, tmp).withTokenEnv("GIT_TOKEN"),
                name -> Optional.empty()))
            .isInstanceOf(GitSourceException.class)
            .hasMessageContaining("environment variable GIT_TOKEN is not set");
    }

    @Test
    void emptyTokenFileIsReportedAtOpen() throws Exception {
        Path token = Files.writeString(tmp.resolve("token"), "\n");
        assertMisconfigured(GitSourceSettings.of(HTTPS_URL, tmp).withTokenFile(token), "is empty");
    }

    @Test
    void caFileWithoutCertificatesIsReportedAtOpen() throws Exception {
        Path ca = Files.writeString(tmp.resolve("ca.pem"), "");
        assertMisconfigured(GitSourceSettings.of(HTTPS_URL, tmp).withCaFile(ca),
            "cannot load CA certificates from " + ca);
        assertMisconfigured(GitSourceSettings.of(HTTPS_URL, tmp).withCaFile(tmp.resolve("none.pem")),
            "no such file");
    }

    @Test
    void openDoesNotTouchTheNetwork() throws Exception {
        // Nothing listens there; open() must still succeed, only poll() connects.
        try (GitSource source = GitSource.open(GitSourceSettings.of("https://127.0.0.1:1/infra.git", tmp))) {
            assertThat(source.current()).isEmpty();
            assertThat(source.cachePath().getFileName().toString()).matches("infra-[0-9a-f]{12}\\.git");
        }
    }

    @Test
    void settingsNameSecretsButHoldNone() throws Exception {
        Path token = Files.writeString(tmp.resolve("token"), "s3cr3t-value\n");
        GitSourceSettings s = GitSourceSettings.of(HTTPS_URL, tmp).withTokenFile(token);
        assertThat(s.toString()).contains(token.toString()).doesNotContain("s3cr3t-value");
    }

    void assertMisconfigured(GitSourceSettings settings, String expected) {
        assertThatThrownBy(() -> GitSource.open(settings, name -> Optional.empty()))
            .isInstanceOfSatisfying(GitSourceException.class, e -> {
                assertThat(e.failure()).isInstanceOf(SourceFailure.Misconfigured.class);
                assertThat(e.isTransient()).isFalse();
            })
            .hasMessageContaining(expected);
    }
}
