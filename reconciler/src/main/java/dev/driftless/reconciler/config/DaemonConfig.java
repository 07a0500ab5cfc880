package dev.driftless.reconciler.config;

import dev.driftless.reconciler.history.HistorySettings;
import dev.driftless.reconciler.source.GitSourceSettings;
import dev.driftless.reconciler.ssh.JumpRoute;
import dev.driftless.reconciler.ssh.SshSettings;
import java.net.InetSocketAddress;
import dev.driftless.reconciler.source.verify.CommitVerifier;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * The daemon's configuration file ({@code driftless.yaml}), read and checked by
 * {@link ConfigLoader}: which repo to follow, how to reach hosts, where keys and state live. It
 * holds paths of secrets, never secret values. Every key and default is in docs/configuration.md.
 *
 * @param keepImages {@code images.keep}: how many images of each service's repository a host
 *                   keeps after a rollout (those containers use always stay); 0: never remove any
 * @param parallelServices {@code apply.parallel-services}: how many services roll out at once
 */
public record DaemonConfig(
        Path file,
        Repo repo,
        Ssh ssh,
        Secrets secrets,
        Path stateDir,
        Intervals intervals,
        History history,
        boolean cluster,
        Optional<InetSocketAddress> metricsListen,
        Optional<Path> reconcileTokenFile,
        LogFormat logFormat,
        List<Notification> notifications,
        int keepImages,
        List<dev.driftless.reconciler.daemon.DeployWindows.Window> deployWindows,
        int parallelServices) {

    public DaemonConfig {
        notifications = List.copyOf(notifications);
        deployWindows = List.copyOf(deployWindows);
    }

    /**
     * The token {@code POST /reconcile} requires, read from its file when called; empty when none is set.
     *
     * @throws IllegalArgumentException when the file's first line is blank (it would let anyone in)
     */
    public Optional<String> reconcileToken() {
        return reconcileTokenFile.map(f -> nonBlank(f, "metrics.reconcile-token-file"));
    }

    /**
     * The token from {@code metrics.reconcile-token-file}, read now: the daemon asks at every
     * {@code POST /reconcile}, so writing a new token to the file rotates it without a restart.
     *
     * @throws IllegalStateException    when no token file is configured
     * @throws IllegalArgumentException when the file is blank
     * @throws java.io.UncheckedIOException when it cannot be read
     */
    public String requireReconcileToken() {
        return reconcileToken().orElseThrow(() -> new IllegalStateException("no metrics.reconcile-token-file"));
    }

    /** The first line of a secret file, refused when blank. */
    static String nonBlank(Path file, String key) {
        String line = ConfigFiles.readSecretLine(file).strip();
        if (line.isEmpty()) {
            throw new IllegalArgumentException(key + ": " + file + " is empty; put the secret on its first line");
        }
        return line;
    }

    /**
     * A webhook told about every reconcile the daemon records whose result is one of {@code
     * events}. The URL may itself be a secret (Slack's are), so it can come from a file.
     *
     * @param url       the URL, when written in the configuration
     * @param urlFile   the file holding the URL, otherwise
     * @param format    the body: driftless's JSON record, or a Slack message
     * @param events    the results to tell about
     * @param tokenFile a bearer token for the Authorization header
     * @param signingSecretFile the secret each body is signed with (HMAC-SHA256)
     * @param noticeEvents which of the events besides reconciles to tell about
     */
    public record Notification(Optional<String> url, Optional<Path> urlFile, NotificationFormat format,
                               java.util.Set<dev.driftless.reconciler.history.ReconcileResult> events,
                               Optional<Path> tokenFile, Optional<Path> signingSecretFile,
                               java.util.Set<NoticeEvent> noticeEvents) {
        public Notification {
            events = java.util.Set.copyOf(events);
            noticeEvents = java.util.Set.copyOf(noticeEvents);
        }

        /** A webhook told about reconciles only. */
        public Notification(Optional<String> url, Optional<Path> urlFile, NotificationFormat format,
                            java.util.Set<dev.driftless.reconciler.history.ReconcileResult> events,
                            Optional<Path> tokenFile, Optional<Path> signingSecretFile) {
            this(url, urlFile, format, events, tokenFile, signingSecretFile, java.util.Set.of());
        }

        /** The URL: from the configuration, or the first line of its file (read when called). */
        public String resolveUrl() {
            return url.orElseGet(() -> ConfigFiles.readSecretLine(urlFile.orElseThrow()));
        }

        /** A bearer token, read from its file when called. */
        public Optional<String> token() {
            return tokenFile.map(ConfigFiles::readSecretLine);
        }

        /** The signing secret, read from its file when called. */
        public Optional<String> signingSecret() {
            return signingSecretFile.map(f -> nonBlank(f, "notifications[].signing-secret-file"));
        }

        /** Names the webhook by its host only: the rest of a URL may be its secret. */
        @Override
        public String toString() {
            String where = url.map(u -> {
                try {
                    return java.net.URI.create(u).getHost();
                } catch (IllegalArgumentException e) {
                    return null;
                }
            }).map(h -> "url to " + h).orElse(urlFile.map(f -> "url from " + f).orElse("no url"));
            return "Notification[" + where + ", " + format + ", " + events
                + (noticeEvents.isEmpty() ? "" : ", " + noticeEvents) + tokenFile.map(f -> ", token from " + f)
                .orElse("") + signingSecretFile.map(f -> ", signed with the secret from " + f).orElse("") + "]";
        }
    }

    /**
     * What a webhook may be told about besides reconciles: an operator's {@code driftless suspend}
     * and {@code resume}, a host that left the inventory given up on after
     * {@code intervals.departed} without an answer, a host whose SSH host key was refused
     * (unknown, changed or revoked: an impostor, or a re-keyed host to pin again), a host of the
     * inventory that stops answering or answers again, and a new commit that waits because the
     * whole environment is held (suspended, or outside its deploy windows).
     */
    public enum NoticeEvent { SUSPENDED, RESUMED, HOST_ABANDONED, HOST_KEY_REFUSED, HOST_UNREACHABLE, HOST_REACHABLE,
        DEPLOY_HELD, DRIFT_RECURRING }

    /** What a notification's body looks like. */
    public enum NotificationFormat { JSON, SLACK, TEAMS, DISCORD }

    /** The infra repo: where it is, which branch and environment, how to authenticate. */
    public record Repo(
            String url,
            String branch,
            Optional<String> path,
            Optional<String> environment,
            Optional<Path> sshKey,
            Optional<Path> knownHosts,
            Optional<Path> tokenFile,
            Optional<String> tokenEnv,
            Optional<Path> caFile,
            boolean allowForcePush,
            Duration timeout,
            Optional<CommitVerifier.Policy> verify,
            Optional<JumpRoute> jump) {
    }

    /** How the daemon reaches the hosts of the inventory. */
    public record Ssh(
            Path key,
            Optional<Path> keyPassphraseFile,
            Optional<Path> knownHosts,
            Duration connectTimeout,
            Duration commandTimeout,
            int parallelism,
            Duration keepAlive,
            Optional<Path> revokedHostKeys,
            Duration idleTimeout,
            dev.driftless.reconciler.ssh.JumpRules jump) {
    }

    /** Identities that decrypt the repo's SOPS files. */
    public record Secrets(List<Path> ageKeyFiles, List<Path> pgpKeyFiles, Optional<Path> passphraseFile) {
        public Secrets {
            ageKeyFiles = List.copyOf(ageKeyFiles);
            pgpKeyFiles = List.copyOf(pgpKeyFiles);
        }
    }

    /**
     * How often things happen: {@code poll} asks git whether the branch moved, {@code drift}
     * observes every host even when it did not, {@code retry} comes back sooner after a reconcile
     * that left hosts unconverged (unreachable, transient failures), {@code departed} is how long a
     * host that left the inventory while it did not answer is tried again before it is forgotten.
     */
    public record Intervals(Duration poll, Duration drift, Duration retry, Duration departed) {
    }

    /** The history database: the embedded H2 file by default, or PostgreSQL by JDBC URL. */
    public record History(Optional<String> jdbcUrl, Optional<String> user, Optional<Path> passwordFile,
                          Optional<Duration> retention, Duration abandonAfter) {
    }

    /** How reconcile logs are written to stderr. */
    public enum LogFormat { TEXT, JSON }

    /** The git source's settings: the bare cache lives under the state directory. */
    public GitSourceSettings gitSource() {
        return new GitSourceSettings(repo.url(), repo.branch(), repo.path(), stateDir.resolve("git"),
            repo.sshKey(), repo.knownHosts(), repo.tokenFile(), repo.tokenEnv(), repo.caFile(),
            repo.allowForcePush(), repo.timeout(), ssh.revokedHostKeys(), repo.jump());
    }

    /** The SSH transport's settings, with the key's passphrase read from its file if one is given. */
    public SshSettings sshSettings() {
        SshSettings s = SshSettings.defaults(ssh.key(), ssh.knownHosts())
            .withTimeouts(ssh.connectTimeout(), ssh.commandTimeout())
            .withMaxParallelHosts(ssh.parallelism())
            .withKeepAliveInterval(ssh.keepAlive())
            .withRevokedHostKeys(ssh.revokedHostKeys())
            .withIdleTimeout(ssh.idleTimeout())
            .withJump(ssh.jump());
        return ssh.keyPassphraseFile().map(f -> s.withKeyPassphrase(ConfigFiles.readSecretLine(f))).orElse(s);
    }

    /** The history store's settings. */
    public HistorySettings historySettings() {
        return new HistorySettings(history.jdbcUrl(), stateDir, history.user(), history.passwordFile(),
            history.abandonAfter());
    }
}
