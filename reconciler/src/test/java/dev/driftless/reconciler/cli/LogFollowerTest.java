package dev.driftless.reconciler.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.driftless.model.Runtime;
import dev.driftless.reconciler.observe.ContainerState;
import dev.driftless.reconciler.observe.HealthStatus;
import dev.driftless.reconciler.observe.HostObservation;
import dev.driftless.reconciler.observe.Observation;
import dev.driftless.reconciler.observe.ObservedContainer;
import dev.driftless.reconciler.ssh.CommandResult;
import dev.driftless.reconciler.ssh.HostFailure;
import dev.driftless.reconciler.ssh.HostTarget;
import dev.driftless.reconciler.ssh.RecordingHostSession;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/**
 * {@code logs -f} against fake hosts whose readers end at once (a fake session cannot stream): the
 * follower looks at the hosts again when a reader ends and follows what runs since, a fresh
 * container from its last lines, one started again in place from its new start, and ends when two
 * looks find nothing left to follow.
 */
class LogFollowerTest {

    private static final Instant T0 = Instant.parse("2026-12-07T10:00:00Z");
    private final RecordingHostSession.Fleet fleet = RecordingHostSession.Fleet.fakes();
    private final Map<String, HostTarget> targets = Map.of(
        "app-1", new HostTarget("app-1", "10.0.0.11", 22, "deploy", Optional.empty()),
        "app-2", new HostTarget("app-2", "10.0.0.12", 22, "deploy", Optional.empty()));
    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private static ObservedContainer container(String name, ContainerState state, Instant started) {
        return new ObservedContainer("id-" + name, name, "shop/api:1.0.0", "sha256:feed", Map.of(),
            Optional.of("default"), Optional.of("api"), Optional.of(name.substring(0, name.indexOf('-', 4))),
            Optional.of("sha256:aaaa"), Optional.of("c0ffee0"), Map.of(), Optional.empty(), state, 0,
            Optional.of(started), Optional.empty(), HealthStatus.NONE, Optional.empty(), 0, Optional.empty(),
            Runtime.DOCKER);
    }

    private static Observation on(String host, ObservedContainer... containers) {
        Map<String, HostObservation> hosts = new LinkedHashMap<>();
        hosts.put(host, new HostObservation.Reachable(host, List.of(containers), Duration.ofMillis(1), "24.0"));
        return new Observation(hosts, Duration.ofMillis(1));
    }

    /** The looks after the first, in turn; the last one over and over. */
    private static Supplier<Observation> looks(Observation... looks) {
        Deque<Observation> left = new ArrayDeque<>(List.of(looks));
        return () -> left.size() > 1 ? left.poll() : left.peek();
    }

    private void logs(String host, String followed, String... lines) {
        fleet.host(host).reply(c -> c.render().contains(followed), new CommandResult(0, String.join("\n", lines) + "\n",
            "", Duration.ofMillis(1)));
    }

    /**
     * Follows with a second between looks where no reader ended: long enough for a reader to end
     * (and say so) before the look that follows it, also on a busy machine, so what is told comes
     * in one order.
     */
    private boolean follow(Observation first, Supplier<Observation> look) throws InterruptedException {
        return new LogFollower(fleet, targets, look, h -> h.containers(), 5, Duration.ofSeconds(1),
            new PrintWriter(out), new PrintWriter(err)).follow(first);
    }

    @Test
    void aFreshContainerOfTheInstanceIsFollowedFromItsLastLinesAndOneStartedAgainInPlaceFromItsNewStart()
            throws Exception {
        ObservedContainer old = container("api-1-3f9a2c1b", ContainerState.RUNNING, T0);
        ObservedContainer fresh = container("api-1-3f9a2c1b-b", ContainerState.RUNNING, T0.plusSeconds(60));
        ObservedContainer freshAgain = container("api-1-3f9a2c1b-b", ContainerState.RUNNING, T0.plusSeconds(90));
        logs("app-1", "--tail 5 --follow api-1-3f9a2c1b 2>&1", "old 1", "old 2");
        logs("app-1", "--tail 5 --follow api-1-3f9a2c1b-b 2>&1", "fresh 1");
        logs("app-1", "--since 2026-12-07T10:01:30Z --follow api-1-3f9a2c1b-b", "fresh after its restart");

        boolean ok = follow(on("app-1", old), looks(
            on("app-1", container("api-1-3f9a2c1b", ContainerState.EXITED, T0), fresh),
            on("app-1", fresh),
            on("app-1", freshAgain),
            on("app-1", container("api-1-3f9a2c1b-b", ContainerState.EXITED, T0.plusSeconds(90)))));

        assertThat(ok).isTrue();
        assertThat(out.toString()).isEqualTo("""
            api-1 app-1 | old 1
            api-1 app-1 | old 2
            api-1 app-1 | fresh 1
            api-1 app-1 | fresh after its restart
            """);
        assertThat(err.toString()).isEqualTo("""
            driftless logs: following api-1 on app-1; Ctrl-C to stop
            driftless logs: api-1 on app-1 stopped writing (container api-1-3f9a2c1b)
            driftless logs: now following api-1 on app-1 (container api-1-3f9a2c1b-b)
            driftless logs: api-1 on app-1 stopped writing (container api-1-3f9a2c1b-b)
            driftless logs: following api-1 on app-1 again (container api-1-3f9a2c1b-b started again)
            driftless logs: api-1 on app-1 stopped writing (container api-1-3f9a2c1b-b)
            """);
        assertThat(fleet.host("app-1").renderedCommands()).as("the exited container is not read again")
            .filteredOn(c -> c.contains("docker logs")).hasSize(3);
    }

    @Test
    void aHostThatStopsAnsweringIsToldOnceAndAgainWhenItAnswers() throws Exception {
        ObservedContainer api = container("api-1-3f9a2c1b", ContainerState.RUNNING, T0);
        logs("app-1", "--follow api-1-3f9a2c1b", "line");
        Map<String, HostObservation> silent = new LinkedHashMap<>();
        silent.put("app-1", new HostObservation.Unreachable("app-1", "host app-1 (deploy@10.0.0.11:22) is unreachable:"
            + " connection timed out", HostFailure.Kind.UNREACHABLE));
        Observation gone = new Observation(silent, Duration.ofMillis(1));

        boolean ok = follow(on("app-1", api), looks(gone, gone, on("app-1"), on("app-1")));

        assertThat(ok).as("what the first look found was read to its end").isTrue();
        assertThat(err.toString()).isEqualTo("""
            driftless logs: following api-1 on app-1; Ctrl-C to stop
            driftless logs: api-1 on app-1 stopped writing (container api-1-3f9a2c1b)
            driftless logs: host app-1 (deploy@10.0.0.11:22) is unreachable: connection timed out
            driftless logs: host app-1 answers again
            """);
    }

    @Test
    void nothingToFollowAtTheFirstLookEndsAtOnce() throws Exception {
        assertThat(follow(on("app-2"), looks(on("app-2")))).isFalse();
        assertThat(err.toString()).isEmpty();
        assertThat(fleet.host("app-2").renderedCommands()).isEmpty();
    }
}
