package dev.driftless.reconciler.history;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class InstanceTimelineTest {

    private final List<InstanceTimeline.Entry> steps = new ArrayList<>();
    private long nextId = 1;

    private void step(String commit, long reconcile, String instance, StepAction action, String to, String image,
                      int minute) {
        Instant at = Instant.parse("2025-03-01T10:00:00Z").plusSeconds(60L * minute);
        steps.add(new InstanceTimeline.Entry(new StepRecord(nextId++, reconcile, "api", "app-1", instance, action,
            "why", Optional.empty(), Optional.ofNullable(to), Optional.empty(), Optional.ofNullable(image),
            StepOutcome.SUCCEEDED, at.minusSeconds(5), Optional.of(at), Optional.empty(), Optional.empty()), commit));
    }

    private static Instant minute(int m) {
        return Instant.parse("2025-03-01T10:00:00Z").plusSeconds(60L * m);
    }

    @Test
    void newFingerprintStartsANewSince() {
        step("A", 1, "api-1", StepAction.CREATE, "f1", "api:1", 0);
        step("B", 2, "api-1", StepAction.REPLACE, "f2", "api:2", 10);

        assertThat(InstanceTimeline.current(steps)).singleElement().satisfies(r -> {
            assertThat(r.fingerprint()).isEqualTo("f2");
            assertThat(r.commit()).isEqualTo("B");
            assertThat(r.since()).isEqualTo(minute(10));
            assertThat(r.reconcileId()).isEqualTo(2);
        });
    }

    @Test
    void healOrStartOfTheSameVersionKeepsTheOriginalSince() {
        step("A", 1, "api-1", StepAction.CREATE, "f1", "api:1", 0);
        step("A", 2, "api-1", StepAction.HEAL, "f1", "api:1", 30);
        step("A", 3, "api-1", StepAction.START, null, null, 40);

        assertThat(InstanceTimeline.current(steps)).singleElement().satisfies(r -> {
            assertThat(r.since()).isEqualTo(minute(0));
            assertThat(r.reconcileId()).isEqualTo(1);
        });
    }

    @Test
    void rollbackNamesTheCommitThatFirstDeployedThatVersion() {
        step("A", 1, "api-1", StepAction.CREATE, "f1", "api:1", 0);
        step("C", 3, "api-1", StepAction.REPLACE, "f3", "api:3", 10);
        step("C", 3, "api-1", StepAction.ROLLBACK, "f1", "api:1", 11);

        assertThat(InstanceTimeline.current(steps)).singleElement().satisfies(r -> {
            assertThat(r.fingerprint()).isEqualTo("f1");
            assertThat(r.commit()).isEqualTo("A");
            assertThat(r.since()).isEqualTo(minute(11));
        });
    }

    @Test
    void removedInstancesAreGoneAndPullsChangeNothing() {
        step("A", 1, "api-1", StepAction.CREATE, "f1", "api:1", 0);
        step("A", 1, "api-2", StepAction.CREATE, "f1", "api:1", 0);
        step("B", 2, "api-2", StepAction.PULL, "f2", "api:2", 5);
        step("B", 2, "api-1", StepAction.REMOVE, null, null, 6);

        assertThat(InstanceTimeline.current(steps)).singleElement().satisfies(r -> {
            assertThat(r.instance()).isEqualTo("api-2");
            assertThat(r.fingerprint()).isEqualTo("f1");
        });
    }

    @Test
    void recreatedAfterRemovalCountsFromTheRecreation() {
        step("A", 1, "api-1", StepAction.CREATE, "f1", "api:1", 0);
        step("B", 2, "api-1", StepAction.REMOVE, null, null, 5);
        step("C", 3, "api-1", StepAction.CREATE, "f1", "api:1", 9);

        assertThat(InstanceTimeline.current(steps)).singleElement().satisfies(r -> {
            assertThat(r.since()).isEqualTo(minute(9));
            assertThat(r.reconcileId()).isEqualTo(3);
        });
    }

    @Test
    void instancesAreListedByName() {
        step("A", 1, "api-2", StepAction.CREATE, "f1", "api:1", 0);
        step("A", 1, "api-1", StepAction.CREATE, "f1", "api:1", 0);

        assertThat(InstanceTimeline.current(steps)).extracting(RunningInstance::instance)
            .containsExactly("api-1", "api-2");
    }
}
