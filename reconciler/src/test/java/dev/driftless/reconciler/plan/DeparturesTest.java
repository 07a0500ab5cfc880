package dev.driftless.reconciler.plan;

import static org.assertj.core.api.Assertions.assertThat;

import dev.driftless.model.DesiredState;
import dev.driftless.model.DirectoryTree;
import dev.driftless.model.RepoLoader;
import dev.driftless.model.Runtime;
import dev.driftless.model.SecretFingerprints;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Which departed hosts a plan reaches: the base's, and remembered ones through their own commit. */
class DeparturesTest {

    @TempDir
    Path tmp;

    private static final String WEB = "name: web\nimage: web:1\nplacement: {selector: {role: web}}\n";
    private static final String EXPORTER = """
        name: exporter
        runtime: systemd
        command: [/usr/bin/exporter]
        placement: {hosts: [old-1]}
        """;

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

    private BaseInventory inventory(String commit, String hosts, String... services) throws IOException {
        return BaseInventory.load(commit, new DirectoryTree(repo(commit, hosts, services)), Optional.empty());
    }

    private DesiredState desired(String hosts) throws IOException {
        var loaded = RepoLoader.load(new DirectoryTree(repo("now", hosts, WEB)), Optional.empty());
        assertThat(loaded.problems()).isEmpty();
        return loaded.repo().orElseThrow().resolve(SecretFingerprints.unresolved());
    }

    @Test
    void rememberedHostsAreReachedThroughTheCommitThatStillHadThem() throws IOException {
        // c1 had old-1 (with a systemd service) and app-9; c2, the base, has app-2 the desired state drops.
        BaseInventory c1 = inventory("c1", """
            hosts:
              old-1: {address: 10.0.0.31, user: deploy, labels: {role: web}}
              app-9: {address: 10.0.0.39, user: deploy, labels: {role: web}}
              back-1: {address: 10.0.0.40, user: deploy, labels: {role: web}}
            """, WEB, EXPORTER);
        BaseInventory base = inventory("c2", """
            hosts:
              app-1: {address: 10.0.0.1, user: deploy, labels: {role: web}}
              app-2: {address: 10.0.0.2, user: deploy, labels: {role: web}}
            """, WEB);
        DesiredState now = desired("""
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
        DesiredState now = desired("""
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
