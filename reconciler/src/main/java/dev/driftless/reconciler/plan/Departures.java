package dev.driftless.reconciler.plan;

import dev.driftless.model.DesiredState;
import dev.driftless.model.Runtime;
import dev.driftless.reconciler.ssh.HostTarget;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * The hosts a plan reaches besides the desired inventory's, to remove what this environment still
 * runs there: the base's hosts that the desired state no longer has ({@link
 * BaseInventory#departed}), and the hosts remembered as departed but not cleaned up yet (they did
 * not answer when they left), each reached through the inventory of the last applied commit that
 * still had it. The daemon and {@code driftless plan} both work this out here.
 */
public final class Departures {

    /** How long a departed host that never answers is tried before it is forgotten, unless {@code intervals.departed} says. */
    public static final Duration GIVE_UP = Duration.ofDays(30);

    /** {@code 30 days} for whole days, else as a duration is written ({@code 36h}). */
    public static String describe(Duration d) {
        return d.toDays() > 0 && d.equals(Duration.ofDays(d.toDays())) ? d.toDays() + (d.toDays() == 1 ? " day" : " days")
            : dev.driftless.model.DurationText.format(d);
    }

    private final Map<String, HostTarget> targets;
    private final Map<String, String> inventoryCommits;
    private final Map<String, BaseInventory> remembered;
    private final Optional<BaseInventory> base;
    private final Map<String, String> dropped;

    private Departures(Map<String, HostTarget> targets, Map<String, String> inventoryCommits,
                       Map<String, BaseInventory> remembered, Optional<BaseInventory> base, Map<String, String> dropped) {
        this.targets = Collections.unmodifiableMap(targets);
        this.inventoryCommits = Map.copyOf(inventoryCommits);
        this.remembered = Map.copyOf(remembered);
        this.base = base;
        this.dropped = Collections.unmodifiableMap(dropped);
    }

    /**
     * @param base        the inventory of the commit the hosts were last deployed from, if known
     * @param remembered  remembered departed hosts to try: host name → the commit to reach it through
     * @param inventoryAt reads the inventory of a commit (unknown when the commit is gone)
     */
    public static Departures of(DesiredState desired, Optional<BaseInventory> base, Map<String, String> remembered,
                                Function<String, BaseInventory> inventoryAt) {
        Map<String, HostTarget> targets = new LinkedHashMap<>();
        Map<String, String> commits = new TreeMap<>();
        base.ifPresent(b -> b.departed(desired).forEach((host, target) -> {
            targets.put(host, target);
            commits.put(host, b.commit());
        }));
        Map<String, BaseInventory> through = new TreeMap<>();
        Map<String, String> dropped = new TreeMap<>();
        Map<String, BaseInventory> read = new TreeMap<>();
        for (Map.Entry<String, String> e : new TreeMap<>(remembered).entrySet()) {
            String host = e.getKey();
            if (targets.containsKey(host)) {
                continue;
            }
            BaseInventory inventory = read.computeIfAbsent(e.getValue(), inventoryAt);
            HostTarget target = inventory.departed(desired).get(host);
            if (target != null) {
                targets.put(host, target);
                commits.put(host, e.getValue());
                through.put(host, inventory);
            } else if (inventory.has(host)) {
                dropped.put(host, "it is in the inventory again");
            } else {
                dropped.put(host, "the inventory of commit " + e.getValue().substring(0, Math.min(7, e.getValue().length()))
                    + ", which had it, can no longer be read");
            }
        }
        return new Departures(targets, commits, through, base, dropped);
    }

    /** The departed hosts to observe, by name: the base's first, then remembered ones. */
    public Map<String, HostTarget> targets() {
        return targets;
    }

    /** The commit whose inventory reaches {@code host}, a host of {@link #targets()}. */
    public String inventoryCommit(String host) {
        return inventoryCommits.get(host);
    }

    /**
     * Remembered hosts that no longer count as departed, with why: back in the inventory (by name,
     * or renamed at the same address), or reachable through no inventory any more.
     */
    public Map<String, String> dropped() {
        return dropped;
    }

    /**
     * The runtimes to list on each host: {@code wanted}, what the base ran there ({@link
     * BaseInventory#runtimes}), and for a remembered host what its own inventory ran there.
     */
    public Function<String, Set<Runtime>> runtimes(Function<String, Set<Runtime>> wanted) {
        Function<String, Set<Runtime>> fromBase = base.map(b -> b.runtimes(wanted)).orElse(wanted);
        return host -> {
            Set<Runtime> on = java.util.EnumSet.noneOf(Runtime.class);
            on.addAll(fromBase.apply(host));
            BaseInventory own = remembered.get(host);
            if (own != null) {
                on.addAll(own.runtimes(h -> Set.of()).apply(host));
            }
            return on;
        };
    }
}
