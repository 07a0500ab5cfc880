package dev.driftless.reconciler.source;

import java.nio.file.Path;
import java.util.List;

/**
 * Why the git source could not yield a revision: a closed set the daemon switches on to decide
 * between retrying with backoff ({@link #isTransient()}) and reporting a stalled source until the
 * configuration or the repository changes.
 *
 * <p>Every message names the repository by its display URL (never with credentials) and never
 * contains a token or key material.
 */
public sealed interface SourceFailure {

    /** One line for logs, status and the CLI. */
    String message();

    /** True when the same poll may succeed later without anyone changing anything. */
    boolean isTransient();

    /** The server could not be reached, or stopped answering within the timeout. */
    record Unreachable(String url, String detail) implements SourceFailure {
        @Override
        public String message() {
            return "git source " + url + " is unreachable: " + detail;
        }

        @Override
        public boolean isTransient() {
            return true;
        }
    }

    /** The server refused the credentials (SSH key or token), or asked for some and had none. */
    record AuthFailed(String url, String detail) implements SourceFailure {
        @Override
        public String message() {
            return "git source " + url + " refused authentication: " + detail;
        }

        @Override
        public boolean isTransient() {
            return false;
        }
    }

    /** Why a host key was refused. */
    enum HostKeyProblem {
        /** known_hosts has no entry for the host at that port. */
        UNKNOWN,
        /** known_hosts pins other keys for the host at that port. */
        CHANGED,
        /** the key, or the CA key of its certificate, is listed as {@code @revoked}. */
        REVOKED,
        /** a host certificate that is not valid for the host: expired, other names, bad CA signature. */
        INVALID_CERTIFICATE,
        /** the key or certificate is in {@code ssh.revoked-host-keys}, or that list cannot be read. */
        REVOKED_BY_LIST
    }

    /**
     * The SSH server presented a host key that the pinned known_hosts file does not list for it.
     *
     * @param host        the host pattern looked up, {@code name} or {@code [name]:port}
     * @param offered     the offered key as {@code <type> SHA256:<fingerprint>}
     * @param pinned      the keys pinned for the host, same format; empty when unknown
     * @param knownHosts  the file that was consulted
     * @param detail      what more there is to say ("its CA key is marked @revoked", why a
     *                    certificate is not valid); empty when nothing
     */
    record HostKeyRefused(String url, String host, HostKeyProblem problem, String offered, List<String> pinned,
                          Path knownHosts, String detail) implements SourceFailure {
        public HostKeyRefused {
            pinned = List.copyOf(pinned);
        }

        public HostKeyRefused(String url, String host, HostKeyProblem problem, String offered, List<String> pinned,
                              Path knownHosts) {
            this(url, host, problem, offered, pinned, knownHosts, "");
        }

        @Override
        public String message() {
            return switch (problem) {
                case UNKNOWN -> "host key of " + host + " refused for git source " + url + ": the server offered "
                    + offered + ", and " + knownHosts + " has no key for " + host + (detail.isEmpty() ? "" : " ("
                    + detail + ")") + ". driftless never trusts a key on first use: check this fingerprint out of"
                    + " band, then add the host's key to " + knownHosts + ", or its CA's as a @cert-authority line";
                case CHANGED -> "host key of " + host + " CHANGED for git source " + url + ": the server offered "
                    + offered + ", but " + knownHosts + " pins " + String.join(", ", pinned)
                    + ". Refused: this may be an impostor; if the host was re-keyed, update " + knownHosts;
                case REVOKED -> "host key of " + host + " refused for git source " + url + ": the server offered "
                    + offered + ", which " + knownHosts + " marks @revoked" + (detail.isEmpty() ? "" : " ("
                    + detail + ")");
                case REVOKED_BY_LIST -> "host key of " + host + " refused for git source " + url + ": the server"
                    + " offered " + offered + "; " + detail;
                case INVALID_CERTIFICATE -> "host certificate of " + host + " refused for git source " + url
                    + ": the server offered " + offered + ", which is not valid for " + host + ": " + detail
                    + ". Refused; have the host's certificate renewed by its CA (ssh-keygen -s CA -h -n NAME)";
            };
        }

        @Override
        public boolean isTransient() {
            return false;
        }
    }

    /** The HTTPS server's certificate is not trusted (by the JDK's CAs, or by the configured CA file). */
    record UntrustedCertificate(String url, String detail) implements SourceFailure {
        @Override
        public String message() {
            return "TLS connection to git source " + url + " refused: " + detail;
        }

        @Override
        public boolean isTransient() {
            return false;
        }
    }

    /** The server answers but has no repository at that path (or hides it from these credentials). */
    record RepositoryMissing(String url, String detail) implements SourceFailure {
        @Override
        public String message() {
            return "git source " + url + " has no repository there: " + detail;
        }

        @Override
        public boolean isTransient() {
            return false;
        }
    }

    /** The repository exists but the configured branch does not. */
    record BranchMissing(String url, String branch) implements SourceFailure {
        @Override
        public String message() {
            return "git source " + url + " has no branch " + branch;
        }

        @Override
        public boolean isTransient() {
            return false;
        }
    }

    /**
     * The branch moved to a commit that does not descend from the last accepted one and the
     * configuration does not allow that; the previous revision stays current.
     */
    record ForcePushRefused(String url, String branch, String previousSha, String offeredSha)
            implements SourceFailure {
        @Override
        public String message() {
            return "branch " + branch + " of git source " + url + " was rewritten (force-push): " + offeredSha
                + " does not descend from " + previousSha + ". Refused; staying on " + previousSha
                + ". Push a commit on top of it, or set allow-force-push to accept the new history";
        }

        @Override
        public boolean isTransient() {
            return false;
        }
    }

    /** A revision given by name (sha, tag, branch, expression) does not resolve to a commit. */
    record RevisionMissing(String repository, String revision, String detail) implements SourceFailure {
        @Override
        public String message() {
            return "revision " + revision + " not found in " + repository + ": " + detail;
        }

        @Override
        public boolean isTransient() {
            return false;
        }
    }

    /** The settings cannot work (missing key file, token over plain http, …). */
    record Misconfigured(String detail) implements SourceFailure {
        @Override
        public String message() {
            return "git source misconfigured: " + detail;
        }

        @Override
        public boolean isTransient() {
            return false;
        }
    }

    /** The local cache could not be read or written (disk full, permissions). */
    record CacheFailure(Path cache, String detail) implements SourceFailure {
        @Override
        public String message() {
            return "git source cache " + cache + " failed: " + detail;
        }

        @Override
        public boolean isTransient() {
            return true;
        }
    }
}
