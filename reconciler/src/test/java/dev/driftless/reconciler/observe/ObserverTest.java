package dev.driftless.reconciler.observe;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import dev.driftless.model.DesiredState;
import dev.driftless.model.Host;
import dev.driftless.model.Placement;
import dev.driftless.model.Repo;
import dev.driftless.model.Runtime;
import dev.driftless.model.SecretFingerprints;
import dev.driftless.model.Service;
import dev.driftless.model.SourceLocation;
import dev.driftless.reconciler.command.RemoteCommand;
import dev.driftless.reconciler.runtime.docker.DockerObserver;
import dev.driftless.reconciler.ssh.CommandResult;
import dev.driftless.reconciler.ssh.HostException;
import dev.driftless.reconciler.ssh.HostFailure;
import dev.driftless.reconciler.ssh.HostTarget;
import dev.driftless.reconciler.ssh.RecordingHostSession;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class ObserverTest {

    private static final String ONE_CONTAINER = "20.10.24\n[{\"Id\":\"abc\",\"Name\":\"/api-1\","
        + "\"Config\":{\"Image\":\"api:1.2\",\"Labels\":{\"dev.driftless.managed\":\"true\",\"dev.driftless.service\":\"api\","
        + "\"dev.driftless.instance\":\"api-1\"}},\"State\":{\"Status\":\"running\"}}]";

    private final RecordingHostSession.Fleet fleet = RecordingHostSession.Fleet.fakes();
    private final Observer observer = new Observer(fleet, new DockerObserver(), Duration.ofSeconds(7));

    private static HostTarget host(String name) {
        return HostTarget.of(name, name + ".example", "deploy");
    }

    @Test
    void eachHostIsObservedWithOneCommand() {
        fleet.host("app-1").reply("docker version", 0, ONE_CONTAINER, "");
        Observation o = observer.observe(List.of(host("app-1")));
        assertThat(o.host("app-1")).get().isInstanceOfSatisfying(HostObservation.Reachable.class, r -> {
            assertThat(r.containers()).extracting(c -> c.instance().orElseThrow()).containsExactly("api-1");
            assertThat(r.runtimeVersion()).isEqualTo("20.10.24");
        });
        assertThat(fleet.host("app-1").calls()).singleElement().isInstanceOfSatisfying(RecordingHostSession.Ran.class, ran -> {
            assertThat(ran.command()).isEqualTo(new DockerObserver().command());
            assertThat(ran.timeout()).isEqualTo(Duration.ofSeconds(7));
        });
    }

    @Test
    void anUnreachableHostIsAValueAndTheOthersAreStillObserved() {
        fleet.host("app-1").reply("docker version", 0, ONE_CONTAINER, "");
        fleet.host("app-2").failEverything(HostFailure.Kind.UNREACHABLE, "host app-2 is unreachable: connection refused");
        fleet.host("app-3").reply("docker version", 0, "20.10.24\n", "");
        Observation o = observer.observe(List.of(host("app-1"), host("app-2"), host("app-3")));
        assertThat(o.hosts().keySet()).containsExactly("app-1", "app-2", "app-3");
        assertThat(o.reachable()).extracting(HostObservation::host).containsExactly("app-1", "app-3");
        assertThat(o.unreachable()).singleElement().satisfies(u -> {
            assertThat(u.host()).isEqualTo("app-2");
            assertThat(u.kind()).isEqualTo(HostFailure.Kind.UNREACHABLE);
            assertThat(u.isTransient()).isTrue();
            assertThat(u.reason()).contains("connection refused");
        });
        assertThat(((HostObservation.Reachable) o.host("app-3").orElseThrow()).containers()).isEmpty();
    }

    @Test
    void aPermissionErrorDropsTheConnectionSoTheNextLoginSeesNewGroups() {
        fleet.host("app-1").reply("docker version", 1, "\n",
            "permission denied while trying to connect to the Docker daemon socket at unix:///var/run/docker.sock\n");
        HostObservation o = observer.observe(host("app-1"));
        assertThat(o).isInstanceOfSatisfying(HostObservation.Unreachable.class,
            u -> assertThat(u.kind()).isEqualTo(HostFailure.Kind.RUNTIME_PERMISSION_DENIED));
        assertThat(fleet.host("app-1").calls()).last().isInstanceOf(RecordingHostSession.Disconnected.class);
    }

    @Test
    void aBugInOneHostsObservationDoesNotLoseTheOthers() {
        RuntimeObserver broken = new RuntimeObserver() {
            @Override
            public RemoteCommand command() {
                return RemoteCommand.of("true");
            }

            @Override
            public RuntimeListing interpret(HostTarget host, CommandResult result) throws HostException {
                if (host.name().equals("app-2")) {
                    throw new IllegalStateException("boom");
                }
                return new RuntimeListing("1", List.of());
            }
        };
        Observation o = new Observer(fleet, broken, Duration.ofSeconds(1)).observe(List.of(host("app-1"), host("app-2")));
        assertThat(o.reachable()).extracting(HostObservation::host).containsExactly("app-1");
        assertThat(o.unreachable()).singleElement().satisfies(u -> {
            assertThat(u.kind()).isEqualTo(HostFailure.Kind.RUNTIME_PROTOCOL);
            assertThat(u.reason()).contains("app-2");
        });
    }

    @Test
    void hostsAreObservedInParallel() {
        int n = 6;
        CountDownLatch allStarted = new CountDownLatch(n);
        List<HostTarget> hosts = IntStream.rangeClosed(1, n).mapToObj(i -> host("app-" + i)).toList();
        hosts.forEach(h -> fleet.host(h.name()).reply(c -> {
            allStarted.countDown();
            try {
                // Only returns true if every host's command is in flight at the same time.
                return allStarted.await(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }, new CommandResult(0, "20.10.24\n", "", Duration.ofMillis(1))));
        Observation o = observer.observe(hosts);
        assertThat(o.reachable()).hasSize(n);
        assertThat(o.took()).isLessThan(Duration.ofSeconds(5));
    }

    @Test
    void aHostRunningContainersAndUnitsIsObservedWithOneCommandPerRuntime() {
        String unit = "driftless-exporter-1-0123abcd";
        fleet.host("edge-1").reply("docker version", 0, ONE_CONTAINER, "");
        fleet.host("edge-1").reply("sh -c", 0, "@@scope user\n252.39-1~deb12u2\n@@unit " + unit + ".service\n[X-Driftless]\n"
            + "dev.driftless.managed=true\ndev.driftless.service=exporter\ndev.driftless.instance=exporter-1\n"
            + "@@show\nId=" + unit + ".service\nLoadState=loaded\nActiveState=active\nSubState=running\n", "");
        Observer both = Observer.standard(fleet, Duration.ofSeconds(7));
        HostObservation o = both.observe(host("edge-1"), Set.of(Runtime.SYSTEMD, Runtime.DOCKER));
        assertThat(o).isInstanceOfSatisfying(HostObservation.Reachable.class, r -> {
            assertThat(r.containers()).extracting(c -> c.instance().orElseThrow(), ObservedContainer::runtime)
                .containsExactly(tuple("api-1", Runtime.DOCKER), tuple("exporter-1", Runtime.SYSTEMD));
            assertThat(r.runtimeVersion()).isEqualTo("20.10.24, systemd 252.39-1~deb12u2");
        });
        assertThat(fleet.host("edge-1").calls()).hasSize(2);
    }

    @Test
    void runtimesAreListedWhereTheDesiredStateNeedsThem() {
        Host docker = host("app-1", Runtime.DOCKER);
        Host systemd = host("edge-1", Runtime.SYSTEMD);
        TreeMap<String, Host> hosts = new TreeMap<>(Map.of("app-1", docker, "edge-1", systemd));
        Service api = Service.builder("api").image("api:1.0").placement(new Placement(List.of("app-1"), new TreeMap<>(), 1))
            .source(SourceLocation.of("services/api.yaml")).build();
        DesiredState dockerOnly = new Repo("prod", hosts, new TreeMap<>(Map.of("api", api)))
            .resolve(SecretFingerprints.unresolved());
        assertThat(Observer.runtimesFor(dockerOnly).apply("app-1")).containsExactly(Runtime.DOCKER);
        assertThat(Observer.runtimesFor(dockerOnly).apply("edge-1")).containsExactly(Runtime.SYSTEMD);
        assertThat(Observer.runtimesFor(dockerOnly).apply("gone-1")).containsExactly(Runtime.DOCKER);

        Service exporter = Service.builder("exporter").runtime(Runtime.SYSTEMD).noImage().command(List.of("/bin/x"))
            .placement(new Placement(List.of("edge-1"), new TreeMap<>(), 1))
            .source(SourceLocation.of("services/exporter.yaml")).build();
        DesiredState mixed = new Repo("prod", hosts, new TreeMap<>(Map.of("api", api, "exporter", exporter)))
            .resolve(SecretFingerprints.unresolved());
        // Systemd everywhere once one service uses it: a unit left on a host a service moved away from is found.
        assertThat(Observer.runtimesFor(mixed).apply("app-1")).containsExactly(Runtime.DOCKER, Runtime.SYSTEMD);
        assertThat(Observer.runtimesFor(mixed).apply("edge-1")).containsExactly(Runtime.SYSTEMD);
    }

    private static Host host(String name, Runtime runtime) {
        return new Host(name, "10.0.0.1", 22, "deploy", new TreeMap<>(), java.util.Optional.empty(), runtime,
            SourceLocation.of("hosts.yaml"));
    }
}
