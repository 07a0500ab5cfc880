package dev.driftless.model;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Stand-ins for instances on hosts that stopped answering, for services with placement.failover. */
class FailoverTest {

    private static final Instant NOW = Instant.parse("2026-12-07T10:00:00Z");

    @TempDir
    Path dir;

    private DesiredState desired(String placement) {
        TestRepo repo = new TestRepo(dir)
            .file("hosts.yaml", """
                hosts:
                  app-1: {address: 10.0.0.1, user: deploy, labels: {role: app}}
                  app-2: {address: 10.0.0.2, user: deploy, labels: {role: app}}
                  app-3: {address: 10.0.0.3, user: deploy, labels: {role: app}}
                  app-4: {address: 10.0.0.4, user: deploy, labels: {role: app}}
                """)
            .file("services/api.yaml", "image: api:1\nplacement: " + placement + "\n")
            .file("services/web.yaml", "image: web:1\nplacement: {selector: {role: app}, count: 2}\n");
        return repo.repo().resolve(SecretFingerprints.unresolved());
    }

    private static java.util.List<String> hostsOf(DesiredState s, String service) {
        return s.instancesOf(service).stream().map(i -> i.host().name()).sorted().toList();
    }

    @Test
    void aChosenHostSilentForFailoverHandsItsInstanceToTheNextInLineUntilItAnswers() {
        DesiredState repo = desired("{selector: {role: app}, count: 2, failover: 5m}");
        java.util.List<String> chosen = hostsOf(repo, "api");
        String down = chosen.getFirst();

        Failover.Result early = Failover.apply(repo, Map.of(down, NOW.minus(Duration.ofMinutes(4))), NOW);
        assertThat(early.state()).as("not yet: 4 of 5 minutes").isSameAs(repo);
        assertThat(early.reasons()).isEmpty();

        Failover.Result due = Failover.apply(repo, Map.of(down, NOW.minus(Duration.ofMinutes(5))), NOW);
        java.util.List<String> now = hostsOf(due.state(), "api");
        assertThat(now).hasSize(2).doesNotContain(down).contains(chosen.get(1));
        String standIn = now.stream().filter(h -> !chosen.contains(h)).findFirst().orElseThrow();
        Instance moved = due.state().instance("api/" + standIn + "/1").orElseThrow();
        assertThat(moved.fingerprint()).isEqualTo(repo.instancesOf("api").getFirst().fingerprint());
        assertThat(moved.name()).isEqualTo("api-1");
        assertThat(due.reasons()).containsExactly(Map.entry("api/" + standIn + "/1", "placed on " + standIn + " while "
            + down + " does not answer (since 2026-12-07T09:55:00Z; placement.failover 5m)"));
        assertThat(hostsOf(due.state(), "web")).as("without failover the repo decides").isEqualTo(hostsOf(repo, "web"));
        assertThat(due.state().digest()).isNotEqualTo(repo.digest());

        assertThat(Failover.apply(repo, Map.of(), NOW).state()).as("it answers again").isSameAs(repo);
    }

    @Test
    void aHostThatDoesNotAnswerIsNeverAStandInAndAnUnchosenOneDownChangesNothing() {
        DesiredState repo = desired("{selector: {role: app}, count: 2, failover: 1m}");
        java.util.List<String> chosen = hostsOf(repo, "api");
        java.util.List<String> others = repo.hosts().keySet().stream().filter(h -> !chosen.contains(h)).toList();

        assertThat(Failover.apply(repo, Map.of(others.getFirst(), NOW.minus(Duration.ofHours(1))), NOW).state())
            .isSameAs(repo);
        Failover.Result r = Failover.apply(repo, Map.of(chosen.getFirst(), NOW.minus(Duration.ofHours(1)),
            others.getFirst(), NOW.minus(Duration.ofSeconds(5))), NOW);
        assertThat(hostsOf(r.state(), "api")).containsExactlyInAnyOrder(chosen.get(1), others.get(1));
    }

    @Test
    void aHostStaysSilentSinceItFirstMissedAnObservationAndStopsBeingSoWhenItAnswers() {
        Instant earlier = NOW.minus(Duration.ofMinutes(7));
        Map<String, Instant> before = Map.of("app-2", earlier, "app-3", earlier);

        assertThat(Failover.silence(before, java.util.List.of("app-2", "app-4"), NOW))
            .as("app-2 still silent since then, app-4 silent from now, app-3 answered")
            .containsExactly(Map.entry("app-2", earlier), Map.entry("app-4", NOW));
        assertThat(Failover.silence(before, java.util.List.of(), NOW)).isEmpty();
    }

    @Test
    void failoverNeedsACountAndAtLeastASecond() {
        TestRepo repo = new TestRepo(dir)
            .file("hosts.yaml", "hosts:\n  app-1: {address: 10.0.0.1, user: deploy, labels: {role: app}}\n")
            .file("services/a.yaml", "image: a:1\nplacement: {selector: {role: app}, failover: 5m}\n")
            .file("services/b.yaml", "image: b:1\nplacement: {selector: {role: app}, count: 1, failover: 500ms}\n");

        assertThat(TestRepo.lines(repo.load())).containsExactly(
            "services/a.yaml:2:46: placement.failover needs count: it moves one of count instances off a host that"
                + " stopped answering, e.g. {selector: {role: app}, count: 2, failover: 5m}; without count a service"
                + " runs on every host its placement names",
            "services/b.yaml:2:56: placement.failover must be at least 1s, e.g. failover: 5m");
    }
}
