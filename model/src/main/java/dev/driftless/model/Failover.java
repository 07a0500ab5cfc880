package dev.driftless.model;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * The desired state while hosts do not answer: for each service with {@code placement.failover},
 * an instance on a chosen host that has not answered for at least that long is placed on the
 * next host in line instead, as if the host had left the selector, until it answers again. Pure:
 * the repo's desired state, when each host stopped answering, and the time in; the state to plan
 * and why each stand-in is there out.
 *
 * <p>Hosts that do not answer now are never chosen as stand-ins, and a chosen host that stopped
 * answering less than {@code failover} ago keeps its instance. The stand-in runs the same spec
 * (fingerprint) as the instance it replaces. Services without {@code failover} place as the repo
 * says, whatever answers.
 */
public final class Failover {

    private Failover() {
    }

    /**
     * @param state   the state to plan: the repo's, with stand-ins where a failover is due
     * @param reasons the stand-in instances by id, each with why it is there ("placed on app-3
     *                while app-2 does not answer (since …; placement.failover 5m)")
     */
    public record Result(DesiredState state, SortedMap<String, String> reasons) {
        public Result {
            Objects.requireNonNull(state, "state");
            reasons = Immutables.sortedMap(reasons);
        }
    }

    /**
     * The silence after an observation: each host that did not answer keeps when it stopped
     * answering ({@code before}), or stops now; a host that answered, or was not asked, is no
     * longer silent.
     *
     * @param before     the silence before the observation, host → since when
     * @param unanswered the hosts that did not answer it
     */
    public static SortedMap<String, Instant> silence(Map<String, Instant> before, Collection<String> unanswered,
                                                     Instant now) {
        SortedMap<String, Instant> silent = new TreeMap<>();
        unanswered.forEach(host -> silent.put(host, before.getOrDefault(host, now)));
        return silent;
    }

    /**
     * @param unreachableSince hosts that do not answer now, each with when it stopped answering
     */
    public static Result apply(DesiredState desired, Map<String, Instant> unreachableSince, Instant now) {
        if (unreachableSince.isEmpty()) {
            return new Result(desired, new TreeMap<>());
        }
        List<Instance> instances = new ArrayList<>();
        SortedMap<String, String> reasons = new TreeMap<>();
        for (Service service : desired.services().values()) {
            List<Instance> mine = desired.instancesOf(service.name());
            Placement placement = service.placement();
            if (placement.failover().isEmpty() || mine.isEmpty()) {
                instances.addAll(mine);
                continue;
            }
            Duration after = placement.failover().get();
            Set<String> chosen = mine.stream().map(i -> i.host().name()).collect(Collectors.toSet());
            Set<String> expired = new TreeSet<>(chosen.stream().filter(h -> unreachableSince.containsKey(h)
                && !unreachableSince.get(h).plus(after).isAfter(now)).toList());
            if (expired.isEmpty()) {
                instances.addAll(mine);
                continue;
            }
            List<Host> candidates = desired.hosts().values().stream().filter(placement::selects)
                .filter(h -> !expired.contains(h.name()))
                .filter(h -> chosen.contains(h.name()) || !unreachableSince.containsKey(h.name()))
                .toList();
            Instance model = mine.getFirst();
            String why = " while " + String.join(", ", expired) + (expired.size() == 1 ? " does" : " do")
                + " not answer (since " + expired.stream().map(h -> unreachableSince.get(h).toString())
                .collect(Collectors.joining(", ")) + "; placement.failover " + DurationText.format(after) + ")";
            for (Host host : placement.choose(service.name(), candidates)) {
                mine.stream().filter(i -> i.host().name().equals(host.name())).findFirst().ifPresentOrElse(
                    instances::add, () -> {
                        Instance standIn = new Instance(Instance.idOf(service.name(), host.name(), 1),
                            Instance.nameOf(service.name(), 1), service, host, 1, model.inputs(), model.fingerprint());
                        instances.add(standIn);
                        reasons.put(standIn.id(), "placed on " + host.name() + why);
                    });
            }
        }
        if (reasons.isEmpty()) {
            return new Result(desired, reasons);
        }
        return new Result(new DesiredState(desired.environment(), desired.hosts(), desired.services(), instances,
            desired.registries()), reasons);
    }
}
