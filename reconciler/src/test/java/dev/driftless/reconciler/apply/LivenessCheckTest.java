package dev.driftless.reconciler.apply;

import static dev.driftless.reconciler.apply.ApplyFixture.container;
import static dev.driftless.reconciler.apply.ApplyFixture.observation;
import static dev.driftless.reconciler.apply.ApplyFixture.targets;
import static dev.driftless.reconciler.apply.Replies.failed;
import static dev.driftless.reconciler.apply.Replies.startsWith;
import static org.assertj.core.api.Assertions.assertThat;

import dev.driftless.model.DesiredState;
import dev.driftless.model.Instance;
import dev.driftless.reconciler.observe.ContainerState;
import dev.driftless.reconciler.observe.HealthStatus;
import dev.driftless.reconciler.observe.ObservedContainer;
import dev.driftless.reconciler.plan.Action;
import dev.driftless.reconciler.plan.Plan;
import dev.driftless.reconciler.plan.PlannedChange;
import dev.driftless.reconciler.plan.Planner;
import dev.driftless.reconciler.ssh.RecordingHostSession;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Which running instances the daemon probes, how, and what an unhealthy one becomes. */
class LivenessCheckTest {

    @TempDir
    Path repo;

    private ApplyFixture fixture;
    private final FakeTime time = FakeTime.at("2026-11-21T12:00:00Z");
    private final RecordingHostSession.Fleet fleet = RecordingHostSession.Fleet.fakes();
    private final LivenessCheck liveness = new LivenessCheck(fleet, new HealthGate(time, time, Duration.ofSeconds(20)));

    @BeforeEach
    void fixture() {
        fixture = new ApplyFixture(repo);
    }

    private DesiredState desired(String health) {
        fixture.write("services/api.yaml", """
            image: registry:5000/shop/api:1.0.0
            placement: {selector: {role: app}}
            ports: ["8080"]
            health: %s
            """.formatted(health));
        return fixture.load().state();
    }

    private static ObservedContainer withHealth(ObservedContainer c, HealthStatus health) {
        return new ObservedContainer(c.id(), c.name(), c.image(), c.imageId(), c.labels(), c.environment(), c.service(),
            c.instance(), c.fingerprint(), c.commit(), c.spec(), c.deployedAt(), c.state(), c.exitCode(), c.startedAt(),
            c.finishedAt(), health, c.healthOutput(), c.restartCount(), c.ipAddress());
    }

    private static Map<String, Action> actions(Plan plan) {
        return plan.changes().stream().collect(java.util.stream.Collectors.toMap(PlannedChange::host,
            PlannedChange::action));
    }

    @Test
    void aDockerHealthCheckIsDecidedFromTheObservationWithoutACommand() throws Exception {
        DesiredState desired = desired("{docker: true}");
        List<ObservedContainer> seen = desired.instances().stream().map(i -> container(i, ContainerState.RUNNING))
            .map(c -> withHealth(c, c.id().contains("app-2") ? HealthStatus.UNHEALTHY : HealthStatus.HEALTHY))
            .toList();
        Plan plan = new Planner(time).plan(desired, observation(desired, seen));

        Plan checked = liveness.check(plan, targets(desired), Set.of());

        assertThat(actions(checked)).containsExactlyInAnyOrderEntriesOf(Map.of("app-1", Action.UNCHANGED,
            "app-2", Action.RESTART, "app-3", Action.UNCHANGED));
        assertThat(checked.changes()).filteredOn(c -> c.host().equals("app-2")).singleElement()
            .satisfies(c -> assertThat(c.reason()).isEqualTo("unhealthy: Docker reports the container unhealthy"));
        assertThat(fleet.all().values()).allSatisfy(h -> assertThat(h.calls()).isEmpty());
    }

    @Test
    void httpChecksAreProbedExceptForHeldServicesAndInstancesAboutToBeVerified() throws Exception {
        DesiredState desired = desired("{http: {port: 8080, path: /healthz}}");
        fleet.host("app-1").reply(startsWith("curl "), failed(22, "curl: (22) The requested URL returned error: 500"));
        List<ObservedContainer> seen = desired.instances().stream().map(i -> container(i, ContainerState.RUNNING))
            .toList();
        Plan plan = new Planner(time).plan(desired, observation(desired, seen));
        Instance onApp3 = desired.instance("api/app-3/1").orElseThrow();

        Plan checked = liveness.check(plan, targets(desired), Set.of(Applier.verifyKey("api", "app-3",
            onApp3.name())));

        assertThat(actions(checked)).containsExactlyInAnyOrderEntriesOf(Map.of("app-1", Action.RESTART,
            "app-2", Action.UNCHANGED, "app-3", Action.UNCHANGED));
        assertThat(fleet.host("app-1").renderedCommands()).hasSize(3);
        assertThat(fleet.host("app-2").renderedCommands()).singleElement().asString().startsWith("curl ");
        assertThat(fleet.host("app-3").calls()).as("verified by apply anyway").isEmpty();

        Plan held = new Planner(time).plan(desired, observation(desired, seen), Map.of("api", "commit failed"));
        assertThat(liveness.check(held, targets(desired), Set.of())).isSameAs(held);
    }
}
