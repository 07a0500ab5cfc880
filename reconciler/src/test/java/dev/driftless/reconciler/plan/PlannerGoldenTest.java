package dev.driftless.reconciler.plan;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.driftless.model.DesiredState;
import dev.driftless.model.DirectoryTree;
import dev.driftless.model.Instance;
import dev.driftless.model.LoadResult;
import dev.driftless.model.RepoLoader;
import dev.driftless.model.SecretFingerprints;
import dev.driftless.reconciler.daemon.Deferrals;
import dev.driftless.reconciler.history.Backoff;
import dev.driftless.reconciler.observe.ContainerState;
import dev.driftless.reconciler.observe.HealthStatus;
import dev.driftless.reconciler.observe.HostObservation;
import dev.driftless.reconciler.observe.Observation;
import dev.driftless.reconciler.observe.ObservedContainer;
import dev.driftless.reconciler.ssh.HostFailure;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Golden cases of the planner, like gitops-engine's diff testdata: one desired repo
 * ({@code plan/repo}), and per case an {@code observed.yaml} describing what the hosts run and
 * {@code expected.txt}, the plan as {@code driftless plan --verbose} prints it. Rewrite the
 * expectations with {@code -Ddriftless.golden.update=true} and review the diff.
 */
class PlannerGoldenTest {

    private static final Path DIR = Path.of("src/test/resources/plan");
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    private static final Instant DEFAULT_NOW = Instant.parse("2026-11-21T12:00:00Z");

    static Stream<String> cases() throws IOException {
        try (Stream<Path> s = Files.list(DIR.resolve("cases"))) {
            return s.filter(Files::isDirectory).map(p -> p.getFileName().toString()).sorted().toList().stream();
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void planMatchesGolden(String name) throws IOException {
        Path dir = DIR.resolve("cases").resolve(name);
        JsonNode observed = YAML.readTree(dir.resolve("observed.yaml").toFile());
        Instant now = observed.has("now") ? Instant.parse(observed.get("now").asText()) : DEFAULT_NOW;
        DesiredState desired = desired();
        Set<String> drop = new HashSet<>();
        observed.path("drop").forEach(n -> drop.add(n.asText()));
        if (!drop.isEmpty()) {
            desired = without(desired, drop);
        }
        Map<String, String> held = new TreeMap<>();
        observed.path("held").fields().forEachRemaining(e -> held.put(e.getKey(), e.getValue().asText()));

        Plan plan = new Planner(Clock.fixed(now, ZoneOffset.UTC)).plan(desired, observation(desired(), observed), held);
        if (observed.has("backoffs")) {
            plan = deferred(plan, observed.get("backoffs"), now);
        }
        String text = PlanPrinter.text(plan, new PlanPrinter.Heading("default", Optional.of(GOLDEN_COMMIT),
            Optional.of("golden case " + name)), true);
        assertMatches(dir.resolve("expected.txt"), text);
    }

    /**
     * The daemon's backoffs as kept in its history, applied as the daemon and {@code driftless
     * plan} apply them: {@code restarts: [{service, host, instance, failures, not-before}]} (keyed
     * by the observed container's spec), {@code pulls: [{host, image, failures, not-before}]}
     * (for the golden commit) and {@code drift-repairs: [{service, host, instance, failures,
     * not-before}]} (repairs made, keyed like restarts).
     */
    private static Plan deferred(Plan plan, JsonNode backoffs, Instant now) {
        Map<String, Backoff> restarts = new TreeMap<>();
        for (JsonNode r : backoffs.path("restarts")) {
            restarts.put(Deferrals.restartKey(change(plan, r)), backoff(r));
        }
        Map<String, Backoff> pulls = new TreeMap<>();
        for (JsonNode p : backoffs.path("pulls")) {
            pulls.put(Deferrals.pullKey(p.get("host").asText(), p.get("image").asText(), GOLDEN_COMMIT), backoff(p));
        }
        Map<String, Backoff> driftRepairs = new TreeMap<>();
        for (JsonNode r : backoffs.path("drift-repairs")) {
            driftRepairs.put(Deferrals.restartKey(change(plan, r)), backoff(r));
        }
        return Deferrals.apply(plan, restarts, pulls, driftRepairs, GOLDEN_COMMIT, now).plan();
    }

    /** The change of the {@code service}, {@code host} and {@code instance} of {@code r}. */
    private static PlannedChange change(Plan plan, JsonNode r) {
        return plan.changes().stream().filter(x -> x.service().equals(r.get("service").asText())
                && x.host().equals(r.get("host").asText()) && x.instance().equals(r.get("instance").asText()))
            .findFirst().orElseThrow(() -> new AssertionError("no change of " + r));
    }

    private static Backoff backoff(JsonNode n) {
        return new Backoff(n.get("failures").asInt(), Instant.parse(n.get("not-before").asText()));
    }

    private static final String GOLDEN_COMMIT = "0123456789abcdef";

    static DesiredState desired() {
        LoadResult r = RepoLoader.load(new DirectoryTree(DIR.resolve("repo")), Optional.empty());
        assertThat(r.problems()).isEmpty();
        SecretFingerprints fps = ref -> "sfp1:" + ref.keyPath();
        return r.repo().orElseThrow().resolve(fps);
    }

    private static DesiredState without(DesiredState d, Set<String> services) {
        var kept = new TreeMap<>(d.services());
        services.forEach(kept::remove);
        List<Instance> instances = d.instances().stream().filter(i -> !services.contains(i.service().name())).toList();
        return new DesiredState(d.environment(), d.hosts(), kept, instances);
    }

    /** Builds the observation a case describes; "as: desired" copies the desired instance's labels. */
    static Observation observation(DesiredState desired, JsonNode doc) {
        Map<String, HostObservation> hosts = new LinkedHashMap<>();
        doc.path("hosts").fields().forEachRemaining(e -> {
            String host = e.getKey();
            if (e.getValue().has("unreachable")) {
                hosts.put(host, new HostObservation.Unreachable(host, e.getValue().get("unreachable").asText(),
                    HostFailure.Kind.UNREACHABLE));
                return;
            }
            List<ObservedContainer> containers = new ArrayList<>();
            for (JsonNode c : e.getValue()) {
                containers.add(container(desired, host, c));
            }
            hosts.put(host, new HostObservation.Reachable(host, containers, Duration.ofMillis(12), "20.10.24"));
        });
        return new Observation(hosts, Duration.ofMillis(20));
    }

    private static ObservedContainer container(DesiredState desired, String host, JsonNode c) {
        String service = c.get("service").asText();
        String instance = c.get("instance").asText();
        String environment = c.path("environment").asText(desired.environment());
        TreeMap<String, String> spec = new TreeMap<>();
        String fingerprint = c.path("fingerprint").asText("");
        String image = c.path("image").asText("");
        if (c.path("as").asText().equals("desired")) {
            Instance want = desired.instance(service + "/" + host + "/" + instance.substring(instance.lastIndexOf('-') + 1))
                .orElseThrow(() -> new AssertionError("no desired instance " + service + "/" + host + "/" + instance));
            spec.putAll(want.inputs().values());
            c.path("with").fields().forEachRemaining(w -> spec.put(w.getKey(), w.getValue().asText()));
            c.path("without").forEach(k -> spec.remove(k.asText()));
            fingerprint = new dev.driftless.model.FingerprintInputs(spec).fingerprint();
            image = spec.get("image");
        } else if (fingerprint.isEmpty()) {
            spec.put("image", image);
            c.path("with").fields().forEachRemaining(w -> spec.put(w.getKey(), w.getValue().asText()));
            fingerprint = new dev.driftless.model.FingerprintInputs(spec).fingerprint();
        } else {
            spec.clear();
        }
        ContainerState state = ContainerState.valueOf(c.path("state").asText("running").toUpperCase());
        Optional<Instant> finished = c.has("finished") ? Optional.of(Instant.parse(c.get("finished").asText()))
            : Optional.empty();
        String name = c.path("name").asText(instance + "-" + fingerprint.substring(7, 15));
        ObservedContainer seen = new ObservedContainer("id-" + host + "-" + name, name, image, "sha256:feed", Map.of(),
            Optional.of(environment), Optional.of(service), Optional.of(instance), Optional.of(fingerprint),
            Optional.of("0a0a0a0a"), spec, Optional.empty(), state, c.path("exit-code").asInt(0),
            Optional.of(Instant.parse("2026-11-21T10:00:00Z")), finished, HealthStatus.NONE, Optional.empty(), 0,
            Optional.of("172.17.0.2"));
        // What observation found changed behind driftless's back, e.g. a placed file edited.
        return c.has("drift") ? seen.withDrift(c.get("drift").asText()) : seen;
    }

    static void assertMatches(Path golden, String actual) {
        try {
            if (Boolean.getBoolean("driftless.golden.update")) {
                Files.writeString(golden, actual);
                return;
            }
            assertThat(golden).as("golden file (create it with -Ddriftless.golden.update=true)").exists();
            assertThat(actual).as("golden file %s", golden).isEqualTo(Files.readString(golden));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
