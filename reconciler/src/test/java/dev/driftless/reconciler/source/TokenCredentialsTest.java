package dev.driftless.reconciler.source;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.eclipse.jgit.transport.CredentialItem;
import org.eclipse.jgit.transport.URIish;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TokenCredentialsTest {

    static final URIish ORIGIN = uri("https://git.example.org/infra.git");

    @TempDir
    Path tmp;

    @Test
    void tokenIsTheBasicAuthPasswordAndIsReadAgainOnEveryChallenge() throws Exception {
        Path file = Files.writeString(tmp.resolve("token"), "first-token\n");
        TokenCredentials credentials = TokenCredentials.fromFile(ORIGIN, "x-token-auth", file);

        assertThat(answer(credentials)).containsExactly("x-token-auth", "first-token");
        Files.writeString(file, "rotated-token");
        assertThat(answer(credentials)).containsExactly("x-token-auth", "rotated-token");
    }

    @Test
    void tokenFromTheEnvironment() throws Exception {
        TokenCredentials credentials = TokenCredentials.fromEnvironment(ORIGIN, "git", "GIT_TOKEN",
            name -> Optional.of("env-token"));
        assertThat(answer(credentials)).containsExactly("git", "env-token");
    }

    @Test
    void certificateTrustQuestionsAreNotSupported() {
        TokenCredentials credentials = TokenCredentials.fromEnvironment(ORIGIN, "git", "T", name -> Optional.of("t"));
        assertThat(credentials.supports(new CredentialItem.YesNoType("Trust this certificate?"))).isFalse();
        assertThat(credentials.isInteractive()).isFalse();
    }

    @Test
    void toStringNamesTheSourceNotTheValue() throws Exception {
        Path file = Files.writeString(tmp.resolve("token"), "very-secret");
        TokenCredentials credentials = TokenCredentials.fromFile(ORIGIN, "git", file);
        assertThat(credentials.toString()).contains(file.toString()).doesNotContain("very-secret");
    }

    @Test
    void fileWithMoreThanTheTokenIsRefused() throws Exception {
        Path file = Files.writeString(tmp.resolve("token"), "line one\nline two\n");
        TokenCredentials credentials = TokenCredentials.fromFile(ORIGIN, "git", file);
        org.assertj.core.api.Assertions.assertThatThrownBy(credentials::check)
            .isInstanceOf(GitSourceException.class)
            .hasMessageContaining("more than one line")
            .hasMessageNotContaining("line one");
    }

    @Test
    void tokenIsNotOfferedToAnotherHostOrPort() {
        TokenCredentials credentials = TokenCredentials.fromEnvironment(ORIGIN, "git", "T", name -> Optional.of("t"));
        CredentialItem.Password password = new CredentialItem.Password();
        assertThat(credentials.get(uri("https://attacker.example.net/infra.git"), password)).isFalse();
        assertThat(credentials.get(uri("https://git.example.org:8443/infra.git"), password)).isFalse();
        assertThat(password.getValue()).isNull();
        assertThat(credentials.get(uri("https://GIT.example.org:443/other.git"), password)).isTrue();
    }

    static URIish uri(String s) {
        try {
            return new URIish(s);
        } catch (java.net.URISyntaxException e) {
            throw new IllegalArgumentException(e);
        }
    }

    static java.util.List<String> answer(TokenCredentials credentials) throws Exception {
        CredentialItem.Username user = new CredentialItem.Username();
        CredentialItem.Password password = new CredentialItem.Password();
        assertThat(credentials.get(ORIGIN, user, password)).isTrue();
        return java.util.List.of(user.getValue(), new String(password.getValue()));
    }
}
