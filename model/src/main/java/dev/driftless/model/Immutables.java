package dev.driftless.model;

import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import java.util.SortedMap;
import java.util.TreeMap;

/** Defensive copies for the records: sorted, unmodifiable, no null keys or values. */
final class Immutables {

    private Immutables() {
    }

    static <V> SortedMap<String, V> sortedMap(Map<String, V> map) {
        TreeMap<String, V> copy = new TreeMap<>();
        map.forEach((k, v) -> copy.put(Objects.requireNonNull(k, "key"), Objects.requireNonNull(v, "value")));
        return Collections.unmodifiableSortedMap(copy);
    }
}
