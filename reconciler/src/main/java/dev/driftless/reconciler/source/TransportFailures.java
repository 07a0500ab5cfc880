package dev.driftless.reconciler.source;

import java.io.InterruptedIOException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.security.cert.CertPathBuilderException;
import java.security.cert.CertPathValidatorException;
import java.security.cert.CertificateException;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLPeerUnverifiedException;
import org.eclipse.jgit.errors.NoRemoteRepositoryException;

/**
 * Turns what JGit throws into a {@link SourceFailure}. JGit reports most transport problems as a
 * {@code TransportException} with a message, so the kind is read from the cause chain first
 * (exception types) and from JGit's fixed message texts second. Anything not recognised is treated
 * as unreachable, i.e. retried: an unknown hiccup should not stall the source for good.
 */
final class TransportFailures {

    private TransportFailures() {
    }

    static SourceFailure classify(Throwable error, String url, Optional<PinnedHostKeys.Refusal> refusal,
                                  Path knownHosts, Duration timeout, Optional<String> secret) {
        if (refusal.isPresent()) {
            PinnedHostKeys.Refusal r = refusal.get();
            return new SourceFailure.HostKeyRefused(url, r.host(), r.problem(), r.offered(), r.pinned(), knownHosts);
        }
        String detail = scrub(rootMessage(error), secret);
        for (Throwable t = error; t != null; t = t.getCause()) {
            if (t instanceof NoRemoteRepositoryException) {
                return new SourceFailure.RepositoryMissing(url, scrub(t.getMessage(), secret));
            }
            if (t instanceof CertificateException || t instanceof CertPathBuilderException
                    || t instanceof CertPathValidatorException || t instanceof SSLPeerUnverifiedException) {
                return new SourceFailure.UntrustedCertificate(url, "the server's certificate is not trusted ("
                    + scrub(t.getMessage(), secret) + "); set ca-file to the CA that issued it");
            }
            if (t instanceof SSLHandshakeException) {
                return new SourceFailure.UntrustedCertificate(url, "TLS handshake failed: " + detail);
            }
            if (t instanceof UnknownHostException) {
                return new SourceFailure.Unreachable(url, "unknown host " + scrub(t.getMessage(), secret));
            }
            if (t instanceof ConnectException || t instanceof NoRouteToHostException) {
                return new SourceFailure.Unreachable(url, "connection refused or no route: " + detail);
            }
            if (t instanceof SocketTimeoutException || t instanceof InterruptedIOException) {
                return new SourceFailure.Unreachable(url, "no answer within " + timeout.toSeconds() + "s");
            }
        }
        String all = allMessages(error).toLowerCase(Locale.ROOT);
        if (all.contains("no more authentication methods available") || all.contains("not authorized")
                || all.contains("authentication not supported") || all.contains("authentication failed")
                || all.contains("permission denied")) {
            return new SourceFailure.AuthFailed(url, secret.isPresent()
                ? "the token was not accepted (" + detail + ")"
                : detail);
        }
        if (all.contains("no credentialsprovider has been registered")) {
            return new SourceFailure.AuthFailed(url, "the server asks for credentials and none are configured;"
                + " set token-file or token-env");
        }
        if (all.contains("not permitted on")) {
            return new SourceFailure.AuthFailed(url, "access forbidden (HTTP 403): " + detail);
        }
        if (all.contains("ssl problems")) {
            return new SourceFailure.UntrustedCertificate(url, detail);
        }
        if (all.contains("timeout") || all.contains("timed out") || all.contains("time out")) {
            return new SourceFailure.Unreachable(url, "no answer within " + timeout.toSeconds() + "s (" + detail + ")");
        }
        if (all.contains("not found") || all.contains("does not appear to be a git repository")
                || all.contains("not a git repository")) {
            return new SourceFailure.RepositoryMissing(url, detail);
        }
        return new SourceFailure.Unreachable(url, detail);
    }

    /** The deepest message in the chain: JGit's outer ones repeat the URL and say little. */
    private static String rootMessage(Throwable error) {
        String message = null;
        for (Throwable t = error; t != null; t = t.getCause()) {
            if (t.getMessage() != null && !t.getMessage().isBlank()) {
                message = t.getMessage();
            }
        }
        return message == null ? error.getClass().getSimpleName() : message;
    }

    private static String allMessages(Throwable error) {
        StringBuilder sb = new StringBuilder();
        for (Throwable t = error; t != null; t = t.getCause()) {
            sb.append(t.getClass().getName()).append(": ").append(t.getMessage()).append('\n');
        }
        return sb.toString();
    }

    /** Belt and braces: JGit never puts a password in a message, and this makes sure of it. */
    static String scrub(String message, Optional<String> secret) {
        if (message == null) {
            return "";
        }
        String result = message.strip();
        if (secret.isPresent() && !secret.get().isEmpty()) {
            result = result.replace(secret.get(), "***");
        }
        return result;
    }
}
