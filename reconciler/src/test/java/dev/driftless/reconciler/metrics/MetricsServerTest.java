package dev.driftless.reconciler.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The daemon's HTTP endpoint on a loopback port of its own. */
class MetricsServerTest {

    private final HttpClient client = HttpClient.newHttpClient();

    private HttpResponse<String> send(MetricsServer server, String method, String path) throws Exception {
        return client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path))
            .method(method, HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void aPostToReconcileAsksTheDaemonAndOtherMethodsAreRefused() throws Exception {
        AtomicInteger requests = new AtomicInteger();
        try (MetricsServer server = MetricsServer.start(new InetSocketAddress("127.0.0.1", 0),
                new MicrometerMetrics("default"), () -> "in sync with commit 3f9a2c1",
                () -> "{\"scheduled\":" + (requests.incrementAndGet() == 1) + "}")) {
            HttpResponse<String> get = send(server, "GET", "/reconcile");
            assertThat(get.statusCode()).isEqualTo(405);
            assertThat(get.headers().firstValue("Allow")).contains("POST");
            assertThat(requests).hasValue(0);

            HttpResponse<String> post = send(server, "POST", "/reconcile");
            assertThat(post.statusCode()).isEqualTo(202);
            assertThat(post.body()).isEqualTo("{\"scheduled\":true}\n");
            assertThat(send(server, "POST", "/reconcile").body()).isEqualTo("{\"scheduled\":false}\n");

            assertThat(send(server, "GET", "/healthz").body()).isEqualTo("in sync with commit 3f9a2c1\n");
            assertThat(send(server, "GET", "/metrics").body()).contains("driftless_");
            assertThat(send(server, "GET", "/nothing").statusCode()).isEqualTo(404);
        }
    }

    @Test
    void aDaemonThatCannotTakeRequestsSaysWhy() throws Exception {
        try (MetricsServer server = MetricsServer.start(new InetSocketAddress("127.0.0.1", 0),
                new MicrometerMetrics("default"), () -> "starting", () -> {
                    throw new IllegalStateException("the daemon is starting; ask again in a moment");
                })) {
            HttpResponse<String> post = send(server, "POST", "/reconcile");
            assertThat(post.statusCode()).isEqualTo(503);
            assertThat(post.body()).isEqualTo("the daemon is starting; ask again in a moment\n");
        }
    }
}
