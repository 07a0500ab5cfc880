package dev.driftless.reconciler.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Optional;

/** The running daemon's HTTP endpoint ({@code metrics.listen}), as the CLI verbs reach it. */
final class DaemonEndpoint {

    private DaemonEndpoint() {
    }

    /** {@code http://host:port/path}, a wildcard listen address reached on loopback. */
    static URI uri(InetSocketAddress listen, String path) {
        String host = listen.getHostString();
        if (host.equals("0.0.0.0") || host.equals("::") || host.equals("[::]")) {
            host = "127.0.0.1";
        } else if (host.contains(":") && !host.startsWith("[")) {
            host = "[" + host + "]";
        }
        return URI.create("http://" + host + ":" + listen.getPort() + path);
    }

    /** The daemon's one-line status from {@code /healthz}; empty when no daemon answers in time. */
    static Optional<String> status(InetSocketAddress listen) throws InterruptedException {
        try (HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build()) {
            HttpResponse<String> r = client.send(HttpRequest.newBuilder(uri(listen, "/healthz"))
                .timeout(Duration.ofSeconds(3)).build(), HttpResponse.BodyHandlers.ofString());
            return r.statusCode() == 200 ? Optional.of(r.body().strip()) : Optional.empty();
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /**
     * Asks the daemon to reconcile now ({@code POST /reconcile}, with the reconcile token when
     * the configuration has one) and returns its JSON answer.
     *
     * @throws IllegalStateException when no daemon answers, or it refuses (with its reason)
     */
    static JsonNode requestReconcile(InetSocketAddress listen, Optional<String> token)
            throws IOException, InterruptedException {
        URI uri = uri(listen, "/reconcile");
        HttpResponse<String> response;
        try (HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build()) {
            HttpRequest.Builder request = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(30))
                .POST(HttpRequest.BodyPublishers.noBody());
            token.ifPresent(t -> request.header("Authorization", "Bearer " + t));
            response = client.send(request.build(), HttpResponse.BodyHandlers.ofString());
        } catch (ConnectException e) {
            throw new IllegalStateException("no daemon answers on " + uri.getAuthority()
                + " (metrics.listen): is driftless run running with this configuration?");
        }
        if (response.statusCode() != 202) {
            throw new IllegalStateException("the daemon on " + uri.getAuthority() + " refused the request ("
                + response.statusCode() + "): " + response.body().strip());
        }
        return new ObjectMapper().readTree(response.body());
    }

    /** How often the waiting verbs look at the history for what they wait for. */
    private static final Duration POLL = Duration.ofMillis(500);

    /** A look at the history: what was waited for, or empty while it has not happened. */
    @FunctionalInterface
    interface Check<T> {
        Optional<T> now();
    }

    /**
     * {@code --timeout}: a duration like 90s or 10m.
     *
     * @throws IllegalArgumentException naming the option, for anything else
     */
    static Duration timeout(String text) {
        return dev.driftless.model.DurationText.parse(text).orElseThrow(() -> new IllegalArgumentException(
            "--timeout: \"" + text + "\" is not a duration like 90s or 10m"));
    }

    /** Looks every half second until {@code check} yields what {@code --wait} waits for, or {@code limit} passed. */
    static <T> Optional<T> await(Duration limit, Check<T> check) throws InterruptedException {
        java.time.Instant deadline = java.time.Instant.now().plus(limit);
        while (java.time.Instant.now().isBefore(deadline)) {
            Optional<T> done = check.now();
            if (done.isPresent()) {
                return done;
            }
            Thread.sleep(POLL.toMillis());
        }
        return Optional.empty();
    }
}
