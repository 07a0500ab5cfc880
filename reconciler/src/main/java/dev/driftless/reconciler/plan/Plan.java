package dev.driftless.reconciler.plan;

import java.util.Arrays;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

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
 * @param jobsRan      specs ({@link #jobKey}) whose pre-deploy job already succeeded, per the history:
 *                     no job runs for them again
 */
public record Plan(
        String environment,
        List<PlannedChange> changes,
        List<HostState> hosts,
        List<String> serviceOrder,
        Map<String, String> held,
        Set<String> jobsRan) {

    public Plan {
        Objects.requireNonNull(environment, "environment");
        changes = List.copyOf(changes);
        hosts = List.copyOf(hosts);
        serviceOrder = List.copyOf(serviceOrder);
        held = Map.copyOf(held);
        jobsRan = Set.copyOf(jobsRan);
    }

    /** A plan that knows of no pre-deploy job run before. */
    public Plan(String environment, List<PlannedChange> changes, List<HostState> hosts, List<String> serviceOrder,
                Map<String, String> held) {
        this(environment, changes, hosts, serviceOrder, held, Set.of());
    }

    /** This plan, knowing that the pre-deploy jobs of {@code jobsRan} ({@link #jobKey}) already succeeded. */
    public Plan withJobsRan(Set<String> jobsRan) {
        return new Plan(environment, changes, hosts, serviceOrder, held, jobsRan);
    }

    /**
     * This plan with each creation of a failover stand-in saying why it is there: {@code reasons}
     * by instance id ({@link dev.driftless.model.Failover.Result#reasons}).
     */
    public Plan withStandIns(Map<String, String> reasons) {
        if (reasons.isEmpty()) {
            return this;
        }
        List<PlannedChange> explained = changes.stream().map(c -> c.action() == Action.CREATE
            && c.desired().map(i -> reasons.containsKey(i.id())).orElse(false)
            ? new PlannedChange(c.service(), c.host(), c.instance(), c.action(),
                List.of(reasons.get(c.desired().get().id())), c.desired(), c.observed()) : c).toList();
        return new Plan(environment, explained, hosts, serviceOrder, held, jobsRan);
    }

    /**
     * This plan, knowing which of the pre-deploy jobs it would run already succeeded for their
     * spec: {@code ran} answers for a service and a fingerprint (the deployment history does). A
     * heal that recreates the only instance of a deployed spec then runs no job again.
     */
    public Plan withJobsRan(java.util.function.BiPredicate<String, String> ran) {
        Set<String> known = new java.util.TreeSet<>();
        for (String service : serviceOrder) {
            preDeployDue(service).flatMap(PlannedChange::desired).map(dev.driftless.model.Instance::fingerprint)
                .filter(fp -> ran.test(service, fp))
                .ifPresent(fp -> known.add(jobKey(service, fp)));
        }
        return known.isEmpty() ? this : withJobsRan(known);
    }

    /**
     * Per host, the networks that containers this plan replaces or removes were on and that no
     * instance it wants there joins: apply removes each once those containers are gone, if this
     * environment made it and nothing else is attached to it.
     */
    public java.util.SortedMap<String, java.util.SortedSet<String>> networksLeft() {
        java.util.SortedMap<String, java.util.SortedSet<String>> left = new java.util.TreeMap<>();
        for (PlannedChange c : changes) {
            if ((c.action() == Action.REPLACE || c.action() == Action.REMOVE) && c.observed().isPresent()) {
                c.observed().get().networks().stream().filter(n -> !wants(c.host(), n))
                    .forEach(n -> left.computeIfAbsent(c.host(), h -> new java.util.TreeSet<>()).add(n));
            }
        }
        return left;
    }

    /** Whether an instance this plan wants on {@code host}, of any service, joins {@code network}. */
    public boolean wants(String host, String network) {
        return changes.stream().filter(c -> c.host().equals(host)).flatMap(c -> c.desired().stream())
            .anyMatch(i -> i.service().networks().contains(network));
    }

    /**
     * Whether an instance this plan wants on {@code host}, of any service, runs an image of
     * {@code repository} ({@code registry:5000/shop/api}).
     */
    public boolean wantsImagesOf(String host, String repository) {
        return changes.stream().filter(c -> c.host().equals(host)).flatMap(c -> c.desired().stream())
            .anyMatch(i -> i.service().imageRepository().filter(repository::equals).isPresent());
    }

    /**
     * Whether an instance this plan wants on {@code host}, of any service, runs the image {@code
     * ref} ({@code registry:5000/shop/api:1.4.2}): one that a service rolling out beside another
     * may not have started yet.
     */
    public boolean wantsImage(String host, String ref) {
        return changes.stream().filter(c -> c.host().equals(host)).flatMap(c -> c.desired().stream())
            .anyMatch(i -> i.service().image().filter(ref::equals).isPresent());
    }

    /** How {@link #jobsRan} names the pre-deploy job of one spec of a service. */
    public static String jobKey(String service, String fingerprint) {
        return service + "@" + fingerprint;
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

    /**
     * The change of {@code service} its pre-deploy job runs for, if it has one and it is due: when
     * this plan starts a spec (a create or replace) that no instance of the service runs yet
     * anywhere and whose job has not succeeded before ({@link #jobsRan}). A heal that recreates a
     * lost instance of a deployed spec, or more replicas of it, runs no job. The job runs on this
     * change's host.
     */
    public Optional<PlannedChange> preDeployDue(String service) {
        List<PlannedChange> of = changesOf(service);
        Set<String> running = new HashSet<>();
        of.forEach(c -> c.observed().flatMap(o -> o.fingerprint()).ifPresent(running::add));
        return of.stream()
            .filter(c -> c.action() == Action.CREATE || c.action() == Action.REPLACE)
            .filter(c -> c.desired().isPresent() && c.desired().get().service().rollout().preDeploy().isPresent())
            .filter(c -> !running.contains(c.desired().get().fingerprint()))
            .filter(c -> !jobsRan.contains(jobKey(service, c.desired().get().fingerprint())))
            .findFirst();
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
