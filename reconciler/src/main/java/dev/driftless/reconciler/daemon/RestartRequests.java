package dev.driftless.reconciler.daemon;

import dev.driftless.reconciler.apply.Applier;
import dev.driftless.reconciler.history.RestartRequest;
import dev.driftless.reconciler.history.ServiceOutcome;
import dev.driftless.reconciler.plan.Action;
import dev.driftless.reconciler.plan.Plan;
import dev.driftless.reconciler.plan.PlannedChange;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * Turns operators' restart requests ({@code driftless restart}) into plan changes: each running
 * instance of the desired spec that a request names becomes a {@link Action#RESTART} whose reason
 * says who asked and why. Pure: a plan and the pending requests in, a plan and what became of each
 * request out.
 *
 * <p>An instance the plan changes anyway (created, replaced, started or restarted because it is
 * unhealthy) gets a new process from that change, which serves the request too. An instance on a
 * host that does not answer is not restarted, and the request says so. A request for a service the
 * commit does not have, for hosts where the service runs no instance, or for a service held at its
 * last good state after a failed commit (its instances run another commit's spec than the one the
 * plan knows) is refused at once, with the reason. Requests for suspended services or closed deploy
 * windows are not handed in: they wait.
 */
public final class RestartRequests {

    private RestartRequests() {
    }

    /**
     * What became of the requests.
     *
     * @param plan      the plan with the requested restarts
     * @param restarts  the instances ({@link Applier#verifyKey}) restarted because a request asked
     * @param taken     the requests this plan serves, each with the instances it covers (restarted or
     *                  changed anyway) and its notes (hosts that did not answer, named hosts without
     *                  an instance)
     * @param ended     the requests that end now without a reconcile: refused, or with every
     *                  instance they name on a host that did not answer
     */
    public record Applied(Plan plan, Set<String> restarts, List<Taken> taken, List<Ended> ended) {
        public Applied {
            restarts = Set.copyOf(restarts);
            taken = List.copyOf(taken);
            ended = List.copyOf(ended);
        }
    }

    /** A request this plan serves. */
    public record Taken(RestartRequest request, List<PlannedChange> covered, List<String> notes) {
        public Taken {
            covered = List.copyOf(covered);
            notes = List.copyOf(notes);
        }

        /**
         * How the request ended once apply has run: {@link RestartRequest.Outcome#RESTARTED} when
         * its service succeeded and nothing was left out, else {@link RestartRequest.Outcome#INCOMPLETE}
         * with apply's message for the service.
         */
        public Ended after(Optional<ServiceOutcome> outcome, Optional<String> message) {
            String what = covered.stream().map(c -> c.instance() + " on " + c.host()
                + (c.action() == Action.RESTART ? "" : " (" + c.action().label() + "d by the same reconcile)"))
                .reduce((a, b) -> a + ", " + b).orElse("nothing");
            List<String> left = new ArrayList<>(notes);
            if (outcome.isPresent() && outcome.get() == ServiceOutcome.SUCCEEDED && left.isEmpty()) {
                return new Ended(request, RestartRequest.Outcome.RESTARTED, "restarted " + what);
            }
            String said = outcome.isEmpty() ? "the reconcile stopped before it reached " + request.service()
                : outcome.get().name().toLowerCase(java.util.Locale.ROOT) + ": " + message.orElse("");
            left.addFirst(said);
            return new Ended(request, RestartRequest.Outcome.INCOMPLETE, "asked: " + what + "; " + String.join("; ",
                left));
        }
    }

    /** A request's end, to record. */
    public record Ended(RestartRequest request, RestartRequest.Outcome outcome, String message) {
    }

    /**
     * @param plan     the plan as apply would run it without the requests
     * @param pending  the requests to serve now (none for a suspended service)
     * @param held     services held at their last good state after a failed commit, with the reason
     * @param commit   the short commit the plan is of, for messages
     */
    public static Applied apply(Plan plan, List<RestartRequest> pending, Map<String, String> held, String commit) {
        List<PlannedChange> changes = new ArrayList<>(plan.changes());
        Set<String> restarts = new LinkedHashSet<>();
        List<Taken> taken = new ArrayList<>();
        List<Ended> ended = new ArrayList<>();
        for (RestartRequest r : pending) {
            String service = r.service();
            Set<String> runsOn = new TreeSet<>();
            plan.changes().stream().filter(c -> c.service().equals(service) && c.desired().isPresent())
                .forEach(c -> runsOn.add(c.host()));
            if (runsOn.isEmpty()) {
                ended.add(new Ended(r, RestartRequest.Outcome.REFUSED, "service " + service
                    + " is not in the desired state of commit " + commit));
                continue;
            }
            if (held.containsKey(service)) {
                ended.add(new Ended(r, RestartRequest.Outcome.REFUSED, "not restarted: " + service + " is held ("
                    + held.get(service) + ")"));
                continue;
            }
            List<String> notes = new ArrayList<>();
            List<String> missing = r.hosts().stream().filter(h -> !runsOn.contains(h)).toList();
            if (missing.size() == r.hosts().size() && !missing.isEmpty()) {
                ended.add(new Ended(r, RestartRequest.Outcome.REFUSED, service + " has no instance on "
                    + String.join(", ", missing) + " (it runs on " + String.join(", ", runsOn) + ")"));
                continue;
            }
            if (!missing.isEmpty()) {
                notes.add("no instance on " + String.join(", ", missing));
            }
            Map<Integer, PlannedChange> covered = new LinkedHashMap<>();
            Set<String> silent = new TreeSet<>();
            for (int i = 0; i < changes.size(); i++) {
                PlannedChange c = changes.get(i);
                if (!c.service().equals(service) || c.desired().isEmpty() || !r.names(c.host())) {
                    continue;
                }
                switch (c.action()) {
                    case UNKNOWN -> silent.add(c.host());
                    case UNCHANGED -> {
                        if (restartable(c)) {
                            PlannedChange restart = new PlannedChange(c.service(), c.host(), c.instance(),
                                Action.RESTART, List.of(r.stepReason()), c.desired(), c.observed());
                            changes.set(i, restart);
                            restarts.add(Applier.verifyKey(c.service(), c.host(), c.instance()));
                            covered.put(i, restart);
                        }
                    }
                    case CREATE, REPLACE, START, RESTART -> covered.put(i, c);
                    case REMOVE -> {
                        // a duplicate or a retired container: not an instance to restart
                    }
                }
            }
            if (!silent.isEmpty()) {
                notes.add("not restarted on " + String.join(", ", silent) + " (did not answer)");
            }
            if (covered.isEmpty()) {
                ended.add(new Ended(r, silent.isEmpty() ? RestartRequest.Outcome.REFUSED
                    : RestartRequest.Outcome.INCOMPLETE, silent.isEmpty() ? "nothing of " + service
                    + " runs to restart" : String.join("; ", notes)));
                continue;
            }
            taken.add(new Taken(r, List.copyOf(covered.values()), notes));
        }
        Plan out = restarts.isEmpty() ? plan : new Plan(plan.environment(), changes, plan.hosts(), plan.serviceOrder(),
            plan.held(), plan.jobsRan());
        return new Applied(out, restarts, taken, ended);
    }

    /** A running instance of the desired spec: what a restart in place applies to. */
    private static boolean restartable(PlannedChange c) {
        return c.observed().isPresent() && c.observed().get().isRunning()
            && c.observed().get().fingerprint().equals(Optional.of(c.desired().get().fingerprint()));
    }
}
