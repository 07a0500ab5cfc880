package dev.driftless.model;

import java.util.List;
import java.util.SortedMap;

/**
 * Which hosts a service runs on: the hosts named, or every host whose labels match the
 * selector (exactly one of the two is non-empty), with {@code replicas} instances on each.
 */
public record Placement(List<String> hosts, SortedMap<String, String> selector, int replicas) {

    public Placement {
        hosts = List.copyOf(hosts);
        selector = Immutables.sortedMap(selector);
        if (replicas < 1) {
            throw new IllegalArgumentException("replicas must be at least 1");
        }
    }

    /** True when {@code host} is one this placement chooses. */
    public boolean selects(Host host) {
        return hosts.isEmpty() ? !selector.isEmpty() && host.matches(selector) : hosts.contains(host.name());
    }

    static Placement nowhere() {
        return new Placement(List.of(), java.util.Collections.emptySortedMap(), 1);
    }
}
