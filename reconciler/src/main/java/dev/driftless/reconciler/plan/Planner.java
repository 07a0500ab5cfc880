package dev.driftless.reconciler.plan;

import dev.driftless.model.DesiredState;
import dev.driftless.model.FingerprintInputs;
import dev.driftless.model.Instance;
import dev.driftless.reconciler.observe.ContainerState;
import dev.driftless.reconciler.observe.HostObservation;
import dev.driftless.reconciler.observe.Observation;
import dev.driftless.reconciler.observe.ObservedContainer;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The pure heart of driftless: desired state × observed state → {@link Plan}. It pairs live
 * containers with desired instances by (host, service, instance name); a desired instance without a
 * container is created, a container without a desired instance is removed, and a pair is compared
 * by fingerprint. Containers of other environments and unmanaged containers are never in the
 * observation's picture of this environment, so they are never touched.
 */
public final class Planner {

    private final Clock clock;

    public Planner(Clock clock) {
        this.clock = clock;
    }

    /** A plan that leaves no service held. */
    public Plan plan(DesiredState desired, Observation observed) {
        return plan(desired, observed, Map.of());
    }

    /**
     * @param held services apply must leave as they are, with the reason to show (a service whose
     *     commit failed its rollout is not retried until a new commit arrives); their containers
     *     are kept as they are, even when the desired state no longer has them
     */
    public Plan plan(DesiredState desired, Observation observed, Map<String, String> held) {
        return plan(desired, observed, held, Set.of());
    }

    /**
     * @param departed hosts that left the inventory since the last applied commit and were observed
     *     anyway: every container of this environment there is removed (held services excepted)
     */
    public Plan plan(DesiredState desired, Observation observed, Map<String, String> held, Set<String> departed) {
        List<PlannedChange> changes = new ArrayList<>();
        List<HostState> hosts = new ArrayList<>();
        for (String host : desired.hosts().keySet()) {
            HostObservation seen = observed.host(host).orElse(
                new HostObservation.Unreachable(host, "host " + host + " was not observed",
                    dev.driftless.reconciler.ssh.HostFailure.Kind.UNREACHABLE));
            switch (seen) {
                case HostObservation.Unreachable u -> {
                    hosts.add(new HostState(host, false, Optional.of(u.reason()), 0, Duration.ZERO));
                    for (Instance i : desired.instancesOn(host)) {
                        changes.add(new PlannedChange(i.service().name(), host, i.name(), Action.UNKNOWN,
                            List.of("host unreachable"), Optional.of(i), Optional.empty()));
                    }
                }
                case HostObservation.Reachable r -> {
                    List<ObservedContainer> ours = ours(r, desired.environment());
                    hosts.add(hostState(host, ours, r));
                    List<PlannedChange> planned = new ArrayList<>();
                    planHost(desired, host, ours, held, planned);
                    planned.forEach(c -> changes.add(hold(c, held)));
                }
            }
        }
        for (String host : new TreeSet<>(departed)) {
            if (desired.hosts().containsKey(host)
                    || !(observed.host(host).orElse(null) instanceof HostObservation.Reachable r)) {
                continue;
            }
            List<ObservedContainer> ours = ours(r, desired.environment());
            hosts.add(hostState(host, ours, r));
            for (ObservedContainer c : ours) {
                String service = c.service().orElseThrow();
                String instance = c.instance().orElseThrow();
                changes.add(held.containsKey(service)
                    ? new PlannedChange(service, host, instance, Action.UNCHANGED, List.of("held: " + held.get(service)),
                        Optional.empty(), Optional.of(c))
                    : new PlannedChange(service, host, instance, Action.REMOVE,
                        List.of("not in desired state (host " + host + " left the inventory)"), Optional.empty(),
                        Optional.of(c)));
            }
        }
        List<String> order = new ArrayList<>(desired.serviceOrder());
        new TreeSet<>(changes.stream().map(PlannedChange::service).toList()).stream()
            .filter(s -> !order.contains(s)).forEach(order::add);
        Map<String, Integer> rank = new LinkedHashMap<>();
        order.forEach(s -> rank.put(s, rank.size()));
        changes.sort(Comparator.<PlannedChange>comparingInt(c -> rank.get(c.service()))
            .thenComparing(PlannedChange::host)
            .thenComparing(c -> c.instance().length())
            .thenComparing(PlannedChange::instance)
            .thenComparing(c -> c.observed().map(ObservedContainer::name).orElse("")));
        return new Plan(desired.environment(), changes, hosts, order, held);
    }

    private static HostState hostState(String host, List<ObservedContainer> ours, HostObservation.Reachable r) {
        int units = (int) ours.stream().filter(c -> c.runtime() == dev.driftless.model.Runtime.SYSTEMD).count();
        return new HostState(host, true, Optional.empty(), ours.size() - units, r.took(), units);
    }

    /** The managed containers of {@code environment} on a host: never anything else. */
    public static List<ObservedContainer> ours(HostObservation.Reachable host, String environment) {
        return host.containers().stream()
            .filter(c -> c.environment().orElse("").equals(environment))
            .filter(c -> c.service().isPresent() && c.instance().isPresent())
            .toList();
    }

    /**
     * A held service is frozen: whatever it would do becomes "unchanged", with the hold and the
     * change it waits with as the reason, so nothing retries a failed commit.
     */
    private static PlannedChange hold(PlannedChange c, Map<String, String> held) {
        String why = held.get(c.service());
        if (why == null || !c.action().changes()) {
            return c;
        }
        return new PlannedChange(c.service(), c.host(), c.instance(), Action.UNCHANGED,
            List.of("held: " + why + " (would " + c.action().label() + ": " + c.reason() + ")"), c.desired(),
            c.observed());
    }

    private void planHost(DesiredState desired, String host, List<ObservedContainer> containers,
                          Map<String, String> held, List<PlannedChange> out) {
        Map<String, List<ObservedContainer>> byInstance = new TreeMap<>();
        for (ObservedContainer c : containers) {
            byInstance.computeIfAbsent(key(c.service().orElseThrow(), c.instance().orElseThrow()),
                k -> new ArrayList<>()).add(c);
        }
        for (Instance want : desired.instancesOn(host)) {
            String service = want.service().name();
            List<ObservedContainer> found = byInstance.remove(key(service, want.name()));
            if (found == null || found.isEmpty()) {
                out.add(change(want, host, Action.CREATE,
                    List.of("no " + want.service().runtime().instanceNoun() + " for this instance"), Optional.empty()));
                continue;
            }
            ObservedContainer best = found.stream().min(preference(want)).orElseThrow();
            out.add(compare(want, host, best));
            for (ObservedContainer extra : found) {
                if (extra != best) {
                    out.add(new PlannedChange(service, host, want.name(), Action.REMOVE,
                        List.of("duplicate of " + want.name() + ": " + describeState(extra)),
                        Optional.empty(), Optional.of(extra)));
                }
            }
        }
        for (List<ObservedContainer> leftovers : byInstance.values()) {
            for (ObservedContainer c : leftovers) {
                String service = c.service().orElseThrow();
                String instance = c.instance().orElseThrow();
                if (held.containsKey(service)) {
                    out.add(new PlannedChange(service, host, instance, Action.UNCHANGED,
                        List.of("held: " + held.get(service)), Optional.empty(), Optional.of(c)));
                } else {
                    out.add(new PlannedChange(service, host, instance, Action.REMOVE,
                        List.of(whyNotWanted(desired, service, host)), Optional.empty(), Optional.of(c)));
                }
            }
        }
    }

    /** Among containers of one instance, keep the one closest to what is wanted. */
    private static Comparator<ObservedContainer> preference(Instance want) {
        return Comparator.<ObservedContainer>comparingInt(c -> c.fingerprint().orElse("").equals(want.fingerprint()) ? 0 : 1)
            .thenComparingInt(c -> c.isRunning() ? 0 : 1)
            .thenComparing(c -> c.startedAt().orElse(Instant.EPOCH), Comparator.reverseOrder())
            .thenComparing(ObservedContainer::name);
    }

    private PlannedChange compare(Instance want, String host, ObservedContainer have) {
        if (!have.fingerprint().orElse("").equals(want.fingerprint())) {
            return change(want, host, Action.REPLACE, differences(want, have), Optional.of(have));
        }
        if (have.drift().isPresent()) {
            return change(want, host, Action.REPLACE, List.of(have.drift().get()), Optional.of(have));
        }
        return switch (have.state()) {
            case RUNNING, RESTARTING -> change(want, host, Action.UNCHANGED, List.of(), Optional.of(have));
            case PAUSED -> change(want, host, Action.REPLACE, List.of("container paused"), Optional.of(have));
            case CREATED, EXITED, DEAD, REMOVING, UNKNOWN ->
                change(want, host, Action.START, List.of(describeState(have)), Optional.of(have));
        };
    }

    private static PlannedChange change(Instance want, String host, Action action, List<String> reasons,
                                        Optional<ObservedContainer> have) {
        return new PlannedChange(want.service().name(), host, want.name(), action, reasons, Optional.of(want), have);
    }

    /** What the spec label on the container says differs, or that the spec is unknown. */
    private static List<String> differences(Instance want, ObservedContainer have) {
        if (have.spec().isEmpty()) {
            return List.of("fingerprint " + shortFp(have.fingerprint().orElse("none")) + " → "
                + want.shortFingerprint() + " (the " + have.noun() + " carries no readable spec)");
        }
        List<String> reasons = want.inputs().changesSince(new FingerprintInputs(new TreeMap<>(have.spec())))
            .stream().map(FingerprintInputs.Change::describe).toList();
        return reasons.isEmpty()
            ? List.of("fingerprint " + shortFp(have.fingerprint().orElse("none")) + " → " + want.shortFingerprint())
            : reasons;
    }

    private static String shortFp(String fp) {
        String hex = fp.startsWith("sha256:") ? fp.substring(7) : fp;
        return hex.length() > 16 ? hex.substring(0, 16) : hex;
    }

    private static String whyNotWanted(DesiredState desired, String service, String host) {
        if (!desired.services().containsKey(service)) {
            return "not in desired state (service " + service + " is not in the repo)";
        }
        if (desired.instancesOf(service).stream().noneMatch(i -> i.host().name().equals(host))) {
            return "not in desired state (" + service + " is no longer placed on " + host + ")";
        }
        return "not in desired state (fewer replicas of " + service + " on " + host + ")";
    }

    private String describeState(ObservedContainer c) {
        String state = switch (c.state()) {
            case EXITED -> c.noun() + " exited" + c.finishedAt().map(this::ago).orElse("")
                + " (exit code " + c.exitCode() + ")";
            case CREATED -> c.noun() + " created but never started";
            case DEAD -> c.noun() + " dead";
            case RUNNING -> "running";
            default -> c.noun() + " " + c.state().label();
        };
        return c.state() == ContainerState.RUNNING ? "running as " + c.name() : state;
    }

    private String ago(Instant when) {
        Duration d = Duration.between(when, clock.instant());
        if (d.isNegative() || d.toSeconds() < 60) {
            return " " + Math.max(0, d.toSeconds()) + " s ago";
        }
        if (d.toMinutes() < 120) {
            return " " + d.toMinutes() + " min ago";
        }
        if (d.toHours() < 48) {
            return " " + d.toHours() + " h ago";
        }
        return " " + d.toDays() + " days ago";
    }

    private static String key(String service, String instance) {
        return service + "\u0000" + instance;
    }
}
