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
 * A tiny HTTP endpoint for the daemon: {@code /metrics} (Prometheus text format),
 * {@code /healthz} (200 while the daemon runs, with its status line) and {@code POST /reconcile}
 * (asks for a reconcile now: {@code driftless reconcile}, or a git host's push webhook). Bound to
 * the configured address, loopback by default.
 */
public final class MetricsServer implements AutoCloseable {

    /** Takes a request for a reconcile now. */
    @FunctionalInterface
    public interface ReconcileRequests {
        /**
         * Schedules a manual reconcile (once: a request while one is pending joins it).
         *
         * @return the JSON answer
         * @throws IllegalStateException when the daemon cannot take requests (yet, or any more)
         */
        String request();
    }

    private final HttpServer server;

    private MetricsServer(HttpServer server) {
        this.server = server;
    }

    /** Starts serving; {@code status} gives the one-line daemon status for /healthz. */
    public static MetricsServer start(InetSocketAddress listen, MicrometerMetrics metrics, Supplier<String> status,
                                      ReconcileRequests reconcile) throws IOException {
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
        server.createContext("/reconcile", ex -> {
            if (!ex.getRequestMethod().equals("POST")) {
                ex.getResponseHeaders().set("Allow", "POST");
                respond(ex, 405, "text/plain; charset=utf-8", "POST to /reconcile to ask for a reconcile now\n");
                return;
            }
            ex.getRequestBody().close();
            String answer;
            try {
                answer = reconcile.request();
            } catch (IllegalStateException e) {
                respond(ex, 503, "text/plain; charset=utf-8", e.getMessage() + "\n");
                return;
            }
            respond(ex, 202, "application/json", answer + "\n");
        });
        server.createContext("/", ex -> respond(ex, 404, "text/plain; charset=utf-8",
            "see /metrics, /healthz and POST /reconcile\n"));
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
