package dev.driftless.reconciler.runtime.systemd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.driftless.model.HealthCheck;
import dev.driftless.model.Host;
import dev.driftless.model.HttpProbe;
import dev.driftless.model.Instance;
import dev.driftless.model.PortMapping;
import dev.driftless.model.PreDeploy;
import dev.driftless.model.Resources;
import dev.driftless.model.RestartPolicy;
import dev.driftless.model.Runtime;
import dev.driftless.model.SecretRef;
import dev.driftless.model.Service;
import dev.driftless.model.ServiceFile;
import dev.driftless.model.SourceLocation;
import dev.driftless.model.Stop;
import dev.driftless.reconciler.apply.HealthGate;
import dev.driftless.reconciler.observe.ContainerState;
import dev.driftless.reconciler.observe.HostObservation;
import dev.driftless.reconciler.observe.ObservedContainer;
import dev.driftless.reconciler.observe.Observer;
import dev.driftless.reconciler.runtime.FileDrift;
import dev.driftless.reconciler.runtime.InstanceRuntime;
import dev.driftless.reconciler.runtime.InterruptedRun;
import dev.driftless.reconciler.ssh.HostSession;
import dev.driftless.reconciler.ssh.HostTarget;
import dev.driftless.reconciler.ssh.SshHostPool;
import dev.driftless.reconciler.ssh.SshSettings;
import dev.driftless.reconciler.testhosts.TestHosts;
import dev.driftless.secrets.SecretValue;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The systemd runtime against a real host: the deploy user's own systemd manager (lingering, as
 * on a prepared host), driven over SSH by the real pool, checked as root through docker exec.
 */
class SystemdRuntimeIT {

    static final Duration TIMEOUT = Duration.ofSeconds(30);
    static final List<String> MARKERS = List.of("/tmp/pwned", "/tmp/pwned-env", "/tmp/pwned-arg",
        "/home/deploy/pwned");
    /** A tiny HTTP server: /healthz answers 200, /echo prints its argv and selected variables as JSON. */
    static final String SERVER = """
        import http.server, json, os, sys
        port = int(sys.argv[1])
        def read(p):
            try:
                return open(p).read()
            except OSError as e:
                return "error: " + e.strerror
        class H(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                body = json.dumps({"argv": sys.argv[2:], "env": {k: os.environ.get(k) for k in
                    ["GREETING", "TRICKY", "DB_PASSWORD"]}, "cwd": os.getcwd(),
                    "files": {p: read(p) for p in ["app.yaml", "tls/key.pem"]}}).encode()
                self.send_response(200 if self.path in ("/healthz", "/echo") else 404)
                self.end_headers()
                self.wfile.write(body)
            def log_message(self, *a):
                pass
        http.server.HTTPServer(("127.0.0.1", port), H).serve_forever()
        """;

    static TestHosts hosts;
    static SshHostPool pool;
    static HostTarget target;
    static Host host;
    final InstanceRuntime runtime = SystemdRuntime.USER;
    final HealthGate gate = HealthGate.system(TIMEOUT);

    @BeforeAll
    static void start() {
        hosts = TestHosts.builder().host("edge-1").start();
        pool = SshHostPool.open(SshSettings.defaults(hosts.deployKeyFile(), Optional.of(hosts.knownHostsFile())));
        target = new HostTarget("edge-1", "127.0.0.1", hosts.host("edge-1").sshPort(), "deploy", Optional.empty());
        host = SystemdFixture.host("edge-1", hosts.host("edge-1").sshPort());
    }

    @AfterAll
    static void stop() {
        if (pool != null) {
            pool.close();
        }
        if (hosts != null) {
            hosts.close();
        }
    }

    @AfterEach
    void removeUnits() throws Exception {
        HostSession s = pool.session(target);
        for (ObservedContainer c : observe().containers()) {
            s.run(InstanceRuntime.of(c).remove(c.name(), c.stopGrace()), TIMEOUT);
        }
    }

    static Service server(String name, int port, List<String> extraArgs, Map<String, String> env) {
        return SystemdFixture.service(name, "edge-1", b -> {
            b.command(List.of("/usr/bin/python3", "-c", SERVER))
                .args(java.util.stream.Stream.concat(java.util.stream.Stream.of(Integer.toString(port)),
                    extraArgs.stream()).toList())
                .port(new PortMapping(Optional.empty(), port, port, "tcp"))
                .secret("DB_PASSWORD", SecretRef.parse("secrets/edge.yaml#db.password"))
                .resources(new Resources(Optional.of(64L << 20), Optional.of(0.5), Optional.of(2048L)))
                .restart(RestartPolicy.ALWAYS)
                .health(HealthCheck.of(new HttpProbe(port, "/healthz")));
            env.forEach(b::env);
            return b;
        });
    }

    static InstanceRuntime.Launch launch(String secret) {
        return new InstanceRuntime.Launch("prod", "c0ffee", Map.of("DB_PASSWORD", SecretValue.ofText(secret, List.of("db", "password"))),
            Instant.parse("2026-11-22T10:00:00Z"), TIMEOUT);
    }

    static HostObservation.Reachable observe() {
        Observer observer = Observer.standard(pool, TIMEOUT);
        HostObservation o = observer.observe(target, Set.of(Runtime.SYSTEMD));
        assertThat(o).isInstanceOf(HostObservation.Reachable.class);
        return (HostObservation.Reachable) o;
    }

    /** The unit {@code unit} as observation sees it. */
    static ObservedContainer observedUnit(String unit) {
        return observe().containers().stream().filter(c -> c.name().equals(unit)).findFirst().orElseThrow();
    }

    /** Launches {@code i} and waits until it passes its health gate; the unit's name. */
    String launchHealthy(InstanceRuntime rt, HostSession s, Instance i, String secret) throws Exception {
        assertThat(rt.launch(s, i, launch(secret))).isEmpty();
        String unit = rt.nameOf(i);
        assertThat(gate.await(s, rt, unit, i.service().health())).isInstanceOf(HealthGate.Verdict.Healthy.class);
        return unit;
    }

    /** What the test server on {@code port} says of its argv and environment. */
    static com.fasterxml.jackson.databind.JsonNode echo(int port) throws Exception {
        return new com.fasterxml.jackson.databind.ObjectMapper()
            .readTree(asRoot("curl", "-sf", "http://127.0.0.1:" + port + "/echo"));
    }

    static String asRoot(String... command) {
        return hosts.exec("edge-1", command);
    }

    static String systemctlAsDeploy(String... args) {
        List<String> argv = new java.util.ArrayList<>(List.of("runuser", "-u", "deploy", "--", "env",
            "XDG_RUNTIME_DIR=/run/user/1000", "systemctl", "--user"));
        argv.addAll(List.of(args));
        return hosts.exec("edge-1", argv.toArray(String[]::new)).strip();
    }

    @Test
    void aUnitRunsWithItsArgumentsEnvironmentSecretsAndLimitsAndIsObservedAsDriftlessOwn() throws Exception {
        String tricky = "$(touch /tmp/pwned-env); `id` \"q\" 'sq' 100% %n \\ ; $HOME";
        Instance i = SystemdFixture.instance(host, server("echo", 9101,
            List.of("$(touch /tmp/pwned-arg)", ";", "a b", "100%", "$HOME", "\"q\"", "x\ny"),
            Map.of("GREETING", "hello world", "TRICKY", tricky)));
        HostSession s = pool.session(target);
        String secret = "s3cr\"et $(touch /tmp/pwned) `x` \\ 'q'";
        String unit = launchHealthy(runtime, s, i, secret);

        com.fasterxml.jackson.databind.JsonNode echo = echo(9101);
        assertThat(echo.path("argv").toString()).isEqualTo(new com.fasterxml.jackson.databind.ObjectMapper()
            .writeValueAsString(List.of("$(touch /tmp/pwned-arg)", ";", "a b", "100%", "$HOME", "\"q\"", "x\ny")));
        assertThat(echo.path("env").path("GREETING").asText()).isEqualTo("hello world");
        assertThat(echo.path("env").path("TRICKY").asText()).isEqualTo(tricky);
        assertThat(echo.path("env").path("DB_PASSWORD").asText()).isEqualTo(secret);
        for (String marker : MARKERS) {
            assertThat(hosts.execResult("edge-1", "test", "-e", marker).getExitCode()).as(marker).isEqualTo(1);
        }
        // The secret is in a 0600 file in a 0700 directory of the deploy user, never in the unit file.
        String envFile = "/home/deploy/" + SystemdUnits.envFilePath(SystemdUnits.Scope.USER, unit);
        assertThat(asRoot("stat", "-c", "%a %U", envFile).strip()).isEqualTo("600 deploy");
        assertThat(asRoot("stat", "-c", "%a %U", "/home/deploy/" + SystemdUnits.ENV_DIR).strip())
            .isEqualTo("700 deploy");
        assertThat(asRoot("cat", "/home/deploy/" + SystemdUnits.unitPath(SystemdUnits.Scope.USER, unit))).doesNotContain("s3cr");
        // It runs as deploy, enabled for boot, with its limits.
        assertThat(systemctlAsDeploy("show", "-p", "UnitFileState", "--value", unit + ".service")).isEqualTo("enabled");
        assertThat(systemctlAsDeploy("show", "-p", "MemoryMax", "--value", unit + ".service")).isEqualTo("67108864");
        assertThat(systemctlAsDeploy("show", "-p", "CPUQuotaPerSecUSec", "--value", unit + ".service"))
            .isEqualTo("500ms");
        String pid = systemctlAsDeploy("show", "-p", "MainPID", "--value", unit + ".service");
        assertThat(asRoot("stat", "-c", "%U", "/proc/" + pid).strip()).isEqualTo("deploy");
        assertThat(asRoot("grep", "Max open files", "/proc/" + pid + "/limits")).contains("2048");

        ObservedContainer seen = observe().containers().getFirst();
        assertThat(seen.name()).isEqualTo(unit);
        assertThat(seen.runtime()).isEqualTo(Runtime.SYSTEMD);
        assertThat(seen.instance()).contains("echo-1");
        assertThat(seen.fingerprint()).contains(i.fingerprint());
        assertThat(seen.commit()).contains("c0ffee");
        assertThat(seen.spec()).isEqualTo(i.inputs().values());
        assertThat(seen.state()).isEqualTo(ContainerState.RUNNING);
        // The host's own systemd (252 on bookworm hosts, 257 on trixie ones).
        assertThat(observe().runtimeVersion()).startsWith("systemd "
            + asRoot("sh", "-c", "systemctl --version | head -1").split(" ")[1] + ".");
        // Its env file is checked against the checksum written with it (in the home directory).
        assertThat(seen.drift()).isEmpty();
        asRoot("sh", "-c", "echo 'EXTRA=1' >> \"$1\"", "sh", envFile);
        assertThat(observedUnit(unit).drift()).hasValue("file ~/" + SystemdUnits.envFilePath(SystemdUnits.Scope.USER,
            unit) + " changed on the host");

        // Remove: stopped, disabled, and every file of it gone.
        assertThat(s.run(runtime.remove(unit, Stop.DEFAULT_GRACE_PERIOD), TIMEOUT).succeeded()).isTrue();
        assertThat(observe().containers()).isEmpty();
        assertThat(hosts.execResult("edge-1", "test", "-e", envFile).getExitCode()).isEqualTo(1);
        assertThat(hosts.execResult("edge-1", "curl", "-sf", "http://127.0.0.1:9101/healthz").getExitCode())
            .isNotZero();
        assertThat(s.run(runtime.remove(unit, Stop.DEFAULT_GRACE_PERIOD), TIMEOUT).succeeded()).as("removing twice").isTrue();
    }

    /** {@link #server} with a file of the repo and a secret file, in its instances' own directory. */
    static Service withFiles(Service s) {
        return s.toBuilder()
            .file(new ServiceFile("app.yaml", new ServiceFile.Plain("files/app.yaml",
                "greeting: hi\n".getBytes(java.nio.charset.StandardCharsets.UTF_8)), ServiceFile.DEFAULT_MODE, 0, 0, AT))
            .file(new ServiceFile("tls/key.pem", new ServiceFile.Secret(SecretRef.parse("secrets/edge.yaml#tls.key")),
                0400, 0, 0, AT))
            .build();
    }

    static final SourceLocation AT = SourceLocation.of("services/files.yaml");

    static InstanceRuntime.Launch launchWithKey(String key) {
        InstanceRuntime.Launch l = launch("pw");
        return new InstanceRuntime.Launch(l.environment(), l.commit(), l.secrets(),
            Map.of("tls/key.pem", SecretValue.ofText(key, List.of("tls", "key"))), l.deployedAt(), l.commandTimeout());
    }

    @Test
    void aServicesFilesAreItsInstancesWorkingDirectoryReadableByTheUserItRunsAsAndGoWithTheUnit() throws Exception {
        HostSession s = pool.session(target);
        String key = "-----BEGIN KEY----- $(touch /tmp/pwned) 'q'\n";
        for (String user : List.of("", "nobody:nogroup")) {
            int port = user.isEmpty() ? 9106 : 9107;
            Service svc = withFiles(server(user.isEmpty() ? "files" : "sysfiles", port, List.of(), Map.of())).toBuilder()
                .file(new ServiceFile("state.json", new ServiceFile.Plain("", "{}".getBytes(java.nio.charset.StandardCharsets.UTF_8)),
                    0600, 0, 0, ServiceFile.Drift.IGNORE, AT))
                .build();
            Instance i = SystemdFixture.instance(host, user.isEmpty() ? svc : svc.toBuilder().user(user).build());
            InstanceRuntime rt = InstanceRuntime.of(i);
            assertThat(rt.launch(s, i, launchWithKey(key))).isEmpty();
            String unit = rt.nameOf(i);
            assertThat(gate.await(s, rt, unit, i.service().health())).isInstanceOf(HealthGate.Verdict.Healthy.class);

            SystemdUnits.Scope scope = SystemdUnits.scopeOf(i);
            String dir = (user.isEmpty() ? "/home/deploy/" : "") + SystemdUnits.filesDir(scope, unit);
            String owner = user.isEmpty() ? "deploy deploy" : "nobody nogroup";
            com.fasterxml.jackson.databind.JsonNode echo = echo(port);
            assertThat(echo.path("cwd").asText()).as(user).isEqualTo(dir);
            assertThat(echo.path("files").path("app.yaml").asText()).isEqualTo("greeting: hi\n");
            assertThat(echo.path("files").path("tls/key.pem").asText()).isEqualTo(key);
            // The instance's own 0700 directory and what is in it belong to the user the program
            // runs as; the secret file has its 0400; no other user of the host gets in.
            assertThat(asRoot("stat", "-c", "%a %U %G", dir).strip()).isEqualTo("700 " + owner);
            assertThat(asRoot("stat", "-c", "%a %U %G", dir + "/tls/key.pem").strip()).isEqualTo("400 " + owner);
            assertThat(asRoot("stat", "-c", "%a %U %G", dir + "/app.yaml").strip()).isEqualTo("444 " + owner);
            String outsider = user.isEmpty() ? "nobody" : "deploy";
            assertThat(hosts.execResult("edge-1", "runuser", "-u", outsider, "--", "cat", dir + "/app.yaml")
                .getExitCode()).as(outsider + " reads nothing there").isNotZero();
            if (!user.isEmpty()) {
                assertThat(asRoot("stat", "-c", "%a %U", SystemdUnits.SYSTEM_FILES_DIR).strip()).isEqualTo("755 root");
            }
            assertThat(asRoot("cat", (user.isEmpty() ? "/home/deploy/" : "") + SystemdUnits.unitPath(scope, unit)))
                .doesNotContain("BEGIN KEY");
            assertThat(hosts.execResult("edge-1", "test", "-e", "/tmp/pwned").getExitCode()).isEqualTo(1);

            // Their checksums beside the directory, readable by its writer alone; observation compares
            // the files with them (a system unit's with sudo).
            String sums = dir + FileDrift.SUFFIX;
            assertThat(asRoot("stat", "-c", "%a %U", sums).strip()).isEqualTo("600 " + (user.isEmpty() ? "deploy" : "root"));
            assertThat(asRoot("cat", sums)).as("2 files and the env file, not the program's own state.json")
                .hasLineCount(3).doesNotContain("BEGIN KEY", "state.json");
            assertThat(observedUnit(unit).drift()).as(user).isEmpty();
            asRoot("sh", "-c", "echo '{\"seen\": 1}' > \"$1\"", "sh", dir + "/state.json");
            assertThat(observedUnit(unit).drift()).as(user + ": drift: ignore").isEmpty();
            // A mode or an owner changed by hand is drift too: the files belong to whoever owns
            // their directory, named as the host names them.
            String names = owner.replace(' ', ':');
            asRoot("chmod", "0644", dir + "/tls/key.pem");
            asRoot("chown", "root:root", dir + "/app.yaml");
            assertThat(observedUnit(unit).drift()).as(user).hasValue("file app.yaml owner " + names + " → root:root on the host;"
                + " file tls/key.pem mode 0400 → 0644 on the host");
            asRoot("chmod", "0400", dir + "/tls/key.pem");
            asRoot("chown", names, dir + "/app.yaml");
            assertThat(observedUnit(unit).drift()).as(user).isEmpty();
            asRoot("sh", "-c", "echo 'greeting: bye' > \"$1\"", "sh", dir + "/tls/key.pem");
            assertThat(observedUnit(unit).drift()).as(user).hasValue("file tls/key.pem changed on the host");

            // Launched again (a deleted unit file repaired), the directory is written anew.
            asRoot("rm", dir + "/app.yaml");
            assertThat(observedUnit(unit).drift()).as(user).hasValue("file tls/key.pem changed on the host; file"
                + " app.yaml deleted on the host");
            assertThat(rt.launch(s, i, launchWithKey(key))).isEmpty();
            assertThat(asRoot("cat", dir + "/app.yaml")).isEqualTo("greeting: hi\n");
            assertThat(asRoot("ls", "-a", dir.substring(0, dir.lastIndexOf('/')))).doesNotContain(".new");
            assertThat(observedUnit(unit).drift()).as(user).isEmpty();

            assertThat(s.run(rt.remove(unit, Stop.DEFAULT_GRACE_PERIOD), TIMEOUT).succeeded()).isTrue();
            assertThat(hosts.execResult("edge-1", "test", "-e", dir).getExitCode()).as("removed with the unit").isEqualTo(1);
            assertThat(hosts.execResult("edge-1", "test", "-e", sums).getExitCode()).as("removed with the unit")
                .isEqualTo(1);
        }
    }

    /**
     * A start-first restart's unit: the spec's second name runs beside the first with its own env
     * file and files directory, both observed as the same instance, and removing the first leaves
     * the second whole.
     */
    @Test
    void theSecondNameOfASpecRunsBesideTheFirstWithItsOwnSecretsAndFilesAndOutlivesIt() throws Exception {
        Instance i = SystemdFixture.instance(host, withFiles(SystemdFixture.service("renew", "edge-1", b -> b
            .command(List.of("/bin/sh", "-c", "echo \"$(cat app.yaml), secret of ${#DB_PASSWORD} characters\";"
                + " exec sleep infinity"))
            .secret("DB_PASSWORD", SecretRef.parse("secrets/edge.yaml#db.password"))
            .restart(RestartPolicy.ALWAYS))));
        HostSession s = pool.session(target);
        String key = "-----BEGIN KEY-----\n";
        assertThat(runtime.launch(s, i, launchWithKey(key))).isEmpty();
        String first = runtime.nameOf(i);
        assertThat(gate.await(s, runtime, first, i.service().health())).isInstanceOf(HealthGate.Verdict.Healthy.class);
        String second = runtime.nameBeside(i, first);
        assertThat(second).isEqualTo(first + "-b");

        assertThat(runtime.launch(s, i, second, launchWithKey(key))).isEmpty();
        assertThat(gate.await(s, runtime, second, i.service().health())).isInstanceOf(HealthGate.Verdict.Healthy.class);

        assertThat(observe().containers()).extracting(ObservedContainer::name).containsExactlyInAnyOrder(first, second);
        assertThat(observe().containers()).allSatisfy(c -> {
            assertThat(c.instance()).contains(i.name());
            assertThat(c.fingerprint()).contains(i.fingerprint());
            assertThat(c.state()).isEqualTo(ContainerState.RUNNING);
            assertThat(c.drift()).as("its file is as written").isEmpty();
        });
        String home = "/home/deploy/";
        assertThat(asRoot("cat", home + SystemdUnits.unitPath(SystemdUnits.Scope.USER, second)))
            .contains("EnvironmentFile=%h/" + SystemdUnits.envFilePath(SystemdUnits.Scope.USER, second),
                "WorkingDirectory=%h/" + SystemdUnits.filesDir(SystemdUnits.Scope.USER, second));

        assertThat(s.run(runtime.remove(first, Stop.DEFAULT_GRACE_PERIOD), TIMEOUT).succeeded()).isTrue();

        assertThat(observe().containers()).singleElement().satisfies(c -> {
            assertThat(c.name()).isEqualTo(second);
            assertThat(c.state()).isEqualTo(ContainerState.RUNNING);
        });
        assertThat(asRoot("cat", home + SystemdUnits.filesDir(SystemdUnits.Scope.USER, second) + "/app.yaml"))
            .isEqualTo("greeting: hi\n");
        assertThat(hosts.execResult("edge-1", "test", "-s", home + SystemdUnits.envFilePath(SystemdUnits.Scope.USER,
            second)).getExitCode()).as("its secrets stay").isZero();
        assertThat(runtime.nameBeside(i, second)).as("the next restart takes the first name again").isEqualTo(first);
        String journal = String.join("\n", pool.session(target).run(runtime.logs(second, 10), TIMEOUT).stdout());
        assertThat(journal).as("it read its own files and secrets").contains("greeting: hi, secret of 2 characters");
    }

    @Test
    void stopKeepsTheUnitForARollbackAndStartBringsItBack() throws Exception {
        Instance i = SystemdFixture.instance(host, server("keep", 9102, List.of(), Map.of()).toBuilder()
            .stop(new Stop(Optional.of("SIGINT"), Optional.of(Duration.ofSeconds(45)))).build());
        HostSession s = pool.session(target);
        assertThat(runtime.launch(s, i, launch("pw"))).isEmpty();
        String unit = runtime.nameOf(i);
        assertThat(systemctlAsDeploy("show", "-p", "KillSignal", "-p", "TimeoutStopUSec", unit + ".service"))
            .as("the service's stop settings are the unit's").isEqualTo("TimeoutStopUSec=45s\nKillSignal=2");
        assertThat(observe().containers().getFirst().stopGrace()).isEqualTo(Duration.ofSeconds(45));
        assertThat(s.run(runtime.stop(unit, Duration.ofSeconds(45)), TIMEOUT).succeeded()).isTrue();
        ObservedContainer stopped = observe().containers().getFirst();
        assertThat(stopped.state()).isEqualTo(ContainerState.EXITED);
        assertThat(systemctlAsDeploy("show", "-p", "UnitFileState", "--value", unit + ".service"))
            .isEqualTo("disabled");

        assertThat(s.run(runtime.start(unit), TIMEOUT).succeeded()).isTrue();
        assertThat(gate.await(s, runtime, unit, i.service().health())).isInstanceOf(HealthGate.Verdict.Healthy.class);
        assertThat(observe().containers().getFirst().state()).isEqualTo(ContainerState.RUNNING);

        String before = systemctlAsDeploy("show", "-p", "MainPID", "--value", unit + ".service");
        assertThat(s.run(runtime.restart(unit, Duration.ofSeconds(5)), TIMEOUT).succeeded()).isTrue();
        assertThat(gate.await(s, runtime, unit, i.service().health())).isInstanceOf(HealthGate.Verdict.Healthy.class);
        assertThat(systemctlAsDeploy("show", "-p", "MainPID", "--value", unit + ".service")).isNotEqualTo(before);
    }

    @Test
    void aProgramThatExitsFailsTheGateWithItsExitCode() throws Exception {
        Service s = SystemdFixture.service("crash", "edge-1", b -> b
            .command(List.of("/bin/sh", "-c", "sleep 0.3; exit 7")).restart(RestartPolicy.NO));
        Instance i = SystemdFixture.instance(host, s);
        HostSession session = pool.session(target);
        assertThat(runtime.launch(session, i, launch("pw"))).isEmpty();
        HealthGate.Verdict v = gate.await(session, runtime, runtime.nameOf(i), i.service().health());
        assertThat(v).isInstanceOfSatisfying(HealthGate.Verdict.Unhealthy.class, u ->
            assertThat(u.reason()).isEqualTo("unit " + runtime.nameOf(i) + " exited with code 7"));

        Service missing = SystemdFixture.service("missing", "edge-1", b -> b
            .command(List.of("/usr/bin/no-such-program")));
        Instance m = SystemdFixture.instance(host, missing);
        assertThat(runtime.launch(session, m, launch("pw"))).hasValueSatisfying(msg ->
            assertThat(msg).isEqualTo("unit " + runtime.nameOf(m) + " exited with code 203 (203/EXEC:"
                + " /usr/bin/no-such-program is missing or not executable) as it started"));
        await().atMost(TIMEOUT).untilAsserted(() -> assertThat(observe().containers())
            .filteredOn(c -> c.service().equals(Optional.of("missing")))
            .extracting(ObservedContainer::state).containsExactly(ContainerState.EXITED));
    }

    static String systemctlAsRoot(String... args) {
        List<String> argv = new java.util.ArrayList<>(List.of("systemctl"));
        argv.addAll(List.of(args));
        return hosts.exec("edge-1", argv.toArray(String[]::new)).strip();
    }

    @Test
    void aServiceWithAUserIsASystemUnitRunningAsThatUserWithRootOnlySecrets() throws Exception {
        Instance i = SystemdFixture.instance(host, server("sys", 9103, List.of(), Map.of("GREETING", "hi")).toBuilder()
            .user("nobody:nogroup").build());
        InstanceRuntime system = InstanceRuntime.of(i);
        assertThat(system).isSameAs(SystemdRuntime.SYSTEM);
        HostSession s = pool.session(target);
        String secret = "s3cr\"et $(touch /tmp/pwned) `x` \\ 'q'";
        String unit = launchHealthy(system, s, i, secret);

        com.fasterxml.jackson.databind.JsonNode echo = echo(9103);
        assertThat(echo.path("env").path("DB_PASSWORD").asText()).isEqualTo(secret);
        assertThat(echo.path("env").path("GREETING").asText()).isEqualTo("hi");
        for (String marker : MARKERS) {
            assertThat(hosts.execResult("edge-1", "test", "-e", marker).getExitCode()).as(marker).isEqualTo(1);
        }
        // Root's files under /etc: the secret readable by root alone (systemd reads it before it
        // drops to the service's user), nothing in the deploy user's home.
        String unitFile = SystemdUnits.unitPath(SystemdUnits.Scope.SYSTEM, unit);
        String envFile = SystemdUnits.envFilePath(SystemdUnits.Scope.SYSTEM, unit);
        assertThat(asRoot("stat", "-c", "%a %U", unitFile).strip()).isEqualTo("644 root");
        assertThat(asRoot("stat", "-c", "%a %U", envFile).strip()).isEqualTo("600 root");
        assertThat(asRoot("stat", "-c", "%a %U", SystemdUnits.SYSTEM_ENV_DIR).strip()).isEqualTo("700 root");
        assertThat(asRoot("cat", unitFile)).doesNotContain("s3cr").contains("\nUser=nobody\nGroup=nogroup\n");
        assertThat(hosts.execResult("edge-1", "test", "-e", "/home/deploy/" + SystemdUnits.unitPath(SystemdUnits.Scope.USER, unit))
            .getExitCode()).isEqualTo(1);
        // The system's manager runs it as nobody, enabled for boot, with its limits.
        assertThat(systemctlAsRoot("show", "-p", "UnitFileState", "--value", unit + ".service")).isEqualTo("enabled");
        assertThat(systemctlAsRoot("show", "-p", "MemoryMax", "--value", unit + ".service")).isEqualTo("67108864");
        String pid = systemctlAsRoot("show", "-p", "MainPID", "--value", unit + ".service");
        assertThat(asRoot("ps", "-o", "user=,group=", "-p", pid).strip()).matches("nobody\\s+nogroup");

        ObservedContainer seen = observe().containers().getFirst();
        assertThat(seen.name()).isEqualTo(unit);
        assertThat(seen.fingerprint()).contains(i.fingerprint());
        assertThat(seen.state()).isEqualTo(ContainerState.RUNNING);
        assertThat(InstanceRuntime.of(seen)).isSameAs(SystemdRuntime.SYSTEM);
        // Its env file's checksum is root's, beside the (absent) files directory, whose parent
        // every user can pass; an env file edited by hand is drift, checked with sudo.
        String sums = SystemdUnits.fileSumsPath(SystemdUnits.Scope.SYSTEM, unit);
        assertThat(asRoot("stat", "-c", "%a %U", sums).strip()).isEqualTo("600 root");
        assertThat(asRoot("stat", "-c", "%a %U", SystemdUnits.SYSTEM_FILES_DIR).strip()).isEqualTo("755 root");
        assertThat(asRoot("cat", sums)).hasLineCount(1).endsWith(" " + envFile + "\n").doesNotContain("s3cr");
        assertThat(seen.drift()).isEmpty();
        asRoot("chmod", "0644", envFile);
        assertThat(observedUnit(unit).drift()).as("its secrets readable by every user")
            .hasValue("file " + envFile + " mode 0600 → 0644 on the host");
        asRoot("chmod", "0600", envFile);
        asRoot("sh", "-c", "echo 'DB_PASSWORD=changed by hand' >> \"$1\"", "sh", envFile);
        assertThat(observedUnit(unit).drift()).hasValue("file " + envFile + " changed on the host");

        // Stop keeps it for a rollback, start brings it back, remove takes every file.
        assertThat(s.run(system.stop(unit, Duration.ofSeconds(5)), TIMEOUT).succeeded()).isTrue();
        assertThat(observe().containers().getFirst().state()).isEqualTo(ContainerState.EXITED);
        assertThat(systemctlAsRoot("show", "-p", "UnitFileState", "--value", unit + ".service")).isEqualTo("disabled");
        assertThat(s.run(system.start(unit), TIMEOUT).succeeded()).isTrue();
        assertThat(gate.await(s, system, unit, i.service().health())).isInstanceOf(HealthGate.Verdict.Healthy.class);
        assertThat(s.run(system.remove(unit, Stop.DEFAULT_GRACE_PERIOD), TIMEOUT).succeeded()).isTrue();
        assertThat(observe().containers()).isEmpty();
        assertThat(hosts.execResult("edge-1", "test", "-e", envFile).getExitCode()).isEqualTo(1);
        assertThat(hosts.execResult("edge-1", "test", "-e", unitFile).getExitCode()).isEqualTo(1);
        assertThat(hosts.execResult("edge-1", "test", "-e", sums).getExitCode()).isEqualTo(1);
        assertThat(s.run(system.remove(unit, Stop.DEFAULT_GRACE_PERIOD), TIMEOUT).succeeded()).as("removing twice").isTrue();
    }

    @Test
    void aSystemUnitFailsItsReleaseNamingAMissingUserOrASudoThatRefuses() throws Exception {
        HostSession s = pool.session(target);
        Instance ghost = SystemdFixture.instance(host, SystemdFixture.service("ghost", "edge-1", b -> b
            .command(List.of("/bin/sleep", "1000")).user("no-such-user")));
        InstanceRuntime system = InstanceRuntime.of(ghost);
        assertThat(system.launch(s, ghost, launch("pw"))).hasValue("unit " + system.nameOf(ghost) + " exited with"
            + " code 217 (217/USER: user no-such-user does not exist on the host) as it started");

        Instance other = SystemdFixture.instance(host, SystemdFixture.service("other", "edge-1", b -> b
            .command(List.of("/bin/sleep", "1000")).user("nobody")));
        asRoot("mv", "/etc/sudoers.d/deploy", "/root/sudoers-deploy");
        try {
            assertThat(system.launch(s, other, launch("pw"))).hasValueSatisfying(m -> assertThat(m).isEqualTo(
                "writing /etc/systemd/system/" + system.nameOf(other) + ".service failed: a service with user runs as a"
                    + " system unit, which the SSH user installs with sudo -n, and sudo refused on host edge-1 (sudo: a"
                    + " password is required); allow it passwordless sudo (see docs/ssh.md) or remove user from the"
                    + " service"));
        } finally {
            asRoot("mv", "/root/sudoers-deploy", "/etc/sudoers.d/deploy");
        }
        assertThat(observe().containers()).extracting(ObservedContainer::name).containsExactly(system.nameOf(ghost));
    }

    static Service jobService(String name, Optional<String> user) {
        return SystemdFixture.service(name, "edge-1", b -> {
            b.command(List.of("/bin/sleep", "1000")).env("GREETING", "hello world")
                .env("TRICKY", "$(touch /tmp/pwned-env); `id` \"q\" 'sq' 100% %n \\ ; $HOME")
                .secret("DB_PASSWORD", SecretRef.parse("secrets/edge.yaml#db.password"))
                .resources(new Resources(Optional.of(64L << 20), Optional.empty(), Optional.of(2048L)));
            user.ifPresent(b::user);
            return b;
        });
    }

    /** Prints its two arguments, three variables, who it runs as and its open-files limit, one per line. */
    static final PreDeploy PRINTING_JOB = new PreDeploy(List.of("/bin/sh", "-c", "printf '%s\\n' \"$0\" \"$1\""
        + " \"$GREETING\" \"$TRICKY\" \"$DB_PASSWORD\"; id -un; ulimit -n; echo to-stderr >&2", "$(touch /tmp/pwned-arg)",
        "a b; $HOME 100%"), Duration.ofSeconds(30));

    /** Whether a job left its transient unit, output or env file behind. */
    void assertNothingOfTheJobIsLeft(SystemdUnits.Scope scope, Instance i) {
        String unit = SystemdUnits.jobName(i) + ".service";
        assertThat(scope == SystemdUnits.Scope.USER ? systemctlAsDeploy("show", "-p", "LoadState", "--value", unit)
            : systemctlAsRoot("show", "-p", "LoadState", "--value", unit)).isEqualTo("not-found");
        String dir = scope == SystemdUnits.Scope.USER ? "/home/deploy/" + SystemdUnits.ENV_DIR : SystemdUnits.SYSTEM_ENV_DIR;
        assertThat(asRoot("find", dir, "-name", SystemdUnits.jobName(i) + "*")).isEmpty();
        String files = (scope == SystemdUnits.Scope.USER ? "/home/deploy/" : "")
            + SystemdUnits.filesDir(scope, SystemdUnits.jobName(i));
        assertThat(hosts.execResult("edge-1", "test", "-e", files).getExitCode()).as(files).isEqualTo(1);
    }

    @Test
    void aJobOfAServiceWithFilesRunsInADirectoryOfThemThatGoesWithIt() throws Exception {
        HostSession s = pool.session(target);
        PreDeploy reading = new PreDeploy(List.of("/bin/sh", "-c", "pwd; id -un; cat app.yaml tls/key.pem"),
            Duration.ofSeconds(30));
        for (Optional<String> user : List.of(Optional.<String>empty(), Optional.of("nobody"))) {
            Instance i = SystemdFixture.instance(host, withFiles(jobService(user.isEmpty() ? "jobfiles" : "sysjobfiles",
                user)));
            SystemdUnits.Scope scope = SystemdUnits.scopeOf(i);
            InstanceRuntime.JobResult r = InstanceRuntime.of(i).runJob(s, i, launchWithKey("key\n"), reading);
            assertThat(r.exitCode()).as(r.output()).isZero();
            assertThat(r.output().lines()).containsExactly((scope == SystemdUnits.Scope.USER ? "/home/deploy/" : "")
                + SystemdUnits.filesDir(scope, SystemdUnits.jobName(i)), user.orElse("deploy"), "greeting: hi", "key");
            assertNothingOfTheJobIsLeft(scope, i);
        }
    }

    @Test
    void aPreDeployJobRunsAsATransientUnitWithTheServicesEnvironmentAndLeavesNothingBehind() throws Exception {
        Service svc = jobService("migrate", Optional.empty());
        Instance i = SystemdFixture.instance(host, svc);
        HostSession s = pool.session(target);
        String secret = "s3cr\"et $(touch /tmp/pwned) `x` \\ 'q'";

        InstanceRuntime.JobResult ok = runtime.runJob(s, i, launch(secret), PRINTING_JOB);
        assertThat(ok).extracting(InstanceRuntime.JobResult::ran, InstanceRuntime.JobResult::exitCode,
            InstanceRuntime.JobResult::timedOut).containsExactly(true, 0, false);
        assertThat(ok.output().lines()).containsExactly("$(touch /tmp/pwned-arg)", "a b; $HOME 100%", "hello world",
            svc.env().get("TRICKY"), secret, "deploy", "2048", "to-stderr");
        for (String marker : MARKERS) {
            assertThat(hosts.execResult("edge-1", "test", "-e", marker).getExitCode()).as(marker).isEqualTo(1);
        }
        assertNothingOfTheJobIsLeft(SystemdUnits.Scope.USER, i);

        // A run an earlier reconcile left behind, ended, is cleared, then the job fails with its
        // own exit code and what it printed.
        String stale = SystemdUnits.jobName(i);
        asRoot("runuser", "-u", "deploy", "--", "env", "XDG_RUNTIME_DIR=/run/user/1000", "systemd-run", "--user",
            "--quiet", "--unit=" + stale, "-p", "RemainAfterExit=yes", "/bin/true");
        InstanceRuntime.JobResult failed = runtime.runJob(s, i, launch("pw"), new PreDeploy(List.of("/bin/sh", "-c",
            "echo migrating; echo 'no such table' >&2; exit 3"), Duration.ofSeconds(30)));
        assertThat(failed).isEqualTo(new InstanceRuntime.JobResult(true, 3, false, "", "migrating\nno such table\n"));

        // One still running at its timeout is stopped; one whose program is missing never ran.
        long t0 = System.nanoTime();
        InstanceRuntime.JobResult slow = runtime.runJob(s, i, launch("pw"), new PreDeploy(List.of("/bin/sleep", "60"),
            Duration.ofSeconds(2)));
        assertThat(slow.timedOut()).isTrue();
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(20));
        assertThat(runtime.runJob(s, i, launch("pw"), new PreDeploy(List.of("/usr/bin/no-such-migrate"),
            Duration.ofSeconds(30)))).isEqualTo(InstanceRuntime.JobResult.notRun("systemd-run failed: Failed to find"
                + " executable /usr/bin/no-such-migrate: No such file or directory"));
        assertNothingOfTheJobIsLeft(SystemdUnits.Scope.USER, i);
    }

    @Test
    void aJobAnInterruptedReconcileLeftRunningIsWaitedForInsteadOfBeingKilledAndStartedAgain() throws Exception {
        Instance i = SystemdFixture.instance(host, jobService("interrupted", Optional.empty()));
        String unit = SystemdUnits.jobName(i) + ".service";

        // The daemon running the migration dies half-way: its connection goes, the unit stays.
        InterruptedRun.interrupt(SshSettings.defaults(hosts.deployKeyFile(), Optional.of(hosts.knownHostsFile())), target,
            s -> runtime.runJob(s, i, launch("pw"), new PreDeploy(List.of("/bin/sh", "-c",
                "echo started; sleep 4; echo finished"), Duration.ofSeconds(60))),
            () -> systemctlAsDeploy("show", "-p", "SubState", "--value", unit).equals("running"));
        assertThat(systemctlAsDeploy("show", "-p", "SubState", "--value", unit)).as("the job outlives the connection")
            .isEqualTo("running");

        // The next reconcile's run of the same job waits for that one, with all it printed: it is
        // not stopped, and this command (which would fail) never runs.
        InstanceRuntime.JobResult r = runtime.runJob(pool.session(target), i, launch("pw"), new PreDeploy(List.of(
            "/bin/sh", "-c", "echo second run; exit 3"), Duration.ofSeconds(60)));
        assertThat(r).isEqualTo(new InstanceRuntime.JobResult(true, 0, false, "", "started\nfinished\n", true));
        assertNothingOfTheJobIsLeft(SystemdUnits.Scope.USER, i);
    }

    @Test
    void aSystemServicesJobRunsAsItsUserWithRootOnlySecrets() throws Exception {
        Instance i = SystemdFixture.instance(host, jobService("sysmigrate", Optional.of("nobody:nogroup")));
        InstanceRuntime system = InstanceRuntime.of(i);
        HostSession s = pool.session(target);

        InstanceRuntime.JobResult ok = system.runJob(s, i, launch("pw-of-nobody"), PRINTING_JOB);
        assertThat(ok.exitCode()).as(ok.output()).isZero();
        assertThat(ok.output().lines()).containsSubsequence("pw-of-nobody", "nobody", "2048");
        assertNothingOfTheJobIsLeft(SystemdUnits.Scope.SYSTEM, i);

        Instance ghost = SystemdFixture.instance(host, jobService("ghostmigrate", Optional.of("no-such-user")));
        assertThat(system.runJob(s, ghost, launch("pw"), PRINTING_JOB).exit())
            .isEqualTo("217/USER: user no-such-user does not exist on the host");
        assertNothingOfTheJobIsLeft(SystemdUnits.Scope.SYSTEM, ghost);
    }
}
