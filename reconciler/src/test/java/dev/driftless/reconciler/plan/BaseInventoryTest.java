package dev.driftless.reconciler.plan;

import static org.assertj.core.api.Assertions.assertThat;

import dev.driftless.model.DesiredState;
import dev.driftless.model.DirectoryTree;
import dev.driftless.model.RepoLoader;
import dev.driftless.model.Runtime;
import dev.driftless.model.SecretFingerprints;
import dev.driftless.reconciler.observe.HostObservation;
import dev.driftless.reconciler.observe.Observation;
import dev.driftless.reconciler.observe.Observer;
import dev.driftless.reconciler.ssh.HostFailure;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Which hosts left the inventory since the base, and what is listed and dropped there. */
class BaseInventoryTest {

    @TempDir
    Path tmp;

    private Path repo(String name, String hosts, String... services) throws IOException {
        Path dir = tmp.resolve(name);
        Files.createDirectories(dir.resolve("services"));
        Files.writeString(dir.resolve("hosts.yaml"), hosts);
        for (String service : services) {
            String file = service.lines().findFirst().orElseThrow().substring("name: ".length());
            Files.writeString(dir.resolve("services/" + file + ".yaml"), service);
        }
        return dir;
    }

    private static DesiredState desired(Path dir) {
        var loaded = RepoLoader.load(new DirectoryTree(dir), Optional.empty());
        assertThat(loaded.problems()).isEmpty();
        return loaded.repo().orElseThrow().resolve(SecretFingerprints.unresolved());
    }

    private static final String WEB = "name: web\nimage: web:1\nplacement: {selector: {role: web}}\n";
    private static final String EXPORTER = """
        name: exporter
        runtime: systemd
        command: [/usr/bin/exporter]
        placement: {hosts: [edge-1]}
        """;

    @Test
    void aHostTheBaseHasAndTheNewStateHasNotHasLeftUnlessItWasOnlyRenamed() throws IOException {
        BaseInventory base = BaseInventory.load("c1", new DirectoryTree(repo("base", """
            hosts:
              app-1: {address: 10.0.0.1, user: deploy, labels: {role: web}}
              app-2: {address: 10.0.0.2, user: deploy, labels: {role: web}}
              app-3: {address: 10.0.0.3, port: 2222, user: deploy, labels: {role: web}}
              edge-1: {address: 10.0.0.9, user: deploy}
            """, WEB, EXPORTER)), Optional.empty());
        DesiredState now = desired(repo("now", """
            hosts:
              app-1: {address: 10.0.0.1, user: deploy, labels: {role: web}}
              web-3: {address: 10.0.0.3, port: 2222, user: deploy, labels: {role: web}}
            """, WEB));

        var departed = base.departed(now);

        assertThat(departed.keySet()).as("app-3 is web-3 now, at the same address and port")
            .containsExactly("app-2", "edge-1");
        assertThat(departed.get("app-2").endpoint()).isEqualTo("deploy@10.0.0.2:22");
        assertThat(departed.get("app-2").labels()).as("ssh.jump rules choose its jump host by them")
            .containsExactly(java.util.Map.entry("role", "web"));
        assertThat(base.commit()).isEqualTo("c1");
    }

    @Test
    void theRuntimesTheBaseRanOnAHostAreListedThereSoWhatTheNewStateDropsIsFound() throws IOException {
        BaseInventory base = BaseInventory.load("c1", new DirectoryTree(repo("base", """
            hosts:
              app-1: {address: 10.0.0.1, user: deploy, labels: {role: web}}
              edge-1: {address: 10.0.0.9, user: deploy}
              edge-2: {address: 10.0.0.10, user: deploy, runtime: systemd}
            """, WEB, EXPORTER)), Optional.empty());
        DesiredState now = desired(repo("now", """
            hosts:
              app-1: {address: 10.0.0.1, user: deploy, labels: {role: web}}
              edge-2: {address: 10.0.0.10, user: deploy}
            """, WEB));

        var runtimes = base.runtimes(Observer.runtimesFor(now));

        assertThat(Observer.runtimesFor(now).apply("app-1")).as("the new state alone").containsExactly(Runtime.DOCKER);
        assertThat(runtimes.apply("app-1")).as("the units of the last systemd service are found to be pruned")
            .containsExactly(Runtime.DOCKER, Runtime.SYSTEMD);
        assertThat(runtimes.apply("edge-1")).as("a host that left: everything it ran")
            .containsExactly(Runtime.DOCKER, Runtime.SYSTEMD);
        assertThat(runtimes.apply("edge-2")).as("a host whose runtime changed: both")
            .containsExactly(Runtime.DOCKER, Runtime.SYSTEMD);
        assertThat(BaseInventory.unknown("c0").runtimes(Observer.runtimesFor(now)).apply("app-1"))
            .containsExactly(Runtime.DOCKER);
    }

    @Test
    void aBaseWhoseRepoCannotBeReadOrIsUnknownHasNoHostsSoNothingLeaves() throws IOException {
        DesiredState now = desired(repo("now", "hosts:\n  app-1: {address: 10.0.0.1, user: deploy}\n"));
        BaseInventory broken = BaseInventory.load("c1", new DirectoryTree(repo("broken", "hosts: [")),
            Optional.empty());

        assertThat(broken.departed(now)).isEmpty();
        assertThat(BaseInventory.unknown("c0").departed(now)).isEmpty();
    }

    @Test
    void aDepartedHostThatDoesNotAnswerIsDroppedAndAKeptOneIsNot() {
        Map<String, HostObservation> seen = new LinkedHashMap<>();
        seen.put("app-1", new HostObservation.Unreachable("app-1", "timed out", HostFailure.Kind.UNREACHABLE));
        seen.put("app-2", new HostObservation.Unreachable("app-2", "connection refused", HostFailure.Kind.UNREACHABLE));
        Observation observation = new Observation(seen, Duration.ofSeconds(1));
        List<String> notes = new ArrayList<>();

        Observation kept = BaseInventory.withoutSilentDeparted(observation, Set.of("app-2"),
            u -> notes.add(BaseInventory.droppedNote(u, Departures.GIVE_UP)));

        assertThat(kept.hosts().keySet()).as("app-1 is still in the inventory: it stays unreachable")
            .containsExactly("app-1");
        assertThat(notes).containsExactly("host app-2 left the inventory and does not answer (connection refused):"
            + " its containers, if it still runs any, are not removed now; the daemon tries again at each drift check"
            + " for 30 days");
        assertThat(BaseInventory.withoutSilentDeparted(observation, Set.of(), u -> notes.add("x")))
            .isSameAs(observation);
    }

    // ---- Departures: the base's departed hosts and the remembered ones ----

    private static final String OLD_EXPORTER = """
        name: exporter
        runtime: systemd
        command: [/usr/bin/exporter]
        placement: {hosts: [old-1]}
        """;

    private BaseInventory inventory(String commit, String hosts, String... services) throws IOException {
        return BaseInventory.load(commit, new DirectoryTree(repo(commit, hosts, services)), Optional.empty());
    }

    private DesiredState desiredHosts(String hosts) throws IOException {
        return desired(repo("now", hosts, WEB));
    }

    @Test
    void rememberedHostsAreReachedThroughTheCommitThatStillHadThem() throws IOException {
        // c1 had old-1 (with a systemd service) and app-9; c2, the base, has app-2 the desired state drops.
        BaseInventory c1 = inventory("c1", """
            hosts:
              old-1: {address: 10.0.0.31, user: deploy, labels: {role: web}}
              app-9: {address: 10.0.0.39, user: deploy, labels: {role: web}}
              back-1: {address: 10.0.0.40, user: deploy, labels: {role: web}}
            """, WEB, OLD_EXPORTER);
        BaseInventory base = inventory("c2", """
            hosts:
              app-1: {address: 10.0.0.1, user: deploy, labels: {role: web}}
              app-2: {address: 10.0.0.2, user: deploy, labels: {role: web}}
            """, WEB);
        DesiredState now = desiredHosts("""
            hosts:
              app-1: {address: 10.0.0.1, user: deploy, labels: {role: web}}
              back-1: {address: 10.0.0.40, user: deploy, labels: {role: web}}
              web-9: {address: 10.0.0.39, user: deploy, labels: {role: web}}
            """);
        List<String> read = new ArrayList<>();

        Departures departures = Departures.of(now, Optional.of(base),
            Map.of("old-1", "c1", "app-9", "c1", "back-1", "c1", "app-2", "c1", "lost-1", "c0"),
            commit -> {
                read.add(commit);
                return commit.equals("c1") ? c1 : BaseInventory.unknown(commit);
            });

        assertThat(departures.targets().keySet()).as("the base's first, then the remembered")
            .containsExactly("app-2", "old-1");
        assertThat(departures.targets().get("old-1").endpoint()).isEqualTo("deploy@10.0.0.31:22");
        assertThat(departures.inventoryCommit("app-2")).isEqualTo("c2");
        assertThat(departures.inventoryCommit("old-1")).isEqualTo("c1");
        assertThat(departures.dropped()).containsOnlyKeys("app-9", "back-1", "lost-1");
        assertThat(departures.dropped().get("back-1")).isEqualTo("it is in the inventory again");
        assertThat(departures.dropped().get("app-9")).as("renamed to web-9 at the same address")
            .isEqualTo("it is in the inventory again");
        assertThat(departures.dropped().get("lost-1")).contains("the inventory of commit c0", "can no longer be read");
        assertThat(read).as("each commit read once").containsExactly("c1", "c0");
        // old-1 ran a systemd service as of c1: its units are listed too, so they are removed.
        assertThat(departures.runtimes(h -> Set.of(Runtime.DOCKER)).apply("old-1"))
            .containsExactlyInAnyOrder(Runtime.DOCKER, Runtime.SYSTEMD);
        assertThat(departures.runtimes(h -> Set.of()).apply("app-2")).containsExactly(Runtime.DOCKER);
    }

    @Test
    void withoutABaseOnlyRememberedHostsDepart() throws IOException {
        BaseInventory c1 = inventory("c1", """
            hosts:
              old-1: {address: 10.0.0.31, user: deploy, labels: {role: web}}
            """, WEB);
        DesiredState now = desiredHosts("""
            hosts:
              app-1: {address: 10.0.0.1, user: deploy, labels: {role: web}}
            """);

        Departures none = Departures.of(now, Optional.empty(), Map.of(), c -> c1);
        Departures one = Departures.of(now, Optional.empty(), Map.of("old-1", "c1"), c -> c1);

        assertThat(none.targets()).isEmpty();
        assertThat(none.dropped()).isEmpty();
        assertThat(one.targets()).containsOnlyKeys("old-1");
    }
}
