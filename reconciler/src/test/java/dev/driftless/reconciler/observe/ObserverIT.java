package dev.driftless.reconciler.observe;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.driftless.reconciler.runtime.docker.ContainerLabels;
import dev.driftless.reconciler.runtime.docker.ContainerSpec;
import dev.driftless.reconciler.runtime.docker.DockerCommands;
import dev.driftless.reconciler.runtime.docker.DockerObserver;
import dev.driftless.reconciler.runtime.docker.HealthCheck;
import dev.driftless.reconciler.runtime.docker.RestartPolicy;
import dev.driftless.reconciler.ssh.CommandResult;
import dev.driftless.reconciler.ssh.HostFailure;
import dev.driftless.reconciler.ssh.HostSession;
import dev.driftless.reconciler.ssh.HostTarget;
import dev.driftless.reconciler.ssh.SshHostPool;
import dev.driftless.reconciler.ssh.SshSettings;
import dev.driftless.reconciler.testhosts.TestHosts;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The observer against real hosts: managed containers with labels, state and health; unreachable hosts as values. */
class ObserverIT {

    static final Duration CONNECT = Duration.ofSeconds(3);
    static final Duration COMMAND = Duration.ofSeconds(10);

    static TestHosts hosts;
    static SshHostPool pool;
    static Observer observer;

    @BeforeAll
    static void start() throws Exception {
        hosts = TestHosts.builder().host("app-1").host("app-2").host("app-3").start();
        hosts.loadImage("app-1", "driftless/sample-svc:1.0.0");
        hosts.loadImage("app-1", "driftless/sample-svc:1.2.0");
        pool = SshHostPool.open(SshSettings.defaults(hosts.deployKeyFile(), Optional.of(hosts.knownHostsFile()))
            .withTimeouts(CONNECT, COMMAND));
        observer = new Observer(pool, new DockerObserver(), COMMAND);

        HostSession app1 = pool.session(target("app-1"));
        HealthCheck healthz = new HealthCheck(
            new HealthCheck.Exec(List.of("wget", "-q", "-O", "/dev/null", "http://localhost:8080/healthz")),
            Duration.ofSeconds(1), Duration.ofSeconds(2), 1, Duration.ZERO);
        run(app1, ContainerSpec.builder("api-1", "driftless/sample-svc:1.0.0")
            .labels(labels("api", "api-1", "fp-api-1", Map.of("image", "driftless/sample-svc:1.0.0", "env.MODE", "http")))
            .health(healthz).build());
        run(app1, ContainerSpec.builder("api-2", "driftless/sample-svc:1.2.0")
            .labels(labels("api", "api-2", "fp-api-2", Map.of("image", "driftless/sample-svc:1.2.0")))
            .health(healthz).build());
        run(app1, ContainerSpec.builder("worker-1", "driftless/sample-svc:1.0.0")
            .labels(labels("worker", "worker-1", "fp-worker-1", Map.of()))
            .command(List.of("/bin/busybox")).args(List.of("sh", "-c", "exit 3"))
            .restart(new RestartPolicy(RestartPolicy.Mode.NO, 0)).build());
        // Someone else's container on the same host: never reported.
        hosts.exec("app-1", "docker", "run", "-d", "--name", "bystander", "--label", "dev.driftless.managed=false",
            "driftless/sample-svc:1.0.0");
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

    static HostTarget target(String name) {
        return new HostTarget(name, "127.0.0.1", hosts.host(name).sshPort(), "deploy", Optional.empty());
    }

    static Map<String, String> labels(String service, String instance, String fingerprint, Map<String, String> spec) {
        return ContainerLabels.forInstance("production", service, instance, fingerprint, "c0ffee42", spec,
            Instant.parse("2026-05-06T07:08:09Z"));
    }

    static void run(HostSession session, ContainerSpec spec) throws Exception {
        CommandResult r = session.run(DockerCommands.run(spec), Duration.ofSeconds(60));
        assertThat(r.exitCode()).as(r.stderr()).isZero();
    }

    static HostObservation.Reachable reachable(HostObservation o) {
        assertThat(o).isInstanceOf(HostObservation.Reachable.class);
        return (HostObservation.Reachable) o;
    }

    static ObservedContainer instance(HostObservation.Reachable r, String instance) {
        return r.containers().stream().filter(c -> c.instance().equals(Optional.of(instance))).findFirst().orElseThrow();
    }

    @Test
    void managedContainersAreReportedWithLabelsStateAndHealth() {
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
            HostObservation.Reachable app1 = reachable(observer.observe(target("app-1")));
            assertThat(instance(app1, "api-1").health()).isEqualTo(HealthStatus.HEALTHY);
            assertThat(instance(app1, "api-2").health()).isEqualTo(HealthStatus.UNHEALTHY);
            assertThat(instance(app1, "worker-1").state()).isEqualTo(ContainerState.EXITED);
        });
        HostObservation.Reachable app1 = reachable(observer.observe(target("app-1")));
        assertThat(app1.runtimeVersion()).isNotBlank();
        assertThat(app1.containers()).extracting(ObservedContainer::name)
            .containsExactlyInAnyOrder("api-1", "api-2", "worker-1");

        ObservedContainer api1 = instance(app1, "api-1");
        assertThat(api1.service()).contains("api");
        assertThat(api1.environment()).contains("production");
        assertThat(api1.fingerprint()).contains("fp-api-1");
        assertThat(api1.commit()).contains("c0ffee42");
        assertThat(api1.version()).isEqualTo("1.0.0");
        assertThat(api1.spec()).isEqualTo(Map.of("image", "driftless/sample-svc:1.0.0", "env.MODE", "http"));
        assertThat(api1.deployedAt()).contains(Instant.parse("2026-05-06T07:08:09Z"));
        assertThat(api1.state()).isEqualTo(ContainerState.RUNNING);
        assertThat(api1.startedAt()).isPresent();
        assertThat(api1.ipAddress()).get().asString().matches("\\d+\\.\\d+\\.\\d+\\.\\d+");
        assertThat(api1.imageId()).startsWith("sha256:");

        ObservedContainer api2 = instance(app1, "api-2");
        assertThat(api2.version()).isEqualTo("1.2.0");
        assertThat(api2.healthOutput()).get().asString().contains("404");

        ObservedContainer worker = instance(app1, "worker-1");
        assertThat(worker.exitCode()).isEqualTo(3);
        assertThat(worker.finishedAt()).isPresent();
        assertThat(worker.health()).isEqualTo(HealthStatus.NONE);
    }

    /** {@code docker update} of a container's limits or restart policy is drift, named with what the repo says. */
    @Test
    void limitsOrARestartPolicyChangedWithDockerUpdateAreDrift() throws Exception {
        HostSession app1 = pool.session(target("app-1"));
        Map<String, String> spec = Map.of("image", "driftless/sample-svc:1.0.0", "resources.memory", "268435456",
            "resources.cpus", "0.5", "restart", "unless-stopped");
        run(app1, ContainerSpec.builder("tuned-1", "driftless/sample-svc:1.0.0")
            .labels(labels("tuned", "tuned-1", "fp-tuned-1", spec))
            .resources(new dev.driftless.reconciler.runtime.docker.Resources(java.util.OptionalLong.of(268435456L),
                Optional.of(new java.math.BigDecimal("0.5")), java.util.OptionalLong.empty()))
            .restart(RestartPolicy.unlessStopped()).build());
        try {
            assertThat(instance(reachable(observer.observe(target("app-1"))), "tuned-1").drift())
                .as("as deployed").isEmpty();

            hosts.exec("app-1", "docker", "update", "--memory", "512m", "--memory-swap", "1g", "--cpus", "1",
                "--restart", "no", "tuned-1");

            assertThat(instance(reachable(observer.observe(target("app-1"))), "tuned-1").drift()).contains(
                "changed on the host (docker update): memory 512M (the repo says 256M), cpus 1 (the repo says 0.5),"
                    + " restart policy no (the repo says unless-stopped)");
        } finally {
            hosts.removeContainerByHand("app-1", "tuned-1");
        }
    }

    @Test
    void aHostWithoutManagedContainersIsReachableAndEmpty() {
        HostObservation.Reachable app2 = reachable(observer.observe(target("app-2")));
        assertThat(app2.containers()).isEmpty();
    }

    @Test
    void unreachableHostsAreValuesAndTheOthersAreStillObserved() throws Exception {
        int closedPort = dev.driftless.reconciler.testhosts.LoopbackPorts.closed();
        HostTarget nothingListening = new HostTarget("gone", "127.0.0.1", closedPort, "deploy", Optional.empty());
        List<HostTarget> all = List.of(target("app-1"), nothingListening, target("app-3"), target("app-2"));
        assertThat(observer.observe(all).reachable()).hasSize(3); // app-3's connection is now open
        hosts.pause("app-3");
        try {
            Observation o = observer.observe(all);
            assertThat(o.hosts().keySet()).containsExactly("app-1", "gone", "app-3", "app-2");
            assertThat(reachable(o.hosts().get("app-1")).containers()).hasSize(3);
            assertThat(o.hosts().get("gone")).isInstanceOfSatisfying(HostObservation.Unreachable.class, u -> {
                assertThat(u.kind()).isEqualTo(HostFailure.Kind.UNREACHABLE);
                assertThat(u.reason()).contains("gone").contains("connection refused");
            });
            assertThat(o.hosts().get("app-3")).isInstanceOfSatisfying(HostObservation.Unreachable.class, u -> {
                assertThat(u.isTransient()).isTrue();
                assertThat(u.reason()).contains("app-3");
            });
            assertThat(reachable(o.hosts().get("app-2")).containers()).isEmpty();
            // Bounded by the timeouts, not by the frozen host.
            assertThat(o.took()).isLessThan(COMMAND.plus(CONNECT).plusSeconds(3));
        } finally {
            hosts.unpause("app-3");
        }
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
            assertThat(observer.observe(target("app-3"))).isInstanceOf(HostObservation.Reachable.class));
    }

    @Test
    void aStoppedDockerIsReportedAsSuchAndRecovers() {
        hosts.exec("app-2", "systemctl", "stop", "docker.socket", "docker.service");
        try {
            assertThat(observer.observe(target("app-2"))).isInstanceOfSatisfying(HostObservation.Unreachable.class, u -> {
                assertThat(u.kind()).isEqualTo(HostFailure.Kind.RUNTIME_UNAVAILABLE);
                assertThat(u.reason()).startsWith("Docker is not running on host app-2");
            });
        } finally {
            hosts.exec("app-2", "systemctl", "start", "docker.socket", "docker.service");
        }
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
            assertThat(observer.observe(target("app-2"))).isInstanceOf(HostObservation.Reachable.class));
    }

    @Test
    void aUserOutsideTheDockerGroupIsReportedAndTheFixIsSeenAtTheNextAttempt() throws Exception {
        hosts.exec("app-3", "gpasswd", "-d", "deploy", "docker");
        try {
            pool.session(target("app-3")).disconnect(); // group membership is fixed at login
            assertThat(observer.observe(target("app-3"))).isInstanceOfSatisfying(HostObservation.Unreachable.class, u -> {
                assertThat(u.kind()).isEqualTo(HostFailure.Kind.RUNTIME_PERMISSION_DENIED);
                assertThat(u.isTransient()).isFalse();
                assertThat(u.reason()).contains("user deploy on host app-3").contains("docker group");
            });
        } finally {
            hosts.exec("app-3", "gpasswd", "-a", "deploy", "docker");
        }
        assertThat(observer.observe(target("app-3"))).isInstanceOf(HostObservation.Reachable.class);
    }

    @Test
    void repeatedObservationsReuseOneConnectionPerHost() throws Exception {
        SshHostPool fresh = SshHostPool.open(pool.settings());
        try (fresh) {
            Observer o = new Observer(fresh, new DockerObserver(), COMMAND);
            List<HostTarget> targets = List.of(target("app-1"), target("app-2"));
            o.observe(targets);
            o.observe(targets);
            assertThat(fresh.connectionsOpened()).isEqualTo(2);
        }
    }
}
