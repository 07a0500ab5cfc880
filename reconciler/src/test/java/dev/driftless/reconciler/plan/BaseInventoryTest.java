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
            u -> notes.add(BaseInventory.droppedNote(u)));

        assertThat(kept.hosts().keySet()).as("app-1 is still in the inventory: it stays unreachable")
            .containsExactly("app-1");
        assertThat(notes).containsExactly("host app-2 left the inventory and does not answer (connection refused):"
            + " its containers, if it still runs any, are not removed now; the daemon tries again at each drift check"
            + " for 30 days");
        assertThat(BaseInventory.withoutSilentDeparted(observation, Set.of(), u -> notes.add("x")))
            .isSameAs(observation);
    }
}
