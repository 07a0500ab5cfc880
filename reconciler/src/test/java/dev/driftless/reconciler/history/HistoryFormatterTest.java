package dev.driftless.reconciler.history;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class HistoryFormatterTest {

    private static final Instant T = Instant.parse("2025-03-01T10:00:00Z");
    private final HistoryFormatter formatter = new HistoryFormatter(ZoneOffset.UTC);

    private static final ReconcileRecord REVERT = new ReconcileRecord(3, "prod", "c3c3c3c3c3c3c3c3", "Alice",
        "Revert \"Bump api to 1.1.0\"", Trigger.POLL, T.plusSeconds(600), Optional.of(T.plusSeconds(612).plusMillis(400)),
        ReconcileResult.SUCCEEDED, "d1", Optional.of("a1a1a1a1a1a1a1a1"), "api: 1 replaced", Optional.empty(),
        Optional.of("driftless ops-1 pid 4711"), Optional.of("grace@example.org (ED25519 key SHA256:q8Tm, allowed_signers:2)"),
        List.of(new ServiceResult("api", ServiceOutcome.SUCCEEDED, "", T.plusSeconds(612))),
        List.of(new StepRecord(7, 3, "api", "app-2", "api-1", StepAction.REPLACE, "image 1.1.0 → 1.0.0",
            Optional.of("f2"), Optional.of("f1"), Optional.of("api:1.1.0"), Optional.of("api:1.0.0"),
            StepOutcome.SUCCEEDED, T.plusSeconds(601), Optional.of(T.plusSeconds(605)),
            Optional.of(Duration.ofMillis(4200)), Optional.empty())));

    private static final ReconcileRecord BROKEN = new ReconcileRecord(2, "prod", "b2b2b2b2b2b2b2b2",
        "Bob Builder With A Very Long Name <bob@example.com>", "Bump api to 1.2.0", Trigger.POLL, T,
        Optional.of(T.plusSeconds(95)), ReconcileResult.ROLLED_BACK, "d3", Optional.empty(), "", Optional.of(
            "health gate failed on app-1"), Optional.empty(), Optional.empty(),
        List.of(new ServiceResult("api", ServiceOutcome.ROLLED_BACK, "rolled back to a1a1a1a", T.plusSeconds(95))),
        List.of(
            new StepRecord(5, 2, "api", "app-1", "api-1", StepAction.REPLACE, "image 1.0.0 → 1.2.0",
                Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(), StepOutcome.ROLLED_BACK,
                T, Optional.of(T.plusSeconds(62)), Optional.of(Duration.ofSeconds(62)),
                Optional.of("/healthz: 404")),
            new StepRecord(6, 2, "api", "app-1", "api-1", StepAction.ROLLBACK, "back to last good spec",
                Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(), StepOutcome.SUCCEEDED,
                T.plusSeconds(62), Optional.of(T.plusSeconds(63)), Optional.of(Duration.ofMillis(850)),
                Optional.empty())));

    private static final ReconcileRecord RUNNING = new ReconcileRecord(4, "prod", "d4d4d4d4", "Carol", "Add worker",
        Trigger.MANUAL, T.plusSeconds(3600), Optional.empty(), ReconcileResult.RUNNING, "d4", Optional.empty(), "",
        Optional.empty(), Optional.empty(), Optional.empty(), List.of(), List.of());

    @Test
    void operatorsSuspensionsAndClosedDeployWindowsAreListedApart() {
        Suspension alice = new Suspension(7, java.util.Optional.empty(), "incident 42", "alice@ops-1",
            java.time.Instant.parse("2026-12-04T15:00:00Z"), java.util.Optional.empty(), java.util.Optional.empty());
        Suspension window = Suspension.scheduled(-5, java.util.Optional.of("store"), "deploys resume at"
            + " 2026-12-07T07:00:00Z", "deploy window deploy-windows[0] (deny \"0 16 * * FRI\" for 64h, Europe/Berlin)",
            java.time.Instant.parse("2026-12-04T15:00:00Z"));

        assertThat(formatter.suspensions(List.of(alice, window), "prod")).isEqualTo("""
            suspended (nothing is applied there until driftless resume):
              environment prod: by alice@ops-1 since 2026-12-04 15:00:00Z: incident 42
            held by deploy windows (nothing is applied there until they allow it):
              service store: deploy window deploy-windows[0] (deny "0 16 * * FRI" for 64h, Europe/Berlin) since \
            2026-12-04 15:00:00Z: deploys resume at 2026-12-07T07:00:00Z
            """);
        assertThat(formatter.suspensionsJson(List.of(window)).get(0).path("window").asBoolean()).isTrue();
        assertThat(formatter.suspensions(List.of(), "prod")).isEmpty();
    }

    @Test
    void tableHasOneAlignedLinePerReconcile() {
        assertThat(formatter.table(List.of(RUNNING, REVERT, BROKEN), false)).isEqualTo("""
            ID  COMMIT   STARTED               DURATION  TRIGGER  RESULT       RETURNS TO  AUTHOR                    MESSAGE
            4   d4d4d4d  2025-03-01 11:00:00Z  running   MANUAL   RUNNING      -           Carol                     Add worker
            3   c3c3c3c  2025-03-01 10:10:00Z  12.4s     POLL     SUCCEEDED    a1a1a1a     Alice                     Revert "Bump api to 1.1.0"
            2   b2b2b2b  2025-03-01 10:00:00Z  1m35s     POLL     ROLLED_BACK  -           Bob Builder With A Very…  Bump api to 1.2.0
            """);
    }

    @Test
    void verboseTableShowsServicesStepsAndErrorUnderEachRecord() {
        assertThat(formatter.table(List.of(BROKEN), true)).isEqualTo("""
            ID  COMMIT   STARTED               DURATION  TRIGGER  RESULT       RETURNS TO  AUTHOR                    MESSAGE
            2   b2b2b2b  2025-03-01 10:00:00Z  1m35s     POLL     ROLLED_BACK  -           Bob Builder With A Very…  Bump api to 1.2.0
                service api: ROLLED_BACK - rolled back to a1a1a1a
                api  app-1  api-1  REPLACE   ROLLED_BACK  1m02s  image 1.0.0 → 1.2.0 (/healthz: 404)
                api  app-1  api-1  ROLLBACK  SUCCEEDED    850ms  back to last good spec
                error: health gate failed on app-1
            """);
    }

    @Test
    void theSignerAndTheDaemonThatRanARecordAreNamedUnderItsSummary() {
        assertThat(formatter.table(List.of(REVERT), true)).contains("""
                api: 1 replaced
                signed by: grace@example.org (ED25519 key SHA256:q8Tm, allowed_signers:2)
                daemon: driftless ops-1 pid 4711
                service api: SUCCEEDED
            """);
    }

    @Test
    void emptyHistorySaysSo() {
        assertThat(formatter.table(List.of(), true)).isEqualTo("no deployments recorded\n");
    }

    @Test
    void jsonCarriesFullShasUtcTimesAndSteps() throws Exception {
        JsonNode json = new ObjectMapper().readTree(formatter.json(List.of(REVERT)));

        assertThat(json.isArray()).isTrue();
        JsonNode r = json.get(0);
        assertThat(r.get("id").asLong()).isEqualTo(3);
        assertThat(r.get("commit").asText()).isEqualTo("c3c3c3c3c3c3c3c3");
        assertThat(r.get("returnsTo").asText()).isEqualTo("a1a1a1a1a1a1a1a1");
        assertThat(r.get("startedAt").asText()).isEqualTo("2025-03-01T10:10:00Z");
        assertThat(r.get("durationMs").asLong()).isEqualTo(12_400);
        assertThat(r.get("error").isNull()).isTrue();
        assertThat(r.get("daemon").asText()).isEqualTo("driftless ops-1 pid 4711");
        assertThat(new ObjectMapper().readTree(formatter.json(List.of(RUNNING))).get(0).get("daemon").isNull())
            .as("a record from before daemons were recorded").isTrue();
        assertThat(r.get("signedBy").asText()).isEqualTo("grace@example.org (ED25519 key SHA256:q8Tm, allowed_signers:2)");
        assertThat(new ObjectMapper().readTree(formatter.json(List.of(RUNNING))).get(0).get("signedBy").isNull())
            .as("signatures not checked").isTrue();
        assertThat(r.get("services").get(0).get("result").asText()).isEqualTo("SUCCEEDED");
        JsonNode step = r.get("steps").get(0);
        assertThat(step.get("action").asText()).isEqualTo("REPLACE");
        assertThat(step.get("toImage").asText()).isEqualTo("api:1.0.0");
        assertThat(step.get("durationMs").asLong()).isEqualTo(4200);
    }

    @Test
    void deploymentStatusKeepsAppliedAndAttemptedApartAndListsFailedCommits() {
        String text = formatter.deploymentStatus(
            Optional.of(new EnvironmentCommit("a1a1a1a1a1", "d1", T, Optional.of(1L))),
            Optional.of(new EnvironmentCommit("b2b2b2b2b2", "d3", T.plusSeconds(60), Optional.of(2L))),
            List.of(new FailedCommit("api", "b2b2b2b2b2", T.plusSeconds(95), 2, "health gate failed on app-1")));

        assertThat(text).isEqualTo("""
            last applied:   a1a1a1a at 2025-03-01 10:00:00Z (reconcile 1)
            last attempted: b2b2b2b at 2025-03-01 10:01:00Z (reconcile 2)
            failed commits (not retried until a newer commit):
              api: b2b2b2b at 2025-03-01 10:01:35Z (reconcile 2): health gate failed on app-1
            """);
        assertThat(formatter.deploymentStatus(Optional.empty(), Optional.empty(), List.of())).isEqualTo("""
            last applied:   none
            last attempted: none
            failed commits: none
            """);
        assertThat(formatter.deploymentStatusJson(Optional.empty(),
            Optional.of(new EnvironmentCommit("c3", "d", T, Optional.empty())), List.of()).toString())
            .isEqualTo("{\"lastApplied\":null,\"lastAttempted\":{\"commit\":\"c3\",\"desiredDigest\":\"d\","
                + "\"at\":\"2025-03-01T10:00:00Z\",\"reconcileId\":null},\"failedCommits\":[]}");
    }

    @Test
    void durationsReadLikeOpsWriteThem() {
        assertThat(HistoryFormatter.duration(Duration.ofMillis(850))).isEqualTo("850ms");
        assertThat(HistoryFormatter.duration(Duration.ofMillis(12_480))).isEqualTo("12.4s");
        assertThat(HistoryFormatter.duration(Duration.ofSeconds(185))).isEqualTo("3m05s");
        assertThat(HistoryFormatter.duration(Duration.ofMinutes(62))).isEqualTo("1h02m");
    }
}
