package dev.driftless.reconciler.source;

import dev.driftless.reconciler.ssh.JumpRoute;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.eclipse.jgit.lib.Repository;

/**
 * What the git source follows and how it authenticates: one branch of one repository, the
 * environment's directory inside it, and where the local cache lives. Holds paths and names of
 * secrets, never secret values, so it is safe to log.
 *
 * @param url            {@code ssh://user@host[:port]/path}, {@code user@host:path}, {@code https://…},
 *                       {@code file:///path} or a plain directory
 * @param branch         the branch followed; default {@value #DEFAULT_BRANCH}
 * @param subdirectory   the environment's directory in the repository ("environments/prod");
 *                       empty = the repository root
 * @param cacheDir       directory under which the bare clone is kept (one per URL and branch)
 * @param sshKey         private key file for SSH URLs (unencrypted OpenSSH or PEM)
 * @param knownHosts     known_hosts file pinning the SSH server's host key; required for SSH
 * @param tokenFile      file holding the HTTPS token (read on every connection, so it can rotate)
 * @param tokenEnv       name of an environment variable holding the HTTPS token
 * @param caFile         PEM file of the CA certificates trusted for HTTPS instead of the JDK's
 * @param allowForcePush accept a branch that moved to a commit not descending from the last one
 * @param timeout        connect and read timeout of each network operation; default 60 s
 * @param revokedHostKeys host keys and certificates refused for SSH URLs whatever known_hosts says
 *                       ({@code ssh.revoked-host-keys}: a KRL or a list of public keys)
 * @param jump           for SSH URLs, the jump hosts (bastions) the git server is reached through, as
 *                       OpenSSH's ProxyJump; each pinned in {@code knownHosts} like the server
 */
public record GitSourceSettings(
        String url,
        String branch,
        Optional<String> subdirectory,
        Path cacheDir,
        Optional<Path> sshKey,
        Optional<Path> knownHosts,
        Optional<Path> tokenFile,
        Optional<String> tokenEnv,
        Optional<Path> caFile,
        boolean allowForcePush,
        Duration timeout,
        Optional<Path> revokedHostKeys,
        Optional<JumpRoute> jump) {

    public static final String DEFAULT_BRANCH = "main";
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(60);

    public GitSourceSettings {
        Objects.requireNonNull(url, "url");
        Objects.requireNonNull(branch, "branch");
        Objects.requireNonNull(subdirectory, "subdirectory");
        Objects.requireNonNull(cacheDir, "cacheDir");
        Objects.requireNonNull(sshKey, "sshKey");
        Objects.requireNonNull(knownHosts, "knownHosts");
        Objects.requireNonNull(tokenFile, "tokenFile");
        Objects.requireNonNull(tokenEnv, "tokenEnv");
        Objects.requireNonNull(caFile, "caFile");
        Objects.requireNonNull(timeout, "timeout");
        Objects.requireNonNull(revokedHostKeys, "revokedHostKeys");
        Objects.requireNonNull(jump, "jump");
        if (url.isBlank()) {
            throw new IllegalArgumentException("repository URL is empty");
        }
        if (branch.startsWith("refs/")) {
            throw new IllegalArgumentException("branch " + branch + ": give the branch name, not a ref (main, not refs/heads/main)");
        }
        if (!Repository.isValidRefName("refs/heads/" + branch)) {
            throw new IllegalArgumentException("branch " + branch + " is not a valid git branch name");
        }
        subdirectory = subdirectory.map(GitSourceSettings::normalizeSubdirectory).filter(s -> !s.isEmpty());
        tokenEnv = tokenEnv.filter(s -> !s.isBlank());
        if (tokenFile.isPresent() && tokenEnv.isPresent()) {
            throw new IllegalArgumentException("token-file and token-env are both set; choose one");
        }
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("timeout must be positive, was " + timeout);
        }
    }

    /** Without a revocation list. */
    public GitSourceSettings(String url, String branch, Optional<String> subdirectory, Path cacheDir,
                             Optional<Path> sshKey, Optional<Path> knownHosts, Optional<Path> tokenFile,
                             Optional<String> tokenEnv, Optional<Path> caFile, boolean allowForcePush, Duration timeout) {
        this(url, branch, subdirectory, cacheDir, sshKey, knownHosts, tokenFile, tokenEnv, caFile, allowForcePush,
            timeout, Optional.empty(), Optional.empty());
    }

    /** Settings for {@code url} with every default: branch main, repository root, no credentials, 60 s. */
    public static GitSourceSettings of(String url, Path cacheDir) {
        return new GitSourceSettings(url, DEFAULT_BRANCH, Optional.empty(), cacheDir, Optional.empty(),
            Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(), false, DEFAULT_TIMEOUT);
    }

    /** The environment's directory, "" for the repository root. */
    public String subdirectoryOrRoot() {
        return subdirectory.orElse("");
    }

    public GitSourceSettings withBranch(String value) {
        return new GitSourceSettings(url, value, subdirectory, cacheDir, sshKey, knownHosts, tokenFile, tokenEnv,
            caFile, allowForcePush, timeout, revokedHostKeys, jump);
    }

    public GitSourceSettings withSubdirectory(String value) {
        return new GitSourceSettings(url, branch, Optional.of(value), cacheDir, sshKey, knownHosts, tokenFile,
            tokenEnv, caFile, allowForcePush, timeout, revokedHostKeys, jump);
    }

    public GitSourceSettings withSshKey(Path value) {
        return new GitSourceSettings(url, branch, subdirectory, cacheDir, Optional.of(value), knownHosts, tokenFile,
            tokenEnv, caFile, allowForcePush, timeout, revokedHostKeys, jump);
    }

    public GitSourceSettings withKnownHosts(Path value) {
        return new GitSourceSettings(url, branch, subdirectory, cacheDir, sshKey, Optional.of(value), tokenFile,
            tokenEnv, caFile, allowForcePush, timeout, revokedHostKeys, jump);
    }

    public GitSourceSettings withTokenFile(Path value) {
        return new GitSourceSettings(url, branch, subdirectory, cacheDir, sshKey, knownHosts, Optional.of(value),
            Optional.empty(), caFile, allowForcePush, timeout, revokedHostKeys, jump);
    }

    public GitSourceSettings withTokenEnv(String value) {
        return new GitSourceSettings(url, branch, subdirectory, cacheDir, sshKey, knownHosts, Optional.empty(),
            Optional.of(value), caFile, allowForcePush, timeout, revokedHostKeys, jump);
    }

    public GitSourceSettings withCaFile(Path value) {
        return new GitSourceSettings(url, branch, subdirectory, cacheDir, sshKey, knownHosts, tokenFile, tokenEnv,
            Optional.of(value), allowForcePush, timeout, revokedHostKeys, jump);
    }

    public GitSourceSettings withAllowForcePush(boolean value) {
        return new GitSourceSettings(url, branch, subdirectory, cacheDir, sshKey, knownHosts, tokenFile, tokenEnv,
            caFile, value, timeout, revokedHostKeys, jump);
    }

    public GitSourceSettings withTimeout(Duration value) {
        return new GitSourceSettings(url, branch, subdirectory, cacheDir, sshKey, knownHosts, tokenFile, tokenEnv,
            caFile, allowForcePush, value, revokedHostKeys, jump);
    }

    /** Also refuse the git server's host keys and certificates that this list revokes ({@code ssh.revoked-host-keys}). */
    public GitSourceSettings withRevokedHostKeys(Optional<Path> value) {
        return new GitSourceSettings(url, branch, subdirectory, cacheDir, sshKey, knownHosts, tokenFile, tokenEnv,
            caFile, allowForcePush, timeout, value, jump);
    }

    /** Reach the git server through these jump hosts ({@code repo.jump}). */
    public GitSourceSettings withJump(Optional<JumpRoute> value) {
        return new GitSourceSettings(url, branch, subdirectory, cacheDir, sshKey, knownHosts, tokenFile, tokenEnv,
            caFile, allowForcePush, timeout, revokedHostKeys, value);
    }

    /**
     * "environments/prod/" and "./environments//prod" both become "environments/prod"; "", "." and
     * "/" become "" (the root). Refuses ".." so the environment cannot point outside the repository.
     */
    static String normalizeSubdirectory(String raw) {
        if (raw.indexOf('\\') >= 0) {
            throw new IllegalArgumentException("subdirectory " + raw + ": use / as separator");
        }
        List<String> parts = new ArrayList<>();
        for (String part : raw.strip().split("/")) {
            if (part.isEmpty() || part.equals(".")) {
                continue;
            }
            if (part.equals("..")) {
                throw new IllegalArgumentException("subdirectory " + raw + " must stay inside the repository (no ..)");
            }
            parts.add(part);
        }
        return String.join("/", parts);
    }
}
