package dev.driftless.reconciler.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.driftless.reconciler.history.HistoryFormatter;
import dev.driftless.reconciler.history.HistoryQuery;
import dev.driftless.reconciler.history.HistorySettings;
import dev.driftless.reconciler.history.HistoryStore;
import dev.driftless.reconciler.history.ReconcileRecord;
import dev.driftless.reconciler.history.ReconcileResult;
import dev.driftless.reconciler.history.ReconcileStart;
import dev.driftless.reconciler.history.ServiceOutcome;
import dev.driftless.reconciler.history.StepAction;
import dev.driftless.reconciler.history.StepOutcome;
import dev.driftless.reconciler.history.StepStart;
import dev.driftless.reconciler.history.Trigger;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code driftless history} on an empty and on a populated embedded H2 history. */
class HistoryCommandTest {

    private static final String V1 = "a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1";
    private static final String V2 = "b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2";

    @TempDir
    Path tmp;

    private Path config;
    private Path stateDir;

    @BeforeEach
    void configuration() {
        stateDir = tmp.resolve("state");
        config = tmp.resolve("driftless.yaml");
        Cli.write(config, """
            repo: {url: ../infra}
            ssh: {key: keys/id_ed25519}
            state-dir: state
            metrics: {listen: off}
            """);
    }

    private HistoryStore store(String environment) {
        return HistoryStore.open(HistorySettings.embedded(stateDir), environment,
            Clock.fixed(Instant.parse("2026-11-21T12:00:00Z"), ZoneOffset.UTC));
    }

    /** Two deployments as the daemon records them: api and worker to 1.0.0, then api to 1.1.0 rolled back. */
    private void populate() {
        try (HistoryStore h = store("default")) {
            ReconcileRecord first = h.begin(new ReconcileStart(V1, "Grace Hopper <grace@example.org>", "Shop at 1.0.0",
                Trigger.STARTUP, "sha256:d1"));
            step(h, first.id(), "api", "app-1", StepAction.CREATE, "no container for this instance", StepOutcome.SUCCEEDED,
                "healthy");
            step(h, first.id(), "worker", "app-2", StepAction.CREATE, "no container for this instance",
                StepOutcome.SUCCEEDED, "healthy");
            h.recordServiceResult(first.id(), "api", ServiceOutcome.SUCCEEDED, "converged");
            h.recordServiceResult(first.id(), "worker", ServiceOutcome.SUCCEEDED, "converged");
            h.complete(first.id(), ReconcileResult.SUCCEEDED, "succeeded: api, worker", Optional.empty());

            ReconcileRecord second = h.begin(new ReconcileStart(V2, "Ada Lovelace", "api 1.1.0", Trigger.POLL, "sha256:d2"));
            step(h, second.id(), "api", "app-1", StepAction.REPLACE, "image 1.0.0 → 1.1.0", StepOutcome.FAILED,
                "container api-1-0b0b0b0b exited with code 1");
            step(h, second.id(), "api", "app-1", StepAction.ROLLBACK, "back to 1.0.0 (api-1-0a0a0a0a)",
                StepOutcome.SUCCEEDED, "restored api-1-0a0a0a0a");
            h.recordServiceResult(second.id(), "api", ServiceOutcome.ROLLED_BACK, "api on app-1: container exited");
            h.complete(second.id(), ReconcileResult.ROLLED_BACK, "rolled_back: api",
                Optional.of("api: api on app-1: container api-1-0b0b0b0b exited with code 1; rolled back"));
        }
    }

    private static void step(HistoryStore h, long id, String service, String host, StepAction action, String reason,
                             StepOutcome outcome, String message) {
        long step = h.beginStep(id, new StepStart(service, host, service + "-1", action, reason, Optional.empty(),
            Optional.empty(), Optional.empty(), Optional.empty()));
        h.completeStep(step, outcome, Optional.of(message));
    }

    /** What the command must print: the store's records, as the formatter renders them in this JVM's zone. */
    private List<ReconcileRecord> records(HistoryQuery query) {
        try (HistoryStore h = store("default")) {
            return h.list(query);
        }
    }

    @Test
    void withoutAConfigurationItSaysWhatToPass() {
        assumeFalse(Cli.configFoundWithoutOption(), "a driftless.yaml is found on this machine");

        Cli.Run run = Cli.run("history");

        assertThat(run.exit()).isEqualTo(1);
        assertThat(run.err()).isEqualTo("driftless history: no configuration: pass --config FILE (see "
            + "docs/configuration.md); history needs the repo, SSH and state settings\n");
    }

    @Test
    void anEmptyHistorySaysSoAndExitsZero() {
        Cli.Run run = Cli.run("history", "--config", config.toString());

        assertThat(run.exit()).isZero();
        assertThat(run.out()).isEqualTo("No deployments recorded yet for environment default.\n");
        assertThat(run.err()).isEmpty();
    }

    @Test
    void anEmptyHistoryInJsonIsAnEmptyArray() throws Exception {
        Cli.Run run = Cli.run("history", "--config", config.toString(), "--format", "json");

        assertThat(run.exit()).isZero();
        assertThat(new ObjectMapper().readTree(run.out()).isArray()).isTrue();
        assertThat(new ObjectMapper().readTree(run.out())).isEmpty();
    }

    @Test
    void recordsAreListedNewestFirstOneLineEach() {
        populate();

        Cli.Run run = Cli.run("history", "--config", config.toString());

        assertThat(run.exit()).isZero();
        assertThat(run.out()).isEqualTo(new HistoryFormatter(ZoneId.systemDefault())
            .table(records(HistoryQuery.latest(20)), false));
        List<String> lines = run.out().lines().toList();
        assertThat(lines).hasSize(3);
        assertThat(lines.get(0)).startsWith("ID  COMMIT   STARTED");
        assertThat(lines.get(1)).startsWith("2   b2b2b2b  ").contains("POLL", "ROLLED_BACK", "Ada Lovelace", "api 1.1.0");
        assertThat(lines.get(2)).startsWith("1   a1a1a1a  ").contains("STARTUP", "SUCCEEDED", "Shop at 1.0.0");
    }

    @Test
    void verboseShowsEachRecordsServicesStepsAndError() {
        populate();

        Cli.Run run = Cli.run("history", "--config", config.toString(), "-v", "--limit", "1");

        assertThat(run.exit()).isZero();
        assertThat(run.out()).isEqualTo(new HistoryFormatter(ZoneId.systemDefault())
            .table(records(HistoryQuery.latest(1)), true));
        assertThat(run.out()).contains(
            "    service api: ROLLED_BACK - api on app-1: container exited\n",
            "    api  app-1  api-1  REPLACE   FAILED     ",
            "image 1.0.0 → 1.1.0 (container api-1-0b0b0b0b exited with code 1)\n",
            "    error: api: api on app-1: container api-1-0b0b0b0b exited with code 1; rolled back\n");
        assertThat(run.out()).doesNotContain("a1a1a1a");
    }

    @Test
    void serviceNarrowsToTheReconcilesThatTouchedIt() {
        populate();

        Cli.Run run = Cli.run("history", "--config", config.toString(), "--service", "worker");

        assertThat(run.exit()).isZero();
        assertThat(run.out().lines().skip(1)).singleElement().satisfies(l -> assertThat(l).startsWith("1   a1a1a1a  "));
    }

    @Test
    void hostNarrowsToTheReconcilesThatTouchedIt() {
        populate();

        Cli.Run run = Cli.run("history", "--config", config.toString(), "--host", "app-2");

        assertThat(run.out().lines().skip(1)).singleElement().satisfies(l -> assertThat(l).startsWith("1   a1a1a1a  "));
    }

    @Test
    void serviceAndHostTogetherSayWhatRunsThereAndSinceWhen() {
        try (HistoryStore h = store("default")) {
            ReconcileRecord first = h.begin(new ReconcileStart(V1, "Grace Hopper", "api 1.0.0", Trigger.STARTUP, "d1"));
            long s1 = h.beginStep(first.id(), new StepStart("api", "app-2", "api-1", StepAction.CREATE, "no container",
                Optional.empty(), Optional.of("sha256:f1"), Optional.empty(), Optional.of("shop/api:1.0.0")));
            h.completeStep(s1, StepOutcome.SUCCEEDED, Optional.empty());
            h.complete(first.id(), ReconcileResult.SUCCEEDED, "succeeded: api", Optional.empty());
            ReconcileRecord second = h.begin(new ReconcileStart(V2, "Ada Lovelace", "api 1.1.0", Trigger.POLL, "d2"));
            long s2 = h.beginStep(second.id(), new StepStart("api", "app-2", "api-1", StepAction.REPLACE,
                "image 1.0.0 → 1.1.0", Optional.of("sha256:f1"), Optional.of("sha256:f2"),
                Optional.of("shop/api:1.0.0"), Optional.of("shop/api:1.1.0")));
            h.completeStep(s2, StepOutcome.SUCCEEDED, Optional.empty());
            h.complete(second.id(), ReconcileResult.SUCCEEDED, "succeeded: api", Optional.empty());
        }

        Cli.Run run = Cli.run("history", "--config", config.toString(), "--service", "api", "--host", "app-2");
        Cli.Run none = Cli.run("history", "--config", config.toString(), "--service", "worker", "--host", "app-2");

        assertThat(run.exit()).isZero();
        assertThat(run.out()).containsPattern("^api-1 on app-2: shop/api:1\\.1\\.0 since \\S+ \\S+ "
            + "\\(commit b2b2b2b, reconcile 2\\)\n\nID ");
        assertThat(none.out()).isEqualTo("No deployments recorded yet for environment default.\n");
    }

    @Test
    void jsonCarriesFullShasAndSteps() throws Exception {
        populate();

        Cli.Run run = Cli.run("history", "--config", config.toString(), "--format", "json");

        assertThat(run.exit()).isZero();
        JsonNode json = new ObjectMapper().readTree(run.out());
        assertThat(json).hasSize(2);
        assertThat(json.get(0).get("commit").asText()).isEqualTo(V2);
        assertThat(json.get(0).get("result").asText()).isEqualTo("ROLLED_BACK");
        assertThat(json.get(0).get("steps")).hasSize(2);
        assertThat(json.get(1).get("commit").asText()).isEqualTo(V1);
    }

    @Test
    void otherEnvironmentsInTheSameDatabaseStayInvisible() {
        try (HistoryStore h = store("staging")) {
            ReconcileRecord r = h.begin(new ReconcileStart(V2, "x", "staging only", Trigger.POLL, "sha256:s"));
            h.complete(r.id(), ReconcileResult.SUCCEEDED, "", Optional.empty());
        }

        Cli.Run run = Cli.run("history", "--config", config.toString());

        assertThat(run.out()).isEqualTo("No deployments recorded yet for environment default.\n");
    }

    @Test
    void theConfiguredEnvironmentChoosesTheRecords() {
        try (HistoryStore h = store("staging")) {
            ReconcileRecord r = h.begin(new ReconcileStart(V2, "x", "staging only", Trigger.POLL, "sha256:s"));
            h.complete(r.id(), ReconcileResult.SUCCEEDED, "", Optional.empty());
        }
        Cli.write(config, """
            repo: {url: ../infra, environment: staging}
            ssh: {key: keys/id_ed25519}
            state-dir: state
            """);

        Cli.Run run = Cli.run("history", "--config", config.toString());

        assertThat(run.out()).contains("staging only");
    }

    @Test
    void aLimitOutOfRangeIsAnError() {
        Cli.Run run = Cli.run("history", "--config", config.toString(), "--limit", "0");

        assertThat(run.exit()).isEqualTo(1);
        assertThat(run.err()).isEqualTo("driftless history: --limit must be from 1 to 10000\n");
    }

    @Test
    void aLimitThatIsNotANumberIsAUsageError() {
        Cli.Run run = Cli.run("history", "--config", config.toString(), "--limit", "ten");

        assertThat(run.exit()).isEqualTo(1);
        assertThat(run.err()).startsWith("Invalid value for option '--limit': 'ten' is not an int");
    }

    @Test
    void aBrokenConfigurationIsReportedAtItsLine() {
        Cli.write(config, "repo: {url: ../infra}\nssh: {key: id}\nhistory: {jdbc-url: 5}\nstate-dir: [a]\n");

        Cli.Run run = Cli.run("history", "--config", config.toString());

        assertThat(run.exit()).isEqualTo(1);
        assertThat(run.err()).isEqualTo("driftless history: " + config + ":3:21: history.jdbc-url must be "
            + "jdbc:postgresql://… or jdbc:h2:…\n" + config + ":4:12: state-dir must be a single value, not a list\n");
    }

    // ---- history copy ----

    /** A second configuration of the same repo whose history lives in another state directory. */
    private Path targetConfig() {
        Path target = tmp.resolve("target.yaml");
        Cli.write(target, """
            repo: {url: ../infra}
            ssh: {key: keys/id_ed25519}
            state-dir: state-new
            """);
        return target;
    }

    @Test
    void copyMovesEveryRecordOfEveryEnvironmentAndHistoryReadsThemFromTheTarget() {
        populate();
        try (HistoryStore h = store("staging")) {
            ReconcileRecord r = h.begin(new ReconcileStart(V2, "x", "staging only", Trigger.POLL, "sha256:s"));
            h.complete(r.id(), ReconcileResult.SUCCEEDED, "", Optional.empty());
        }
        Path target = targetConfig();
        Cli.Run before = Cli.run("history", "--config", config.toString(), "-v", "--format", "json");

        Cli.Run copy = Cli.run("history", "copy", "--config", config.toString(), "--to-config", target.toString());

        assertThat(copy.err()).isEmpty();
        assertThat(copy.exit()).isZero();
        assertThat(copy.out()).startsWith("copied the history from jdbc:h2:file:" + stateDir.resolve("history"))
            .contains(" to jdbc:h2:file:" + tmp.resolve("state-new").resolve("history"),
                "  reconcile            3 rows\n", "  reconcile_step       4 rows\n");
        Cli.Run after = Cli.run("history", "--config", target.toString(), "-v", "--format", "json");
        assertThat(after.out()).isEqualTo(before.out());
        // New records continue the numbering after the copied ones.
        try (HistoryStore h = HistoryStore.open(HistorySettings.embedded(tmp.resolve("state-new")), "default")) {
            ReconcileRecord next = h.begin(new ReconcileStart("c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3", "x",
                "Revert \"api 1.1.0\"", Trigger.POLL, "sha256:d1"));
            assertThat(next.id()).isEqualTo(4);
            assertThat(next.returnsTo()).as("revert detection sees the copied past").contains(V1);
        }
    }

    @Test
    void copyRefusesATargetThatAlreadyHoldsRecords() {
        populate();
        Path target = targetConfig();
        assertThat(Cli.run("history", "copy", "--config", config.toString(), "--to-config", target.toString()).exit())
            .isZero();

        Cli.Run again = Cli.run("history", "copy", "--config", config.toString(), "--to-config", target.toString());

        assertThat(again.exit()).isEqualTo(1);
        assertThat(again.err()).startsWith("driftless history copy: the target history database jdbc:h2:file:")
            .endsWith(" already holds reconciles; copy only into an empty one\n");
    }

    @Test
    void copyRefusesToCopyADatabaseOntoItself() {
        populate();

        Cli.Run run = Cli.run("history", "copy", "--config", config.toString(), "--to-config", config.toString());

        assertThat(run.exit()).isEqualTo(1);
        assertThat(run.err()).startsWith("driftless history copy: the source and the target are the same history database");
        assertThat(records(HistoryQuery.latest(20))).hasSize(2);
    }

    @Test
    void copyNeedsTheTargetConfiguration() {
        Cli.Run run = Cli.run("history", "copy", "--config", config.toString());

        assertThat(run.exit()).isEqualTo(1);
        assertThat(run.err()).startsWith("Missing required option: '--to-config=FILE'");
    }
}
