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
            "ssh-ed25519 SHA256:x", List.of(), "");
        var a = new TransportFailures.Attempt(URL, "SSH key /k", Optional.of(refusal), Path.of("/kh"),
            Optional.empty(), Duration.ofSeconds(5), Optional.empty());
        SourceFailure f = TransportFailures.classify(new TransportException("Server key did not validate"), a);
        assertThat(f).isInstanceOf(SourceFailure.HostKeyRefused.class);
        assertThat(f.message()).contains("SHA256:x", "/kh");
    }

    @Test
    void aHostCertificateTheSshLibraryRefusedIsAHostKeyRefusalNotANetworkProblem() {
        // Apache MINA's own texts, as it aborts the key exchange (wrapped by JGit).
        SourceFailure expired = classify(new TransportException("ssh://deploy@git.example.org:2222/infra.git: x",
            new org.apache.sshd.common.SshException(3, "KeyExchange signature verification failed, CA expired for key"
                + " ID=git-host")));
        assertThat(expired).isInstanceOfSatisfying(SourceFailure.HostKeyRefused.class, r -> {
            assertThat(r.problem()).isEqualTo(SourceFailure.HostKeyProblem.INVALID_CERTIFICATE);
            assertThat(r.detail()).isEqualTo("certificate \"git-host\" is expired or not yet valid");
        });
        assertThat(expired.isTransient()).isFalse();
        assertThat(TransportFailures.certificateProblem("KeyExchange signature verification failed, invalid principal"
            + " 127.0.0.1 for key ID=git-host - allowed=[db-9.example.org, db-9]"))
            .isEqualTo("certificate \"git-host\" is issued for db-9.example.org, db-9, not for 127.0.0.1");
        assertThat(TransportFailures.certificateProblem("KeyExchange signature verification failed, not a host key (2)"
            + " USER for key ID=someone"))
            .isEqualTo("certificate \"someone\" is a user certificate, not a host certificate");
        assertThat(TransportFailures.certificateProblem("KeyExchange CA signature verification failed for key"
            + " type=ssh-ed25519 of key ID=git-host")).startsWith("the CA signature of certificate \"git-host\" does not"
            + " verify");
        assertThat(TransportFailures.hostOf("ssh://deploy@git.example.org:2222/infra.git"))
            .isEqualTo("[git.example.org]:2222");
        assertThat(TransportFailures.hostOf("git@git.example.org:shop/infra.git")).isEqualTo("git.example.org");
    }

    @Test
    void tokenIsScrubbedFromAnyMessage() {
        SourceFailure f = TransportFailures.classify(new IOException("echoed tok-123 back"),
            attempt(Optional.of("tok-123")));
        assertThat(f.message()).doesNotContain("tok-123").contains("echoed *** back");
    }
}
