package dev.driftless.reconciler.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import dev.driftless.reconciler.notify.WebhookSignature;
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

    private HttpResponse<String> post(MetricsServer server, String body, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + "/reconcile"))
            .POST(HttpRequest.BodyPublishers.ofString(body));
        for (int i = 0; i < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        return client.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void withAReconcileTokenOnlyRequestsThatProveItAreTaken() throws Exception {
        AtomicInteger requests = new AtomicInteger();
        String push = "{\"ref\":\"refs/heads/main\"}";
        try (MetricsServer server = MetricsServer.start(new InetSocketAddress("127.0.0.1", 0),
                new MicrometerMetrics("default"), () -> "ok", () -> {
                    requests.incrementAndGet();
                    return "{\"scheduled\":true}";
                }, java.util.Optional.of(() -> "t0ken-s3cret"))) {
            HttpResponse<String> none = post(server, "");
            assertThat(none.statusCode()).isEqualTo(401);
            assertThat(none.headers().firstValue("WWW-Authenticate")).contains("Bearer realm=\"driftless\"");
            assertThat(none.body()).contains("metrics.reconcile-token-file").doesNotContain("t0ken");
            assertThat(post(server, "", "Authorization", "Bearer wrong").statusCode()).isEqualTo(401);
            assertThat(post(server, push, "X-Hub-Signature-256",
                WebhookSignature.sign("t0ken-s3cret", "{}".getBytes(java.nio.charset.StandardCharsets.UTF_8)))
                .statusCode()).as("a signature of another body").isEqualTo(401);
            assertThat(requests).hasValue(0);

            assertThat(post(server, "", "Authorization", "Bearer t0ken-s3cret").statusCode()).isEqualTo(202);
            assertThat(post(server, push, "X-Gitlab-Token", "t0ken-s3cret").statusCode()).isEqualTo(202);
            assertThat(post(server, push, "X-Hub-Signature-256",
                WebhookSignature.sign("t0ken-s3cret", push.getBytes(java.nio.charset.StandardCharsets.UTF_8)))
                .statusCode()).isEqualTo(202);
            assertThat(requests).hasValue(3);
            assertThat(send(server, "GET", "/healthz").statusCode()).as("only /reconcile is guarded").isEqualTo(200);
        }
    }

    @Test
    void aTokenAddedOrDroppedByAReloadedConfigurationCountsFromTheNextRequest() throws Exception {
        java.util.concurrent.atomic.AtomicReference<java.util.Optional<String>> token =
            new java.util.concurrent.atomic.AtomicReference<>(java.util.Optional.empty());
        try (MetricsServer server = MetricsServer.start(new InetSocketAddress("127.0.0.1", 0),
                new MicrometerMetrics("default"), () -> "ok", () -> "{\"scheduled\":true}", token::get)) {
            assertThat(post(server, "").statusCode()).as("open without a token").isEqualTo(202);
            token.set(java.util.Optional.of("new-s3cret"));
            assertThat(post(server, "").statusCode()).isEqualTo(401);
            assertThat(post(server, "", "Authorization", "Bearer new-s3cret").statusCode()).isEqualTo(202);
            token.set(java.util.Optional.empty());
            assertThat(post(server, "").statusCode()).isEqualTo(202);
        }
    }

    @Test
    void aTokenWrittenAnewToItsFileIsTakenAtOnceAndABlankFileRefusesEveryRequest(
            @org.junit.jupiter.api.io.TempDir java.nio.file.Path tmp) throws Exception {
        java.nio.file.Path tokenFile = tmp.resolve("reconcile-token");
        java.nio.file.Files.writeString(tokenFile, "first-s3cret\n");
        java.nio.file.Path configFile = tmp.resolve("driftless.yaml");
        java.nio.file.Files.writeString(configFile, """
            repo: {url: infra}
            ssh: {key: id_ed25519}
            metrics: {listen: "127.0.0.1:0", reconcile-token-file: reconcile-token}
            """);
        var config = dev.driftless.reconciler.config.ConfigLoader.load(configFile);
        AtomicInteger requests = new AtomicInteger();
        try (MetricsServer server = MetricsServer.start(new InetSocketAddress("127.0.0.1", 0),
                new MicrometerMetrics("default"), () -> "ok", () -> "{\"scheduled\":" + requests.incrementAndGet() + "}",
                java.util.Optional.of(config::requireReconcileToken))) {
            assertThat(post(server, "", "Authorization", "Bearer first-s3cret").statusCode()).isEqualTo(202);

            java.nio.file.Files.writeString(tokenFile, "second-s3cret\n");
            assertThat(post(server, "", "Authorization", "Bearer first-s3cret").statusCode())
                .as("the old token stops working without a restart").isEqualTo(401);
            assertThat(post(server, "", "Authorization", "Bearer second-s3cret").statusCode()).isEqualTo(202);

            java.nio.file.Files.writeString(tokenFile, "\n");
            HttpResponse<String> blank = post(server, "", "Authorization", "Bearer second-s3cret");
            assertThat(blank.statusCode()).as("fails closed").isEqualTo(500);
            assertThat(blank.body()).isEqualTo("cannot check the reconcile token: metrics.reconcile-token-file: "
                + tokenFile + " is empty; put the secret on its first line\n");
            java.nio.file.Files.delete(tokenFile);
            HttpResponse<String> gone = post(server, "");
            assertThat(gone.statusCode()).isEqualTo(500);
            assertThat(gone.body()).isEqualTo("cannot check the reconcile token: cannot read " + tokenFile
                + ": NoSuchFileException\n");
            assertThat(requests).hasValue(2);
        }
    }
}
