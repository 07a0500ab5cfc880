package dev.driftless.reconciler.plan;

import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The difference between desired and observed state, as a value: what apply will do, instance by
 * instance, each with its reason. {@code driftless plan} prints it and the daemon prints and
 * executes the very same object.
 *
 * @param environment  the environment planned
 * @param changes      one entry per instance, ordered by service start order, then host, then instance
 * @param hosts        how observing each host went, in inventory order
 * @param serviceOrder the order apply walks services in ({@code after} first); removed services last
 * @param held         services apply leaves alone, with why (e.g. their commit failed)
 */
public record Plan(
        String environment,
        List<PlannedChange> changes,
        List<HostState> hosts,
        List<String> serviceOrder,
        Map<String, String> held) {

    public Plan {
        Objects.requireNonNull(environment, "environment");
        changes = List.copyOf(changes);
        hosts = List.copyOf(hosts);
        serviceOrder = List.copyOf(serviceOrder);
        held = Map.copyOf(held);
    }

    /** True when apply would change something on a host. */
    public boolean hasChanges() {
        return changes.stream().anyMatch(c -> c.action().changes());
    }

    /** True when some host could not be observed: the plan is incomplete. */
    public boolean isIncomplete() {
        return hosts.stream().anyMatch(h -> !h.reachable());
    }

    /** The entries of one service, in plan order. */
    public List<PlannedChange> changesOf(String service) {
        return changes.stream().filter(c -> c.service().equals(service)).toList();
    }

    /** How many entries there are of each action (every action present, zero or more). */
    public Map<Action, Long> counts() {
        Map<Action, Long> counts = new EnumMap<>(Action.class);
        Arrays.stream(Action.values()).forEach(a -> counts.put(a, 0L));
        changes.forEach(c -> counts.merge(c.action(), 1L, Long::sum));
        return counts;
    }

    /**
     * The one-line summary: "2 to create, 1 to replace, 0 to start, 1 to remove, 3 unchanged"
     * ("…, 1 to restart, …" only when the daemon's probes found an unhealthy instance).
     */
    public String summary() {
        Map<Action, Long> n = counts();
        String s = n.get(Action.CREATE) + " to create, " + n.get(Action.REPLACE) + " to replace, "
            + n.get(Action.START) + " to start, "
            + (n.get(Action.RESTART) > 0 ? n.get(Action.RESTART) + " to restart, " : "")
            + n.get(Action.REMOVE) + " to remove, "
            + n.get(Action.UNCHANGED) + " unchanged";
        long unreachable = hosts.stream().filter(h -> !h.reachable()).count();
        if (unreachable > 0) {
            s += "; " + unreachable + (unreachable == 1 ? " host" : " hosts") + " unreachable";
        }
        return s;
    }
}
