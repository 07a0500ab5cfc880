package dev.driftless.reconciler.metrics;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Executors;
import java.util.function.Supplier;

/**
 * A tiny HTTP endpoint for the daemon: {@code /metrics} (Prometheus text format) and
 * {@code /healthz} (200 while the daemon runs, with its status line). Bound to the configured
 * address, loopback by default.
 */
public final class MetricsServer implements AutoCloseable {

    private final HttpServer server;

    private MetricsServer(HttpServer server) {
        this.server = server;
    }

    /** Starts serving; {@code status} gives the one-line daemon status for /healthz. */
    public static MetricsServer start(InetSocketAddress listen, MicrometerMetrics metrics, Supplier<String> status)
            throws IOException {
        InetSocketAddress bind = listen.isUnresolved()
            ? new InetSocketAddress(listen.getHostString(), listen.getPort()) : listen;
        HttpServer server;
        try {
            server = HttpServer.create(bind, 16);
        } catch (IOException e) {
            // "Address already in use" alone does not say which setting to change.
            throw new IOException("cannot serve metrics on " + listen.getHostString() + ":" + listen.getPort()
                + " (metrics.listen): " + e.getMessage(), e);
        }
        server.createContext("/metrics", ex -> respond(ex, 200, "text/plain; version=0.0.4; charset=utf-8",
            metrics.scrape()));
        server.createContext("/healthz", ex -> respond(ex, 200, "text/plain; charset=utf-8", status.get() + "\n"));
        server.createContext("/", ex -> respond(ex, 404, "text/plain; charset=utf-8", "see /metrics and /healthz\n"));
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server.start();
        return new MetricsServer(server);
    }

    /** The bound port (useful when configured as 0). */
    public int port() {
        return server.getAddress().getPort();
    }

    private static void respond(HttpExchange ex, int code, String type, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", type);
        ex.sendResponseHeaders(code, bytes.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(bytes);
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
