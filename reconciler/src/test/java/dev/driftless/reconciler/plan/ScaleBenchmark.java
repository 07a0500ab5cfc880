package dev.driftless.reconciler.plan;

import dev.driftless.model.DesiredState;
import dev.driftless.model.DirectoryTree;
import dev.driftless.model.Instance;
import dev.driftless.model.LoadResult;
import dev.driftless.model.RepoLoader;
import dev.driftless.model.SecretFingerprints;
import dev.driftless.reconciler.observe.ContainerState;
import dev.driftless.reconciler.observe.HealthStatus;
import dev.driftless.reconciler.observe.HostObservation;
import dev.driftless.reconciler.observe.Observation;
import dev.driftless.reconciler.observe.ObservedContainer;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import java.util.stream.Stream;

/**
 * Benchmark (not a test; run by {@code scripts/bench-scale.sh}): what the daemon's own work costs
 * for estates of hundreds to thousands of hosts, everything but SSH — loading and validating the
 * repo (YAML, placement, fingerprints), planning against an observation of every instance, and
 * printing the plan. The repo is generated: {@code SERVICES} services over 10 roles of hosts, each
 * with ports, ten env values, resources, an HTTP health check and a rollout policy, one in four
 * with two instances per host. The observation is either converged (a drift check that finds
 * nothing) or has 5 % of the instances drifted (stopped, or an older image). Prints a markdown
 * table: median and 90th percentile over {@code RUNS} rounds after a warm-up, and the heap the
 * desired state and the observation hold.
 */
public final class ScaleBenchmark {

    private static final int SERVICES = 20;
    private static final int ROLES = 10;
    private static final Instant NOW = Instant.parse("2026-12-06T12:00:00Z");

    private ScaleBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        int runs = args.length > 0 ? Integer.parseInt(args[0]) : 20;
        int[] sizes = args.length > 1 ? Arrays.stream(args[1].split(",")).mapToInt(Integer::parseInt).toArray()
            : new int[] {100, 1000, 5000};
        System.out.println("| hosts | instances | load + validate | plan, converged | plan, 5 % drifted"
            + " | print text (drifted) | print json (drifted) | heap held |");
        System.out.println("|---:|---:|---:|---:|---:|---:|---:|---:|");
        for (int hosts : sizes) {
            Path repo = Files.createTempDirectory("driftless-bench-scale");
            try {
                write(repo, hosts);
                row(repo, hosts, runs);
            } finally {
                try (Stream<Path> files = Files.walk(repo)) {
                    files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
                }
            }
        }
    }

    private static void row(Path repo, int hosts, int runs) {
        SecretFingerprints noSecrets = ref -> {
            throw new IllegalStateException("the generated repo has no secrets");
        };
        Supplier<DesiredState> load = () -> {
            LoadResult r = RepoLoader.load(new DirectoryTree(repo), Optional.empty());
            if (!r.problems().isEmpty()) {
                throw new IllegalStateException(r.problems().toString());
            }
            return r.repo().orElseThrow().resolve(noSecrets);
        };
        long heapBefore = heapAfterGc();
        DesiredState desired = load.get();
        Observation converged = observation(desired, false);
        Observation drifted = observation(desired, true);
        long held = heapAfterGc() - heapBefore;
        Planner planner = new Planner(Clock.fixed(NOW, java.time.ZoneOffset.UTC));
        Plan driftedPlan = planner.plan(desired, drifted);
        if (driftedPlan.hasChanges() == planner.plan(desired, converged).hasChanges()) {
            throw new IllegalStateException("the drifted observation must plan changes and the converged one none");
        }
        PlanPrinter.Heading heading = PlanPrinter.Heading.of(driftedPlan, Optional.of("0123456789abcdef"),
            Optional.of("bench"));
        System.out.printf("| %,d | %,d | %s | %s | %s | %s | %s | %,d MiB |%n", hosts, desired.instances().size(),
            time(runs, load::get),
            time(runs, () -> planner.plan(desired, converged)),
            time(runs, () -> planner.plan(desired, drifted)),
            time(runs, () -> PlanPrinter.text(driftedPlan, heading, false)),
            time(runs, () -> PlanPrinter.json(driftedPlan, heading)),
            held / (1024 * 1024));
        // Keeps what the heap figure measured reachable until it was taken.
        if (desired.instances().isEmpty() || converged.hosts().isEmpty()) {
            throw new IllegalStateException();
        }
    }

    /** {@code median (p90) ms} of {@code runs} calls after as many warm-up calls. */
    private static String time(int runs, Supplier<?> work) {
        Object sink = null;
        for (int i = 0; i < runs; i++) {
            sink = work.get();
        }
        long[] nanos = new long[runs];
        for (int i = 0; i < runs; i++) {
            long started = System.nanoTime();
            sink = work.get();
            nanos[i] = System.nanoTime() - started;
        }
        if (sink == null) {
            throw new IllegalStateException();
        }
        Arrays.sort(nanos);
        return String.format("%.1f (%.1f) ms", nanos[runs / 2] / 1e6, nanos[(int) (runs * 0.9)] / 1e6);
    }

    private static long heapAfterGc() {
        for (int i = 0; i < 3; i++) {
            System.gc();
        }
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    /** Every desired instance running as desired; with {@code drift}, every 20th stopped or on an older image. */
    private static Observation observation(DesiredState desired, boolean drift) {
        Map<String, List<ObservedContainer>> byHost = new LinkedHashMap<>();
        desired.hosts().keySet().forEach(h -> byHost.put(h, new ArrayList<>()));
        int n = 0;
        for (Instance want : desired.instances()) {
            n++;
            Map<String, String> spec = new java.util.TreeMap<>(want.inputs().values());
            ContainerState state = ContainerState.RUNNING;
            if (drift && n % 20 == 0) {
                if (n % 40 == 0) {
                    state = ContainerState.EXITED;
                } else {
                    spec.put("image", spec.get("image").replace(":2.", ":1."));
                }
            }
            String fingerprint = new dev.driftless.model.FingerprintInputs(new java.util.TreeMap<>(spec)).fingerprint();
            String name = want.name() + "-" + fingerprint.substring(7, 15);
            byHost.get(want.host().name()).add(new ObservedContainer("id-" + want.id(), name, spec.get("image"),
                "sha256:feed", Map.of(), Optional.of(desired.environment()), Optional.of(want.service().name()),
                Optional.of(want.name()), Optional.of(fingerprint), Optional.of("0a0a0a0a"), spec,
                Optional.of(NOW.minusSeconds(3600)), state, state == ContainerState.EXITED ? 137 : 0,
                Optional.of(NOW.minusSeconds(3600)), Optional.empty(), HealthStatus.NONE, Optional.empty(), 0,
                Optional.of("172.17.0.2")));
        }
        Map<String, HostObservation> hosts = new LinkedHashMap<>();
        byHost.forEach((h, containers) -> hosts.put(h,
            new HostObservation.Reachable(h, containers, Duration.ofMillis(40), "20.10.24")));
        return new Observation(hosts, Duration.ofSeconds(1));
    }

    /** hosts.yaml with {@code hosts} hosts over {@link #ROLES} roles and 3 zones, and the services. */
    private static void write(Path repo, int hosts) throws IOException {
        StringBuilder inventory = new StringBuilder("defaults: {user: deploy}\nhosts:\n");
        for (int i = 0; i < hosts; i++) {
            inventory.append(String.format("  h%05d: {address: 10.%d.%d.%d, labels: {role: r%d, zone: %s}}%n", i,
                i / 65536, (i / 256) % 256, i % 256, i % ROLES, "abc".charAt(i % 3)));
        }
        Files.writeString(repo.resolve("hosts.yaml"), inventory);
        Path services = Files.createDirectories(repo.resolve("services"));
        for (int s = 0; s < SERVICES; s++) {
            StringBuilder env = new StringBuilder();
            for (int e = 0; e < 10; e++) {
                env.append(String.format("  VAR_%d: value-%d-%d%n", e, s, e));
            }
            Files.writeString(services.resolve("svc" + s + ".yaml"), String.format("""
                image: registry.internal:5000/team/svc%d:2.%d.0
                placement: {selector: {role: r%d}, replicas: %d}
                ports: ["8080"]
                env:
                %sresources: {memory: 256M, cpus: 0.5}
                health:
                  http: {port: 8080, path: /healthz}
                rollout: {batch: 10%%, order: start-first}
                %s""", s, s, s % ROLES, s % 4 == 0 ? 2 : 1, env,
                s >= ROLES ? "after: [svc" + (s - ROLES) + "]\n" : ""));
        }
    }
}
