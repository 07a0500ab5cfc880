package dev.driftless.reconciler.cli;

import java.io.IOException;
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
}
