package dev.driftless.reconciler.metrics;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.concurrent.Executors;
import dev.driftless.reconciler.notify.WebhookSignature;
import java.util.function.Supplier;

/**
 * A tiny HTTP endpoint for the daemon: {@code /metrics} (Prometheus text format),
 * {@code /healthz} (200 while the daemon runs, with its status line) and {@code POST /reconcile}
 * (asks for a reconcile now: {@code driftless reconcile}, or a git host's push webhook). Bound to
 * the configured address, loopback by default.
 *
 * <p>With a reconcile token, {@code POST /reconcile} must prove it knows the token in one of the
 * ways git hosts' webhooks can: {@code Authorization: Bearer <token>} (driftless reconcile, curl),
 * {@code X-Gitlab-Token: <token>} (GitLab), or {@code X-Hub-Signature-256: sha256=<HMAC of the
 * body>} (GitHub, Gitea, Forgejo). Anything else gets 401, and nothing is scheduled.
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

    /** The most of a request body read to check its signature. */
    static final int MAX_BODY = 1 << 20;

    /** Starts serving, {@code POST /reconcile} open to anyone who can reach it. */
    public static MetricsServer start(InetSocketAddress listen, MicrometerMetrics metrics, Supplier<String> status,
                                      ReconcileRequests reconcile) throws IOException {
        return start(listen, metrics, status, reconcile, Optional.empty());
    }

    /**
     * Starts serving; {@code status} gives the one-line daemon status for /healthz.
     *
     * @param token when present, reads what {@code POST /reconcile} must prove it knows; asked at
     *     every request, so a token rotated in its file takes effect at once. When it cannot say
     *     (it throws: the file went missing or blank) requests are refused with 500 and the reason.
     */
    public static MetricsServer start(InetSocketAddress listen, MicrometerMetrics metrics, Supplier<String> status,
                                      ReconcileRequests reconcile, Optional<Supplier<String>> token)
            throws IOException {
        return start(listen, metrics, status, reconcile, () -> token.map(Supplier::get));
    }

    /**
     * Starts serving, asking {@code token} at every {@code POST /reconcile} whether one is needed
     * and which: a reloaded configuration can add, move or drop the token file.
     */
    public static MetricsServer start(InetSocketAddress listen, MicrometerMetrics metrics, Supplier<String> status,
                                      ReconcileRequests reconcile, Supplier<Optional<String>> token)
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
        server.createContext("/reconcile", ex -> {
            if (!ex.getRequestMethod().equals("POST")) {
                ex.getResponseHeaders().set("Allow", "POST");
                respond(ex, 405, "text/plain; charset=utf-8", "POST to /reconcile to ask for a reconcile now\n");
                return;
            }
            byte[] body;
            try (var in = ex.getRequestBody()) {
                body = in.readNBytes(MAX_BODY);
            }
            String expected;
            try {
                expected = token.get().orElse(null);
            } catch (RuntimeException e) {
                // The reason names the file, never its content.
                respond(ex, 500, "text/plain; charset=utf-8", "cannot check the reconcile token: "
                    + e.getMessage() + "\n");
                return;
            }
            if (expected != null && !authorized(ex, body, expected)) {
                ex.getResponseHeaders().set("WWW-Authenticate", "Bearer realm=\"driftless\"");
                respond(ex, 401, "text/plain; charset=utf-8", "POST /reconcile needs the reconcile token"
                    + " (metrics.reconcile-token-file): Authorization: Bearer <token>, X-Gitlab-Token: <token>, or"
                    + " X-Hub-Signature-256: sha256=<HMAC-SHA256 of the body>\n");
                return;
            }
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

    private static boolean authorized(HttpExchange ex, byte[] body, String token) {
        String auth = ex.getRequestHeaders().getFirst("Authorization");
        if (auth != null && auth.regionMatches(true, 0, "Bearer ", 0, 7)
                && WebhookSignature.sameSecret(token, auth.substring(7).strip())) {
            return true;
        }
        if (WebhookSignature.sameSecret(token, ex.getRequestHeaders().getFirst("X-Gitlab-Token"))) {
            return true;
        }
        return WebhookSignature.verify(token, body, ex.getRequestHeaders().getFirst("X-Hub-Signature-256"));
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
