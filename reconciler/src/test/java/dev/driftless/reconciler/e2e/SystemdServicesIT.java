package dev.driftless.reconciler.e2e;

import static dev.driftless.reconciler.e2e.E2eEnvironment.APP_HOSTS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.driftless.reconciler.history.ReconcileRecord;
import dev.driftless.reconciler.history.ReconcileResult;
import dev.driftless.reconciler.history.ServiceOutcome;
import dev.driftless.reconciler.history.ServiceResult;
import dev.driftless.reconciler.history.StepAction;
import dev.driftless.reconciler.history.StepOutcome;
import dev.driftless.reconciler.history.StepRecord;
import dev.driftless.reconciler.history.Trigger;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A systemd service next to Docker services on the same hosts, driven only through commits: the
 * daemon installs it as user units of the deploy user, rolls a new version out behind the health
 * gate, rolls a broken one back, heals a unit stopped by hand and prunes it when the service goes
 * (while the daemon was down: plan and the restarted daemon find the units through the last applied
 * commit), and the containers beside it are never touched.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SystemdServicesIT {

    private static final String EXPORTER = "services/exporter.yaml";
    private static final ObjectMapper JSON = new ObjectMapper();
    /** A tiny HTTP server on 127.0.0.1: /healthz answers, /echo prints its arguments and environment. */
    private static final String SERVICE = """
        runtime: systemd
        command:
          - /usr/bin/python3
          - -c
          - |
            import http.server, json, os, sys
            class H(http.server.BaseHTTPRequestHandler):
                def do_GET(self):
                    body = json.dumps({"argv": sys.argv[2:], "env": {k: os.environ.get(k)
                        for k in ["GREETING", "DB_PASSWORD"]}, "cwd": os.getcwd(),
                        "files": {p: open(p).read() for p in ["exporter.yaml", "tls/key.pem"]}}).encode()
                    self.send_response(200)
                    self.end_headers()
                    self.wfile.write(body)
                def log_message(self, *a):
                    pass
            server = http.server.HTTPServer(("127.0.0.1", int(sys.argv[1])), H)
            print("exporter", sys.argv[2], "listening on", sys.argv[1], flush=True)
            server.serve_forever()
        args: ["9100", "VERSION", "$(touch /tmp/pwned)", ";", "100% $HOME"]
        placement: {selector: {role: app}}
        ports: ["9100"]
        env: {GREETING: "hello \\"$USER\\" 100%"}
        secrets: {DB_PASSWORD: secrets/shop.yaml#db.password}
        files:
          - {source: files/exporter.yaml, target: exporter.yaml}
          - {target: tls/key.pem, secret: secrets/shop.yaml#db.password, mode: "0400"}
        resources: {memory: 64M, cpus: 0.5}
        restart: always
        health:
          http: {port: 9100, path: /healthz}
          interval: 1s
          timeout: 10s
        """;

    @RegisterExtension
    static final E2eEnvironment env = new E2eEnvironment(repo -> {
        // Docker services beside the units: worker on the same hosts, store on db-1.
        try {
            Files.delete(repo.dir().resolve("services/api.yaml"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }, e -> { });

    private static String first;

    /**
     * {@code logs -f}: the worker containers' heartbeats (every 5 s) from both app hosts as they
     * come, and the exporter unit's journal, each line prefixed; a worker restarted in place by
     * hand is followed again from its new start; stopped as Ctrl-C stops it, no
     * {@code docker logs} or {@code journalctl} is left running on a host.
     */
    private static String restartedWorker;

    private static long heartbeats(DriftlessJar.Streaming worker, String host) {
        return worker.lines().stream().filter(l -> l.matches("worker-1 " + host + " \\| \\S+ worker \\S+ heartbeat"))
            .count();
    }

    private static void followingLogsPrintsNewLinesOfEveryHostAndLeavesNoReaderBehind() throws Exception {
        DriftlessJar.Streaming worker = env.cliStreaming("logs", "worker", "-f", "-n", "1");
        DriftlessJar.Streaming exporter = env.cliStreaming("logs", "exporter", "--host", "app-1", "--follow");
        try {
            E2eEnvironment.await("three heartbeats of each worker, as they come").atMost(Duration.ofSeconds(60))
                .until(() -> APP_HOSTS.stream().allMatch(h -> heartbeats(worker, h) >= 3));
            E2eEnvironment.await("the exporter's journal").atMost(Duration.ofSeconds(30))
                .until(() -> exporter.lines().stream().anyMatch(l -> l.startsWith("exporter-1 app-1 | ")
                    && l.contains("exporter v1 listening on 9100")));
            for (String h : APP_HOSTS) {
                assertThat(env.hosts().exec(h, "pgrep", "-f", "docker logs").strip()).as("running on " + h)
                    .isNotEmpty();
            }
            // Restarted in place (docker logs --follow ends as the container stops): followed again.
            restartedWorker = env.hosts().exec("app-2", "docker", "ps", "--filter", "label=dev.driftless.service=worker",
                "--format", "{{.Names}}").strip();
            long before = heartbeats(worker, "app-2");
            env.hosts().exec("app-2", "docker", "restart", "--time", "1", restartedWorker);
            E2eEnvironment.await("heartbeats of worker-1 on app-2 after its restart").atMost(Duration.ofSeconds(60))
                .until(() -> heartbeats(worker, "app-2") >= before + 2);
        } finally {
            DriftlessJar.Result w = worker.stop();
            DriftlessJar.Result x = exporter.stop();
            assertThat(w.stderr()).contains("driftless logs: following worker-1 on app-1, worker-1 on app-2;"
                + " Ctrl-C to stop", "driftless logs: following worker-1 on app-2 again (container " + restartedWorker
                + " started again)\n");
            assertThat(x.stdout()).doesNotContain("app-2");
        }
        for (String h : APP_HOSTS) {
            E2eEnvironment.await("no log reader left on " + h).atMost(Duration.ofSeconds(20))
                .until(() -> env.hosts().execResult(h, "pgrep", "-f", "docker logs|journalctl").getExitCode() == 1);
        }
    }
    private static String bump;

    @Test
    @Order(1)
    void aCommitAddingASystemdServiceStartsItsUnitsBesideTheContainers() throws Exception {
        env.awaitRecord("the first deploy", r -> r.commit().equals(env.initialCommit())
            && r.result() == ReconcileResult.SUCCEEDED);
        Map<String, List<String>> containers = env.managedSnapshot();
        env.repo().write(EXPORTER, SERVICE.replace("VERSION", "v1"));
        env.repo().write("files/exporter.yaml", "collectors: [cpu]\n");
        first = env.repo().commit("exporter v1 as a systemd service");

        ReconcileRecord record = env.awaitRecord("the deploy of exporter", r -> r.commit().equals(first));
        assertThat(record.result()).isEqualTo(ReconcileResult.SUCCEEDED);
        assertThat(record.services()).extracting(ServiceResult::service, ServiceResult::result)
            .containsExactly(tuple("exporter", ServiceOutcome.SUCCEEDED));
        assertThat(record.steps()).extracting(StepRecord::host, StepRecord::action, StepRecord::outcome,
                StepRecord::reason)
            .containsExactlyInAnyOrder(
                tuple("app-1", StepAction.CREATE, StepOutcome.SUCCEEDED, "no unit for this instance"),
                tuple("app-2", StepAction.CREATE, StepOutcome.SUCCEEDED, "no unit for this instance"));
        for (String host : APP_HOSTS) {
            JsonNode echo = echo(host);
            assertThat(echo.path("argv").toString()).isEqualTo("[\"v1\",\"$(touch /tmp/pwned)\",\";\",\"100% $HOME\"]");
            assertThat(echo.path("env").path("GREETING").asText()).isEqualTo("hello \"$USER\" 100%");
            assertThat(echo.path("env").path("DB_PASSWORD").asText()).isNotBlank();
            // The files, a repo file and a decrypted secret, are in the unit's own directory, its
            // working directory.
            assertThat(echo.path("cwd").asText()).matches("/home/deploy/\\.driftless/files/driftless-exporter-1-[0-9a-f]{8}");
            assertThat(echo.path("files").path("exporter.yaml").asText()).isEqualTo("collectors: [cpu]\n");
            assertThat(echo.path("files").path("tls/key.pem").asText())
                .isEqualTo(echo.path("env").path("DB_PASSWORD").asText());
            assertThat(env.hosts().exec(host, "stat", "-c", "%a %U", echo.path("cwd").asText() + "/tls/key.pem").strip())
                .isEqualTo("400 deploy");
            assertThat(env.hosts().execResult(host, "test", "-e", "/tmp/pwned").getExitCode()).isEqualTo(1);
            assertThat(units(host)).singleElement().satisfies(u -> assertThat(u).matches(
                "driftless-exporter-1-[0-9a-f]{8}\\.service"));
            assertThat(systemctl(host, "is-enabled", units(host).getFirst())).isEqualTo("enabled");
            assertThat(env.hosts().exec(host, "stat", "-c", "%a %U", "/home/deploy/.driftless/units").strip())
                .isEqualTo("700 deploy");
        }
        assertThat(env.managedSnapshot()).as("the containers are untouched").isEqualTo(containers);

        DriftlessJar.Result logs = env.cli("logs", "exporter", "-n", "20");
        assertThat(logs.exitCode()).as(logs.stderr()).isZero();
        for (String host : APP_HOSTS) {
            assertThat(logs.stdout()).as("the unit's journal on %s", host).containsPattern("==> exporter-1 on " + host
                + " \\(unit driftless-exporter-1-[0-9a-f]{8}, running\\) <==\n(.*\n)*.*exporter v1 listening on 9100");
        }
        DriftlessJar.Result worker = env.cli("logs", "worker", "--host", "app-2");
        assertThat(worker.exitCode()).as(worker.stderr()).isZero();
        assertThat(worker.stdout()).startsWith("==> worker-1 on app-2 (container worker-1-").doesNotContain("app-1");
        followingLogsPrintsNewLinesOfEveryHostAndLeavesNoReaderBehind();
        DriftlessJar.Result none = env.cli("logs", "nosuch");
        assertThat(none.exitCode()).isEqualTo(1);
        assertThat(none.stderr()).contains("no instance of nosuch runs on any host of environment default");

        JsonNode status = env.status();
        List<JsonNode> exporters = new ArrayList<>();
        status.path("hosts").forEach(h -> h.path("instances").forEach(i -> {
            if (i.path("service").asText().equals("exporter")) {
                exporters.add(i);
            }
        }));
        assertThat(exporters).hasSize(2).allSatisfy(i -> {
            assertThat(i.path("runtime").asText()).isEqualTo("systemd");
            assertThat(i.path("state").asText()).isEqualTo("running");
            assertThat(i.path("commit").asText()).isEqualTo(first);
            assertThat(i.path("version").asText()).matches("[0-9a-f]{8}");
        });
    }

    @Test
    @Order(2)
    void aNewVersionReplacesTheUnitsOneHostAtATimeAndABrokenOneIsRolledBack() throws Exception {
        // v2 comes with a pre-deploy job: it runs once, on the host, before the first unit changes.
        env.repo().write(EXPORTER, SERVICE.replace("VERSION", "v2") + """
            rollout:
              pre-deploy: {command: [/bin/sh, -c, 'echo "migrating as $(id -un): $GREETING"'], timeout: 30s}
            """);
        bump = env.repo().commit("exporter v2, with a pre-deploy job");
        ReconcileRecord record = env.awaitRecord("the rollout of exporter v2", r -> r.commit().equals(bump));
        assertThat(record.result()).isEqualTo(ReconcileResult.SUCCEEDED);
        assertThat(record.steps().getFirst()).satisfies(job -> {
            assertThat(job.action()).isEqualTo(StepAction.PRE_DEPLOY);
            assertThat(job.host()).isEqualTo("app-1");
            assertThat(job.outcome()).isEqualTo(StepOutcome.SUCCEEDED);
            assertThat(job.message()).hasValueSatisfying(m -> assertThat(m)
                .contains("exit 0: migrating as deploy: hello \"$USER\" 100%"));
        });
        assertThat(record.steps()).filteredOn(s -> s.action() == StepAction.PRE_DEPLOY).hasSize(1);
        assertThat(env.hosts().exec("app-1", "find", "/home/deploy/.driftless/units", "-name", "*pre-deploy*"))
            .as("the job's unit files").isEmpty();
        assertThat(record.steps()).filteredOn(s -> s.action() == StepAction.REPLACE)
            .extracting(StepRecord::host, StepRecord::outcome)
            .containsExactly(tuple("app-1", StepOutcome.SUCCEEDED), tuple("app-2", StepOutcome.SUCCEEDED));
        List<String> v2Units = new ArrayList<>();
        for (String host : APP_HOSTS) {
            assertThat(echo(host).path("argv").get(0).asText()).isEqualTo("v2");
            assertThat(units(host)).as("the v1 unit is gone").hasSize(1);
            v2Units.add(units(host).getFirst());
        }

        // A port argument the program cannot read: the new unit's program dies as it starts.
        env.repo().replace(EXPORTER, "args: [\"9100\"", "args: [\"notaport\"");
        String broken = env.repo().commit("exporter with a broken port argument");
        ReconcileRecord failed = env.awaitRecord("the broken exporter", r -> r.commit().equals(broken));
        assertThat(failed.result()).isEqualTo(ReconcileResult.ROLLED_BACK);
        StepRecord replace = failed.steps().stream().filter(s -> s.action() == StepAction.REPLACE).findFirst()
            .orElseThrow();
        assertThat(replace.host()).isEqualTo("app-1");
        assertThat(replace.outcome()).isEqualTo(StepOutcome.FAILED);
        // With restart: always, which of the gate's three crash verdicts it reaches depends on when
        // its poll lands: between the exit and the restart, during the restart delay, or after it.
        assertThat(replace.message()).hasValueSatisfying(m -> assertThat(m)
            .matches("unit driftless-exporter-1-[0-9a-f]{8} (exited with code 1|is crash-looping|restarted 1 time).*"));
        assertThat(failed.steps()).filteredOn(s -> s.action() == StepAction.ROLLBACK)
            .extracting(StepRecord::host, StepRecord::outcome).containsExactly(tuple("app-1", StepOutcome.SUCCEEDED));
        for (int i = 0; i < APP_HOSTS.size(); i++) {
            String host = APP_HOSTS.get(i);
            assertThat(units(host)).as("back on the v2 unit on %s", host).containsExactly(v2Units.get(i));
            assertThat(echo(host).path("argv").get(0).asText()).isEqualTo("v2");
        }
        assertThat(env.status().at("/deployment/failedCommits").toString()).contains(broken);
        env.awaitDriftChecks(2, "the failed commit is not retried", () -> env.records(broken).size() == 1);

        String revert = env.repo().revert(broken);
        ReconcileRecord reverted = env.awaitRecord("the revert", r -> r.commit().equals(revert));
        assertThat(reverted.result()).isEqualTo(ReconcileResult.SUCCEEDED);
        assertThat(reverted.returnsTo()).contains(bump);
        assertThat(reverted.steps()).isEmpty();
    }

    @Test
    @Order(3)
    void aUnitStoppedOrEditedByHandIsRepairedByTheDriftCheck() throws Exception {
        long since = env.lastRecordId();
        String unit = units("app-2").getFirst();
        systemctl("app-2", "stop", unit);
        assertThat(systemctl("app-2", "is-active", unit)).isEqualTo("inactive");

        E2eEnvironment.await("the drift check starts the unit again").atMost(E2eEnvironment.DEPLOY_TIMEOUT)
            .until(() -> env.history().stream().filter(r -> r.id() > since && r.result().isFinal())
                .flatMap(r -> r.steps().stream())
                .anyMatch(s -> s.host().equals("app-2") && s.service().equals("exporter")
                    && s.action() == StepAction.START && s.outcome() == StepOutcome.SUCCEEDED
                    && s.reason().startsWith("unit exited")));
        assertThat(systemctl("app-2", "is-active", unit)).isEqualTo("active");
        assertThat(units("app-2")).containsExactly(unit);

        // An edit of the unit file (its labels untouched) is drift too: the file is written again.
        String path = "/home/deploy/.config/systemd/user/" + unit;
        String before = env.hosts().exec("app-2", "cat", path);
        long edited = env.lastRecordId();
        env.hosts().exec("app-2", "sed", "-i", "s/^MemoryMax=.*/MemoryMax=1G/", path);
        E2eEnvironment.await("the drift check rewrites the edited unit").atMost(E2eEnvironment.DEPLOY_TIMEOUT)
            .until(() -> env.history().stream().filter(r -> r.id() > edited && r.result().isFinal())
                .flatMap(r -> r.steps().stream())
                .anyMatch(s -> s.host().equals("app-2") && s.action() == StepAction.REPLACE
                    && s.outcome() == StepOutcome.SUCCEEDED && s.reason().equals("unit file edited on the host")));
        assertThat(units("app-2")).containsExactly(unit);
        assertThat(env.hosts().exec("app-2", "cat", path)).contains("MemoryMax=67108864").doesNotContain("1G")
            .isNotEqualTo(before).as("written anew, by a later deploy").contains("dev.driftless.deployed-at=");
        assertThat(systemctl("app-2", "is-active", unit)).isEqualTo("active");
        assertThat(echo("app-2").path("argv").get(0).asText()).isEqualTo("v2");

        // So is an override made beside it (systemctl --user edit): it goes, the unit is written anew.
        String dropIns = path + ".d";
        long overridden = env.lastRecordId();
        env.hosts().exec("app-2", "runuser", "-u", "deploy", "--", "sh", "-c", "mkdir -p \"$1\" && printf"
            + " '[Service]\\nEnvironment=GREETING=overridden\\n' > \"$1/override.conf\"", "sh", dropIns);
        systemctl("app-2", "daemon-reload");
        E2eEnvironment.await("the drift check removes the override").atMost(E2eEnvironment.DEPLOY_TIMEOUT)
            .until(() -> env.history().stream().filter(r -> r.id() > overridden && r.result().isFinal())
                .flatMap(r -> r.steps().stream())
                .anyMatch(s -> s.host().equals("app-2") && s.action() == StepAction.REPLACE
                    && s.outcome() == StepOutcome.SUCCEEDED
                    && s.reason().equals("drop-in override.conf added on the host")));
        assertThat(env.hosts().execResult("app-2", "test", "-e", dropIns).getExitCode()).as("removed").isNotZero();
        assertThat(units("app-2")).containsExactly(unit);
        assertThat(systemctl("app-2", "is-active", unit)).isEqualTo("active");
        assertThat(echo("app-2").path("env").path("GREETING").asText()).isEqualTo("hello \"$USER\" 100%");

        // And a file of its own directory edited by hand (a configuration hotfixed on the host): the
        // drift check writes the directory and the unit anew.
        String config = "/home/deploy/.driftless/files/" + unit.substring(0, unit.length() - ".service".length())
            + "/exporter.yaml";
        String was = echo("app-2").path("files").path("exporter.yaml").asText();
        long hotfixed = env.lastRecordId();
        // (by root: the file is 0444)
        env.hosts().exec("app-2", "sh", "-c", "echo 'collectors: [all]' > \"$1\"", "sh", config);
        assertThat(echo("app-2").path("files").path("exporter.yaml").asText()).isEqualTo("collectors: [all]\n");
        E2eEnvironment.await("the drift check writes the edited file anew").atMost(E2eEnvironment.DEPLOY_TIMEOUT)
            .until(() -> env.history().stream().filter(r -> r.id() > hotfixed && r.result().isFinal())
                .flatMap(r -> r.steps().stream())
                .anyMatch(s -> s.host().equals("app-2") && s.action() == StepAction.REPLACE
                    && s.outcome() == StepOutcome.SUCCEEDED
                    && s.reason().equals("file exporter.yaml changed on the host")));
        assertThat(units("app-2")).containsExactly(unit);
        assertThat(echo("app-2").path("files").path("exporter.yaml").asText()).isEqualTo(was);
    }

    @Test
    @Order(4)
    void aCommitNamingAUserMovesTheServiceFromUserUnitsToSystemUnitsRunAsThatUser() throws Exception {
        List<String> userUnits = new ArrayList<>();
        for (String host : APP_HOSTS) {
            userUnits.add(units(host).getFirst());
        }
        env.repo().replace(EXPORTER, "runtime: systemd\n", "runtime: systemd\nuser: nobody:nogroup\n");
        String asNobody = env.repo().commit("exporter runs as nobody");
        ReconcileRecord record = env.awaitRecord("the move to system units", r -> r.commit().equals(asNobody));
        assertThat(record.result()).isEqualTo(ReconcileResult.SUCCEEDED);
        assertThat(record.steps()).extracting(StepRecord::host, StepRecord::action, StepRecord::outcome,
                StepRecord::reason)
            .filteredOn(t -> t.toList().get(1) != StepAction.PRE_DEPLOY)
            .containsExactly(
                tuple("app-1", StepAction.REPLACE, StepOutcome.SUCCEEDED, "user added (nobody:nogroup)"),
                tuple("app-2", StepAction.REPLACE, StepOutcome.SUCCEEDED, "user added (nobody:nogroup)"));
        // The new spec's job ran first, as a system unit, as the service's user.
        assertThat(record.steps().getFirst().action()).isEqualTo(StepAction.PRE_DEPLOY);
        assertThat(record.steps().getFirst().message()).hasValueSatisfying(m -> assertThat(m)
            .contains("exit 0: migrating as nobody: hello"));
        for (int i = 0; i < APP_HOSTS.size(); i++) {
            String host = APP_HOSTS.get(i);
            assertThat(units(host)).as("the user unit is gone from %s", host).isEmpty();
            assertThat(env.hosts().exec(host, "ls", "-A", "/home/deploy/.driftless/units").strip()).isEmpty();
            assertThat(env.hosts().exec(host, "ls", "-A", "/home/deploy/.driftless/files").strip())
                .as("the user units' files went with them").isEmpty();
            List<String> system = systemUnits(host);
            assertThat(system).singleElement().satisfies(u -> assertThat(u)
                .matches("driftless-exporter-1-[0-9a-f]{8}\\.service").isNotEqualTo(userUnits.get(0)));
            assertThat(env.hosts().exec(host, "systemctl", "is-enabled", system.getFirst()).strip()).isEqualTo("enabled");
            String pid = env.hosts().exec(host, "systemctl", "show", "-p", "MainPID", "--value", system.getFirst()).strip();
            assertThat(env.hosts().exec(host, "ps", "-o", "user=", "-p", pid).strip()).isEqualTo("nobody");
            assertThat(env.hosts().exec(host, "stat", "-c", "%a %U", "/etc/driftless/units/"
                + system.getFirst().replace(".service", ".env")).strip()).isEqualTo("600 root");
            assertThat(echo(host).path("argv").get(0).asText()).isEqualTo("v2");
            assertThat(echo(host).path("env").path("DB_PASSWORD").asText()).isNotBlank();
            // The files now belong to nobody, in root's directory for system units' files.
            String files = "/etc/driftless-files/" + system.getFirst().replace(".service", "");
            assertThat(echo(host).path("cwd").asText()).isEqualTo(files);
            assertThat(echo(host).path("files").path("tls/key.pem").asText()).isNotBlank();
            assertThat(env.hosts().exec(host, "stat", "-c", "%a %U", files, files + "/tls/key.pem").strip())
                .isEqualTo("700 nobody\n400 nobody");
        }
        assertThat(env.status().path("hosts").findValues("instances").stream().flatMap(n -> {
            List<JsonNode> l = new ArrayList<>();
            n.forEach(l::add);
            return l.stream();
        }).filter(i -> i.path("service").asText().equals("exporter")).map(i -> i.path("commit").asText()))
            .containsExactly(asNobody, asNobody);
        DriftlessJar.Result logs = env.cli("logs", "exporter", "--host", "app-1", "-n", "20");
        assertThat(logs.exitCode()).as(logs.stderr()).isZero();
        assertThat(logs.stdout()).as("the system journal, read with sudo").contains("exporter v2 listening on 9100");
    }

    @Test
    @Order(5)
    void aServiceRemovedWhileTheDaemonIsDownHasItsUnitsAndSecretsRemoved() {
        Map<String, List<String>> containers = env.managedSnapshot();
        // The last systemd service goes while no daemon runs: the restarted daemon has seen no unit
        // anywhere and the new commit uses systemd nowhere; the last applied commit says where units ran.
        env.daemon().terminate();
        assertThat(env.daemon().awaitExit(Duration.ofSeconds(45))).as("the daemon exits after SIGTERM").isTrue();
        String retired = env.repo().remove(EXPORTER, "Retire the exporter");

        DriftlessJar.Result plan = env.cli("plan");
        assertThat(plan.exitCode()).as(plan.stdout() + plan.stderr()).isEqualTo(2);
        assertThat(plan.stdout()).as("plan knows the base from the history, as the daemon does")
            .contains("0 to create, 0 to replace, 0 to start, 2 to remove")
            .containsPattern("app-1 +exporter-1 +remove").containsPattern("app-2 +exporter-1 +remove");

        env.startDaemon();
        ReconcileRecord record = env.awaitRecord("the prune of exporter", r -> r.commit().equals(retired));
        assertThat(record.result()).isEqualTo(ReconcileResult.SUCCEEDED);
        assertThat(record.trigger()).isEqualTo(Trigger.STARTUP);
        assertThat(record.steps()).extracting(StepRecord::host, StepRecord::action, StepRecord::outcome)
            .containsExactlyInAnyOrder(tuple("app-1", StepAction.REMOVE, StepOutcome.SUCCEEDED),
                tuple("app-2", StepAction.REMOVE, StepOutcome.SUCCEEDED));
        for (String host : APP_HOSTS) {
            assertThat(units(host)).isEmpty();
            assertThat(systemUnits(host)).isEmpty();
            assertThat(env.hosts().exec(host, "ls", "-A", "/etc/driftless/units").strip()).isEmpty();
            assertThat(env.hosts().exec(host, "ls", "-A", "/etc/driftless-files").strip()).isEmpty();
            assertThat(env.hosts().execResult(host, "curl", "-sf", "http://127.0.0.1:9100/").getExitCode())
                .isNotZero();
        }
        assertThat(env.managedSnapshot()).isEqualTo(containers);
    }

    // ---- helpers ----

    private static JsonNode echo(String host) throws IOException {
        return JSON.readTree(env.hosts().exec(host, "curl", "-sf", "http://127.0.0.1:9100/echo"));
    }

    /** The driftless unit files in deploy's unit directory. */
    private static List<String> units(String host) {
        String out = env.hosts().exec(host, "find", "/home/deploy/.config/systemd/user", "-maxdepth", "1",
            "-name", "driftless-*.service", "-printf", "%f\\n");
        return out.lines().filter(l -> !l.isBlank()).sorted().toList();
    }

    /** The driftless unit files in the system's unit directory. */
    private static List<String> systemUnits(String host) {
        String out = env.hosts().exec(host, "find", "/etc/systemd/system", "-maxdepth", "1",
            "-name", "driftless-*.service", "-printf", "%f\\n");
        return out.lines().filter(l -> !l.isBlank()).sorted().toList();
    }

    private static String systemctl(String host, String... args) {
        List<String> argv = new ArrayList<>(List.of("runuser", "-u", "deploy", "--", "env",
            "XDG_RUNTIME_DIR=/run/user/1000", "systemctl", "--user"));
        argv.addAll(List.of(args));
        return env.hosts().execResult(host, argv.toArray(String[]::new)).getStdout().strip();
    }
}
