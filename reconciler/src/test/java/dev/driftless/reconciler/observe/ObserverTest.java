package dev.driftless.reconciler.observe;

import static org.assertj.core.api.Assertions.assertThat;

import dev.driftless.reconciler.command.RemoteCommand;
import dev.driftless.reconciler.runtime.docker.DockerObserver;
import dev.driftless.reconciler.ssh.CommandResult;
import dev.driftless.reconciler.ssh.HostException;
import dev.driftless.reconciler.ssh.HostFailure;
import dev.driftless.reconciler.ssh.HostTarget;
import dev.driftless.reconciler.ssh.RecordingHostSession;
import java.time.Duration;
import java.util.List;
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
}
