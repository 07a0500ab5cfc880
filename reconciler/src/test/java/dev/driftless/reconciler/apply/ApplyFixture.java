package dev.driftless.reconciler.apply;

import static org.assertj.core.api.Assertions.assertThat;

import dev.driftless.model.DesiredState;
import dev.driftless.model.DirectoryTree;
import dev.driftless.model.Instance;
import dev.driftless.reconciler.desired.DesiredStateLoader;
import dev.driftless.reconciler.desired.LoadedState;
import dev.driftless.reconciler.history.ServiceOutcome;
import dev.driftless.reconciler.history.StepOutcome;
import dev.driftless.reconciler.history.StepStart;
import dev.driftless.reconciler.observe.ContainerState;
import dev.driftless.reconciler.observe.HealthStatus;
import dev.driftless.reconciler.observe.HostObservation;
import dev.driftless.reconciler.observe.Observation;
import dev.driftless.reconciler.observe.ObservedContainer;
import dev.driftless.reconciler.plan.Plan;
import dev.driftless.reconciler.plan.Planner;
import dev.driftless.reconciler.runtime.docker.InstanceContainers;
import dev.driftless.reconciler.ssh.HostTarget;
import dev.driftless.reconciler.ssh.RecordingHostSession;
import dev.driftless.secrets.KeyRing;
import dev.driftless.secrets.SopsEncryptor;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * A small infra repo on disk (three app hosts, services written per test, one SOPS file encrypted
 * to the demo age key), loaded the way the daemon loads it (secrets decrypted for real), and the
 * helpers to describe what the hosts run and to read back what apply did to them.
 */
final class ApplyFixture {

    static final Path DEMO_KEY = Path.of("../examples/keys/demo-age.txt");
    static final String DEMO_RECIPIENT = "age14895jprs2r86ltrdmdyx3rfp2l7kdvgegay6ylj0zq2ea5js0ftqw7ew9x";
    static final String COMMIT = "c0ffee0000000000000000000000000000000001";
    /** A secret value full of shell syntax: it must never reach a command line. */
    static final String DB_PASSWORD = "s3cr3t pa$$word;'$(reboot)'`id`";

    static final String HOSTS = """
        defaults: {user: deploy}
        hosts:
          app-1: {address: 10.0.1.11, labels: {role: app}}
          app-2: {address: 10.0.1.12, labels: {role: app}}
          app-3: {address: 10.0.1.13, labels: {role: app}}
        """;

    private final Path root;
    private final DesiredStateLoader loader = new DesiredStateLoader(KeyRing.builder().ageIdentityFile(DEMO_KEY).build());

    ApplyFixture(Path root) {
        this.root = root;
        write("hosts.yaml", HOSTS);
        secrets("DB_PASSWORD: \"" + DB_PASSWORD.replace("\\", "\\\\").replace("\"", "\\\"") + "\"\n");
    }

    /** The API: on every app host, health-checked over http, with a secret. */
    static String api(String version, String rollout) {
        return """
            image: registry:5000/shop/api:%s
            placement: {selector: {role: app}}
            ports: ["8080"]
            env: {MODE: http}
            secrets: {DB_PASSWORD: secrets/app.yaml#DB_PASSWORD}
            health:
              http: {port: 8080, path: /healthz}
              interval: 2s
              timeout: 10s
            rollout: %s
            """.formatted(version, rollout);
    }

    ApplyFixture write(String path, String content) {
        try {
            Path file = root.resolve(path);
            Files.createDirectories(file.getParent());
            Files.writeString(file, content, StandardCharsets.UTF_8);
            return this;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    ApplyFixture delete(String path) {
        try {
            Files.delete(root.resolve(path));
            return this;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** secrets/app.yaml, encrypted to the demo key as `sops` would. */
    ApplyFixture secrets(String plainYaml) {
        byte[] encrypted = SopsEncryptor.builder().ageRecipient(DEMO_RECIPIENT).build()
            .encrypt("secrets/app.yaml", plainYaml.getBytes(StandardCharsets.UTF_8));
        try {
            Files.createDirectories(root.resolve("secrets"));
            Files.write(root.resolve("secrets/app.yaml"), encrypted);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return this;
    }

    /** The repo as it is on disk now, loaded and decrypted. */
    LoadedState.Ready load() {
        LoadedState s = loader.load(new DirectoryTree(root), Optional.empty());
        assertThat(s).as("the fixture repo loads").isInstanceOf(LoadedState.Ready.class);
        return (LoadedState.Ready) s;
    }

    // ---- what the hosts run ----

    /** A container as driftless would have started it for {@code i}. */
    static ObservedContainer container(Instance i, ContainerState state) {
        String name = InstanceContainers.containerName(i);
        return new ObservedContainer("id-" + i.host().name() + "-" + name, name, i.service().image().orElseThrow(),
            "sha256:feed", Map.of(), Optional.of("default"), Optional.of(i.service().name()), Optional.of(i.name()),
            Optional.of(i.fingerprint()), Optional.of("0ld0ld0"), i.inputs().values(), Optional.empty(), state,
            state == ContainerState.EXITED ? 1 : 0, Optional.of(Instant.parse("2026-11-20T10:00:00Z")),
            state == ContainerState.EXITED ? Optional.of(Instant.parse("2026-11-21T11:00:00Z")) : Optional.empty(),
            HealthStatus.NONE, Optional.empty(), 0, Optional.of("172.17.0.9"));
    }

    /** Every host of the desired state reachable, running exactly {@code containers} (by host). */
    static Observation observation(DesiredState desired, List<ObservedContainer> containers) {
        Map<String, HostObservation> hosts = new LinkedHashMap<>();
        for (String h : desired.hosts().keySet()) {
            hosts.put(h, new HostObservation.Reachable(h, containers.stream()
                .filter(c -> c.id().startsWith("id-" + h + "-")).toList(), Duration.ofMillis(3), "20.10.24"));
        }
        return new Observation(hosts, Duration.ofMillis(5));
    }

    /** Every instance of {@code state} as a container in {@code containerState}. */
    static List<ObservedContainer> running(DesiredState state, ContainerState containerState) {
        return state.instances().stream().map(i -> container(i, containerState)).toList();
    }

    static Plan plan(DesiredState desired, List<ObservedContainer> containers, FakeTime time) {
        return new Planner(time).plan(desired, observation(desired, containers));
    }

    static Map<String, HostTarget> targets(DesiredState desired) {
        Map<String, HostTarget> targets = new LinkedHashMap<>();
        desired.hosts().values().forEach(h -> targets.put(h.name(),
            new HostTarget(h.name(), h.address(), h.port(), h.user(), h.hostKey())));
        return targets;
    }

    static Applier.Context context(LoadedState.Ready ready, Set<String> verify, java.util.function.BooleanSupplier stop) {
        return new Applier.Context(ready.state().environment(), COMMIT, targets(ready.state()), ready.secrets(), verify,
            stop);
    }

    static String name(DesiredState state, String instanceId) {
        return InstanceContainers.containerName(state.instance(instanceId).orElseThrow());
    }

    // ---- what apply did ----

    /** Each call on a host as one line; {@code docker run} shortened to its container name. */
    static List<String> transcript(RecordingHostSession host) {
        return host.calls().stream().map(ApplyFixture::line).toList();
    }

    static String line(RecordingHostSession.Call call) {
        return switch (call) {
            case RecordingHostSession.Ran r when r.rendered().startsWith("docker run --detach --name ") ->
                "docker run " + r.rendered().substring("docker run --detach --name ".length()).split(" ")[0] + " …";
            case RecordingHostSession.Ran r when r.rendered().startsWith("docker inspect --type container --format ") ->
                "state " + r.rendered().substring(r.rendered().lastIndexOf(' ') + 1);
            case RecordingHostSession.Ran r when r.rendered().startsWith("curl ") ->
                "probe " + r.rendered().substring(r.rendered().lastIndexOf(' ') + 1);
            case RecordingHostSession.Ran r -> r.rendered();
            case RecordingHostSession.Wrote w -> "write " + w.path() + " mode " + Integer.toOctalString(w.mode());
            case RecordingHostSession.Read r -> "read " + r.path();
            case RecordingHostSession.Disconnected d -> "disconnect";
        };
    }

    /** An {@link ApplyListener} that keeps every event as a line, in order. */
    static final class Events implements ApplyListener {
        private final List<String> lines = Collections.synchronizedList(new ArrayList<>());
        private final List<String> messages = Collections.synchronizedList(new ArrayList<>());
        private long next;

        @Override
        public synchronized long stepStarted(StepStart step) {
            lines.add("start " + step.action() + " " + step.service() + " " + step.host() + " " + step.instance()
                + ": " + step.reason());
            messages.add(step.reason());
            return ++next;
        }

        @Override
        public void stepFinished(long token, StepStart step, StepOutcome outcome, String message, Duration took) {
            lines.add(outcome + " " + step.action() + " " + step.service() + " " + step.host() + " " + step.instance()
                + ": " + message);
            messages.add(message);
        }

        @Override
        public void serviceFinished(String service, ServiceOutcome outcome, String message) {
            lines.add("service " + service + " " + outcome + ": " + message);
            messages.add(message);
        }

        List<String> lines() {
            synchronized (lines) {
                return List.copyOf(lines);
            }
        }

        /** Every text apply handed to history and logs. */
        List<String> texts() {
            synchronized (messages) {
                return List.copyOf(messages);
            }
        }

        /** The step events on {@code host}. */
        List<String> of(String host) {
            return lines().stream().filter(l -> !l.startsWith("service ") && l.contains(" " + host + " ")).toList();
        }
    }
}
