package dev.driftless.reconciler.notify;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import dev.driftless.reconciler.config.DaemonConfig;
import dev.driftless.reconciler.notify.WebhookSignature;
import dev.driftless.reconciler.config.DaemonConfig.NotificationFormat;
import dev.driftless.reconciler.history.HistorySettings;
import dev.driftless.reconciler.history.HistoryStore;
import dev.driftless.reconciler.history.ReconcileRecord;
import dev.driftless.reconciler.history.DepartedHost;
import dev.driftless.reconciler.history.ReconcileResult;
import dev.driftless.reconciler.history.ReconcileStart;
import dev.driftless.reconciler.history.ServiceOutcome;
import dev.driftless.reconciler.history.Suspension;
import dev.driftless.reconciler.history.Trigger;
import dev.driftless.reconciler.metrics.MicrometerMetrics;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Notifications to a webhook on a loopback port of the test's own: what is sent, when, how often. */
class NotifierTest {

    private static final String SHA = "3f9a2c1b3f9a2c1b3f9a2c1b3f9a2c1b3f9a2c1b";

    /** One request the webhook received. */
    private record Received(String path, String authorization, String contentType, String body, String signature) {
    }

    @TempDir
    Path tmp;

    private final List<Received> received = Collections.synchronizedList(new ArrayList<>());
    private final List<Integer> answers = Collections.synchronizedList(new ArrayList<>());
    private HttpServer webhook;
    private final MicrometerMetrics metrics = new MicrometerMetrics("prod");
    private HistoryStore history;

    @BeforeEach
    void start() throws IOException {
        webhook = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 8);
        webhook.createContext("/", ex -> {
            received.add(new Received(ex.getRequestURI().getPath(), ex.getRequestHeaders().getFirst("Authorization"),
                ex.getRequestHeaders().getFirst("Content-Type"),
                new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8),
                ex.getRequestHeaders().getFirst(Notifier.SIGNATURE_HEADER)));
            int code = answers.isEmpty() ? 200 : answers.removeFirst();
            ex.sendResponseHeaders(code, -1);
            ex.close();
        });
        webhook.start();
        history = HistoryStore.open(HistorySettings.embedded(tmp.resolve("state")), "prod");
    }

    @AfterEach
    void stop() {
        webhook.stop(0);
        history.close();
    }

    private String url(String path) {
        return "http://127.0.0.1:" + webhook.getAddress().getPort() + path;
    }

    private ReconcileRecord record(ReconcileResult result) {
        ReconcileRecord r = history.begin(new ReconcileStart(SHA, "Grace Hopper <grace@example.org>",
            "api 1.2.0\n\nwith the new cache", Trigger.POLL, "sha256:abc"));
        history.recordServiceResult(r.id(), "api", ServiceOutcome.ROLLED_BACK,
            "api on app-1: not healthy within 10 s; rolled back to what ran before");
        history.recordServiceResult(r.id(), "worker", ServiceOutcome.SUCCEEDED, "converged");
        return history.complete(r.id(), result, "rolled_back: api; succeeded: worker", Optional.of("api: unhealthy"));
    }

    private static DaemonConfig.Notification hook(String url, NotificationFormat format, Set<ReconcileResult> events,
                                                  Optional<Path> token) {
        return new DaemonConfig.Notification(Optional.of(url), Optional.empty(), format, events, token,
            Optional.empty());
    }

    private Notifier notifier(DaemonConfig.Notification... hooks) {
        return new Notifier(List.of(hooks), "prod", metrics, d -> { }, List.of(Duration.ZERO));
    }

    @Test
    void theRecordGoesAsJsonWithTheBearerToken() throws Exception {
        Path token = tmp.resolve("token");
        Files.writeString(token, "s3cret-t0ken\n");
        try (Notifier n = notifier(hook(url("/hooks/driftless"), NotificationFormat.JSON,
                EnumSet.allOf(ReconcileResult.class), Optional.of(token)))) {
            ReconcileRecord r = record(ReconcileResult.PARTIALLY_FAILED);

            n.accept(r);

            await().atMost(Duration.ofSeconds(10)).until(() -> received.size() == 1);
        }
        Received got = received.getFirst();
        assertThat(got.path()).isEqualTo("/hooks/driftless");
        assertThat(got.authorization()).isEqualTo("Bearer s3cret-t0ken");
        assertThat(got.contentType()).isEqualTo("application/json");
        JsonNode body = new ObjectMapper().readTree(got.body());
        assertThat(body.path("environment").asText()).isEqualTo("prod");
        assertThat(body.path("commit").asText()).isEqualTo(SHA);
        assertThat(body.path("result").asText()).isEqualTo("PARTIALLY_FAILED");
        assertThat(body.path("trigger").asText()).isEqualTo("POLL");
        assertThat(body.path("summary").asText()).isEqualTo("rolled_back: api; succeeded: worker");
        assertThat(body.path("services")).hasSize(2);
    }

    @Test
    void retargetedByAReloadTheNextRecordGoesToTheNewWebhooksForTheirEvents() throws Exception {
        try (Notifier n = notifier(hook(url("/old"), NotificationFormat.JSON, EnumSet.of(ReconcileResult.FAILED),
                Optional.empty()))) {
            n.accept(record(ReconcileResult.FAILED));
            await().atMost(Duration.ofSeconds(10)).until(() -> received.size() == 1);

            n.retarget(List.of(hook(url("/new"), NotificationFormat.JSON, EnumSet.of(ReconcileResult.SUCCEEDED),
                Optional.empty())));
            n.accept(record(ReconcileResult.FAILED));
            n.accept(record(ReconcileResult.SUCCEEDED));
            await().atMost(Duration.ofSeconds(10)).until(() -> received.size() == 2);
        }
        assertThat(received).extracting(Received::path).containsExactly("/old", "/new");
        assertThat(new ObjectMapper().readTree(received.get(1).body()).path("result").asText()).isEqualTo("SUCCEEDED");
    }

    @Test
    void withASigningSecretEachBodyCarriesItsHmacAndWithoutOneNoSignature() throws Exception {
        Path secret = tmp.resolve("signing-secret");
        Files.writeString(secret, "wh-s1gning\n");
        try (Notifier n = notifier(
                new DaemonConfig.Notification(Optional.of(url("/signed")), Optional.empty(), NotificationFormat.JSON,
                    EnumSet.allOf(ReconcileResult.class), Optional.empty(), Optional.of(secret)),
                hook(url("/plain"), NotificationFormat.JSON, EnumSet.allOf(ReconcileResult.class), Optional.empty()))) {
            n.accept(record(ReconcileResult.FAILED));
            await().atMost(Duration.ofSeconds(10)).until(() -> received.size() == 2);
        }
        Received signed = received.stream().filter(r -> r.path().equals("/signed")).findFirst().orElseThrow();
        assertThat(signed.signature()).matches("sha256=[0-9a-f]{64}");
        assertThat(WebhookSignature.verify("wh-s1gning", signed.body().getBytes(StandardCharsets.UTF_8),
            signed.signature())).isTrue();
        assertThat(WebhookSignature.verify("another", signed.body().getBytes(StandardCharsets.UTF_8),
            signed.signature())).isFalse();
        assertThat(received.stream().filter(r -> r.path().equals("/plain")).findFirst().orElseThrow().signature())
            .isNull();
        assertThat(new DaemonConfig.Notification(Optional.of(url("/signed")), Optional.empty(), NotificationFormat.JSON,
            EnumSet.allOf(ReconcileResult.class), Optional.empty(), Optional.of(secret)).toString())
            .doesNotContain("wh-s1gning").contains("signed with the secret from " + secret);
    }

    @Test
    void aSignatureIsGitHubsFormatAndComparedExactly() {
        // RFC 4231 test case 2: key "Jefe", data "what do ya want for nothing?".
        String sig = WebhookSignature.sign("Jefe", "what do ya want for nothing?".getBytes(StandardCharsets.UTF_8));
        assertThat(sig).isEqualTo("sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
        byte[] body = "what do ya want for nothing?".getBytes(StandardCharsets.UTF_8);
        assertThat(WebhookSignature.verify("Jefe", body, sig.toUpperCase(java.util.Locale.ROOT).replace("SHA256=",
            "sha256="))).isTrue();
        assertThat(WebhookSignature.verify("Jefe", body, sig.substring(0, sig.length() - 1) + "4")).isFalse();
        assertThat(WebhookSignature.verify("Jefe", body, null)).isFalse();
        assertThat(WebhookSignature.sameSecret("t0ken", "t0ken")).isTrue();
        assertThat(WebhookSignature.sameSecret("t0ken", "t0ke")).isFalse();
        assertThat(WebhookSignature.sameSecret("t0ken", null)).isFalse();
    }

    @Test
    void slackGetsOneReadableMessage() throws Exception {
        try (Notifier n = notifier(hook(url("/slack"), NotificationFormat.SLACK, EnumSet.allOf(ReconcileResult.class),
                Optional.empty()))) {
            ReconcileRecord r = record(ReconcileResult.ROLLED_BACK);
            n.accept(r);
            await().atMost(Duration.ofSeconds(10)).until(() -> received.size() == 1);

            assertThat(new ObjectMapper().readTree(received.getFirst().body()).path("text").asText()).isEqualTo(
                "driftless prod: reconcile #" + r.id() + " rolled back — commit 3f9a2c1 \"api 1.2.0\" by Grace Hopper "
                    + "<grace@example.org> (poll)\nrolled_back: api; succeeded: worker\n"
                    + "• api: api on app-1: not healthy within 10 s; rolled back to what ran before");
            assertThat(received.getFirst().authorization()).isNull();
        }
    }

    @Test
    void aChatMessageNamesWhoSignedTheCommit() throws Exception {
        try (Notifier n = notifier(hook(url("/slack"), NotificationFormat.SLACK, EnumSet.allOf(ReconcileResult.class),
                Optional.empty()))) {
            ReconcileRecord begun = history.begin(new ReconcileStart(SHA, "Grace Hopper <grace@example.org>",
                "api 1.2.0", Trigger.POLL, "sha256:abc",
                Optional.of("grace@example.org (ED25519 key SHA256:q8Tm, allowed_signers:2)")));
            n.accept(history.complete(begun.id(), ReconcileResult.SUCCEEDED, "succeeded: api", Optional.empty()));
            await().atMost(Duration.ofSeconds(10)).until(() -> received.size() == 1);

            assertThat(new ObjectMapper().readTree(received.getFirst().body()).path("text").asText()).isEqualTo(
                "driftless prod: reconcile #" + begun.id() + " succeeded — commit 3f9a2c1 \"api 1.2.0\" by Grace Hopper "
                    + "<grace@example.org> (poll)\nsucceeded: api\n"
                    + "signed by grace@example.org (ED25519 key SHA256:q8Tm, allowed_signers:2)");
        }
    }

    @Test
    void teamsGetsAnAdaptiveCardAndDiscordAMessageItAccepts() throws Exception {
        try (Notifier n = notifier(
                hook(url("/teams"), NotificationFormat.TEAMS, EnumSet.allOf(ReconcileResult.class), Optional.empty()),
                hook(url("/discord"), NotificationFormat.DISCORD, EnumSet.allOf(ReconcileResult.class),
                    Optional.empty()))) {
            ReconcileRecord r = record(ReconcileResult.ROLLED_BACK);
            n.accept(r);
            await().atMost(Duration.ofSeconds(10)).until(() -> received.size() == 2);

            String headline = "driftless prod: reconcile #" + r.id() + " rolled back — commit 3f9a2c1 \"api 1.2.0\" by"
                + " Grace Hopper <grace@example.org> (poll)";
            JsonNode teams = new ObjectMapper().readTree(received.stream().filter(x -> x.path().equals("/teams"))
                .findFirst().orElseThrow().body());
            assertThat(teams.path("type").asText()).isEqualTo("message");
            JsonNode attachment = teams.path("attachments").get(0);
            assertThat(attachment.path("contentType").asText()).isEqualTo("application/vnd.microsoft.card.adaptive");
            JsonNode card = attachment.path("content");
            assertThat(card.path("type").asText()).isEqualTo("AdaptiveCard");
            assertThat(card.path("body").findValuesAsText("text")).containsExactly(headline,
                "rolled_back: api; succeeded: worker",
                "• api: api on app-1: not healthy within 10 s; rolled back to what ran before");
            assertThat(card.path("body").get(0).path("weight").asText()).isEqualTo("Bolder");
            assertThat(card.path("body")).allSatisfy(b -> assertThat(b.path("wrap").asBoolean()).isTrue());

            JsonNode discord = new ObjectMapper().readTree(received.stream().filter(x -> x.path().equals("/discord"))
                .findFirst().orElseThrow().body());
            assertThat(discord.path("content").asText()).startsWith(headline + "\nrolled_back: api");
        }
    }

    @Test
    void aDiscordMessageIsCutToWhatDiscordAccepts() {
        try (Notifier n = notifier()) {
            ReconcileRecord r = record(ReconcileResult.FAILED);
            ReconcileRecord longOne = new ReconcileRecord(r.id(), r.environment(), r.commit(), r.author(), r.message(),
                r.trigger(), r.startedAt(), r.endedAt(), r.result(), r.desiredDigest(), r.returnsTo(),
                "x".repeat(3000), r.error(), r.daemon(), r.signedBy(), r.services(), r.steps());
            String content = n.body(NotificationFormat.DISCORD, longOne);
            try {
                assertThat(new ObjectMapper().readTree(content).path("content").asText())
                    .hasSize(Notifier.DISCORD_MAX).endsWith("…");
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }
    }

    @Test
    void aSuspensionAndItsResumeAreToldToTheWebhooksThatAskedForThem() throws Exception {
        Suspension active = history.suspend(Optional.of("api"), "schema change", "alice@ops-1");
        Suspension ended = history.resume(Optional.of("api"), "bob@ops-2").orElseThrow();
        try (Notifier n = notifier(
                new DaemonConfig.Notification(Optional.of(url("/json")), Optional.empty(), NotificationFormat.JSON,
                    EnumSet.noneOf(ReconcileResult.class), Optional.empty(), Optional.empty(),
                    EnumSet.allOf(DaemonConfig.NoticeEvent.class)),
                new DaemonConfig.Notification(Optional.of(url("/slack")), Optional.empty(), NotificationFormat.SLACK,
                    EnumSet.allOf(ReconcileResult.class), Optional.empty(), Optional.empty(),
                    EnumSet.of(DaemonConfig.NoticeEvent.SUSPENDED)),
                hook(url("/reconciles-only"), NotificationFormat.JSON, EnumSet.allOf(ReconcileResult.class),
                    Optional.empty()))) {
            n.announce(active);
            n.announce(ended);
            await().atMost(Duration.ofSeconds(10)).until(() -> received.size() == 3);
        }

        assertThat(received).extracting(Received::path).containsExactlyInAnyOrder("/json", "/json", "/slack");
        List<JsonNode> json = received.stream().filter(r -> r.path().equals("/json")).map(r -> {
            try {
                return new ObjectMapper().readTree(r.body());
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }).toList();
        assertThat(json).extracting(j -> j.path("event").asText()).containsExactly("suspended", "resumed");
        assertThat(json.get(0).path("environment").asText()).isEqualTo("prod");
        assertThat(json.get(0).path("scope").asText()).isEqualTo("service");
        assertThat(json.get(0).path("service").asText()).isEqualTo("api");
        assertThat(json.get(0).path("by").asText()).isEqualTo("alice@ops-1");
        assertThat(json.get(0).path("reason").asText()).isEqualTo("schema change");
        assertThat(json.get(0).has("resumedBy")).isFalse();
        assertThat(json.get(1).path("resumedBy").asText()).isEqualTo("bob@ops-2");
        String slack = new ObjectMapper().readTree(received.stream().filter(r -> r.path().equals("/slack"))
            .findFirst().orElseThrow().body()).path("text").asText();
        assertThat(slack).isEqualTo("driftless prod: service api suspended by alice@ops-1: schema change\n"
            + "nothing is applied there until driftless resume");
        try (Notifier n = notifier()) {
            assertThat(new ObjectMapper().readTree(n.body(NotificationFormat.SLACK, ended)).path("text").asText())
                .startsWith("driftless prod: service api resumed by bob@ops-2\nit was suspended by alice@ops-1 since ")
                .endsWith(": schema change; the daemon converges it at its next poll");
        }
    }

    @Test
    void aDepartedHostGivenUpOnIsToldToTheWebhooksThatAskedForIt() throws Exception {
        DepartedHost d = new DepartedHost("3f9a2c1b00000000000000000000000000000000",
            Instant.parse("2026-11-01T10:00:00Z"), Optional.of("host app-9 is unreachable: no route to host"));
        try (Notifier n = notifier(
                new DaemonConfig.Notification(Optional.of(url("/json")), Optional.empty(), NotificationFormat.JSON,
                    EnumSet.noneOf(ReconcileResult.class), Optional.empty(), Optional.empty(),
                    EnumSet.of(DaemonConfig.NoticeEvent.HOST_ABANDONED)),
                new DaemonConfig.Notification(Optional.of(url("/suspensions")), Optional.empty(),
                    NotificationFormat.JSON, EnumSet.allOf(ReconcileResult.class), Optional.empty(), Optional.empty(),
                    EnumSet.of(DaemonConfig.NoticeEvent.SUSPENDED)))) {
            n.abandoned("app-9", d);
            await().atMost(Duration.ofSeconds(10)).until(() -> received.size() == 1);
            assertThat(new ObjectMapper().readTree(n.body(NotificationFormat.SLACK, "app-9", d)).path("text").asText())
                .isEqualTo("driftless prod: departed host app-9 given up on\nit left the inventory (3f9a2c1 was the"
                    + " last to list it) and has not answered since 2026-11-01T10:00:00Z (host app-9 is unreachable: no"
                    + " route to host); remove what prod still runs there by hand if it ever comes back");
        }
        assertThat(received).extracting(Received::path).containsExactly("/json");
        JsonNode json = new ObjectMapper().readTree(received.get(0).body());
        assertThat(json.path("event").asText()).isEqualTo("host_abandoned");
        assertThat(json.path("environment").asText()).isEqualTo("prod");
        assertThat(json.path("host").asText()).isEqualTo("app-9");
        assertThat(json.path("since").asText()).isEqualTo("2026-11-01T10:00:00Z");
        assertThat(json.path("lastError").asText()).isEqualTo("host app-9 is unreachable: no route to host");
        assertThat(json.path("inventoryCommit").asText()).startsWith("3f9a2c1b");
    }

    @Test
    void aRefusedHostKeyIsToldWithWhatTheHostOffered() throws Exception {
        var refused = new dev.driftless.reconciler.observe.HostObservation.Unreachable("db-1", "host db-1"
            + " (10.0.2.21:22) offered host key SHA256:evil (ED25519), but it is pinned to SHA256:good",
            dev.driftless.reconciler.ssh.HostFailure.Kind.HOST_KEY_CHANGED);
        try (Notifier n = notifier(
                new DaemonConfig.Notification(Optional.of(url("/keys")), Optional.empty(), NotificationFormat.JSON,
                    EnumSet.noneOf(ReconcileResult.class), Optional.empty(), Optional.empty(),
                    EnumSet.of(DaemonConfig.NoticeEvent.HOST_KEY_REFUSED)),
                hook(url("/reconciles-only"), NotificationFormat.JSON, EnumSet.allOf(ReconcileResult.class),
                    Optional.empty()))) {
            n.hostKeyRefused(refused);
            await().atMost(Duration.ofSeconds(10)).until(() -> received.size() == 1);
            assertThat(new ObjectMapper().readTree(n.body(NotificationFormat.SLACK, refused)).path("text").asText())
                .isEqualTo("driftless prod: host db-1 offers another SSH host key than the pinned one; nothing is done"
                    + " there until it is resolved\nhost db-1 (10.0.2.21:22) offered host key SHA256:evil (ED25519),"
                    + " but it is pinned to SHA256:good");
        }
        assertThat(received).extracting(Received::path).containsExactly("/keys");
        JsonNode json = new ObjectMapper().readTree(received.get(0).body());
        assertThat(json.path("event").asText()).isEqualTo("host_key_refused");
        assertThat(json.path("host").asText()).isEqualTo("db-1");
        assertThat(json.path("problem").asText()).isEqualTo("host_key_changed");
        assertThat(json.path("message").asText()).contains("SHA256:evil");
    }

    @Test
    void aHostThatStopsAnsweringAndAnswersAgainIsToldToTheWebhooksThatAskedForEach() throws Exception {
        java.time.Instant since = java.time.Instant.parse("2026-12-07T10:00:00Z");
        var silent = dev.driftless.reconciler.observe.HostSilence.began("app-2", since,
            "host app-2 (10.0.1.12:22) is unreachable: connection timed out");
        var back = dev.driftless.reconciler.observe.HostSilence.ended("app-2", since, since.plusSeconds(252));
        try (Notifier n = notifier(
                new DaemonConfig.Notification(Optional.of(url("/down")), Optional.empty(), NotificationFormat.JSON,
                    EnumSet.noneOf(ReconcileResult.class), Optional.empty(), Optional.empty(),
                    EnumSet.of(DaemonConfig.NoticeEvent.HOST_UNREACHABLE)),
                new DaemonConfig.Notification(Optional.of(url("/both")), Optional.empty(), NotificationFormat.JSON,
                    EnumSet.noneOf(ReconcileResult.class), Optional.empty(), Optional.empty(),
                    EnumSet.of(DaemonConfig.NoticeEvent.HOST_UNREACHABLE, DaemonConfig.NoticeEvent.HOST_REACHABLE)),
                hook(url("/reconciles-only"), NotificationFormat.JSON, EnumSet.allOf(ReconcileResult.class),
                    Optional.empty()))) {
            n.silence(silent);
            n.silence(back);
            await().atMost(Duration.ofSeconds(10)).until(() -> received.size() == 3);
            assertThat(new ObjectMapper().readTree(n.body(NotificationFormat.SLACK, silent)).path("text").asText())
                .isEqualTo("driftless prod: host app-2 does not answer (since 2026-12-07T10:00:00Z); nothing is changed"
                    + " there until it does, and services with placement.failover move their instances after their"
                    + " delay\nhost app-2 (10.0.1.12:22) is unreachable: connection timed out");
            assertThat(new ObjectMapper().readTree(n.body(NotificationFormat.SLACK, back)).path("text").asText())
                .isEqualTo("driftless prod: host app-2 answers again after 4m12s (silent since 2026-12-07T10:00:00Z)");
        }
        assertThat(received).extracting(Received::path).containsExactlyInAnyOrder("/down", "/both", "/both");
        List<JsonNode> both = new ArrayList<>();
        for (Received r : received) {
            if (r.path().equals("/both")) {
                both.add(new ObjectMapper().readTree(r.body()));
            }
        }
        assertThat(both).extracting(j -> j.path("event").asText()).containsExactly("host_unreachable", "host_reachable");
        assertThat(both.get(0).path("message").asText()).endsWith("connection timed out");
        assertThat(both.get(1).path("since").asText()).isEqualTo("2026-12-07T10:00:00Z");
        assertThat(both.get(1).path("answeredAt").asText()).isEqualTo("2026-12-07T10:04:12Z");
        assertThat(both.get(1).path("silentSeconds").asLong()).isEqualTo(252);
    }

    @Test
    void aCommitThatWaitsForAClosedWindowIsToldWithWhenDeploysResume() throws Exception {
        java.time.Instant since = java.time.Instant.parse("2026-12-04T15:00:00Z");
        var window = dev.driftless.reconciler.history.Suspension.scheduled(-1, Optional.empty(),
            "deploys resume at 2026-12-07T07:00:00Z", "deploy window deploy-windows[0] (deny \"0 16 * * FRI\" for 64h,"
                + " Europe/Berlin)", since);
        var held = new dev.driftless.reconciler.history.HeldCommit("prod", "3f9a2c1b0000000000000000000000000000beef",
            "Grace Hopper <grace@example.org>", "api 1.2.0\n\nwith the new cache", window);
        try (Notifier n = notifier(
                new DaemonConfig.Notification(Optional.of(url("/held")), Optional.empty(), NotificationFormat.JSON,
                    EnumSet.noneOf(ReconcileResult.class), Optional.empty(), Optional.empty(),
                    EnumSet.of(DaemonConfig.NoticeEvent.DEPLOY_HELD)),
                hook(url("/reconciles-only"), NotificationFormat.JSON, EnumSet.allOf(ReconcileResult.class),
                    Optional.empty()))) {
            n.held(held);
            await().atMost(Duration.ofSeconds(10)).until(() -> received.size() == 1);
            assertThat(new ObjectMapper().readTree(n.body(NotificationFormat.SLACK, held)).path("text").asText())
                .isEqualTo("driftless prod: commit 3f9a2c1 \"api 1.2.0\" by Grace Hopper <grace@example.org> waits\n"
                    + "environment prod is held by deploy window deploy-windows[0] (deny \"0 16 * * FRI\" for 64h,"
                    + " Europe/Berlin) since 2026-12-04T15:00:00Z: deploys resume at 2026-12-07T07:00:00Z");
        }
        assertThat(received).extracting(Received::path).containsExactly("/held");
        JsonNode json = new ObjectMapper().readTree(received.get(0).body());
        assertThat(json.path("event").asText()).isEqualTo("deploy_held");
        assertThat(json.path("commit").asText()).startsWith("3f9a2c1b");
        assertThat(json.path("scheduled").asBoolean()).isTrue();
        assertThat(json.path("reason").asText()).isEqualTo("deploys resume at 2026-12-07T07:00:00Z");
        assertThat(json.get("service").isNull()).as("the whole environment").isTrue();
    }

    @Test
    void aCommitThatWaitsForASuspendedServiceNamesItAndSaysTheRestDeploys() throws Exception {
        var suspended = new dev.driftless.reconciler.history.Suspension(7, Optional.of("api"), "schema change",
            "bob@ops-2", java.time.Instant.parse("2026-12-07T09:00:00Z"), Optional.empty(), Optional.empty());
        var held = new dev.driftless.reconciler.history.HeldCommit("prod", "3f9a2c1b0000000000000000000000000000beef",
            "Grace Hopper <grace@example.org>", "api 1.2.0", suspended);
        try (Notifier n = notifier(new DaemonConfig.Notification(Optional.of(url("/held")), Optional.empty(),
                NotificationFormat.JSON, EnumSet.noneOf(ReconcileResult.class), Optional.empty(), Optional.empty(),
                EnumSet.of(DaemonConfig.NoticeEvent.DEPLOY_HELD)))) {
            n.held(held);
            await().atMost(Duration.ofSeconds(10)).until(() -> received.size() == 1);
            assertThat(new ObjectMapper().readTree(n.body(NotificationFormat.SLACK, held)).path("text").asText())
                .isEqualTo("driftless prod: commit 3f9a2c1 \"api 1.2.0\" by Grace Hopper <grace@example.org> waits for"
                    + " api\nservice api is suspended by bob@ops-2 since 2026-12-07T09:00:00Z: schema change; the rest of"
                    + " prod deploys, api after driftless resume --service api");
        }
        JsonNode json = new ObjectMapper().readTree(received.get(0).body());
        assertThat(json.path("event").asText()).isEqualTo("deploy_held");
        assertThat(json.path("service").asText()).isEqualTo("api");
        assertThat(json.path("heldBy").asText()).isEqualTo("bob@ops-2");
        assertThat(json.path("scheduled").asBoolean()).isFalse();
    }

    @Test
    void aDriftThatCameBackAfterItsRepairIsToldWithWhatChangedAndWhatToDo() throws Exception {
        var drift = new dev.driftless.reconciler.history.RecurringDrift("prod", "api", "app-1", "api-1",
            "file /etc/api/config.yaml changed on the host", 1, java.time.Instant.parse("2026-12-07T10:10:00Z"));
        try (Notifier n = notifier(
                new DaemonConfig.Notification(Optional.of(url("/drift")), Optional.empty(), NotificationFormat.JSON,
                    EnumSet.noneOf(ReconcileResult.class), Optional.empty(), Optional.empty(),
                    EnumSet.of(DaemonConfig.NoticeEvent.DRIFT_RECURRING)),
                hook(url("/reconciles-only"), NotificationFormat.JSON, EnumSet.allOf(ReconcileResult.class),
                    Optional.empty()))) {
            n.driftRecurring(drift);
            await().atMost(Duration.ofSeconds(10)).until(() -> received.size() == 1);
            assertThat(new ObjectMapper().readTree(n.body(NotificationFormat.SLACK, drift)).path("text").asText())
                .isEqualTo("driftless prod: api-1 of api on app-1 drifted again after driftless repaired it: file"
                    + " /etc/api/config.yaml changed on the host\nsomething on the host keeps changing it; further"
                    + " repairs back off (the next not before 2026-12-07T10:10:00Z); if something on the host rewrites"
                    + " it (the program itself, a configuration tool), set drift: ignore on that file");
        }
        assertThat(received).extracting(Received::path).containsExactly("/drift");
        JsonNode json = new ObjectMapper().readTree(received.get(0).body());
        assertThat(json.path("event").asText()).isEqualTo("drift_recurring");
        assertThat(json.path("instance").asText()).isEqualTo("api-1");
        assertThat(json.path("drift").asText()).isEqualTo("file /etc/api/config.yaml changed on the host");
        assertThat(json.path("repairs").asInt()).isEqualTo(1);
        assertThat(json.path("nextRepair").asText()).isEqualTo("2026-12-07T10:10:00Z");
    }

    @Test
    void onlyTheResultsAskedForAreSentToEachWebhook() throws Exception {
        try (Notifier n = notifier(
                hook(url("/failures"), NotificationFormat.JSON, EnumSet.of(ReconcileResult.FAILED,
                    ReconcileResult.ROLLED_BACK), Optional.empty()),
                hook(url("/all"), NotificationFormat.JSON, EnumSet.allOf(ReconcileResult.class), Optional.empty()))) {
            n.accept(record(ReconcileResult.SUCCEEDED));
            n.accept(record(ReconcileResult.ROLLED_BACK));
        }
        assertThat(received).extracting(Received::path).containsExactlyInAnyOrder("/all", "/all", "/failures");
    }

    @Test
    void aServerErrorIsRetriedAndAClientErrorIsNot() throws Exception {
        answers.addAll(List.of(503, 500));
        try (Notifier n = notifier(hook(url("/flaky"), NotificationFormat.JSON, EnumSet.allOf(ReconcileResult.class),
                Optional.empty()))) {
            n.accept(record(ReconcileResult.FAILED));
        }
        assertThat(received).as("503, 500, then 200").hasSize(3);

        received.clear();
        answers.add(404);
        try (Notifier n = notifier(hook(url("/gone"), NotificationFormat.JSON, EnumSet.allOf(ReconcileResult.class),
                Optional.empty()))) {
            n.accept(record(ReconcileResult.FAILED));
        }
        assertThat(received).hasSize(1);
        assertThat(metrics.scrape()).contains("driftless_notifications_total{environment=\"prod\",outcome=\"delivered\"} 1.0",
            "driftless_notifications_total{environment=\"prod\",outcome=\"dropped\"} 1.0");
    }

    @Test
    void theUrlMayComeFromAFileAndAnUnreachableWebhookGivesUpAfterItsAttempts() throws Exception {
        Path file = tmp.resolve("url");
        Files.writeString(file, url("/from-file") + "\n");
        AtomicInteger closedPortAttempts = new AtomicInteger();
        try (Notifier n = new Notifier(List.of(
                new DaemonConfig.Notification(Optional.empty(), Optional.of(file), NotificationFormat.JSON,
                    EnumSet.allOf(ReconcileResult.class), Optional.empty(), Optional.empty()),
                hook("http://127.0.0.1:1/nothing-listens", NotificationFormat.JSON,
                    EnumSet.allOf(ReconcileResult.class), Optional.empty())),
                "prod", metrics, d -> closedPortAttempts.incrementAndGet(), List.of(Duration.ZERO))) {
            n.accept(record(ReconcileResult.SUCCEEDED));
        }
        assertThat(received).extracting(Received::path).containsExactly("/from-file");
        assertThat(closedPortAttempts).as("waits between the attempts").hasValue(Notifier.ATTEMPTS - 1);
    }
}
