package dev.driftless.reconciler.source;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class RepoUrlTest {

    @Test
    void sshUrlWithPortIsSsh() throws Exception {
        RepoUrl url = RepoUrl.parse("ssh://deploy@git.example.org:2222/srv/infra.git");
        assertThat(url.kind()).isEqualTo(RepoUrl.Kind.SSH);
        assertThat(url.display()).isEqualTo("ssh://deploy@git.example.org:2222/srv/infra.git");
        assertThat(url.user()).contains("deploy");
        assertThat(url.host()).contains("git.example.org");
        assertThat(url.uri().getPort()).isEqualTo(2222);
    }

    @Test
    void scpLikeAddressIsSsh() throws Exception {
        RepoUrl url = RepoUrl.parse("git@github.com:acme/infra.git");
        assertThat(url.kind()).isEqualTo(RepoUrl.Kind.SSH);
        assertThat(url.display()).isEqualTo("git@github.com:acme/infra.git");
        assertThat(url.user()).contains("git");
        assertThat(url.uri().getPath()).isEqualTo("acme/infra.git");
    }

    @Test
    void gitPlusSshSchemeIsShownAsSsh() throws Exception {
        RepoUrl url = RepoUrl.parse("git+ssh://git@example.org/infra.git");
        assertThat(url.kind()).isEqualTo(RepoUrl.Kind.SSH);
        assertThat(url.display()).isEqualTo("ssh://git@example.org/infra.git");
    }

    @Test
    void httpsAndHttpAreTheirOwnKinds() throws Exception {
        assertThat(RepoUrl.parse("https://git.example.org/acme/infra.git").kind()).isEqualTo(RepoUrl.Kind.HTTPS);
        assertThat(RepoUrl.parse("http://mirror.lan/infra.git").kind()).isEqualTo(RepoUrl.Kind.HTTP);
        assertThat(RepoUrl.parse("https://x-token-auth@bitbucket.org/acme/infra.git").user())
            .contains("x-token-auth");
    }

    @Test
    void fileUrlAndPlainPathsAreLocalAndAbsolute() throws Exception {
        RepoUrl file = RepoUrl.parse("file:///srv/git/infra.git");
        assertThat(file.kind()).isEqualTo(RepoUrl.Kind.LOCAL);
        assertThat(file.display()).isEqualTo("/srv/git/infra.git");

        RepoUrl relative = RepoUrl.parse("examples/infra-repo");
        assertThat(relative.kind()).isEqualTo(RepoUrl.Kind.LOCAL);
        assertThat(relative.display()).isEqualTo(Path.of("examples/infra-repo").toAbsolutePath().toString());
    }

    @Test
    void passwordInTheUrlIsRefusedWithoutRepeatingIt() {
        assertThatThrownBy(() -> RepoUrl.parse("https://ci:hunter2@git.example.org/infra.git"))
            .isInstanceOfSatisfying(GitSourceException.class,
                e -> assertThat(e.failure()).isInstanceOf(SourceFailure.Misconfigured.class))
            .hasMessageContaining("https://ci@git.example.org/infra.git")
            .hasMessageContaining("token-file")
            .hasMessageNotContaining("hunter2");
    }

    @Test
    void unauthenticatedGitProtocolIsRefused() {
        assertThatThrownBy(() -> RepoUrl.parse("git://example.org/infra.git"))
            .isInstanceOf(GitSourceException.class)
            .hasMessageContaining("use ssh:// or https://");
    }

    @Test
    void unknownSchemeIsRefused() {
        assertThatThrownBy(() -> RepoUrl.parse("ftp://example.org/infra.git"))
            .isInstanceOf(GitSourceException.class)
            .hasMessageContaining("unsupported repository URL scheme ftp");
    }

    @Test
    void urlWithoutRepositoryPathIsRefused() {
        assertThatThrownBy(() -> RepoUrl.parse("https://git.example.org/"))
            .isInstanceOf(GitSourceException.class)
            .hasMessageContaining("names no repository path");
    }

    @Test
    void emptyUrlIsRefused() {
        assertThatThrownBy(() -> RepoUrl.parse("  ")).isInstanceOf(GitSourceException.class)
            .hasMessage("git source misconfigured: the repository URL is empty");
    }
}
