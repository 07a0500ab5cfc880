package dev.driftless.reconciler.ssh;

import com.hierynomus.sshj.userauth.certificate.Certificate;
import dev.driftless.reconciler.sshkeys.RevokedKeys;
import dev.driftless.reconciler.sshkeys.SshCertificate;
import java.io.IOException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.security.PublicKey;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import net.schmizz.sshj.Config;
import net.schmizz.sshj.SSHClient;
import net.schmizz.sshj.common.Buffer;
import net.schmizz.sshj.common.SSHRuntimeException;
import net.schmizz.sshj.transport.verification.HostKeyVerifier;
import net.schmizz.sshj.userauth.UserAuthException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Opens one authenticated SSH connection to a host: TCP connect, handshake with the host key
 * checked against the pins, public-key login — all within the connect timeout — and turns every
 * way that can fail into a {@link HostFailure}.
 */
final class SshConnector {

    private static final Logger LOG = LoggerFactory.getLogger(SshConnector.class);

    private static final NoDelaySocketFactory NO_DELAY = new NoDelaySocketFactory();

    private final Config config;
    private final ClientKey key;
    private final KnownHostsSource knownHosts;
    private final Duration connectTimeout;
    private final KeepAlives keepAlives;
    private final Deadlines deadlines;
    private final AtomicInteger opened = new AtomicInteger();
    private final JumpRules jumps;
    /**
     * One connection per jump route (a jump host, and the jump hosts before it), carrying the
     * connections of every host and further jump host reached through it, kept as a host's is.
     */
    private final Map<JumpRoute, SshConnection> jumpConnections = new ConcurrentHashMap<>();

    SshConnector(Config config, ClientKey key, KnownHostsSource knownHosts, Duration connectTimeout,
                 KeepAlives keepAlives, Deadlines deadlines) {
        this(config, key, knownHosts, connectTimeout, keepAlives, deadlines, JumpRules.none());
    }

    SshConnector(Config config, ClientKey key, KnownHostsSource knownHosts, Duration connectTimeout,
                 KeepAlives keepAlives, Deadlines deadlines, JumpRules jumps) {
        this.config = config;
        this.key = key;
        this.knownHosts = knownHosts;
        this.connectTimeout = connectTimeout;
        this.keepAlives = keepAlives;
        this.deadlines = deadlines;
        this.jumps = jumps;
    }

    /** Closes the connections to jump hosts. */
    void close() {
        jumpConnections.values().forEach(SshConnection::disconnect);
    }

    /**
     * The live connection to the last jump host of {@code route}, opened (through the ones before
     * it; its key checked, logged in) if there is none. Its failure is {@code target}'s, saying it
     * happened on the way.
     */
    private SSHClient jumpClient(HostTarget target, JumpRoute route) throws HostException {
        try {
            return routeClient(route);
        } catch (HostException e) {
            throw new HostException(new HostFailure(target.name(), e.failure().kind(), "host " + target.name()
                + " (" + target.endpoint() + ") not reached through jump host " + route + ": "
                + e.getMessage()), e);
        }
    }

    private SSHClient routeClient(JumpRoute route) throws HostException {
        return jumpConnections.computeIfAbsent(route, r -> new SshConnection(r.last().target(), t -> {
            Optional<JumpRoute> before = r.before();
            return open(t, before.isPresent() ? new Via(before.get(), routeClient(before.get())) : null);
        })).lease().client();
    }

    /** Connections opened so far (for the benchmark and the reuse tests). */
    int opened() {
        return opened.get();
    }

    SSHClient connect(HostTarget target) throws HostException {
        Optional<JumpRoute> route = jumps.jumpFor(target);
        SSHClient client = route.isPresent() ? open(target, new Via(route.get(), jumpClient(target, route.get())))
            : open(target, null);
        opened.incrementAndGet();
        return client;
    }

    /** The jump hosts a connection goes through, and the live connection to the last of them. */
    private record Via(JumpRoute route, SSHClient client) {
    }

    /**
     * Connects to {@code target} and logs in: directly, or ({@code via} not null) through a
     * {@code direct-tcpip} channel of the jump host's connection.
     */
    private SSHClient open(HostTarget target, Via via) throws HostException {
        long started = System.nanoTime();
        int timeoutMs = Math.toIntExact(connectTimeout.toMillis());
        SSHClient client = new SSHClient(config);
        client.setSocketFactory(NO_DELAY);
        client.setConnectTimeout(timeoutMs);
        client.setRemoteCharset(StandardCharsets.UTF_8);
        // Bounds the protocol round-trips after login (opening a channel, the exec request): a host
        // that stops answering them is as unreachable as one that does not answer a connect.
        client.getTransport().setTimeoutMs(timeoutMs);
        client.getConnection().setTimeoutMs(timeoutMs);
        // No keep-alive thread of sshj's own: the pool's KeepAlives serves every connection.
        client.getConnection().getKeepAlive().setKeepAliveInterval(0);
        RevokedKeys revoked;
        try {
            revoked = knownHosts.revoked();
        } catch (SshConfigurationException e) {
            throw new HostException(new HostFailure(target.name(), HostFailure.Kind.HOST_KEY_REVOKED, "host "
                + target.name() + " not connected: " + e.getMessage() + "; no host key is trusted while the revoked"
                + " ones cannot be read"));
        }
        PinnedHostKey verifier = new PinnedHostKey(target, new HostKeyPolicy(knownHosts.current(), knownHosts.configured(),
            revoked));
        client.addHostKeyVerifier(verifier);
        try (Deadlines.Deadline deadline = deadlines.start(connectTimeout, () -> SshConnection.abort(client))) {
            try {
                if (via == null) {
                    client.connect(target.address(), target.port());
                } else {
                    client.connectVia(tunnel(target, via));
                }
                client.authPublickey(target.user(), key.provider());
            } catch (UserAuthException e) {
                SshConnection.abort(client);
                if (deadline.fired()) {
                    throw timedOut(target, e);
                }
                throw new HostException(new HostFailure(target.name(), HostFailure.Kind.AUTH_FAILED,
                    "host " + target.name() + " (" + target.endpoint() + ") refused driftless's key "
                        + key.description() + " (" + key.file() + ") for user " + target.user()
                        + ": add its public key to ~" + target.user() + "/.ssh/authorized_keys on the host"), e);
            } catch (IOException | RuntimeException e) {
                SshConnection.abort(client);
                Optional<HostFailure> refusal = verifier.refusal();
                if (refusal.isPresent()) {
                    throw new HostException(refusal.get(), e);
                }
                if (deadline.fired()) {
                    throw timedOut(target, e);
                }
                throw new HostException(unreachable(target, e), e);
            }
            if (!deadline.cancel()) {
                SshConnection.abort(client);
                throw timedOut(target, null);
            }
        }
        keepAlives.watch(client, target.name());
        LOG.info("connected to {} ({}){} in {} ms", target.name(), target.endpoint(),
            via == null ? "" : " through jump host " + via.route(), (System.nanoTime() - started) / 1_000_000);
        return client;
    }

    /** A TCP channel from the jump host to {@code target}'s sshd, or why there is none. */
    private net.schmizz.sshj.connection.channel.direct.DirectConnection tunnel(HostTarget target, Via via)
            throws HostException {
        try {
            return via.client().newDirectConnection(target.address(), target.port());
        } catch (net.schmizz.sshj.connection.channel.OpenFailException e) {
            // The jump host answered: it could not reach the host (refused, no route, unknown name, or forbidden).
            throw new HostException(new HostFailure(target.name(), HostFailure.Kind.UNREACHABLE, "host " + target.name()
                + " (" + target.endpoint() + ") is unreachable: jump host " + via.route().last() + " could not open a"
                + " connection to " + target.address() + ":" + target.port() + " (" + e.getMessage() + ")"), e);
        } catch (IOException e) {
            // The jump host's connection itself failed: the next connect opens a new one.
            jumpConnections.get(via.route()).discard(via.client());
            throw new HostException(new HostFailure(target.name(), HostFailure.Kind.UNREACHABLE, "host " + target.name()
                + " (" + target.endpoint() + ") is unreachable: the connection to jump host " + via.route().last()
                + " failed (" + e.getMessage() + ")"), e);
        }
    }

    private HostException timedOut(HostTarget target, Exception cause) {
        HostFailure f = new HostFailure(target.name(), HostFailure.Kind.UNREACHABLE,
            "host " + target.name() + " (" + target.endpoint() + ") did not complete the SSH handshake and login within "
                + seconds(connectTimeout));
        return cause == null ? new HostException(f) : new HostException(f, cause);
    }

    private HostFailure unreachable(HostTarget target, Throwable e) {
        String why = switch (rootCause(e)) {
            case ConnectException c -> "connection refused (is sshd listening on port " + target.port() + "?)";
            case NoRouteToHostException n -> "no route to host";
            case UnknownHostException u -> "cannot resolve " + target.address();
            case SocketTimeoutException s -> "no answer within " + seconds(connectTimeout);
            case Throwable t -> t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
        };
        return new HostFailure(target.name(), HostFailure.Kind.UNREACHABLE,
            "host " + target.name() + " (" + target.endpoint() + ") is unreachable: " + why);
    }

    static Throwable rootCause(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t;
    }

    static String seconds(Duration d) {
        return d.toMillis() % 1000 == 0 ? d.toSeconds() + "s" : d.toMillis() + "ms";
    }

    /** Accepts exactly the pinned key, and remembers why it refused another. */
    private static final class PinnedHostKey implements HostKeyVerifier {
        private final HostTarget target;
        private final HostKeyPolicy policy;
        private final AtomicReference<HostFailure> refusal = new AtomicReference<>();

        PinnedHostKey(HostTarget target, HostKeyPolicy policy) {
            this.target = target;
            this.policy = policy;
        }

        @Override
        public boolean verify(String hostname, int port, PublicKey key) {
            if (key instanceof Certificate<?>) {
                Optional<HostFailure> verdict;
                try {
                    byte[] blob = new Buffer.PlainBuffer().putPublicKey(key).getCompactData();
                    verdict = policy.checkCertificate(target, SshCertificate.parse(blob), Instant.now());
                } catch (IllegalArgumentException | SSHRuntimeException e) {
                    verdict = Optional.of(new HostFailure(target.name(), HostFailure.Kind.HOST_KEY_UNKNOWN,
                        "host " + target.name() + " offered a host certificate driftless cannot read: " + e.getMessage()));
                }
                verdict.ifPresent(refusal::set);
                return verdict.isEmpty();
            }
            HostKey offered;
            try {
                offered = HostKey.of(key);
            } catch (IllegalArgumentException e) {
                refusal.set(new HostFailure(target.name(), HostFailure.Kind.HOST_KEY_UNKNOWN,
                    "host " + target.name() + " offered a host key driftless cannot pin: " + e.getMessage()));
                return false;
            }
            Optional<HostFailure> verdict = policy.check(target, offered);
            verdict.ifPresent(refusal::set);
            return verdict.isEmpty();
        }

        @Override
        public List<String> findExistingAlgorithms(String hostname, int port) {
            return policy.preferredAlgorithms(target);
        }

        Optional<HostFailure> refusal() {
            return Optional.ofNullable(refusal.get());
        }
    }
}
