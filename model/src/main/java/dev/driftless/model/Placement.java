package dev.driftless.model;

import java.util.ArrayDeque;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * Which hosts a service runs on: the hosts named, or every host whose labels match the
 * selector (exactly one of the two is non-empty), with {@code replicas} instances on each; or,
 * with a {@code count}, that many of those hosts, one instance each, chosen by rendezvous
 * hashing of the service's and the hosts' names (so a host joining or leaving moves few
 * instances) and, with {@code spread}, as evenly as possible across the values of that label.
 *
 * @param count    0 for every matching host; else how many of them run one instance each
 * @param spread   the label whose values the chosen hosts are spread across, with a count
 * @param failover with a count: how long a chosen host may not answer before its instance is placed
 *                 on the next host in line (until it answers again); empty: never
 */
public record Placement(List<String> hosts, SortedMap<String, String> selector, int replicas, int count,
                        Optional<String> spread, Optional<java.time.Duration> failover) {

    public Placement {
        hosts = List.copyOf(hosts);
        selector = Immutables.sortedMap(selector);
        Objects.requireNonNull(spread, "spread");
        Objects.requireNonNull(failover, "failover");
        if (failover.isPresent() && count == 0) {
            throw new IllegalArgumentException("failover needs a count");
        }
        if (replicas < 1) {
            throw new IllegalArgumentException("replicas must be at least 1");
        }
        if (count < 0) {
            throw new IllegalArgumentException("count must not be negative");
        }
        if (count > 0 && replicas != 1) {
            throw new IllegalArgumentException("count places one instance per host: replicas must be 1");
        }
        if (spread.isPresent() && count == 0) {
            throw new IllegalArgumentException("spread needs a count");
        }
    }

    /** Every matching host, {@code replicas} instances on each. */
    public Placement(List<String> hosts, SortedMap<String, String> selector, int replicas) {
        this(hosts, selector, replicas, 0, Optional.empty(), Optional.empty());
    }

    /** A placement without failover. */
    public Placement(List<String> hosts, SortedMap<String, String> selector, int replicas, int count,
                     Optional<String> spread) {
        this(hosts, selector, replicas, count, spread, Optional.empty());
    }

    /** True when {@code host} is one this placement may choose: named, or matching the selector. */
    public boolean selects(Host host) {
        return hosts.isEmpty() ? !selector.isEmpty() && host.matches(selector) : hosts.contains(host.name());
    }

    /**
     * The hosts {@code service} runs on, in the order of {@code candidates}: all of the candidates
     * (the hosts this placement {@link #selects}), or {@code count} of them. Depends only on the
     * names and the spread label's values, never on the candidates' order: the same repo always
     * places the same.
     */
    public List<Host> choose(String service, List<Host> candidates) {
        if (count == 0 || count >= candidates.size()) {
            return candidates;
        }
        Map<String, String> scores = new HashMap<>();
        candidates.forEach(h -> scores.put(h.name(), score(service, h.name())));
        Comparator<Host> byScore = Comparator.comparing((Host h) -> scores.get(h.name())).reversed()
            .thenComparing(Host::name);
        // Each group (a value of the spread label; every host in one group without spread) in score order.
        Map<String, Deque<Host>> groups = new TreeMap<>();
        candidates.stream().sorted(byScore).forEach(h -> groups.computeIfAbsent(
            spread.map(label -> h.labels().getOrDefault(label, "")).orElse(""), g -> new ArrayDeque<>()).add(h));
        Map<String, Integer> taken = new TreeMap<>();
        Set<String> chosen = new HashSet<>();
        while (chosen.size() < count) {
            // The group with the fewest chosen so far that has hosts left; ties by the label's value.
            String next = null;
            for (Map.Entry<String, Deque<Host>> g : groups.entrySet()) {
                if (!g.getValue().isEmpty() && (next == null
                        || taken.getOrDefault(g.getKey(), 0) < taken.getOrDefault(next, 0))) {
                    next = g.getKey();
                }
            }
            chosen.add(groups.get(next).poll().name());
            taken.merge(next, 1, Integer::sum);
        }
        return candidates.stream().filter(h -> chosen.contains(h.name())).toList();
    }

    /** The rendezvous weight of {@code host} for {@code service}: the first 8 bytes of SHA-256, in hex. */
    private static String score(String service, String host) {
        return FingerprintInputs.sha256Hex(service + "\n" + host).substring(0, 16);
    }

    static Placement nowhere() {
        return new Placement(List.of(), java.util.Collections.emptySortedMap(), 1);
    }
}
