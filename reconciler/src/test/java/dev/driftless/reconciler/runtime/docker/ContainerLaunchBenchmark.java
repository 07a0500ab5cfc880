package dev.driftless.reconciler.runtime.docker;

import static org.assertj.core.api.Assertions.assertThat;

import dev.driftless.model.Host;
import dev.driftless.model.Instance;
import dev.driftless.model.Placement;
import dev.driftless.model.Repo;
import dev.driftless.model.Runtime;
import dev.driftless.model.SecretFingerprints;
import dev.driftless.model.SecretRef;
import dev.driftless.model.Service;
import dev.driftless.model.ServiceFile;
import dev.driftless.model.SourceLocation;
import dev.driftless.model.Stop;
import dev.driftless.reconciler.Bench;
import dev.driftless.reconciler.runtime.InstanceRuntime;
import dev.driftless.reconciler.ssh.HostSession;
import dev.driftless.reconciler.ssh.HostTarget;
import dev.driftless.reconciler.ssh.SshHostPool;
import dev.driftless.reconciler.ssh.SshSettings;
import dev.driftless.reconciler.testhosts.TestHosts;
import dev.driftless.secrets.SecretValue;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * Not a test: what a service's files add to launching a container (docker create, docker cp of
 * the archive, docker start, against one docker run), what looking for unused images costs
 * after a rollout, and what checking the files adds to observing a host, over SSH to one test host; for docs/performance.md. Run it with
 * {@code -Dit.test=ContainerLaunchBenchmark -Dtest=none}; figures go to stdout.
 */
class ContainerLaunchBenchmark {

    private static final String IMAGE = "driftless/sample-svc:1.0.0";
    private static final Duration TIMEOUT = Duration.ofSeconds(60);
    private static final SourceLocation AT = SourceLocation.of("services/bench.yaml");

    private static Instance instance(HostTarget target, Service.Builder service) {
        Host host = new Host("bench", "127.0.0.1", target.port(), "deploy", new TreeMap<>(), Optional.empty(),
            Runtime.DOCKER, SourceLocation.of("hosts.yaml"));
        Service svc = service.image(IMAGE).placement(new Placement(List.of("bench"), new TreeMap<>(), 1)).build();
        return new Repo("bench", new TreeMap<>(Map.of("bench", host)), new TreeMap<>(Map.of(svc.name(), svc)))
            .resolve(SecretFingerprints.unresolved()).instancesOf(svc.name()).getFirst();
    }

    private static ServiceFile plain(String target, int bytes) {
        return new ServiceFile(target, new ServiceFile.Plain("files/x", "x".repeat(bytes).getBytes(StandardCharsets.UTF_8)),
            0444, 0, 0, AT);
    }

    @Test
    void measure() throws Exception {
        int n = Integer.getInteger("bench.n", 15);
        try (TestHosts hosts = TestHosts.builder().host("bench").start()) {
            hosts.loadImage("bench", IMAGE);
            for (String v : List.of("1.1.0", "1.2.0")) {
                hosts.loadImage("bench", "driftless/sample-svc:" + v);
            }
            HostTarget target = new HostTarget("bench", "127.0.0.1", hosts.host("bench").sshPort(), "deploy",
                Optional.of(hosts.host("bench").hostKey()));
            try (SshHostPool pool = SshHostPool.open(SshSettings.defaults(hosts.deployKeyFile(), Optional.empty()))) {
                HostSession s = pool.session(target);
                Instance bare = instance(target, Service.builder("bare"));
                Instance withFiles = instance(target, Service.builder("filed")
                    .file(plain("/etc/app/config.yaml", 1024))
                    .file(plain("/etc/app/data.json", 100 * 1024))
                    .file(new ServiceFile("/run/secrets/key", new ServiceFile.Secret(SecretRef.parse("secrets/s.yaml#k")),
                        0400, 0, 0, AT)));
                InstanceRuntime.Launch launch = new InstanceRuntime.Launch("bench", "c0ffee", Map.of(),
                    Map.of("/run/secrets/key", SecretValue.ofText("k".repeat(64), List.of("k"))), Instant.now(), TIMEOUT);
                long[] runOnly = new long[n];
                long[] filed = new long[n];
                for (int i = -3; i < n; i++) {
                    long bareNanos = launchAndRemove(s, bare, launch);
                    long filedNanos = launchAndRemove(s, withFiles, launch);
                    if (i >= 0) {
                        runOnly[i] = bareNanos;
                        filed[i] = filedNanos;
                    }
                }
                Bench.report("launch, no files (docker run)", runOnly);
                Bench.report("launch, 3 files of 1 KiB, 100 KiB, a secret (create, cp, start)", filed);

                long[] unused = new long[n];
                for (int i = -3; i < n; i++) {
                    long t = System.nanoTime();
                    String listed = s.run(UnusedImages.list("driftless/sample-svc"), TIMEOUT).stdout();
                    String used = s.run(UnusedImages.inUse(), TIMEOUT).stdout();
                    List<String> refs = UnusedImages.removable("driftless/sample-svc", listed, used, 3);
                    long took = System.nanoTime() - t;
                    assertThat(refs).isEmpty();
                    if (i >= 0) {
                        unused[i] = took;
                    }
                }
                Bench.report("looking for unused images (3 images, keep 3: none removed)", unused);

                // Observation with the files' check: the bare container alone, then beside it the
                // one with 3 files (each copied out of it and hashed on the host at every look).
                dev.driftless.reconciler.observe.Observer observer =
                    dev.driftless.reconciler.observe.Observer.standard(pool, TIMEOUT);
                InstanceRuntime bareRuntime = InstanceRuntime.of(bare);
                assertThat(bareRuntime.launch(s, bare, launch)).isEmpty();
                Bench.report("observing the host, 1 container without files", observe(observer, target, n, 0));
                InstanceRuntime filedRuntime = InstanceRuntime.of(withFiles);
                assertThat(filedRuntime.launch(s, withFiles, launch)).isEmpty();
                Bench.report("observing the host, and 1 container with 3 files (checked)", observe(observer, target, n, 0));
                s.run(dev.driftless.reconciler.command.RemoteCommand.of("docker", "exec", filedRuntime.nameOf(withFiles),
                    "sh", "-c", "echo edited >> /etc/app/config.yaml"), TIMEOUT);
                Bench.report("observing the host, 1 of the 3 files edited (drift found)", observe(observer, target, n, 1));
                s.run(filedRuntime.remove(filedRuntime.nameOf(withFiles), Stop.DEFAULT_GRACE_PERIOD), TIMEOUT);
                s.run(bareRuntime.remove(bareRuntime.nameOf(bare), Stop.DEFAULT_GRACE_PERIOD), TIMEOUT);
            }
        }
    }

    /** {@code n} timed observations of the host (after 3 warm-ups), each finding {@code drifted} drifted containers. */
    private static long[] observe(dev.driftless.reconciler.observe.Observer observer, HostTarget target, int n,
                                  int drifted) {
        long[] took = new long[n];
        for (int i = -3; i < n; i++) {
            long t = System.nanoTime();
            var o = observer.observe(target, java.util.Set.of(Runtime.DOCKER));
            long nanos = System.nanoTime() - t;
            assertThat(o).isInstanceOf(dev.driftless.reconciler.observe.HostObservation.Reachable.class);
            assertThat(((dev.driftless.reconciler.observe.HostObservation.Reachable) o).containers())
                .filteredOn(c -> c.drift().isPresent()).hasSize(drifted);
            if (i >= 0) {
                took[i] = nanos;
            }
        }
        return took;
    }

    private static long launchAndRemove(HostSession s, Instance instance, InstanceRuntime.Launch launch)
            throws Exception {
        InstanceRuntime runtime = InstanceRuntime.of(instance);
        long t = System.nanoTime();
        assertThat(runtime.launch(s, instance, launch)).isEmpty();
        long took = System.nanoTime() - t;
        s.run(runtime.remove(runtime.nameOf(instance), Stop.DEFAULT_GRACE_PERIOD), TIMEOUT);
        return took;
    }
}
