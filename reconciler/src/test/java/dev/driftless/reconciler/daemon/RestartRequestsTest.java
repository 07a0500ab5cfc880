package dev.driftless.reconciler.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import dev.driftless.model.DesiredState;
import dev.driftless.model.GitTree;
import dev.driftless.reconciler.apply.FakeTime;
import dev.driftless.reconciler.desired.DesiredStateLoader;
import dev.driftless.reconciler.desired.LoadedState;
import dev.driftless.reconciler.history.RestartRequest;
import dev.driftless.reconciler.history.ServiceOutcome;
import dev.driftless.reconciler.observe.Observer;
import dev.driftless.reconciler.plan.Action;
import dev.driftless.reconciler.plan.Plan;
import dev.driftless.reconciler.plan.PlannedChange;
import dev.driftless.reconciler.plan.Planner;
import dev.driftless.reconciler.runtime.docker.DockerObserver;
import dev.driftless.reconciler.ssh.RecordingHostSession;
import dev.driftless.secrets.KeyRing;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.eclipse.jgit.revwalk.RevCommit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Which instances an operator's restart request restarts, which it leaves to the changes the plan
 * makes anyway, and which requests end at once (the reconcile itself: ReconcilerTest).
 */
class RestartRequestsTest {

    @TempDir
    Path tmp;

    private InfraRepo infra;
    private Plan plan;

    @BeforeEach
    void inSyncPlanOfTheExample() throws Exception {
        infra = InfraRepo.ofExample(tmp.resolve("infra"));
        RevCommit commit = infra.commit("Shop at 1.0.0");
        LoadedState loaded = new DesiredStateLoader(KeyRing.builder().ageIdentityFile(Path.of(
            "../examples/keys/demo-age.txt")).build()).load(new GitTree(infra.repository(), commit, ""), Optional.empty());
        DesiredState desired = ((LoadedState.Ready) loaded).state();
        RecordingHostSession.Fleet fleet = RecordingHostSession.Fleet.fakes();
        CannedDocker.healthyHosts(fleet, List.of("app-1", "app-2", "db-1"));
        CannedDocker.running(fleet, desired, commit.name());
        FakeTime time = FakeTime.at("2026-11-21T12:00:00Z");
        plan = new Planner(time).plan(desired, new Observer(fleet, new DockerObserver(), Duration.ofSeconds(5))
            .observe(List.copyOf(Observer.targets(desired.hosts().values()).values()), Observer.runtimesFor(desired)));
        assertThat(plan.hasChanges()).as("the hosts run the commit").isFalse();
    }

    @AfterEach
    void close() {
        infra.close();
    }

    private static RestartRequest request(long id, String service, String... hosts) {
        return new RestartRequest(id, service, List.of(hosts), "", "alice@ops-1", Instant.parse("2026-11-21T11:59:00Z"),
            Optional.empty());
    }

    /** The plan with api's change on {@code host} made {@code action} (as a new spec or a silent host would). */
    private Plan withApiOn(String host, Action action) {
        List<PlannedChange> changes = new ArrayList<>();
        for (PlannedChange c : plan.changes()) {
            boolean it = c.service().equals("api") && c.host().equals(host);
            changes.add(!it ? c : new PlannedChange(c.service(), c.host(), c.instance(), action, List.of("because"),
                c.desired(), action == Action.UNKNOWN ? Optional.empty() : c.observed()));
        }
        return new Plan(plan.environment(), changes, plan.hosts(), plan.serviceOrder(), plan.held());
    }

    private static List<String> actions(Plan p, String service) {
        return p.changes().stream().filter(c -> c.service().equals(service))
            .map(c -> c.host() + " " + c.action().label() + " " + c.reason()).toList();
    }

    @Test
    void everyRunningInstanceOfTheServiceIsRestartedWithWhoAskedAndWhyAndNothingElse() {
        RestartRequest r = new RestartRequest(1, "api", List.of(), "new TLS certificate", "alice@ops-1",
            Instant.parse("2026-11-21T11:59:00Z"), Optional.empty());

        RestartRequests.Applied applied = RestartRequests.apply(plan, List.of(r), Map.of(), "abc1234");

        assertThat(actions(applied.plan(), "api")).containsExactly(
            "app-1 restart restart requested by alice@ops-1: new TLS certificate",
            "app-2 restart restart requested by alice@ops-1: new TLS certificate");
        assertThat(applied.plan().changes()).filteredOn(c -> !c.service().equals("api"))
            .allSatisfy(c -> assertThat(c.action()).isEqualTo(Action.UNCHANGED));
        assertThat(applied.restarts()).containsExactlyInAnyOrder("api/app-1/api-1", "api/app-2/api-1");
        assertThat(applied.ended()).isEmpty();
        assertThat(applied.taken()).singleElement().satisfies(t -> assertThat(
            t.after(Optional.of(ServiceOutcome.SUCCEEDED), Optional.of("converged")))
            .isEqualTo(new RestartRequests.Ended(r, RestartRequest.Outcome.RESTARTED,
                "restarted api-1 on app-1, api-1 on app-2")));
    }

    @Test
    void anInstanceTheReconcileReplacesAnywayIsNotAlsoRestarted() {
        RestartRequests.Applied applied = RestartRequests.apply(withApiOn("app-2", Action.REPLACE),
            List.of(request(1, "api")), Map.of(), "abc1234");

        assertThat(actions(applied.plan(), "api")).containsExactly(
            "app-1 restart restart requested by alice@ops-1", "app-2 replace because");
        assertThat(applied.restarts()).containsExactly("api/app-1/api-1");
        assertThat(applied.taken().getFirst().after(Optional.of(ServiceOutcome.SUCCEEDED), Optional.of("converged"))
            .message()).isEqualTo("restarted api-1 on app-1, api-1 on app-2 (replaced by the same reconcile)");
    }

    @Test
    void aHostThatDidNotAnswerIsLeftAndTheRequestSaysSo() {
        Plan silent = withApiOn("app-2", Action.UNKNOWN);

        RestartRequests.Applied applied = RestartRequests.apply(silent, List.of(request(1, "api"),
            request(2, "api", "app-2")), Map.of(), "abc1234");

        assertThat(actions(applied.plan(), "api")).containsExactly(
            "app-1 restart restart requested by alice@ops-1", "app-2 unknown because");
        RestartRequests.Ended after = applied.taken().getFirst().after(Optional.of(ServiceOutcome.SUCCEEDED),
            Optional.of("converged"));
        assertThat(after.outcome()).isEqualTo(RestartRequest.Outcome.INCOMPLETE);
        assertThat(after.message()).isEqualTo("asked: api-1 on app-1; succeeded: converged; not restarted on app-2"
            + " (did not answer)");
        assertThat(applied.ended()).singleElement().isEqualTo(new RestartRequests.Ended(request(2, "api", "app-2"),
            RestartRequest.Outcome.INCOMPLETE, "not restarted on app-2 (did not answer)"));
    }

    @Test
    void requestsWithNothingToRestartAreRefusedWithTheReason() {
        RestartRequests.Applied applied = RestartRequests.apply(plan, List.of(request(1, "billing"),
            request(2, "store", "app-1", "app-2"), request(3, "worker"), request(4, "api", "app-1", "db-1")),
            Map.of("worker", "commit 9f8e7d6 failed for worker; held at its last good state until a new commit"),
            "abc1234");

        assertThat(applied.ended()).extracting(e -> e.request().id() + " " + e.outcome() + " " + e.message())
            .containsExactly(
                "1 REFUSED service billing is not in the desired state of commit abc1234",
                "2 REFUSED store has no instance on app-1, app-2 (it runs on db-1)",
                "3 REFUSED not restarted: worker is held (commit 9f8e7d6 failed for worker; held at its last good state"
                    + " until a new commit)");
        assertThat(actions(applied.plan(), "worker")).allSatisfy(a -> assertThat(a).contains(" unchanged "));
        assertThat(applied.taken()).singleElement().satisfies(t -> {
            assertThat(t.request().id()).isEqualTo(4);
            assertThat(t.notes()).containsExactly("no instance on db-1");
        });
        assertThat(actions(applied.plan(), "api")).containsExactly("app-1 restart restart requested by alice@ops-1",
            "app-2 unchanged ");
    }

    @Test
    void aServiceThatDidNotConvergeLeavesTheRequestIncompleteWithApplysMessage() {
        RestartRequests.Applied applied = RestartRequests.apply(plan, List.of(request(1, "api")), Map.of(), "abc1234");

        RestartRequests.Taken taken = applied.taken().getFirst();
        assertThat(taken.after(Optional.of(ServiceOutcome.SKIPPED), Optional.of("restart halted after app-1: not"
            + " healthy within 30 s; not restarted: app-2")).message()).isEqualTo("asked: api-1 on app-1, api-1 on"
            + " app-2; skipped: restart halted after app-1: not healthy within 30 s; not restarted: app-2");
        assertThat(taken.after(Optional.empty(), Optional.empty()).message()).isEqualTo("asked: api-1 on app-1, api-1"
            + " on app-2; the reconcile stopped before it reached api");
    }
}
