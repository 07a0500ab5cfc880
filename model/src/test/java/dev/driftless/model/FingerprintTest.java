package dev.driftless.model;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class FingerprintTest {

    private static final SecretFingerprints SECRETS = ref -> "hmac:" + ref.keyPath().length();

    private static final Service BASE = Service.builder("api")
        .image("registry:5000/shop/api:1.0.0")
        .command(List.of("/app"))
        .args(List.of("--port", "8080"))
        .env("LOG_LEVEL", "info")
        .secret("DB_PASSWORD", SecretRef.parse("secrets/shop.yaml#db.password"))
        .port(new PortMapping(Optional.empty(), 8080, 8080, "tcp"))
        .volume(new VolumeMount("data", "/data", false))
        .file(conf("a", 0444, 0))
        .resources(new Resources(Optional.of(512L << 20), Optional.of(1.0), Optional.of(4096L)))
        .label("team", "shop")
        .placement(new Placement(List.of("app-1"), new TreeMap<>(), 1))
        .build();

    private static ServiceFile conf(String text, int mode, long uid) {
        return new ServiceFile("/etc/app.conf", new ServiceFile.Plain("files/app.conf",
            text.getBytes(java.nio.charset.StandardCharsets.UTF_8)), mode, uid, 0, SourceLocation.of("services/api.yaml"));
    }

    private static ServiceFile ignored(ServiceFile f) {
        return new ServiceFile(f.target(), f.content(), f.mode(), f.uid(), f.gid(), ServiceFile.Drift.IGNORE, f.location());
    }

    @Test
    void aFileWhoseDriftIsRepairedKeepsTheFingerprintItHadBeforeDriftCouldBeIgnored() {
        assertThat(Fingerprinter.inputs(BASE, SECRETS).values()).doesNotContainKey("drift./etc/app.conf");
        FingerprintInputs before = Fingerprinter.inputs(BASE, SECRETS);
        FingerprintInputs after = Fingerprinter.inputs(BASE.toBuilder().files(List.of(ignored(conf("a", 0444, 0))))
            .build(), SECRETS);
        assertThat(after.values()).containsEntry("drift./etc/app.conf", "ignore");
        assertThat(after.changesSince(before)).extracting(FingerprintInputs.Change::describe)
            .containsExactly("file /etc/app.conf no longer checked on the host (drift: ignore)");
        assertThat(before.changesSince(after)).extracting(FingerprintInputs.Change::describe)
            .containsExactly("file /etc/app.conf checked on the host again (drift: repair)");
    }

    private static String fingerprint(Service s) {
        return Fingerprinter.inputs(s, SECRETS).fingerprint();
    }

    static Stream<Arguments> runtimeRelevantChanges() {
        return Stream.of(
            change("image", b -> b.image("registry:5000/shop/api:1.0.1")),
            change("runtime", b -> b.runtime(Runtime.SYSTEMD)),
            change("command", b -> b.command(List.of("/app2"))),
            change("command split differently", b -> b.command(List.of("/app", "--port")).args(List.of("8080"))),
            change("args", b -> b.args(List.of("--port", "9090"))),
            change("env value", b -> b.env("LOG_LEVEL", "debug")),
            change("env added", b -> b.env("EXTRA", "1")),
            change("secret reference", b -> b.secret("DB_PASSWORD", SecretRef.parse("secrets/shop.yaml#db.password2"))),
            change("secret added", b -> b.secret("API_KEY", SecretRef.parse("secrets/shop.yaml#api.key"))),
            change("host port", b -> b.port(new PortMapping(Optional.empty(), 9090, 8080, "tcp"))),
            change("port added", b -> b.port(new PortMapping(Optional.empty(), 0, 9000, "udp"))),
            change("volume", b -> b.volume(new VolumeMount("cache", "/cache", true))),
            change("memory", b -> b.resources(new Resources(Optional.of(1L << 30), Optional.of(1.0), Optional.of(4096L)))),
            change("cpus", b -> b.resources(new Resources(Optional.of(512L << 20), Optional.of(2.0), Optional.of(4096L)))),
            change("nofile", b -> b.resources(new Resources(Optional.of(512L << 20), Optional.of(1.0), Optional.empty()))),
            change("restart", b -> b.restart(RestartPolicy.ALWAYS)),
            change("label", b -> b.label("team", "platform")),
            change("network", b -> b.network("shop")),
            change("user", b -> b.user("app")),
            change("log driver", b -> b.logging(new Logging(Optional.of("local"), new TreeMap<>()))),
            change("log option", b -> b.logging(new Logging(Optional.empty(), new TreeMap<>(Map.of("max-size", "10m"))))),
            change("stop signal", b -> b.stop(new Stop(Optional.of("SIGINT"), Optional.empty()))),
            change("stop grace period", b -> b.stop(new Stop(Optional.empty(), Optional.of(Duration.ofSeconds(30))))),
            change("file content", b -> b.files(List.of(conf("b", 0444, 0)))),
            change("file mode", b -> b.files(List.of(conf("a", 0440, 0)))),
            change("file owner", b -> b.files(List.of(conf("a", 0444, 1000)))),
            change("file removed", b -> b.files(List.of())),
            change("file drift ignored", b -> b.files(List.of(ignored(conf("a", 0444, 0))))),
            change("secret file added", b -> b.file(new ServiceFile("/run/secrets/key", new ServiceFile.Secret(
                SecretRef.parse("secrets/shop.yaml#tls.key")), 0400, 0, 0, SourceLocation.of("services/api.yaml")))));
    }

    private static Arguments change(String what, UnaryOperator<Service.Builder> edit) {
        return Arguments.of(what, edit);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("runtimeRelevantChanges")
    void changesWithEveryRuntimeRelevantField(String what, UnaryOperator<Service.Builder> edit) {
        assertThat(fingerprint(edit.apply(BASE.toBuilder()).build())).isNotEqualTo(fingerprint(BASE));
    }

    @Test
    void stopSettingsLeftOutKeepTheFingerprintsServicesHadBeforeTheyExisted() {
        assertThat(Fingerprinter.inputs(BASE, SECRETS).values()).doesNotContainKeys(Stop.SIGNAL_INPUT, Stop.GRACE_PERIOD_INPUT);
        FingerprintInputs set = Fingerprinter.inputs(BASE.toBuilder()
            .stop(new Stop(Optional.of("SIGRTMIN+3"), Optional.of(Duration.ofMinutes(2)))).build(), SECRETS);
        assertThat(set.values()).containsEntry(Stop.SIGNAL_INPUT, "SIGRTMIN+3").containsEntry(Stop.GRACE_PERIOD_INPUT, "2m");
        assertThat(Stop.graceOf(set.values())).isEqualTo(Duration.ofMinutes(2));
        assertThat(Stop.graceOf(Fingerprinter.inputs(BASE, SECRETS).values())).isEqualTo(Stop.DEFAULT_GRACE_PERIOD);
    }

    @Test
    void changesWhenASecretValueChangesEvenIfTheReferenceDoesNot() {
        String before = Fingerprinter.inputs(BASE, ref -> "hmac:aaaa").fingerprint();
        String after = Fingerprinter.inputs(BASE, ref -> "hmac:bbbb").fingerprint();
        assertThat(after).isNotEqualTo(before);
    }

    @Test
    void ignoresPlacementHealthRolloutStartOrderAndSource() {
        Service moved = BASE.toBuilder()
            .placement(new Placement(List.of(), new TreeMap<>(Map.of("role", "app")), 3))
            .health(new HealthCheck(new HttpProbe(8080, "/healthz"), Duration.ofSeconds(5), Duration.ofMinutes(2),
                Duration.ofSeconds(1), 2, 5))
            .rollout(new Rollout(2, RolloutOrder.START_FIRST, false))
            .after(List.of("db"))
            .source(new SourceLocation("environments/prod/services/api.yaml", 3, 1))
            .build();

        assertThat(fingerprint(moved)).isEqualTo(fingerprint(BASE));
    }

    @Test
    void ignoresKeyOrderCommentsAndFormatting(@TempDir Path a, @TempDir Path b) {
        TestRepo.withHosts(a).file("secrets/app.yaml", TestRepo.SECRETS).file("services/api.yaml", """
            image: registry:5000/shop/api:1.0.0
            placement: {hosts: [app-1]}
            env: {LOG_LEVEL: info, REGION: eu}
            secrets: {DB_PASSWORD: secrets/app.yaml#db.password}
            ports: ["8080:8080"]
            volumes: ["data:/data"]
            resources: {memory: 512M, cpus: 1, nofile: 4096}
            restart: unless-stopped
            labels: {team: shop}
            args: [--port, "8080"]
            """);
        TestRepo.withHosts(b).file("secrets/app.yaml", TestRepo.SECRETS).file("services/api.yaml", """
            # The API, written differently: block style, other key order, quoting, comments,
            # defaults spelled out, equivalent sizes and numbers.
            args:
              - "--port"
              - '8080'
            labels:
              team: "shop"          # owner
            resources:
              nofile: 4096
              cpus: 1.0
              memory: 512Mi
            volumes:
              - source: data
                target: /data
            ports:
              - {container: 8080, host: 8080, protocol: tcp}
            secrets:
              DB_PASSWORD: "secrets/app.yaml#db.password"
            env:
              REGION: eu
              LOG_LEVEL: 'info'
            placement:
              hosts:
                - app-1
            image: "registry:5000/shop/api:1.0.0"
            health: {http: {port: 8080}}
            """);

        Instance first = TestRepo.ok(new TestRepo(a).load()).resolve(SECRETS).instances().getFirst();
        Instance second = TestRepo.ok(new TestRepo(b).load()).resolve(SECRETS).instances().getFirst();
        assertThat(second.inputs()).isEqualTo(first.inputs());
        assertThat(second.fingerprint()).isEqualTo(first.fingerprint());
    }

    @Test
    void inputsAreDisplaySafeKeysWithHashedEnvironmentValues() {
        FingerprintInputs inputs = Fingerprinter.inputs(BASE, SECRETS);

        assertThat(inputs.values()).containsExactlyEntriesOf(new TreeMap<>(Map.ofEntries(
            Map.entry("args", "[\"--port\",\"8080\"]"),
            Map.entry("command", "[\"/app\"]"),
            Map.entry("env.LOG_LEVEL", "sha256:" + FingerprintInputs.sha256Hex("info").substring(0, 16)),
            Map.entry("file./etc/app.conf", "sha256:" + FingerprintInputs.sha256Hex("a").substring(0, 16) + " 0444 0:0"),
            Map.entry("image", "registry:5000/shop/api:1.0.0"),
            Map.entry("label.team", "shop"),
            Map.entry("port.8080/tcp", "0.0.0.0:8080"),
            Map.entry("resources.cpus", "1"),
            Map.entry("resources.memory", "536870912"),
            Map.entry("resources.nofile", "4096"),
            Map.entry("restart", "unless-stopped"),
            Map.entry("runtime", "docker"),
            Map.entry("secret.DB_PASSWORD", "hmac:11"),
            Map.entry("volume./data", "data:rw"))));
        assertThat(inputs.values().values()).doesNotContain("info");
    }

    @Test
    void fingerprintIsTheSha256OfTheCanonicalSerialisation() {
        FingerprintInputs inputs = new FingerprintInputs(new TreeMap<>(Map.of("b", "2", "a", "x\"y\n")));

        assertThat(inputs.canonical()).isEqualTo("{\"a\":\"x\\\"y\\u000a\",\"b\":\"2\"}");
        assertThat(inputs.fingerprint()).isEqualTo("sha256:" + FingerprintInputs.sha256Hex(inputs.canonical()));
        assertThat(inputs.fingerprint()).hasSize("sha256:".length() + 64);
    }

    @Test
    void canonicalTextReadsBackForThePlannerToCompare() {
        FingerprintInputs inputs = Fingerprinter.inputs(BASE, SECRETS);

        assertThat(FingerprintInputs.parse(inputs.canonical())).contains(inputs);
        assertThat(FingerprintInputs.parse("not json")).isEmpty();
        assertThat(FingerprintInputs.parse("[1]")).isEmpty();
        assertThat(FingerprintInputs.parse("{\"a\":1}")).isEmpty();
    }

    @Test
    void changesReadAsReasons() {
        FingerprintInputs before = Fingerprinter.inputs(BASE, SECRETS);
        FingerprintInputs after = Fingerprinter.inputs(BASE.toBuilder()
            .image("registry:5000/shop/api:1.0.1")
            .env("LOG_LEVEL", "debug")
            .env("NEW", "x")
            .secret("DB_PASSWORD", SecretRef.parse("secrets/shop.yaml#db.other.password"))
            .port(new PortMapping(Optional.of("127.0.0.1"), 9090, 9090, "tcp"))
            .resources(new Resources(Optional.of(1L << 30), Optional.of(1.0), Optional.of(4096L)))
            .files(List.of(conf("b", 0444, 0)))
            .logging(new Logging(Optional.of("local"), new TreeMap<>(Map.of("max-size", "10m"))))
            .stop(new Stop(Optional.of("SIGINT"), Optional.of(Duration.ofSeconds(30))))
            .build(), SECRETS);

        assertThat(after.changesSince(before)).extracting(FingerprintInputs.Change::describe).containsExactly(
            "env LOG_LEVEL changed",
            "env NEW added",
            "file /etc/app.conf changed",
            "image 1.0.0 → 1.0.1",
            "log driver added (local)",
            "log option max-size added",
            "port 9090/tcp added (127.0.0.1:9090)",
            "memory 512M → 1G",
            "secret DB_PASSWORD changed",
            "stop grace-period added (30s)",
            "stop signal added (SIGINT)");
        assertThat(before.changesSince(before)).isEmpty();
    }

    @Test
    void anImageFromAnotherRepositoryIsShownWhole() {
        FingerprintInputs.Change change = new FingerprintInputs.Change("image", Optional.of("a/api:1"), Optional.of("b/api:2"));
        assertThat(change.describe()).isEqualTo("image a/api:1 → b/api:2");
        assertThat(new FingerprintInputs.Change("label.team", Optional.of("x"), Optional.empty()).describe())
            .isEqualTo("label team removed (was x)");
        assertThat(new FingerprintInputs.Change("network", Optional.empty(), Optional.of("shop")).describe())
            .isEqualTo("network added (shop)");
        assertThat(new FingerprintInputs.Change("network", Optional.of("shop"), Optional.of("backend")).describe())
            .isEqualTo("network shop → backend");
        assertThat(new FingerprintInputs.Change("user", Optional.of("app"), Optional.of("root")).describe())
            .isEqualTo("user app → root");
    }
}
