package dev.driftless.reconciler.ssh;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicBoolean;
import net.schmizz.sshj.Config;

/**
 * The SSH transport: one persistent, authenticated connection per host, opened on first use,
 * reused across commands and reconciles, and re-established when it died. At most
 * {@code maxParallelHosts} connects and commands are in flight at once; callers run each host on
 * its own virtual thread and let the pool bound the I/O.
 *
 * <pre>{@code
 * try (SshHostPool pool = SshHostPool.open(SshSettings.defaults(keyFile, Optional.of(knownHosts)))) {
 *     CommandResult r = pool.session(target).run(RemoteCommand.of("docker", "ps"), Duration.ofSeconds(30));
 * }
 * }</pre>
 */
public final class SshHostPool implements HostSessions, AutoCloseable {

    private final SshSettings settings;
    private final SshConnector connector;
    private final Deadlines deadlines;
    private final KeepAlives keepAlives;
    private final Semaphore permits;
    private final ExecutorService io = Executors.newThreadPerTaskExecutor(
        Thread.ofVirtual().name("driftless-ssh-io-", 0).factory());
    private final Map<HostTarget, SshConnection> connections = new ConcurrentHashMap<>();
    private final AtomicBoolean closed = new AtomicBoolean();
    /** Closes idle connections ({@code ssh.idle-timeout}); none when connections stay open. */
    private final java.util.concurrent.ScheduledExecutorService idleCloser;

    private SshHostPool(SshSettings settings, Config config, ClientKey key, KnownHostsSource knownHosts) {
        this.settings = settings;
        this.deadlines = new Deadlines();
        this.keepAlives = new KeepAlives(settings.keepAliveInterval());
        this.permits = new Semaphore(settings.maxParallelHosts(), true);
        this.connector = new SshConnector(config, key, knownHosts, settings.connectTimeout(),
            keepAlives, deadlines, settings.jump());
        Duration idle = settings.idleTimeout();
        if (idle.isZero()) {
            idleCloser = null;
        } else {
            idleCloser = java.util.concurrent.Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "driftless-ssh-idle");
                t.setDaemon(true);
                return t;
            });
            // Looked at four times per idle-timeout (at most every 30 s): closed within 1.25 × it.
            long every = Math.clamp(idle.toMillis() / 4, 100, 30_000);
            idleCloser.scheduleWithFixedDelay(() -> connections.values().forEach(c -> c.closeIfIdle(idle)), every,
                every, java.util.concurrent.TimeUnit.MILLISECONDS);
        }
    }

    /**
     * Builds the pool: decrypts the private key and reads known_hosts now, so a bad setting is
     * reported once, naming the file. Connects to nothing yet.
     *
     * @throws SshConfigurationException when the key or known_hosts file cannot be used
     */
    public static SshHostPool open(SshSettings settings) {
        Config config = SharedSshConfig.get();
        ClientKey key = ClientKey.load(settings.privateKey(),
            settings.keyPassphrase().map(String::toCharArray), config);
        return new SshHostPool(settings, config, key, new KnownHostsSource(settings.knownHosts(), settings.revokedHostKeys()));
    }

    @Override
    public HostSession session(HostTarget target) {
        checkOpen();
        SshConnection connection = connections.computeIfAbsent(target, t -> new SshConnection(t, connector::connect));
        return new SshHostSession(target, connection, permits, io, settings.connectTimeout(), this::checkOpen);
    }

    /** The settings this pool was built from. */
    public SshSettings settings() {
        return settings;
    }

    /** The timeout for commands that have no reason to choose their own (observation). */
    public Duration commandTimeout() {
        return settings.commandTimeout();
    }

    /** SSH connections opened since the pool was built; stays flat while connections are reused. */
    public int connectionsOpened() {
        return connector.opened();
    }

    /** Connections the pool's keep-alive timer serves right now (for tests). */
    int keptAlive() {
        return keepAlives.watched();
    }

    /** Hosts with a live connection right now. */
    public List<String> connectedHosts() {
        return connections.entrySet().stream()
            .filter(e -> e.getValue().isOpen())
            .map(e -> e.getKey().name())
            .sorted()
            .toList();
    }

    /** Closes the connections to hosts not in {@code targets} (e.g. hosts removed from the inventory). */
    @Override
    public void retainOnly(java.util.Collection<HostTarget> targets) {
        java.util.Set<HostTarget> keep = java.util.Set.copyOf(targets);
        connections.entrySet().removeIf(e -> {
            if (keep.contains(e.getKey())) {
                return false;
            }
            Thread.startVirtualThread(e.getValue()::disconnect);
            return true;
        });
    }

    /** Closes every connection; sessions handed out before fail afterwards. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        try (ExecutorService closer = Executors.newVirtualThreadPerTaskExecutor()) {
            connections.values().forEach(c -> closer.submit(c::disconnect));
        }
        connections.clear();
        connector.close();
        if (idleCloser != null) {
            idleCloser.shutdownNow();
        }
        io.shutdownNow();
        keepAlives.close();
        deadlines.close();
    }

    private void checkOpen() {
        if (closed.get()) {
            throw new IllegalStateException("the SSH pool is closed");
        }
    }
}
