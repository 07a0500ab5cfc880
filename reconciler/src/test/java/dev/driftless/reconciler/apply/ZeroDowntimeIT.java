package dev.driftless.reconciler.apply;

import static org.assertj.core.api.Assertions.assertThat;

import dev.driftless.reconciler.TestFiles;
import dev.driftless.reconciler.history.RestartRequest;
import dev.driftless.reconciler.history.ServiceOutcome;
import dev.driftless.reconciler.testhosts.RepoApply;
import dev.driftless.reconciler.testhosts.TestHost;
import dev.driftless.reconciler.testhosts.TestHosts;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * The zero-downtime recipe of docs/zero-downtime.md, as examples/zero-downtime writes it, on a
 * real host: HAProxy on a fixed port finds the web containers through Docker's DNS, and a
 * start-first rollout of web answers every request sent through the proxy meanwhile, while the
 * same rollout stop-first (the control) fails requests, so the measurement can see a gap.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ZeroDowntimeIT {

    private static final Path RECIPE = Path.of("..", "examples", "zero-downtime").toAbsolutePath().normalize();
    private static final int PROXY_PORT = 8000;
    private static final String WEB = "services/web.yaml";

    static TestHosts hosts;
    @TempDir
    static Path dir;
    static Path repo;
    static URI version;
    static int commits;

    @BeforeAll
    static void start() throws IOException {
        hosts = TestHosts.builder().host("edge-1", PROXY_PORT).start();
        for (String image : List.of("driftless/sample-svc:1.0.0", "driftless/sample-svc:1.1.0",
                "driftless/sample-proxy:haproxy")) {
            hosts.loadImage("edge-1", image);
        }
        repo = TestFiles.copyTree(RECIPE, dir.resolve("infra"));
        TestHost edge = hosts.host("edge-1");
        Files.writeString(repo.resolve("hosts.yaml"), """
            defaults: {user: deploy}
            hosts:
              edge-1: {address: 127.0.0.1, port: %d, host-key: "%s", labels: {role: edge}}
            """.formatted(edge.sshPort(), edge.hostKey()));
        version = URI.create("http://127.0.0.1:" + edge.publishedPort(PROXY_PORT) + "/version");
    }

    @AfterAll
    static void stop() {
        if (hosts != null) {
            hosts.close();
        }
    }

    private static RepoApply.Outcome apply() throws Exception {
        commits++;
        return RepoApply.apply(repo, hosts.deployKeyFile(), Optional.empty(), "%040d".formatted(commits));
    }

    /** The repo as it is, with web restarted as {@code driftless restart web} asks the daemon to. */
    private static RepoApply.Outcome restartWeb() throws Exception {
        return RepoApply.apply(repo, hosts.deployKeyFile(), Optional.empty(), "%040d".formatted(commits),
            List.of(new RestartRequest(1, "web", List.of(), "new certificate", "ops@test", Instant.now(),
                Optional.empty())));
    }

    /** The names of web's containers on the host. */
    private static List<String> webContainers() throws Exception {
        return hosts.exec("edge-1", "docker", "ps", "--all", "--filter", "label=dev.driftless.service=web",
            "--format", "{{.Names}}").lines().toList();
    }

    private static void web(String image, String order) throws IOException {
        Path web = repo.resolve(WEB);
        Files.writeString(web, Files.readString(web)
            .replaceAll("image: driftless/sample-svc:[0-9.]+", "image: driftless/sample-svc:" + image)
            .replaceAll("order: [a-z-]+", "order: " + order));
    }

    /** One request through the proxy: its status and body, or the error that ended it. */
    record Answer(long atMillis, int status, String body) {
        boolean ok() {
            return status == 200;
        }
    }

    /** Requests one after another through the proxy, each on a new connection, until stopped. */
    static final class Load implements AutoCloseable {
        private final List<Answer> answers = Collections.synchronizedList(new ArrayList<>());
        private final AtomicBoolean running = new AtomicBoolean(true);
        private final Thread thread;
        private final long started = System.nanoTime();

        Load() {
            thread = Thread.ofVirtual().start(() -> {
                while (running.get()) {
                    // A fresh client each time: every request opens its own connection, as
                    // independent users do, instead of one kept-alive connection.
                    try (HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build()) {
                        HttpResponse<String> r = client.send(HttpRequest.newBuilder(version)
                            .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
                        answers.add(new Answer(elapsed(), r.statusCode(), r.body().strip()));
                    } catch (IOException e) {
                        answers.add(new Answer(elapsed(), -1, e.toString()));
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        return;
                    }
                }
            });
        }

        private long elapsed() {
            return (System.nanoTime() - started) / 1_000_000;
        }

        List<Answer> answers() {
            synchronized (answers) {
                return List.copyOf(answers);
            }
        }

        @Override
        public void close() throws InterruptedException {
            running.set(false);
            thread.join(Duration.ofSeconds(15));
        }
    }

    /** Runs the load while applying the repo, and on until {@code until} answered for a second. */
    private static List<Answer> rollOutUnderLoad(String until) throws Exception {
        return underLoad(ZeroDowntimeIT::apply, until);
    }

    /** Runs the load while {@code action} applies, and on until {@code until} answered for a second. */
    private static List<Answer> underLoad(Callable<RepoApply.Outcome> action, String until) throws Exception {
        try (Load load = new Load()) {
            Awaitility.await("the first answers through the proxy").atMost(Duration.ofSeconds(30))
                .until(() -> load.answers().size() >= 20);
            RepoApply.Outcome outcome = action.call();
            assertThat(outcome.result().services()).containsEntry("web", ServiceOutcome.SUCCEEDED);
            Awaitility.await("only " + until + " answers").atMost(Duration.ofSeconds(30)).until(() -> {
                List<Answer> all = load.answers();
                long last = all.getLast().atMillis();
                List<Answer> recent = all.stream().filter(a -> a.atMillis() >= last - 1000).toList();
                return recent.size() >= 5 && recent.stream().allMatch(a -> a.ok() && a.body().equals(until));
            });
            return load.answers();
        }
    }

    private static String summary(List<Answer> answers) {
        Map<String, Long> by = answers.stream().collect(Collectors.groupingBy(
            a -> a.ok() ? "200 " + a.body() : a.status() == -1 ? "error" : String.valueOf(a.status()),
            java.util.TreeMap::new, Collectors.counting()));
        return answers.size() + " requests over " + answers.getLast().atMillis() + " ms: " + by
            + "; longest time without a 200: " + longestGap(answers) + " ms";
    }

    /** The longest time between two answers 200 with only failures between them. */
    private static long longestGap(List<Answer> answers) {
        long longest = 0;
        long lastOk = 0;
        boolean failing = false;
        for (Answer a : answers) {
            if (a.ok()) {
                if (failing) {
                    longest = Math.max(longest, a.atMillis() - lastOk);
                }
                lastOk = a.atMillis();
                failing = false;
            } else {
                failing = true;
            }
        }
        return longest;
    }

    @Test
    @Order(1)
    void theRecipeDeploysTheProxyAfterWebAndTheProxyFindsWeb() throws Exception {
        RepoApply.Outcome first = apply();

        assertThat(first.result().services()).containsEntry("web", ServiceOutcome.SUCCEEDED)
            .containsEntry("proxy", ServiceOutcome.SUCCEEDED);
        HttpClient client = HttpClient.newHttpClient();
        Awaitility.await("the proxy sends requests to web").atMost(Duration.ofSeconds(30))
            .pollInterval(Duration.ofMillis(200)).ignoreExceptions().until(() -> client.send(
                HttpRequest.newBuilder(version).build(), HttpResponse.BodyHandlers.ofString()).body().strip()
                .equals("1.0.0"));
    }

    @Test
    @Order(2)
    void aStartFirstRolloutBehindTheProxyAnswersEveryRequest() throws Exception {
        web("1.1.0", "start-first");

        List<Answer> answers = rollOutUnderLoad("1.1.0");

        System.out.println("zero-downtime, start-first 1.0.0 → 1.1.0: " + summary(answers));
        assertThat(answers).as(summary(answers)).allMatch(Answer::ok);
        assertThat(answers.getFirst().body()).isEqualTo("1.0.0");
        assertThat(answers.getLast().body()).isEqualTo("1.1.0");
        assertThat(answers.size()).as("requests kept coming during the rollout").isGreaterThan(50);
    }

    @Test
    @Order(3)
    void theSameRolloutStopFirstFailsRequestsSoTheMeasurementSeesAGap() throws Exception {
        web("1.0.0", "stop-first");

        List<Answer> answers = rollOutUnderLoad("1.0.0");

        System.out.println("zero-downtime control, stop-first 1.1.0 → 1.0.0: " + summary(answers));
        assertThat(answers).as(summary(answers)).anyMatch(a -> !a.ok());
        assertThat(answers.getFirst().body()).isEqualTo("1.1.0");
    }

    @Test
    @Order(4)
    void aRequestedRestartOfTheStartFirstServiceAnswersEveryRequestWhileARestartInPlaceDoesNot() throws Exception {
        web("1.0.0", "start-first");
        List<String> before = webContainers();
        assertThat(before).hasSize(1);

        List<Answer> answers = underLoad(ZeroDowntimeIT::restartWeb, "1.0.0");

        System.out.println("zero-downtime, driftless restart web (start-first): " + summary(answers));
        assertThat(answers).as(summary(answers)).allMatch(Answer::ok);
        assertThat(answers.size()).as("requests kept coming during the restart").isGreaterThan(50);
        assertThat(webContainers()).as("a fresh container under the spec's second name took over")
            .containsExactly(before.getFirst() + "-b");

        web("1.0.0", "stop-first");
        List<Answer> inPlace = underLoad(ZeroDowntimeIT::restartWeb, "1.0.0");

        System.out.println("zero-downtime control, driftless restart web (stop-first, in place): " + summary(inPlace));
        assertThat(inPlace).as(summary(inPlace)).anyMatch(a -> !a.ok());
        assertThat(webContainers()).as("restarted in place").containsExactly(before.getFirst() + "-b");
    }
}
