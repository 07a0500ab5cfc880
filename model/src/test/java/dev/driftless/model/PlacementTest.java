package dev.driftless.model;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** {@code placement.count} and {@code spread}: which hosts are chosen, and how little a change of the hosts moves. */
class PlacementTest {

    private static final SourceLocation AT = new SourceLocation("hosts.yaml", 1, 1);

    private static Host host(String name, String zone) {
        TreeMap<String, String> labels = new TreeMap<>(Map.of("role", "app"));
        if (zone != null) {
            labels.put("zone", zone);
        }
        return new Host(name, "10.0.0.1", 22, "deploy", labels, Optional.empty(), Runtime.DOCKER, AT);
    }

    private static List<Host> hosts(int n) {
        return IntStream.rangeClosed(1, n).mapToObj(i -> host("app-" + i, "abc".substring(i % 3, i % 3 + 1))).toList();
    }

    private static Placement count(int count, String spread) {
        return new Placement(List.of(), new TreeMap<>(Map.of("role", "app")), 1, count, Optional.ofNullable(spread));
    }

    private static Set<String> names(List<Host> hosts) {
        return hosts.stream().map(Host::name).collect(Collectors.toSet());
    }

    @Test
    void countChoosesThatManyHostsWhateverTheirOrderAndKeepsTheInventoryOrder() {
        List<Host> candidates = hosts(20);
        List<Host> chosen = count(5, null).choose("api", candidates);
        List<Host> shuffled = new ArrayList<>(candidates);
        Collections.shuffle(shuffled, new java.util.Random(7));

        assertThat(chosen).hasSize(5).isSortedAccordingTo(java.util.Comparator.comparing(candidates::indexOf));
        assertThat(names(count(5, null).choose("api", shuffled))).isEqualTo(names(chosen));
        assertThat(names(count(5, null).choose("web", candidates))).as("another service ranks the hosts differently")
            .isNotEqualTo(names(chosen));
        assertThat(count(20, null).choose("api", candidates)).isEqualTo(candidates);
        assertThat(new Placement(List.of(), new TreeMap<>(Map.of("role", "app")), 2).choose("api", candidates))
            .as("no count: every host").isEqualTo(candidates);
    }

    @Test
    void aHostJoiningOrLeavingMovesAtMostOneInstance() {
        List<Host> candidates = hosts(30);
        Set<String> before = names(count(6, null).choose("api", candidates));
        for (int i = 31; i <= 60; i++) {
            List<Host> more = new ArrayList<>(candidates);
            more.add(host("app-" + i, "a"));
            Set<String> after = names(count(6, null).choose("api", more));
            Set<String> moved = new HashSet<>(before);
            moved.removeAll(after);
            assertThat(moved).as("adding app-%d", i).hasSizeLessThanOrEqualTo(1);
            assertThat(after).hasSize(6);
        }
        for (Host gone : candidates) {
            List<Host> fewer = new ArrayList<>(candidates);
            fewer.remove(gone);
            Set<String> after = names(count(6, null).choose("api", fewer));
            Set<String> kept = new HashSet<>(before);
            kept.remove(gone.name());
            assertThat(after).as("without %s", gone.name()).containsAll(kept).hasSize(6);
        }
    }

    @Test
    void spreadSpreadsAcrossTheLabelsValuesAsEvenlyAsTheHostsAllow() {
        // zone a: 3 hosts, b: 2, c: 1
        List<Host> candidates = List.of(host("a1", "a"), host("a2", "a"), host("a3", "a"), host("b1", "b"),
            host("b2", "b"), host("c1", "c"));
        Map<String, Long> perZone = count(5, "zone").choose("api", candidates).stream()
            .collect(Collectors.groupingBy(h -> h.labels().get("zone"), TreeMap::new, Collectors.counting()));
        assertThat(perZone).isEqualTo(Map.of("a", 2L, "b", 2L, "c", 1L));

        Map<String, Long> three = count(3, "zone").choose("api", candidates).stream()
            .collect(Collectors.groupingBy(h -> h.labels().get("zone"), TreeMap::new, Collectors.counting()));
        assertThat(three).isEqualTo(Map.of("a", 1L, "b", 1L, "c", 1L));

        // Hosts without the label are one more group, of their own.
        List<Host> unlabelled = List.of(host("a1", "a"), host("a2", "a"), host("x1", null), host("x2", null));
        assertThat(count(2, "zone").choose("api", unlabelled)).extracting(h -> h.labels().getOrDefault("zone", "-"))
            .containsExactlyInAnyOrder("a", "-");
    }
}
