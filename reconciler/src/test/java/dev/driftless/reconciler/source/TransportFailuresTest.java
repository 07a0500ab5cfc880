package dev.driftless.reconciler.source;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.ConnectException;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.security.cert.CertPathBuilderException;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import javax.net.ssl.SSLHandshakeException;
import org.eclipse.jgit.errors.NoRemoteRepositoryException;
import org.eclipse.jgit.errors.TransportException;
import org.eclipse.jgit.transport.URIish;
import org.junit.jupiter.api.Test;

/** How JGit's exceptions map to failures; each mapping is also met for real in the *IT classes. */
class TransportFailuresTest {

    static final String URL = "https://git.example.org/infra.git";

    static TransportFailures.Attempt attempt(Optional<String> secret) {
        return new TransportFailures.Attempt(URL, "the token from token file /etc/driftless/token", Optional.empty(),
            Path.of("known_hosts"), Optional.empty(), Duration.ofSeconds(60), secret);
    }

    static SourceFailure classify(Throwable e) {
        return TransportFailures.classify(e, attempt(Optional.empty()));
    }

    @Test
    void missingRepository() throws Exception {
        SourceFailure f = classify(new NoRemoteRepositoryException(new URIish(URL), "repository not found"));
        assertThat(f).isEqualTo(new SourceFailure.RepositoryMissing(URL, "repository not found"));
    }

    @Test
    void rejectedTokenNamesWhereItCameFrom() {
        SourceFailure f = classify(new TransportException(URL + ": not authorized"));
        assertThat(f).isEqualTo(new SourceFailure.AuthFailed(URL,
            "the token from token file /etc/driftless/token not accepted (not authorized)"));
    }

    @Test
    void certificateProblemInsideAHandshakeFailure() {
        SSLHandshakeException handshake = new SSLHandshakeException("PKIX path building failed");
        handshake.initCause(new CertPathBuilderException("unable to find valid certification path"));
        SourceFailure f = classify(new TransportException(URL + ": Secure connection failed", handshake));
        assertThat(f).isInstanceOf(SourceFailure.UntrustedCertificate.class);
        assertThat(f.message()).contains("unable to find valid certification path", "set ca-file");
    }

    @Test
    void networkProblemsAreTransient() {
        assertThat(classify(new TransportException("x", new ConnectException("Connection refused"))).isTransient())
            .isTrue();
        assertThat(classify(new TransportException("x", new UnknownHostException("git.example.org"))))
            .isEqualTo(new SourceFailure.Unreachable(URL, "unknown host git.example.org"));
        assertThat(classify(new IOException("something nobody expected")))
            .isEqualTo(new SourceFailure.Unreachable(URL, "something nobody expected"));
    }

    @Test
    void recordedHostKeyRefusalWinsOverJGitsMessage() {
        var refusal = new PinnedHostKeys.Refusal("[h]:22", SourceFailure.HostKeyProblem.UNKNOWN,
            "ssh-ed25519 SHA256:x", List.of());
        var a = new TransportFailures.Attempt(URL, "SSH key /k", Optional.of(refusal), Path.of("/kh"),
            Optional.empty(), Duration.ofSeconds(5), Optional.empty());
        SourceFailure f = TransportFailures.classify(new TransportException("Server key did not validate"), a);
        assertThat(f).isInstanceOf(SourceFailure.HostKeyRefused.class);
        assertThat(f.message()).contains("SHA256:x", "/kh");
    }

    @Test
    void tokenIsScrubbedFromAnyMessage() {
        SourceFailure f = TransportFailures.classify(new IOException("echoed tok-123 back"),
            attempt(Optional.of("tok-123")));
        assertThat(f.message()).doesNotContain("tok-123").contains("echoed *** back");
    }
}
