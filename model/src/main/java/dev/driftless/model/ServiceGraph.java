package dev.driftless.model;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The start-order graph of {@code after}: a topological order with ties broken by name, and the
 * cycles that make such an order impossible. Edges to unknown services and self-edges are
 * ignored here (the loader reports them on their own).
 */
final class ServiceGraph {

    private final SortedMap<String, List<String>> after = new TreeMap<>();

    ServiceGraph(Map<String, List<String>> after) {
        after.forEach((service, deps) -> this.after.put(service,
            deps.stream().filter(d -> !d.equals(service) && after.containsKey(d)).distinct().sorted().toList()));
    }

    /** Services before the ones that come after them; among services free to start, by name. */
    List<String> order() {
        Map<String, Integer> waitingOn = new HashMap<>();
        Map<String, List<String>> dependents = new HashMap<>();
        after.forEach((service, deps) -> {
            waitingOn.put(service, deps.size());
            deps.forEach(d -> dependents.computeIfAbsent(d, k -> new ArrayList<>()).add(service));
        });
        TreeSet<String> ready = new TreeSet<>();
        waitingOn.forEach((s, n) -> {
            if (n == 0) {
                ready.add(s);
            }
        });
        List<String> order = new ArrayList<>(after.size());
        while (!ready.isEmpty()) {
            String next = ready.pollFirst();
            order.add(next);
            for (String d : dependents.getOrDefault(next, List.of())) {
                if (waitingOn.merge(d, -1, Integer::sum) == 0) {
                    ready.add(d);
                }
            }
        }
        // Only reachable with a cycle, which the loader rejects; keep the order total anyway.
        after.keySet().stream().filter(s -> !order.contains(s)).forEach(order::add);
        return List.copyOf(order);
    }

    /**
     * One cycle per strongly connected component, as a path that starts and ends at the
     * component's smallest name, e.g. {@code [api, worker, api]}; sorted by that name.
     */
    List<List<String>> cycles() {
        List<List<String>> cycles = new ArrayList<>();
        for (TreeSet<String> component : components()) {
            if (component.size() > 1) {
                cycles.add(pathBack(component.first(), component));
            }
        }
        cycles.sort((a, b) -> a.getFirst().compareTo(b.getFirst()));
        return List.copyOf(cycles);
    }

    /** The shortest path from start back to start inside the component (breadth first, by name). */
    private List<String> pathBack(String start, TreeSet<String> component) {
        Map<String, String> parent = new HashMap<>();
        Deque<String> queue = new ArrayDeque<>(List.of(start));
        while (!queue.isEmpty()) {
            String at = queue.poll();
            for (String next : after.get(at)) {
                if (!component.contains(next)) {
                    continue;
                }
                if (next.equals(start)) {
                    List<String> path = new ArrayList<>();
                    path.add(start);
                    for (String s = at; !s.equals(start); s = parent.get(s)) {
                        path.add(1, s);
                    }
                    path.add(start);
                    return path;
                }
                if (!parent.containsKey(next)) {
                    parent.put(next, at);
                    queue.add(next);
                }
            }
        }
        throw new IllegalStateException("a strongly connected component always has a cycle");
    }

    /** Tarjan's strongly connected components. */
    private List<TreeSet<String>> components() {
        Map<String, Integer> index = new HashMap<>();
        Map<String, Integer> low = new HashMap<>();
        Deque<String> stack = new ArrayDeque<>();
        java.util.Set<String> onStack = new java.util.HashSet<>();
        List<TreeSet<String>> result = new ArrayList<>();
        int[] counter = {0};
        for (String s : after.keySet()) {
            if (!index.containsKey(s)) {
                strongConnect(s, index, low, stack, onStack, result, counter);
            }
        }
        return result;
    }

    private void strongConnect(String v, Map<String, Integer> index, Map<String, Integer> low, Deque<String> stack,
            java.util.Set<String> onStack, List<TreeSet<String>> result, int[] counter) {
        index.put(v, counter[0]);
        low.put(v, counter[0]);
        counter[0]++;
        stack.push(v);
        onStack.add(v);
        for (String w : after.get(v)) {
            if (!index.containsKey(w)) {
                strongConnect(w, index, low, stack, onStack, result, counter);
                low.put(v, Math.min(low.get(v), low.get(w)));
            } else if (onStack.contains(w)) {
                low.put(v, Math.min(low.get(v), index.get(w)));
            }
        }
        if (low.get(v).equals(index.get(v))) {
            TreeSet<String> component = new TreeSet<>();
            String w;
            do {
                w = stack.pop();
                onStack.remove(w);
                component.add(w);
            } while (!w.equals(v));
            result.add(component);
        }
    }
}
