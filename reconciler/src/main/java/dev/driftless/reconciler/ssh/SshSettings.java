package dev.driftless.reconciler.ssh;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * How driftless connects to hosts: its private key, where host keys are pinned, timeouts and how
 * many hosts it talks to at once. The daemon configuration is mapped onto this.
 *
 * @param privateKey        driftless's SSH private key file
 * @param keyPassphrase     the key's passphrase, if it has one (never printed)
 * @param knownHosts        a known_hosts file pinning host keys (hosts may also pin in the inventory)
 * @param connectTimeout    TCP connect plus SSH handshake and login
 * @param commandTimeout    the default for commands that do not say otherwise (observation)
 * @param maxParallelHosts  at most this many connects and commands in flight at once
 * @param keepAliveInterval how often each connection is probed (one timer for all, see
 *                          {@code KeepAlives}); a connection silent for five probes in a row is
 *                          dropped and re-established on next use; zero turns it off
 * @param revokedHostKeys   host keys and certificates refused whoever vouches for them: a key
 *                          revocation list ({@code ssh-keygen -k}) or a list of public keys, as
 *                          OpenSSH's {@code RevokedHostKeys}
 * @param idleTimeout       a connection no command used for this long is closed, and reopened
 *                          by the next command (what each open connection costs: a thread and
 *                          a socket, see docs/performance.md); zero keeps connections open
 * @param jump              which jump host (bastion), if any, each host is reached through
 */
public record SshSettings(
        Path privateKey,
        Optional<String> keyPassphrase,
        Optional<Path> knownHosts,
        Duration connectTimeout,
        Duration commandTimeout,
        int maxParallelHosts,
        Duration keepAliveInterval,
        Optional<Path> revokedHostKeys,
        Duration idleTimeout,
        JumpRules jump) {

    public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(10);
    public static final Duration DEFAULT_COMMAND_TIMEOUT = Duration.ofSeconds(60);
    public static final int DEFAULT_MAX_PARALLEL_HOSTS = 8;
    public static final Duration DEFAULT_KEEP_ALIVE = Duration.ofSeconds(30);

    public SshSettings {
        Objects.requireNonNull(privateKey, "privateKey");
        Objects.requireNonNull(keyPassphrase, "keyPassphrase");
        Objects.requireNonNull(knownHosts, "knownHosts");
        requirePositive(connectTimeout, "connectTimeout");
        requirePositive(commandTimeout, "commandTimeout");
        Objects.requireNonNull(keepAliveInterval, "keepAliveInterval");
        if (keepAliveInterval.isNegative()) {
            throw new IllegalArgumentException("keepAliveInterval must not be negative");
        }
        Objects.requireNonNull(revokedHostKeys, "revokedHostKeys");
        Objects.requireNonNull(idleTimeout, "idleTimeout");
        Objects.requireNonNull(jump, "jump");
        if (idleTimeout.isNegative()) {
            throw new IllegalArgumentException("idleTimeout must not be negative");
        }
        if (maxParallelHosts < 1) {
            throw new IllegalArgumentException("maxParallelHosts must be at least 1, got " + maxParallelHosts);
        }
    }

    /**
     * The defaults: 10 s connect, 60 s commands, 8 hosts at once, keep-alive every 30 s,
     * connections kept open however long they are idle.
     */
    public static SshSettings defaults(Path privateKey, Optional<Path> knownHosts) {
        return new SshSettings(privateKey, Optional.empty(), knownHosts, DEFAULT_CONNECT_TIMEOUT,
            DEFAULT_COMMAND_TIMEOUT, DEFAULT_MAX_PARALLEL_HOSTS, DEFAULT_KEEP_ALIVE, Optional.empty(), Duration.ZERO,
            JumpRules.none());
    }

    public SshSettings withKeyPassphrase(String passphrase) {
        return new SshSettings(privateKey, Optional.of(passphrase), knownHosts, connectTimeout, commandTimeout,
            maxParallelHosts, keepAliveInterval, revokedHostKeys, idleTimeout, jump);
    }

    public SshSettings withKnownHosts(Optional<Path> file) {
        return new SshSettings(privateKey, keyPassphrase, file, connectTimeout, commandTimeout,
            maxParallelHosts, keepAliveInterval, revokedHostKeys, idleTimeout, jump);
    }

    public SshSettings withTimeouts(Duration connect, Duration command) {
        return new SshSettings(privateKey, keyPassphrase, knownHosts, connect, command, maxParallelHosts,
            keepAliveInterval, revokedHostKeys, idleTimeout, jump);
    }

    public SshSettings withMaxParallelHosts(int n) {
        return new SshSettings(privateKey, keyPassphrase, knownHosts, connectTimeout, commandTimeout, n,
            keepAliveInterval, revokedHostKeys, idleTimeout, jump);
    }

    public SshSettings withKeepAliveInterval(Duration interval) {
        return new SshSettings(privateKey, keyPassphrase, knownHosts, connectTimeout, commandTimeout,
            maxParallelHosts, interval, revokedHostKeys, idleTimeout, jump);
    }

    public SshSettings withRevokedHostKeys(Optional<Path> file) {
        return new SshSettings(privateKey, keyPassphrase, knownHosts, connectTimeout, commandTimeout,
            maxParallelHosts, keepAliveInterval, file, idleTimeout, jump);
    }

    /** Hosts are reached through the jump hosts {@code via} names for them ({@code ssh.jump}). */
    public SshSettings withJump(JumpRules via) {
        return new SshSettings(privateKey, keyPassphrase, knownHosts, connectTimeout, commandTimeout,
            maxParallelHosts, keepAliveInterval, revokedHostKeys, idleTimeout, via);
    }

    /** Connections no command used for {@code idle} are closed (reopened on next use); zero: never. */
    public SshSettings withIdleTimeout(Duration idle) {
        return new SshSettings(privateKey, keyPassphrase, knownHosts, connectTimeout, commandTimeout,
            maxParallelHosts, keepAliveInterval, revokedHostKeys, idle, jump);
    }

    @Override
    public String toString() {
        return "SshSettings[privateKey=" + privateKey
            + ", keyPassphrase=" + (keyPassphrase.isPresent() ? "(set)" : "(none)")
            + ", knownHosts=" + knownHosts.map(Path::toString).orElse("(none)")
            + ", connectTimeout=" + connectTimeout + ", commandTimeout=" + commandTimeout
            + ", maxParallelHosts=" + maxParallelHosts + ", keepAliveInterval=" + keepAliveInterval
            + revokedHostKeys.map(f -> ", revokedHostKeys=" + f).orElse("")
            + (idleTimeout.isZero() ? "" : ", idleTimeout=" + idleTimeout) + (jump.rules().isEmpty() ? "" : ", jump=" + jump)
            + "]";
    }

    private static void requirePositive(Duration d, String name) {
        Objects.requireNonNull(d, name);
        if (d.isZero() || d.isNegative()) {
            throw new IllegalArgumentException(name + " must be positive, got " + d);
        }
    }
}
