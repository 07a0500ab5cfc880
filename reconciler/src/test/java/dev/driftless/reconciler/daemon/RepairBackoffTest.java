package dev.driftless.reconciler.daemon;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class RepairBackoffTest {

    private static final Instant T0 = Instant.parse("2026-11-22T10:00:00Z");
    private static final String KEY = RepairBackoff.key("worker", "app-2", "worker-1", Optional.of("sha256:aa"));

    @Test
    void theWaitDoublesFromTheRetryIntervalUpToThirtyMinutes() {
        RepairBackoff b = RepairBackoff.after(Duration.ofSeconds(30));

        assertThat(IntStream.rangeClosed(1, 9).mapToObj(b::delay).map(Duration::toSeconds))
            .containsExactly(30L, 60L, 120L, 240L, 480L, 960L, 1800L, 1800L, 1800L);
    }

    @Test
    void aRetryIntervalAboveThirtyMinutesIsItsOwnCap() {
        RepairBackoff b = RepairBackoff.after(Duration.ofHours(1));

        assertThat(b.delay(1)).isEqualTo(Duration.ofHours(1));
        assertThat(b.delay(5)).isEqualTo(Duration.ofHours(1));
    }

    @Test
    void pullsDoubleFromTheSameFirstWaitButOnlyUpToTheirOwnCap() {
        RepairBackoff pulls = RepairBackoff.after(Duration.ofSeconds(30)).cappedAt(Duration.ofMinutes(5));

        assertThat(pulls.delay(1)).isEqualTo(Duration.ofSeconds(30));
        assertThat(pulls.delay(4)).isEqualTo(Duration.ofMinutes(4));
        assertThat(pulls.delay(5)).isEqualTo(Duration.ofMinutes(5));
        assertThat(pulls.delay(50)).isEqualTo(Duration.ofMinutes(5));
        assertThat(RepairBackoff.after(Duration.ofMinutes(10)).cappedAt(Duration.ofMinutes(5)).delay(3))
            .as("never below the retry interval").isEqualTo(Duration.ofMinutes(10));
    }

    @Test
    void nothingWaitsBeforeTheFirstFailure() {
        assertThat(RepairBackoff.after(Duration.ofSeconds(30)).waiting(KEY, T0)).isEmpty();
    }

    @Test
    void eachFailureInARowPushesTheNextRestartFurther() {
        RepairBackoff b = RepairBackoff.after(Duration.ofSeconds(30));

        b.failed(KEY, T0);
        assertThat(b.waiting(KEY, T0.plusSeconds(29))).hasValue(new dev.driftless.reconciler.history.Backoff(1, T0.plusSeconds(30)));
        assertThat(b.waiting(KEY, T0.plusSeconds(30))).as("due at its time").isEmpty();

        b.failed(KEY, T0.plusSeconds(30));
        assertThat(b.waiting(KEY, T0.plusSeconds(89))).hasValue(new dev.driftless.reconciler.history.Backoff(2, T0.plusSeconds(90)));
        assertThat(b.waiting(KEY, T0.plusSeconds(90))).isEmpty();
    }

    @Test
    void aRestartThatPassesItsGateStartsAfresh() {
        RepairBackoff b = RepairBackoff.after(Duration.ofSeconds(30));
        b.failed(KEY, T0);
        b.failed(KEY, T0.plusSeconds(30));

        b.succeeded(KEY);
        assertThat(b.waiting(KEY, T0.plusSeconds(31))).isEmpty();
        b.failed(KEY, T0.plusSeconds(40));
        assertThat(b.waiting(KEY, T0.plusSeconds(41))).hasValue(new dev.driftless.reconciler.history.Backoff(1, T0.plusSeconds(70)));
    }

    @Test
    void aNewSpecOrAnotherInstanceIsNotHeldBack() {
        RepairBackoff b = RepairBackoff.after(Duration.ofSeconds(30));
        b.failed(KEY, T0);

        assertThat(b.waiting(RepairBackoff.key("worker", "app-2", "worker-1", Optional.of("sha256:bb")), T0)).isEmpty();
        assertThat(b.waiting(RepairBackoff.key("worker", "app-1", "worker-1", Optional.of("sha256:aa")), T0)).isEmpty();
    }

    @Test
    void containersNoLongerObservedAreForgotten() {
        RepairBackoff b = RepairBackoff.after(Duration.ofSeconds(30));
        String other = RepairBackoff.key("api", "app-1", "api-1", Optional.of("sha256:cc"));
        b.failed(KEY, T0);
        b.failed(other, T0);

        b.retainOnly(java.util.Set.of(other), java.util.Set.of());

        assertThat(b.waiting(KEY, T0)).isEmpty();
        assertThat(b.waiting(other, T0)).isPresent();
    }

    @Test
    void theCountsOfAHostThatDidNotAnswerAreKeptForWhenItAnswersAgain() {
        RepairBackoff b = RepairBackoff.after(Duration.ofSeconds(30));
        String silent = RepairBackoff.key("api", "app-2", "api-1", Optional.of("sha256:cc"));
        String pull = Deferrals.pullKey("app-2", "registry:5000/api:2", "c0ffee");
        String gone = RepairBackoff.key("api", "app-3", "api-1", Optional.of("sha256:cc"));
        b.failed(KEY, T0);
        b.failed(silent, T0);
        b.failed(pull, T0);
        b.failed(gone, T0);

        b.retainOnly(java.util.Set.of(KEY), java.util.Set.of("app-2"));

        assertThat(b.snapshot()).containsOnlyKeys(KEY, silent, pull);
        assertThat(RepairBackoff.hostOf(silent)).isEqualTo("app-2");
        assertThat(RepairBackoff.hostOf(pull)).isEqualTo("app-2");
    }

    @Test
    void aNonPositiveOrInvertedRangeIsRefused() {
        assertThatThrownBy(() -> new RepairBackoff(Duration.ZERO, Duration.ofMinutes(1)))
            .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new RepairBackoff(Duration.ofMinutes(2), Duration.ofMinutes(1)))
            .isInstanceOf(IllegalArgumentException.class);
    }
}
