package dev.driftless.reconciler.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import dev.driftless.reconciler.daemon.DeployWindows.Kind;
import dev.driftless.reconciler.daemon.DeployWindows.Window;
import dev.driftless.reconciler.history.Suspension;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Deploy windows as pure calendar logic, at fixed instants (2026-12-04 is a Friday). */
class DeployWindowsTest {

    private static final Instant FRIDAY_5PM = Instant.parse("2026-12-04T17:00:00Z");

    private static Window window(int i, Kind kind, String schedule, Duration duration, List<String> services) {
        return new Window("deploy-windows[" + i + "]", kind, schedule, duration, ZoneId.of("UTC"), services, false);
    }

    @Test
    void fiveFieldCronLinesBecomeQuartzOnes() {
        assertThat(DeployWindows.quartz("0 16 * * FRI")).contains("0 0 16 ? * FRI");
        assertThat(DeployWindows.quartz("30 8 * * 1-5")).contains("0 30 8 ? * MON-FRI");
        assertThat(DeployWindows.quartz("0 0 * * 0,6")).contains("0 0 0 ? * SUN,SAT");
        assertThat(DeployWindows.quartz("0 0 * * 7")).contains("0 0 0 ? * SUN");
        assertThat(DeployWindows.quartz("0 18 * * 5-1")).as("Friday to Monday wraps past Saturday")
            .contains("0 0 18 ? * FRI-SAT,SUN-MON");
        assertThat(DeployWindows.quartz("0 0 1 * *")).contains("0 0 0 1 * ?");
        assertThat(DeployWindows.quartz("*/15 9-17 * dec *")).contains("0 */15 9-17 * DEC ?");
        for (String bad : List.of("0 0 1 * MON", "0 16 * *", "0 16 * * FRI extra", "0 0 * * */2", "0 0 * * 8",
                "61 0 * * *", "0 16 * * FRI; rm -rf /", "")) {
            assertThat(DeployWindows.quartz(bad)).as(bad).isEmpty();
        }
    }

    @Test
    void aDenyWindowHoldsTheEnvironmentFromItsOpeningUntilItsEnd() {
        DeployWindows w = new DeployWindows(List.of(window(0, Kind.DENY, "0 16 * * FRI", Duration.ofHours(64), List.of())));

        List<Suspension> held = w.closures(FRIDAY_5PM, false);

        assertThat(held).singleElement().satisfies(s -> {
            assertThat(s.isEnvironmentWide()).isTrue();
            assertThat(s.isScheduled()).isTrue();
            assertThat(s.since()).isEqualTo(Instant.parse("2026-12-04T16:00:00Z"));
            assertThat(s.describe()).isEqualTo("held by deploy window deploy-windows[0] (deny \"0 16 * * FRI\" for 64h,"
                + " UTC) since 2026-12-04T16:00:00Z: deploys resume at 2026-12-07T08:00:00Z");
        });
        assertThat(w.closures(Instant.parse("2026-12-07T07:59:59Z"), false)).hasSize(1);
        assertThat(w.closures(Instant.parse("2026-12-07T08:00:00Z"), false)).as("open again on Monday").isEmpty();
        assertThat(w.closures(Instant.parse("2026-12-03T12:00:00Z"), false)).as("Thursday").isEmpty();
        assertThat(w.closures(FRIDAY_5PM, false)).as("the same hold at each reconcile").isEqualTo(held);
    }

    @Test
    void theScheduleIsReadInItsTimeZone() {
        DeployWindows w = new DeployWindows(List.of(new Window("deploy-windows[0]", Kind.DENY, "0 16 * * FRI",
            Duration.ofHours(2), ZoneId.of("Europe/Berlin"), List.of(), false)));

        assertThat(w.closures(Instant.parse("2026-12-04T14:59:00Z"), false)).isEmpty();
        assertThat(w.closures(Instant.parse("2026-12-04T15:30:00Z"), false)).singleElement()
            .extracting(Suspension::since).isEqualTo(Instant.parse("2026-12-04T15:00:00Z"));
    }

    @Test
    void allowWindowsHoldTheirServicesOutsideThemAndTheOthersNot() {
        DeployWindows w = new DeployWindows(List.of(
            window(0, Kind.ALLOW, "0 9 * * MON-FRI", Duration.ofHours(8), List.of("api", "worker"))));

        List<Suspension> saturday = w.closures(Instant.parse("2026-12-05T10:00:00Z"), false);
        assertThat(saturday).extracting(Suspension::service).containsExactly(Optional.of("api"), Optional.of("worker"));
        assertThat(saturday.getFirst().describe()).isEqualTo("held by deploy windows (outside deploy-windows[0]) since"
            + " 2026-12-05T10:00:00Z: the next allow window opens at 2026-12-07T09:00:00Z");
        assertThat(w.closures(Instant.parse("2026-12-05T11:00:00Z"), false)).as("since stays put")
            .isEqualTo(saturday);
        assertThat(w.closures(Instant.parse("2026-12-08T10:00:00Z"), false)).as("Tuesday morning").isEmpty();
        assertThat(w.closures(Instant.parse("2026-12-08T17:00:00Z"), false)).as("Tuesday 5 pm").hasSize(2);
    }

    @Test
    void aDenyWindowWinsOverAnOpenAllowWindow() {
        DeployWindows w = new DeployWindows(List.of(
            window(0, Kind.ALLOW, "0 0 * * *", Duration.ofHours(24), List.of()),
            window(1, Kind.DENY, "0 12 4 12 *", Duration.ofHours(1), List.of("api"))));

        assertThat(w.closures(Instant.parse("2026-12-04T12:30:00Z"), false)).singleElement().satisfies(s -> {
            assertThat(s.service()).contains("api");
            assertThat(s.by()).startsWith("deploy window deploy-windows[1]");
        });
        assertThat(w.closures(Instant.parse("2026-12-04T13:30:00Z"), false)).isEmpty();
    }

    @Test
    void aWindowThatLetsManualReconcilesThroughHoldsOnlyTheScheduledOnes() {
        DeployWindows w = new DeployWindows(List.of(new Window("deploy-windows[0]", Kind.DENY, "0 16 * * FRI",
            Duration.ofHours(64), ZoneId.of("UTC"), List.of(), true)));

        assertThat(w.closures(FRIDAY_5PM, false)).hasSize(1);
        assertThat(w.closures(FRIDAY_5PM, true)).isEmpty();
    }

    @Test
    void openingsWithinAnOpenWindowKeepItOpen() {
        // Every hour of the 4th for 90 minutes: open from midnight to 00:30 the next day (23:00 + 90 min).
        DeployWindows w = new DeployWindows(List.of(window(0, Kind.DENY, "0 * 4 12 *", Duration.ofMinutes(90),
            List.of())));

        assertThat(w.closures(Instant.parse("2026-12-04T10:15:00Z"), false)).singleElement()
            .extracting(Suspension::reason).isEqualTo("deploys resume at 2026-12-05T00:30:00Z");
    }

    @Test
    void noWindowsHoldNothing() {
        assertThat(DeployWindows.NONE.closures(FRIDAY_5PM, false)).isEmpty();
        assertThat(DeployWindows.NONE.isEmpty()).isTrue();
    }
}
