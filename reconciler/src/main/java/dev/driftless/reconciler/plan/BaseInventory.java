package dev.driftless.reconciler.plan;

import dev.driftless.model.DesiredState;
import dev.driftless.model.Host;
import dev.driftless.model.Repo;
import dev.driftless.model.RepoLoader;
import dev.driftless.model.RepoTree;
import dev.driftless.model.Runtime;
import dev.driftless.reconciler.observe.HostObservation;
import dev.driftless.reconciler.observe.Observation;
import dev.driftless.reconciler.observe.Observer;
import dev.driftless.reconciler.ssh.HostTarget;
import java.time.Duration;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * The inventory of the base: the commit the hosts were last deployed from. A host it has and a new
 * desired state has not <em>left the inventory</em>: what this environment still runs there is
 * removed by the next reconcile. The daemon and {@code driftless plan} both work this out here, so
 * a pull request that drops a host shows those removals before it is merged.
 */
public final class BaseInventory {

    private final String commit;
    private final Map<String, Host> hosts;
    private final Function<String, Set<Runtime>> runtimes;

    private BaseInventory(String commit, Map<String, Host> hosts, Function<String, Set<Runtime>> runtimes) {
        this.commit = Objects.requireNonNull(commit, "commit");
        this.hosts = Map.copyOf(hosts);
        this.runtimes = runtimes;
    }

    /**
     * The inventory of {@code commit}, read from its tree. A tree whose repo cannot be read at all
     * has no hosts, so nothing is taken to have left.
     */
    public static BaseInventory load(String commit, RepoTree tree, Optional<String> environment) {
        Optional<Repo> repo = RepoLoader.load(tree, environment).repo();
        return new BaseInventory(commit, repo.<Map<String, Host>>map(Repo::hosts).orElse(Map.of()),
            repo.<Function<String, Set<Runtime>>>map(Observer::runtimesFor).orElse(h -> Set.of()));
    }

    /** A base whose inventory is unknown (its commit is no longer in the repo): nothing has left. */
    public static BaseInventory unknown(String commit) {
        return new BaseInventory(commit, Map.of(), h -> Set.of());
    }

    public String commit() {
        return commit;
    }

    /** Whether this inventory has a host of that name (false for an unknown one). */
    public boolean has(String host) {
        return hosts.containsKey(host);
    }

    /**
     * The base's hosts that {@code desired} no longer has, by name. A host whose address and port a
     * host of {@code desired} still has was renamed, not removed: it is left alone.
     */
    public Map<String, HostTarget> departed(DesiredState desired) {
        Set<String> endpoints = desired.hosts().values().stream().map(h -> h.address() + ":" + h.port())
            .collect(Collectors.toSet());
        return Observer.targets(hosts.values().stream()
            .filter(h -> !desired.hosts().containsKey(h.name()) && !endpoints.contains(h.address() + ":" + h.port()))
            .sorted(Comparator.comparing(Host::name)).toList());
    }

    /**
     * The runtimes to list on each host: what {@code wanted} (the desired state's) names, and also
     * whatever the base ran there. So what the new state stops running is found and removed: the
     * containers and units of a host that left the inventory, the units of the last systemd
     * service on a Docker host, the containers of a host whose runtime changed.
     */
    public Function<String, Set<Runtime>> runtimes(Function<String, Set<Runtime>> wanted) {
        return host -> {
            Set<Runtime> on = EnumSet.noneOf(Runtime.class);
            on.addAll(wanted.apply(host));
            on.addAll(runtimes.apply(host));
            return on;
        };
    }

    /**
     * A host that left the inventory and does not answer is taken to be gone (decommissioned): it
     * is dropped from the observation, and {@code dropped} is told, rather than making every plan
     * incomplete and every reconcile retry for ever.
     */
    public static Observation withoutSilentDeparted(Observation seen, Set<String> departed,
                                                    Consumer<HostObservation.Unreachable> dropped) {
        Map<String, HostObservation> kept = new LinkedHashMap<>();
        seen.hosts().forEach((host, o) -> {
            if (departed.contains(host) && o instanceof HostObservation.Unreachable u) {
                dropped.accept(u);
            } else {
                kept.put(host, o);
            }
        });
        return kept.size() == seen.hosts().size() ? seen : new Observation(kept, seen.took());
    }

    /** What is said of a departed host that was dropped, in logs and on a plan's stderr. */
    public static String droppedNote(HostObservation.Unreachable u, Duration retried) {
        return "host " + u.host() + " left the inventory and does not answer (" + u.reason()
            + "): its containers, if it still runs any, are not removed now; the daemon tries again at each"
            + " drift check for " + Departures.describe(retried);
    }
}
