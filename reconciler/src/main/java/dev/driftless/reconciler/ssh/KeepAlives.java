package dev.driftless.reconciler.ssh;

import java.time.Duration;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import net.schmizz.concurrent.Promise;
import net.schmizz.sshj.SSHClient;
import net.schmizz.sshj.common.DisconnectReason;
import net.schmizz.sshj.common.SSHPacket;
import net.schmizz.sshj.connection.ConnectionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keep-alives for every connection of a pool from one timer thread. sshj's own keep-alive is a
 * thread per connection, which next to its reader thread doubled the threads a host costs; here
 * one timer sends every connection a {@code keepalive@openssh.com} request each interval (the send
 * on a virtual thread, so one stuck socket cannot hold up the others) and drops a connection that
 * left {@link #MAX_UNANSWERED} of them in a row unanswered, as sshj's would. A request gets an
 * answer (success or failure, either will do) only from a live sshd, so this finds connections
 * that died without a word: a frozen host, a cut network, NAT state that expired. It also keeps
 * that NAT and firewall state alive.
 */
final class KeepAlives implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(KeepAlives.class);
    /** Unanswered keep-alives in a row after which a connection is dropped. */
    static final int MAX_UNANSWERED = 5;
    private static final String REQUEST = "keepalive@openssh.com";

    private final Duration interval;
    private final Map<SSHClient, Watch> watched = new ConcurrentHashMap<>();
    private final ScheduledExecutorService timer;

    /** Keep-alives every {@code interval}; none when it is zero. */
    KeepAlives(Duration interval) {
        this.interval = interval;
        if (interval.isZero()) {
            timer = null;
            return;
        }
        timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "driftless-ssh-keepalive");
            t.setDaemon(true);
            return t;
        });
        long ms = interval.toMillis();
        timer.scheduleWithFixedDelay(this::tick, ms, ms, TimeUnit.MILLISECONDS);
    }

    /**
     * Starts sending {@code client} keep-alives; it is forgotten once it is closed or dropped. The
     * client's own sshj keep-alive must be off (interval 0 before it connects), as the connector sets it.
     */
    void watch(SSHClient client, String host) {
        if (timer != null) {
            watched.put(client, new Watch(client, host));
        }
    }

    /** Connections being kept alive (for tests). */
    int watched() {
        return watched.size();
    }

    private void tick() {
        for (Watch w : watched.values()) {
            try {
                w.tick();
            } catch (RuntimeException e) {
                LOG.debug("keep-alive to {} failed", w.host, e);
            }
        }
    }

    @Override
    public void close() {
        if (timer != null) {
            timer.shutdownNow();
        }
        watched.clear();
    }

    /** One connection's keep-alives: the requests not answered yet, oldest first. */
    private final class Watch {
        private final SSHClient client;
        private final String host;
        private final Queue<Promise<SSHPacket, ConnectionException>> unanswered = new ConcurrentLinkedQueue<>();
        private final AtomicBoolean sending = new AtomicBoolean();
        /** Ticks at which the previous request was still being sent: as good as unanswered. */
        private int stuck;

        Watch(SSHClient client, String host) {
            this.client = client;
            this.host = host;
        }

        void tick() {
            if (!client.isConnected() || !client.getTransport().isRunning()) {
                watched.remove(client);
                return;
            }
            while (!unanswered.isEmpty() && unanswered.peek().isFulfilled()) {
                unanswered.poll();
                stuck = 0;
            }
            if (unanswered.size() + stuck >= MAX_UNANSWERED) {
                watched.remove(client);
                LOG.warn("host {} answered none of the last {} keep-alives, {} s apart: dropping its connection"
                    + " (the next command reconnects)", host, MAX_UNANSWERED, interval.toSeconds());
                Thread.startVirtualThread(() -> client.getTransport().die(new ConnectionException(
                    DisconnectReason.CONNECTION_LOST, "no answer to " + MAX_UNANSWERED + " keep-alives")));
                return;
            }
            if (!sending.compareAndSet(false, true)) {
                stuck++;
                return;
            }
            Thread.startVirtualThread(() -> {
                try {
                    unanswered.add(client.getConnection().sendGlobalRequest(REQUEST, true, new byte[0]));
                } catch (Exception e) {
                    // A transport that cannot send is dead: the pool replaces it on next use.
                    LOG.debug("keep-alive to {} could not be sent", host, e);
                    watched.remove(client);
                } finally {
                    sending.set(false);
                }
            });
        }
    }
}
