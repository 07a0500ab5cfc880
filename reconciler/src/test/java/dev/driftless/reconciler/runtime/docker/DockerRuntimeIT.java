package dev.driftless.reconciler.runtime.docker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.driftless.model.Host;
import dev.driftless.model.Instance;
import dev.driftless.model.Placement;
import dev.driftless.model.PreDeploy;
import dev.driftless.model.Repo;
import dev.driftless.model.Runtime;
import dev.driftless.model.SecretFingerprints;
import dev.driftless.model.Service;
import dev.driftless.model.ServiceFile;
import dev.driftless.model.SourceLocation;
import dev.driftless.model.Stop;
import dev.driftless.reconciler.command.RemoteCommand;
import dev.driftless.reconciler.runtime.InstanceRuntime;
import dev.driftless.reconciler.runtime.InterruptedRun;
import dev.driftless.reconciler.ssh.CommandResult;
import dev.driftless.reconciler.ssh.HostException;
import dev.driftless.reconciler.ssh.HostSession;
import dev.driftless.reconciler.ssh.HostTarget;
import dev.driftless.reconciler.ssh.RecordingHostSession;
import dev.driftless.reconciler.ssh.SshHostPool;
import dev.driftless.reconciler.ssh.SshSettings;
import dev.driftless.reconciler.testhosts.TestHosts;
import dev.driftless.secrets.SecretValue;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The Docker commands against a real dockerd on a test host, driven over SSH by the real pool. */
class DockerRuntimeIT {

    static final String IMAGE = "driftless/sample-svc:1.0.0";
    static final Duration TIMEOUT = Duration.ofSeconds(60);
    static final List<String> MARKERS = List.of("/tmp/pwned", "/tmp/pwned-env", "/tmp/pwned-tick", "/tmp/pwned-label",
        "/tmp/pwned-arg", "/tmp/pwned-name", "/tmp/pwned-exec", "/home/deploy/pwned");

    static TestHosts hosts;
    static SshHostPool pool;
    static HostTarget app1;
    static final ObjectMapper JSON = new ObjectMapper();

    @BeforeAll
    static void start() {
        hosts = TestHosts.builder().host("app-1").start();
        hosts.loadImage("app-1", IMAGE);
        pool = SshHostPool.open(SshSettings.defaults(hosts.deployKeyFile(), Optional.of(hosts.knownHostsFile())));
        app1 = new HostTarget("app-1", "127.0.0.1", hosts.host("app-1").sshPort(), "deploy", Optional.empty());
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

    static CommandResult run(HostSession s, RemoteCommand c) throws HostException {
        return s.run(c, TIMEOUT);
    }

    static CommandResult ok(HostSession s, RemoteCommand c) throws HostException {
        CommandResult r = run(s, c);
        assertThat(r.exitCode()).as("%s\n%s", c.render(), r.stderr()).isZero();
        return r;
    }

    /** docker inspect as root through docker exec: independent of the code under test. */
    static JsonNode inspectAsRoot(String container) throws Exception {
        return JSON.readTree(hosts.exec("app-1", "docker", "inspect", "--type", "container", container)).get(0);
    }

    static void assertNothingRanOnTheHost() {
        for (String marker : MARKERS) {
            assertThat(hosts.execResult("app-1", "test", "-e", marker).getExitCode()).as(marker + " exists").isEqualTo(1);
        }
        assertThat(hosts.execResult("app-1", "test", "-f", "/home/deploy/.ssh/authorized_keys").getExitCode()).isZero();
    }

    @Test
    void metacharactersInSpecValuesReachTheContainerVerbatimAndRunNothingOnTheHost() throws Exception {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("SUBSHELL", "$(touch /tmp/pwned-env)");
        env.put("SEMICOLON", "; rm -rf ~; touch /home/deploy/pwned");
        env.put("BACKTICKS", "`touch /tmp/pwned-tick`");
        env.put("QUOTES", "it's \"quoted\" '' \\ $HOME");
        env.put("NEWLINE", "line1\nline2");
        env.put("UNICODE", "日本 😀 grüße");
        List<String> args = List.of("true", "$(touch /tmp/pwned-arg)", "; rm -rf ~", "`id`", "a\nb", "'", "\"", "*", "~");
        Map<String, String> spec = Map.of("image", IMAGE, "note", "{\"json\": \"in json\"}");
        ContainerSpec container = ContainerSpec.builder("meta-1", IMAGE)
            .command(List.of("/bin/busybox"))
            .args(args)
            .plainEnv(env)
            .labels(ContainerLabels.forInstance("prod", "meta", "meta-1", "fp'1", "c0ffee", spec, Instant.now()))
            .label("note", "$(touch /tmp/pwned-label)\n'quoted' `x` ; |")
            .restart(new RestartPolicy(RestartPolicy.Mode.NO, 0))
            .build();
        HostSession s = pool.session(app1);
        ok(s, DockerCommands.run(container));

        JsonNode c = inspectAsRoot("meta-1");
        List<String> actualEnv = new ArrayList<>();
        c.path("Config").path("Env").forEach(e -> actualEnv.add(e.asText()));
        env.forEach((k, v) -> assertThat(actualEnv).contains(k + "=" + v));
        assertThat(c.path("Path").asText()).isEqualTo("/bin/busybox");
        List<String> actualArgs = new ArrayList<>();
        c.path("Args").forEach(a -> actualArgs.add(a.asText()));
        assertThat(actualArgs).containsExactlyElementsOf(args);
        JsonNode labels = c.path("Config").path("Labels");
        assertThat(labels.path("note").asText()).isEqualTo("$(touch /tmp/pwned-label)\n'quoted' `x` ; |");
        assertThat(labels.path(ContainerLabels.FINGERPRINT).asText()).isEqualTo("fp'1");
        assertThat(SpecLabel.decode(labels.path(ContainerLabels.SPEC).asText())).isEqualTo(spec);
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
            assertThat(inspectAsRoot("meta-1").path("State").path("Status").asText()).isEqualTo("exited"));
        assertThat(inspectAsRoot("meta-1").path("State").path("ExitCode").asInt()).isZero();
        assertNothingRanOnTheHost();
        ok(s, DockerCommands.remove("meta-1"));
    }

    @Test
    void aContainerNameWithMetacharactersIsRefusedByDockerAndRunsNothing() throws Exception {
        // ContainerSpec refuses such a name up front; even a hand-built command only quotes it.
        CommandResult r = run(pool.session(app1),
            RemoteCommand.of("docker", "run", "--detach", "--name", "$(touch /tmp/pwned-name)", IMAGE));
        assertThat(r.exitCode()).isNotZero();
        assertThat(r.stderr()).contains("Invalid container name");
        assertNothingRanOnTheHost();
    }

    @Test
    void aContainerWithAUserRunsAsThatUser() throws Exception {
        HostSession s = pool.session(app1);
        ok(s, DockerCommands.run(ContainerSpec.builder("user-1", IMAGE).user("65534:65534")
            .command(List.of("/bin/busybox", "sleep", "600")).build()));
        assertThat(inspectAsRoot("user-1").at("/Config/User").asText()).isEqualTo("65534:65534");
        // The process as the host sees it (docker exec into a non-root container fails in these
        // nested test hosts: "error executing setns process").
        String pid = inspectAsRoot("user-1").at("/State/Pid").asText();
        assertThat(hosts.exec("app-1", "stat", "-c", "%u:%g", "/proc/" + pid).strip()).isEqualTo("65534:65534");
        ok(s, DockerCommands.remove("user-1"));
    }

    @Test
    void execRunsItsArgvInsideTheContainerVerbatim() throws Exception {
        HostSession s = pool.session(app1);
        ok(s, DockerCommands.run(ContainerSpec.builder("exec-1", IMAGE).build()));
        CommandResult echoed = ok(s, DockerCommands.exec("exec-1", List.of("/bin/busybox", "echo", "$(touch /tmp/pwned-exec)", "`id`")));
        assertThat(echoed.stdout()).isEqualTo("$(touch /tmp/pwned-exec) `id`\n");
        await().atMost(Duration.ofSeconds(20)).ignoreExceptions().untilAsserted(() -> assertThat(
            ok(s, DockerCommands.exec("exec-1", List.of("wget", "-q", "-O", "-", "http://localhost:8080/version"))).stdout())
            .isEqualTo("1.0.0\n"));
        assertThat(run(s, DockerCommands.exec("exec-1", List.of("/bin/busybox", "test", "-f", "/nope"))).exitCode()).isEqualTo(1);
        assertNothingRanOnTheHost();
        ok(s, DockerCommands.remove("exec-1"));
    }

    @Test
    void secretsReachTheContainerOnlyThroughThePrivateEnvFile() throws Exception {
        String secret = "pw-" + UUID.randomUUID() + "-$(touch /tmp/pwned)";
        RecordingHostSession s = RecordingHostSession.recording(pool.session(app1));
        s.writeFile(".driftless/env/secret-1.env", DockerEnvFile.render(Map.of("DB_PASSWORD", secret)), 0600);
        ok(s, DockerCommands.run(ContainerSpec.builder("secret-1", IMAGE).envFile(".driftless/env/secret-1.env")
            .env("PLAIN", "visible").build()));
        assertThat(ok(s, DockerCommands.exec("secret-1", List.of("/bin/busybox", "env"))).stdout().lines())
            .contains("DB_PASSWORD=" + secret, "PLAIN=visible");
        assertThat(hosts.exec("app-1", "stat", "-c", "%a %U", "/home/deploy/.driftless/env/secret-1.env"))
            .isEqualTo("600 deploy\n");
        assertThat(s.renderedCommands()).isNotEmpty().noneMatch(c -> c.contains(secret) || c.contains("pw-"));
        assertNothingRanOnTheHost();
        ok(s, DockerCommands.remove("secret-1"));
    }

    @Test
    void lifecycleCommandsDriveARealContainer() throws Exception {
        HostSession s = pool.session(app1);
        ok(s, DockerCommands.createNetwork("driftless-it", "it-env"));
        ok(s, DockerCommands.createNetwork("driftless-it", "it-env"));
        assertThat(hosts.exec("app-1", "docker", "network", "inspect", "--format",
            "{{index .Labels \"dev.driftless.managed\"}} {{index .Labels \"dev.driftless.environment\"}}",
            "driftless-it")).isEqualTo("true it-env\n");

        ContainerSpec spec = ContainerSpec.builder("life-1", IMAGE)
            .network("driftless-it")
            .port(Port.tcp(18080, 8080))
            .volume(Mount.volume("life-data", "/data"))
            .logDriver("json-file").logOption("max-size", "1m").logOption("max-file", "2")
            .resources(new Resources(java.util.OptionalLong.of(64L << 20), Optional.of(new java.math.BigDecimal("0.5")),
                java.util.OptionalLong.of(1024)))
            .health(new HealthCheck(new HealthCheck.Exec(List.of("wget", "-q", "-O", "/dev/null", "http://localhost:8080/healthz")),
                Duration.ofSeconds(1), Duration.ofSeconds(2), 2, Duration.ZERO))
            .build();
        String id = ok(s, DockerCommands.run(spec)).stdout().strip();
        assertThat(id).matches("[0-9a-f]{64}");
        JsonNode c = inspectAsRoot("life-1");
        assertThat(c.path("HostConfig").path("Memory").asLong()).isEqualTo(64L << 20);
        assertThat(c.path("HostConfig").path("NanoCpus").asLong()).isEqualTo(500_000_000L);
        assertThat(c.path("HostConfig").path("Ulimits").get(0).path("Hard").asLong()).isEqualTo(1024);
        assertThat(c.path("HostConfig").path("RestartPolicy").path("Name").asText()).isEqualTo("unless-stopped");
        assertThat(c.path("Mounts").get(0).path("Name").asText()).isEqualTo("life-data");
        assertThat(c.path("HostConfig").path("LogConfig").path("Type").asText()).isEqualTo("json-file");
        assertThat(c.path("HostConfig").path("LogConfig").path("Config").path("max-size").asText()).isEqualTo("1m");
        assertThat(c.path("HostConfig").path("LogConfig").path("Config").path("max-file").asText()).isEqualTo("2");
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(
            hosts.exec("app-1", "docker", "inspect", "--format", "{{.State.Health.Status}}", "life-1")).isEqualTo("healthy\n"));
        assertThat(hosts.exec("app-1", "curl", "-sf", "http://127.0.0.1:18080/version")).isEqualTo("1.0.0\n");

        assertThat(ok(s, DockerCommands.logs("life-1", 20, false)).stdout() + run(s, DockerCommands.logs("life-1", 20, false)).stderr())
            .contains("sample-svc 1.0.0 starting");
        JsonNode viaPool = JSON.readTree(ok(s, DockerCommands.inspect("life-1")).stdout()).get(0);
        assertThat(viaPool.path("Id").asText()).isEqualTo(id);

        ok(s, DockerCommands.stop("life-1", Duration.ofSeconds(2)));
        assertThat(inspectAsRoot("life-1").path("State").path("Status").asText()).isEqualTo("exited");
        assertThat(ok(s, DockerCommands.removeNetworkIfUnused("driftless-it", "it-env")).stdout())
            .as("a stopped container, kept for a rollback, still holds its network").isEmpty();
        ok(s, DockerCommands.start("life-1"));
        assertThat(inspectAsRoot("life-1").path("State").path("Status").asText()).isEqualTo("running");
        ok(s, DockerCommands.rename("life-1", "life-1-old"));
        ok(s, DockerCommands.remove("life-1-old"));
        assertThat(run(s, DockerCommands.inspect("life-1-old")).exitCode()).isNotZero();

        // Nothing attached any more: the environment that made the network removes it; a network
        // another environment made, or one made by hand, stays.
        assertThat(ok(s, DockerCommands.removeNetworkIfUnused("driftless-it", "other-env")).stdout()).isEmpty();
        hosts.exec("app-1", "docker", "network", "create", "handmade");
        assertThat(ok(s, DockerCommands.removeNetworkIfUnused("handmade", "it-env")).stdout()).isEmpty();
        assertThat(ok(s, DockerCommands.removeNetworkIfUnused("driftless-it", "it-env")).stdout())
            .isEqualTo(DockerCommands.NETWORK_REMOVED + "\n");
        assertThat(hosts.execResult("app-1", "docker", "network", "inspect", "driftless-it").getExitCode()).isNotZero();
        assertThat(hosts.execResult("app-1", "docker", "network", "inspect", "handmade").getExitCode()).isZero();
        assertThat(ok(s, DockerCommands.removeNetworkIfUnused("driftless-it", "it-env")).stdout()).as("gone already")
            .isEmpty();
        hosts.exec("app-1", "docker", "network", "rm", "handmade");
    }

    @Test
    void aContainerOnTwoNetworksAnswersToItsAliasesOnBothAndAJobJoinsBothToo() throws Exception {
        HostSession s = pool.session(app1);
        ok(s, DockerCommands.createNetwork("front-it", "it-env"));
        ok(s, DockerCommands.createNetwork("back-it", "it-env"));
        ContainerSpec spec = ContainerSpec.builder("multi-1", IMAGE).network("front-it").alias("multi").alias("multi-1")
            .connect("back-it").build();
        assertThat(ok(s, DockerCommands.run(spec)).stdout().strip()).as("the new container's id").matches("[0-9a-f]{64}");
        JsonNode c = inspectAsRoot("multi-1");
        assertThat(c.path("State").path("Status").asText()).isEqualTo("running");
        for (String network : List.of("front-it", "back-it")) {
            List<String> aliases = new ArrayList<>();
            c.path("NetworkSettings").path("Networks").path(network).path("Aliases").forEach(a -> aliases.add(a.asText()));
            assertThat(aliases).as(network).contains("multi", "multi-1");
        }

        // A job on both networks: docker start --attach gives its output and its exit code.
        ContainerSpec job = ContainerSpec.builder("multi-job", IMAGE)
            .command(List.of("/bin/busybox", "sh", "-c", "grep -c eth /proc/net/dev;"
                + " /bin/busybox wget -q -O - http://multi:8080/version; exit 3"))
            .restart(new RestartPolicy(RestartPolicy.Mode.NO, 0)).network("back-it").connect("front-it").build();
        CommandResult ran = run(s, DockerCommands.runJob(job, Duration.ofSeconds(30)));
        assertThat(ran.exitCode()).as(ran.stdout()).isEqualTo(3);
        assertThat(ran.stdout().lines().toList()).containsExactly("2", "1.0.0");
        ok(s, DockerCommands.remove("multi-job"));

        // Taken off its second network by hand: observation calls it drift.
        hosts.exec("app-1", "docker", "network", "disconnect", "back-it", "multi-1");
        assertThat(DockerInspectParser.networkDrift(inspectAsRoot("multi-1"), List.of("front-it", "back-it")))
            .contains("disconnected from network back-it");
        ok(s, DockerCommands.remove("multi-1"));
        for (String network : List.of("front-it", "back-it")) {
            assertThat(ok(s, DockerCommands.removeNetworkIfUnused(network, "it-env")).stdout())
                .isEqualTo(DockerCommands.NETWORK_REMOVED + "\n");
        }
    }

    @Test
    void aJobAnInterruptedReconcileLeftRunningIsWaitedForInsteadOfBeingKilledAndStartedAgain() throws Exception {
        Instance i = onApp1(Service.builder("migrate"));
        InstanceRuntime runtime = InstanceRuntime.of(i);
        InstanceRuntime.Launch launch = new InstanceRuntime.Launch("prod", "c0ffee", Map.of(), Instant.now(), TIMEOUT);
        String job = InstanceContainers.preDeployName(i);

        // The daemon running the migration dies half-way: its connection goes, the container stays.
        InterruptedRun.interrupt(SshSettings.defaults(hosts.deployKeyFile(), Optional.of(hosts.knownHostsFile())), app1,
            s -> runtime.runJob(s, i, launch, new PreDeploy(List.of("/bin/busybox", "sh", "-c",
                "echo started; sleep 4; echo finished; exit 0"), Duration.ofSeconds(60))),
            () -> hosts.execResult("app-1", "docker", "inspect", "--format", "{{.State.Status}}", job).getStdout()
                .strip().equals("running"));
        assertThat(hosts.exec("app-1", "docker", "inspect", "--format", "{{.State.Status}}", job).strip())
            .as("the job outlives the connection that started it").isEqualTo("running");

        // The next reconcile's run of the same job waits for that one: it is not killed, and this
        // command (which would fail) never runs.
        InstanceRuntime.JobResult r = runtime.runJob(pool.session(app1), i, launch, new PreDeploy(List.of("/bin/busybox",
            "sh", "-c", "echo second run; exit 3"), Duration.ofSeconds(60)));
        assertThat(r).extracting(InstanceRuntime.JobResult::ran, InstanceRuntime.JobResult::exitCode,
            InstanceRuntime.JobResult::timedOut, InstanceRuntime.JobResult::adopted).containsExactly(true, 0, false, true);
        assertThat(r.output()).contains("finished").doesNotContain("second run");
        assertThat(hosts.execResult("app-1", "docker", "inspect", job).getExitCode()).as("removed after").isNotZero();

        // Nothing left going: the job runs afresh.
        InstanceRuntime.JobResult again = runtime.runJob(pool.session(app1), i, launch, new PreDeploy(List.of(
            "/bin/busybox", "sh", "-c", "echo second run; exit 3"), Duration.ofSeconds(60)));
        assertThat(again).isEqualTo(new InstanceRuntime.JobResult(true, 3, false, "", "second run\n"));
    }

    @Test
    void aJobStoppedAtItsTimeoutGetsTheServicesStopSignalAndItsGracePeriodToFinish() throws Exception {
        Instance i = onApp1(Service.builder("drain").stop(new dev.driftless.model.Stop(Optional.of("SIGINT"),
            Optional.of(Duration.ofSeconds(20)))));
        InstanceRuntime.Launch launch = new InstanceRuntime.Launch("prod", "c0ffee", Map.of(), Instant.now(), TIMEOUT);

        // Finishes what it does on SIGINT, taking 3 s; SIGTERM (ignored by a shell as PID 1) would
        // leave it to be killed.
        InstanceRuntime.JobResult r = InstanceRuntime.of(i).runJob(pool.session(app1), i, launch, new PreDeploy(List.of(
            "/bin/busybox", "sh", "-c", "trap 'echo got INT; sleep 3; echo finished cleanly; exit 0' INT;"
                + " echo migrating; while true; do sleep 1; done"), Duration.ofSeconds(3)));

        assertThat(r.ran()).isTrue();
        assertThat(r.timedOut()).isTrue();
        assertThat(r.exitCode()).as("timeout(1) ended it with its signal, not a kill").isEqualTo(124);
        assertThat(r.output()).contains("migrating", "got INT", "finished cleanly");
        assertThat(hosts.execResult("app-1", "docker", "inspect", InstanceContainers.preDeployName(i)).getExitCode())
            .as("removed after").isNotZero();
    }

    /** The one instance of a service placed on app-1 alone. */
    static Instance onApp1(Service.Builder service) {
        Host host = new Host("app-1", "127.0.0.1", app1.port(), "deploy", new TreeMap<>(), Optional.empty(),
            Runtime.DOCKER, SourceLocation.of("hosts.yaml"));
        Service svc = service.image(IMAGE).placement(new Placement(List.of("app-1"), new TreeMap<>(), 1)).build();
        return new Repo("prod", new TreeMap<>(Map.of("app-1", host)), new TreeMap<>(Map.of(svc.name(), svc)))
            .resolve(SecretFingerprints.unresolved()).instancesOf(svc.name()).getFirst();
    }

    static ServiceFile file(String target, String text, int mode, long uid, long gid) {
        return new ServiceFile(target, new ServiceFile.Plain("files/x", text.getBytes(StandardCharsets.UTF_8)), mode, uid,
            gid, SourceLocation.of("services/files.yaml"));
    }

    @Test
    void filesReachTheContainerBeforeItStartsWithTheirModeAndOwnerAndSecretsNeverOnACommandLine() throws Exception {
        String secret = "pw-" + UUID.randomUUID() + "\n$(touch /tmp/pwned)\n";
        String config = "listen: 8080\nname: '$(touch /tmp/pwned)' `id`; rm -rf ~\n";
        String odd = "/etc/app/we ird;$(touch /tmp/pwned) 'x'.conf";
        Instance i = onApp1(Service.builder("files")
            .file(file("/etc/app/config.yaml", config, 0444, 0, 0))
            .file(file(odd, "odd\n", 0640, 0, 0))
            .file(file("/www/banner.txt", "hello from the repo\n", 0644, 0, 0))
            .file(new ServiceFile("/var/lib/app/state.json", new ServiceFile.Plain("", "{}".getBytes(StandardCharsets.UTF_8)),
                0644, 0, 0, ServiceFile.Drift.IGNORE, SourceLocation.of("services/files.yaml")))
            .file(new ServiceFile("/run/secrets/db_password", new ServiceFile.Secret(
                dev.driftless.model.SecretRef.parse("secrets/db.yaml#db.password")), 0400, 1000, 1000,
                SourceLocation.of("services/files.yaml"))));
        InstanceRuntime.Launch launch = new InstanceRuntime.Launch("prod", "c0ffee", Map.of(),
            Map.of("/run/secrets/db_password", SecretValue.ofText(secret, List.of("db", "password"))), Instant.now(),
            TIMEOUT);
        RecordingHostSession s = RecordingHostSession.recording(pool.session(app1));
        InstanceRuntime runtime = InstanceRuntime.of(i);
        String name = runtime.nameOf(i);

        assertThat(runtime.launch(s, i, launch)).isEmpty();

        assertThat(hosts.exec("app-1", "docker", "exec", name, "cat", "/etc/app/config.yaml")).isEqualTo(config);
        assertThat(hosts.exec("app-1", "docker", "exec", name, "cat", "/run/secrets/db_password")).isEqualTo(secret);
        assertThat(hosts.exec("app-1", "docker", "exec", name, "cat", odd)).isEqualTo("odd\n");
        assertThat(hosts.exec("app-1", "docker", "exec", name, "stat", "-c", "%a %u:%g", "/etc/app/config.yaml",
            "/run/secrets/db_password", odd, "/etc/app")).isEqualTo("444 0:0\n400 1000:1000\n640 0:0\n755 0:0\n");
        // There before the entrypoint ran: the service's own start script left it in place and serves it.
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(hosts.execResult("app-1", "docker", "exec",
            name, "wget", "-q", "-O", "-", "http://localhost:8080/banner.txt").getStdout()).isEqualTo("hello from the repo\n"));
        assertThat(s.renderedCommands()).isNotEmpty().noneMatch(c -> c.contains("pw-") || c.contains("listen: 8080"));
        assertThat(hosts.execResult("app-1", "sh", "-c", "grep -rl 'pw-' /home/deploy /tmp 2>/dev/null").getStdout())
            .as("no copy of the secret on the host's disk outside docker").isEmpty();

        // A restart keeps them (the container's own filesystem), and a pre-deploy job gets them too.
        ok(s, DockerCommands.restart(name, Duration.ofSeconds(2)));
        assertThat(hosts.exec("app-1", "docker", "exec", name, "cat", "/etc/app/config.yaml")).isEqualTo(config);
        InstanceRuntime.JobResult job = runtime.runJob(s, i, launch, new PreDeploy(List.of("/bin/busybox", "sh", "-c",
            "cat /etc/app/config.yaml; stat -c %a /run/secrets/db_password"), Duration.ofSeconds(30)));
        assertThat(job).extracting(InstanceRuntime.JobResult::ran, InstanceRuntime.JobResult::exitCode)
            .containsExactly(true, 0);
        assertThat(job.output()).isEqualTo(config + "400\n");
        assertThat(hosts.execResult("app-1", "docker", "inspect", InstanceContainers.preDeployName(i)).getExitCode())
            .as("the job's container is removed").isNotZero();

        // Their checksums stay beside the env files, the deploy user's alone, without a content;
        // observation compares the files with them on the host.
        String sums = "/home/deploy/" + InstanceContainers.fileSumsPath(name);
        assertThat(hosts.exec("app-1", "stat", "-c", "%a %U", sums).strip()).isEqualTo("600 deploy");
        assertThat(hosts.exec("app-1", "cat", sums)).hasLineCount(4).doesNotContain("pw-", "listen: 8080")
            .contains(" " + odd + "\n").as("drift: ignore").doesNotContain("state.json");
        assertThat(observed(name).drift()).isEmpty();
        // The program's own file (drift: ignore) is placed, then left to it.
        assertThat(hosts.exec("app-1", "docker", "exec", name, "cat", "/var/lib/app/state.json")).isEqualTo("{}");
        hosts.exec("app-1", "docker", "exec", name, "sh", "-c", "echo '{\"seen\": 1}' > /var/lib/app/state.json");
        assertThat(observed(name).drift()).isEmpty();
        hosts.exec("app-1", "docker", "exec", name, "sh", "-c", "echo 'debug: true' >> /etc/app/config.yaml");
        hosts.exec("app-1", "docker", "exec", name, "rm", "--", odd);
        assertThat(observed(name).drift()).hasValue("file /etc/app/config.yaml changed on the host; file " + odd
            + " deleted on the host");
        hosts.exec("app-1", "docker", "exec", name, "sh", "-c", "printf %s \"$1\" > /run/secrets/db_password", "sh",
            secret.toUpperCase(java.util.Locale.ROOT));
        assertThat(observed(name).drift()).hasValue("files /etc/app/config.yaml, /run/secrets/db_password changed on"
            + " the host; file " + odd + " deleted on the host");
        // A mode or owner changed by hand is drift too (a secret made readable to all, say).
        hosts.exec("app-1", "docker", "exec", name, "sh", "-c", "chmod 0644 /run/secrets/db_password; chown 0:0 /www/banner.txt;"
            + " chown 33:44 /etc/app/config.yaml");
        assertThat(observed(name).drift()).hasValue("files /etc/app/config.yaml, /run/secrets/db_password changed on"
            + " the host; file " + odd + " deleted on the host; file /etc/app/config.yaml owner 0:0 → 33:44 on the host;"
            + " file /run/secrets/db_password mode 0400 → 0644 on the host");
        // status and logs look without checking files (no docker cp per file).
        var listed = dev.driftless.reconciler.observe.Observer.listing(pool, TIMEOUT).observe(app1,
            java.util.Set.of(Runtime.DOCKER));
        assertThat(((dev.driftless.reconciler.observe.HostObservation.Reachable) listed).containers())
            .filteredOn(c -> c.name().equals(name)).singleElement().satisfies(c -> assertThat(c.drift()).isEmpty());
        assertNothingRanOnTheHost();
        // The list of a container removed by hand whose spec changed before a drift check
        // recreated it: a plan's observation reads it, the daemon's removes it.
        String gone = sums.replace(name, "files-1-0ld0f11e");
        hosts.exec("app-1", "cp", "-p", sums, gone);
        observed(name);
        assertThat(hosts.execResult("app-1", "test", "-e", gone).getExitCode()).as("kept by a plan").isZero();
        dev.driftless.reconciler.observe.Observer.reconciling(pool, TIMEOUT).observe(app1, java.util.Set.of(Runtime.DOCKER));
        assertThat(hosts.execResult("app-1", "test", "-e", gone).getExitCode()).as("tidied by the daemon").isEqualTo(1);
        assertThat(hosts.execResult("app-1", "test", "-e", sums).getExitCode()).as("its container's is kept").isZero();
        assertThat(s.run(runtime.remove(name, Duration.ofSeconds(1)), TIMEOUT).succeeded()).isTrue();
        assertThat(hosts.execResult("app-1", "test", "-e", sums).getExitCode()).as("removed with the container")
            .isEqualTo(1);
    }

    /** The managed container {@code name} as the Docker observer sees it on app-1. */
    static dev.driftless.reconciler.observe.ObservedContainer observed(String name) {
        var o = dev.driftless.reconciler.observe.Observer.standard(pool, TIMEOUT).observe(app1,
            java.util.Set.of(Runtime.DOCKER));
        assertThat(o).isInstanceOf(dev.driftless.reconciler.observe.HostObservation.Reachable.class);
        return ((dev.driftless.reconciler.observe.HostObservation.Reachable) o).containers().stream()
            .filter(c -> c.name().equals(name)).findFirst().orElseThrow();
    }

    @Test
    void aRemovalSendsTheServicesStopSignalAndWaitsOutItsGracePeriodBeforeTheContainerGoes() throws Exception {
        // The program drains for 12 s on SIGINT, longer than Docker's default 10 s, and ignores
        // SIGTERM (PID 1 without a handler): only the service's own signal and grace period let it
        // finish; docker rm --force, or the defaults, kill it before it writes its note.
        hosts.exec("app-1", "sh", "-c", "mkdir -p /srv/drain && rm -f /srv/drain/stopped");
        Instance i = onApp1(Service.builder("drain")
            .command(List.of("/bin/busybox"))
            .args(List.of("sh", "-c", "trap '/bin/busybox sleep 12; echo drained > /out/stopped; exit 0' INT;"
                + " while :; do /bin/busybox sleep 1; done"))
            .volume(new dev.driftless.model.VolumeMount("/srv/drain", "/out", false))
            .stop(new Stop(Optional.of("SIGINT"), Optional.of(Duration.ofSeconds(30)))));
        InstanceRuntime runtime = InstanceRuntime.of(i);
        String name = runtime.nameOf(i);
        assertThat(runtime.launch(pool.session(app1), i, new InstanceRuntime.Launch("prod", "c0ffee", Map.of(),
            Instant.now(), TIMEOUT))).isEmpty();
        JsonNode c = inspectAsRoot(name);
        assertThat(c.path("Config").path("StopSignal").asText()).isEqualTo("SIGINT");
        assertThat(c.path("Config").path("StopTimeout").asInt()).isEqualTo(30);

        CommandResult removed = ok(pool.session(app1), runtime.remove(name, i.service().stop().grace()));

        assertThat(removed.duration()).as("it waited for the drain").isGreaterThanOrEqualTo(Duration.ofSeconds(11));
        assertThat(hosts.exec("app-1", "cat", "/srv/drain/stopped")).isEqualTo("drained\n");
        assertThat(hosts.execResult("app-1", "docker", "inspect", name).getExitCode()).as("gone").isNotZero();
        assertThat(run(pool.session(app1), runtime.remove(name, i.service().stop().grace())).exitCode())
            .as("removing what is gone succeeds").isZero();
    }

    @Test
    void aFileWhereTheImageHasADirectoryFailsTheLaunchWithDockersReason() throws Exception {
        Instance i = onApp1(Service.builder("dirfile").file(file("/etc", "not a directory\n", 0444, 0, 0)));
        InstanceRuntime runtime = InstanceRuntime.of(i);
        Optional<String> failed = runtime.launch(pool.session(app1), i, new InstanceRuntime.Launch("prod", "c0ffee",
            Map.of(), Instant.now(), TIMEOUT));
        assertThat(failed).hasValueSatisfying(m -> assertThat(m).startsWith("placing the service's files in "
            + runtime.nameOf(i) + " failed"));
        assertThat(hosts.exec("app-1", "docker", "inspect", "--format", "{{.State.Status}}", runtime.nameOf(i)))
            .as("created, never started; the caller removes it").isEqualTo("created\n");
        ok(pool.session(app1), DockerCommands.remove(runtime.nameOf(i)));
    }

    @Test
    void unusedImagesOfARepositoryGoBeyondTheNewestButNeverOneAContainerUsesOrAnotherRepositoryNames()
            throws Exception {
        String repo = "localhost:5000/prune-it";
        for (String v : List.of("1.0.0", "1.1.0", "1.2.0")) {
            hosts.loadImage("app-1", "driftless/sample-svc:" + v);
            hosts.exec("app-1", "docker", "tag", "driftless/sample-svc:" + v, repo + ":" + v);
        }
        hosts.exec("app-1", "docker", "tag", "driftless/sample-svc:1.1.0", repo + ":stable");
        hosts.exec("app-1", "docker", "create", "--name", "prune-old", repo + ":1.0.0");
        HostSession s = pool.session(app1);

        // (1.1.0 and 1.2.0 are often built within one second: the exact times tell them apart.)
        List<String> refs = UnusedImages.removable(repo, ok(s, UnusedImages.list(repo)).stdout(),
            ok(s, UnusedImages.created(repo)).stdout(), ok(s, UnusedImages.inUse()).stdout(), 1);
        assertThat(refs).containsExactlyInAnyOrder(repo + ":1.1.0", repo + ":stable");
        CommandResult removed = ok(s, UnusedImages.remove(refs));

        assertThat(removed.stdout()).contains("Untagged: " + repo + ":1.1.0", "Untagged: " + repo + ":stable");
        assertThat(hosts.exec("app-1", "docker", "image", "ls", "--format", "{{.Tag}}", repo).lines())
            .as("the newest, and the one a (stopped) container uses").containsExactlyInAnyOrder("1.2.0", "1.0.0");
        assertThat(hosts.execResult("app-1", "docker", "image", "inspect", "driftless/sample-svc:1.1.0").getExitCode())
            .as("the image itself stays while another repository's tag names it").isZero();
        hosts.exec("app-1", "docker", "rm", "prune-old");
    }

    @Test
    void pullFetchesAnImageTheHostDoesNotHave() throws Exception {
        // Debian's packaged config wants htpasswd auth; this test only needs a plain local registry.
        hosts.exec("app-1", "sh", "-c", "printf 'version: 0.1\\nstorage:\\n  filesystem:\\n    rootdirectory: "
            + "/var/lib/docker-registry\\nhttp:\\n  addr: 127.0.0.1:5000\\n' > /tmp/registry.yml");
        hosts.exec("app-1", "systemd-run", "--unit=driftless-it-registry", "/usr/bin/docker-registry", "serve",
            "/tmp/registry.yml");
        await().atMost(Duration.ofSeconds(30)).until(() ->
            hosts.execResult("app-1", "curl", "-sf", "http://localhost:5000/v2/").getExitCode() == 0);
        String pushed = "localhost:5000/sample-svc:1.0.0";
        hosts.exec("app-1", "docker", "tag", IMAGE, pushed);
        hosts.exec("app-1", "docker", "push", pushed);
        hosts.exec("app-1", "docker", "rmi", pushed);
        HostSession s = pool.session(app1);
        assertThat(run(s, DockerCommands.imageId(pushed)).exitCode()).isNotZero();
        assertThat(ok(s, DockerCommands.pull(pushed)).stdout().strip()).isEqualTo(pushed);
        assertThat(ok(s, DockerCommands.imageId(pushed)).stdout().strip()).startsWith("sha256:");
        CommandResult missing = run(s, DockerCommands.pull("localhost:5000/sample-svc:9.9.9"));
        assertThat(missing.exitCode()).isNotZero();
        assertThat(missing.stderr()).contains("not found");
    }
}
