package dev.driftless.reconciler.source;

import dev.driftless.reconciler.ssh.KnownHosts;
import java.io.InterruptedIOException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketTimeoutException;
import java.net.URISyntaxException;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.security.cert.CertPathBuilderException;
import java.security.cert.CertPathValidatorException;
import java.security.cert.CertificateException;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLPeerUnverifiedException;
import org.eclipse.jgit.errors.NoRemoteRepositoryException;
import org.eclipse.jgit.transport.URIish;

/**
 * Turns what JGit throws into a {@link SourceFailure}. JGit reports most transport problems as a
 * {@code TransportException} with a message, so the kind is read from the cause chain first
 * (exception types) and from JGit's fixed message texts second. Anything not recognised is treated
 * as unreachable, i.e. retried: an unknown hiccup should not stall the source for good.
 */
final class TransportFailures {

    /** Apache MINA's texts for a host certificate it refused in the key exchange (see {@link #certificateProblem}). */
    private static final Pattern EXPIRED = Pattern.compile("CA expired for key ID=(.*)");
    private static final Pattern PRINCIPAL = Pattern.compile("invalid principal (.*) for key ID=(.*) - allowed=\\[(.*)]");
    private static final Pattern NOT_HOST = Pattern.compile("not a host key \\(\\d+\\) (\\S+) for key ID=(.*)");
    private static final Pattern SIGNATURE = Pattern.compile("CA signature verification failed for key type=.* of key ID=(.*)");

    private TransportFailures() {
    }

    /**
     * What the classification needs to know about the attempt.
     *
     * @param url         the display URL
     * @param credentials what was offered, for an authentication failure ("SSH key /k for user deploy")
     * @param secret      the token, to scrub from any message
     */
    record Attempt(String url, String credentials, Optional<PinnedHostKeys.Refusal> refusal, Path knownHosts,
                   Optional<Path> caFile, Duration timeout, Optional<String> secret) {
    }

    static SourceFailure classify(Throwable error, Attempt attempt) {
        String url = attempt.url();
        Optional<PinnedHostKeys.Refusal> refusal = attempt.refusal();
        Path knownHosts = attempt.knownHosts();
        Duration timeout = attempt.timeout();
        Optional<String> secret = attempt.secret();
        if (refusal.isPresent()) {
            PinnedHostKeys.Refusal r = refusal.get();
            return new SourceFailure.HostKeyRefused(url, r.host(), r.problem(), r.offered(), r.pinned(), knownHosts,
                r.detail());
        }
        Optional<String> certificate = refusedCertificate(error);
        if (certificate.isPresent()) {
            return new SourceFailure.HostKeyRefused(url, hostOf(url), SourceFailure.HostKeyProblem.INVALID_CERTIFICATE,
                "a host certificate", List.of(), knownHosts, certificate.get());
        }
        String detail = withoutUrl(scrub(rootMessage(error), secret), url);
        // Most specific first: an SSLHandshakeException wraps the certificate problem it reports.
        Optional<Throwable> t;
        if ((t = inChain(error, NoRemoteRepositoryException.class)).isPresent()) {
            return new SourceFailure.RepositoryMissing(url, withoutUrl(scrub(t.get().getMessage(), secret), url));
        }
        if ((t = inChain(error, CertificateException.class, CertPathBuilderException.class,
                CertPathValidatorException.class, SSLPeerUnverifiedException.class)).isPresent()) {
            String why = scrub(rootMessage(t.get()), secret);
            return new SourceFailure.UntrustedCertificate(url, attempt.caFile()
                .map(ca -> "the server's certificate is not issued by a CA in ca-file " + ca + " (" + why + ")")
                .orElse("the server's certificate is not trusted by the JDK's CAs (" + why
                    + "); for a private CA set ca-file"));
        }
        if (inChain(error, SSLHandshakeException.class).isPresent()) {
            return new SourceFailure.UntrustedCertificate(url, "TLS handshake failed: " + detail);
        }
        if ((t = inChain(error, UnknownHostException.class)).isPresent()) {
            return new SourceFailure.Unreachable(url, "unknown host " + scrub(t.get().getMessage(), secret));
        }
        if (inChain(error, ConnectException.class, NoRouteToHostException.class).isPresent()) {
            return new SourceFailure.Unreachable(url, "connection refused or no route: " + detail);
        }
        if (inChain(error, SocketTimeoutException.class, InterruptedIOException.class).isPresent()) {
            return new SourceFailure.Unreachable(url, "no answer within " + timeout.toSeconds() + "s");
        }
        String all = allMessages(error).toLowerCase(Locale.ROOT);
        if (all.contains("no more authentication methods available") || all.contains("not authorized")
                || all.contains("authentication not supported") || all.contains("authentication failed")
                || all.contains("permission denied")) {
            return new SourceFailure.AuthFailed(url, attempt.credentials() + " not accepted (" + detail + ")");
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

    /**
     * Apache MINA checks a host certificate during the key exchange, before the known_hosts check
     * sees it, and aborts with "KeyExchange signature verification failed, CA expired for key
     * ID=…" and the like: that is a refused host certificate (not a network problem to retry).
     */
    private static Optional<String> refusedCertificate(Throwable error) {
        for (Throwable t = error; t != null; t = t.getCause()) {
            String m = t.getMessage();
            if (m != null && m.contains("KeyExchange") && m.contains("key ID=")) {
                return Optional.of(certificateProblem(m.substring(m.indexOf("KeyExchange")).strip()));
            }
        }
        return Optional.empty();
    }

    /** MINA's message, in the words of the rest of driftless. */
    static String certificateProblem(String mina) {
        Matcher m;
        if ((m = EXPIRED.matcher(mina)).find()) {
            return "certificate \"" + m.group(1) + "\" is expired or not yet valid";
        }
        if ((m = PRINCIPAL.matcher(mina)).find()) {
            return "certificate \"" + m.group(2) + "\" is issued for " + m.group(3) + ", not for " + m.group(1);
        }
        if ((m = NOT_HOST.matcher(mina)).find()) {
            return "certificate \"" + m.group(2) + "\" is a " + m.group(1).toLowerCase(Locale.ROOT)
                + " certificate, not a host certificate";
        }
        if ((m = SIGNATURE.matcher(mina)).find()) {
            return "the CA signature of certificate \"" + m.group(1) + "\" does not verify; someone may be intercepting"
                + " the connection";
        }
        return "the SSH client refused it during the key exchange (" + mina + ")";
    }

    /** {@code host} or {@code [host]:port}, as known_hosts names the server of {@code url}. */
    static String hostOf(String url) {
        try {
            URIish uri = new URIish(url);
            return uri.getHost() == null ? url : KnownHosts.lookupName(uri.getHost(), uri.getPort() > 0 ? uri.getPort() : 22);
        } catch (URISyntaxException e) {
            return url;
        }
    }

    @SafeVarargs
    private static Optional<Throwable> inChain(Throwable error, Class<? extends Throwable>... types) {
        for (Throwable t = error; t != null; t = t.getCause()) {
            for (Class<? extends Throwable> type : types) {
                if (type.isInstance(t)) {
                    return Optional.of(t);
                }
            }
        }
        return Optional.empty();
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

    /** JGit prefixes its messages with the URL, which the failure's message names already. */
    private static String withoutUrl(String message, String url) {
        return message.replace(url + ": ", "").replace(url + ":", "").strip();
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
