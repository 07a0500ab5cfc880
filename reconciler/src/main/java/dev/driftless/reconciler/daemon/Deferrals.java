package dev.driftless.reconciler.daemon;

import dev.driftless.model.Instance;
import dev.driftless.reconciler.history.Backoff;
import dev.driftless.reconciler.observe.ObservedContainer;
import dev.driftless.reconciler.plan.Action;
import dev.driftless.reconciler.plan.Plan;
import dev.driftless.reconciler.plan.PlannedChange;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The repairs a plan holds back because of earlier failures (pure): the start or restart of a
 * crash-looping instance whose last restarts failed their health gate, the pull of an image
 * that failed to pull for this commit on that host, and the drift repair of an instance whose
 * drift came back after driftless repaired it (something on the host keeps rewriting it). Each
 * waits until its {@link Backoff} ends;
 * meanwhile the change stays in the plan as {@link Action#UNCHANGED} with a reason that says what
 * it waits for. The daemon applies it to the plan it is about to apply, {@code driftless plan} to
 * the plan it prints, both from the backoffs kept in the deployment history.
 */
public final class Deferrals {

    /** The history's kind of restart backoffs (by {@link #restartKey}). */
    public static final String RESTARTS = "restart";
    /** The history's kind of pull backoffs (by {@link #pullKey}). */
    public static final String PULLS = "pull";
    /** The history's kind of drift repair backoffs (by {@link #restartKey}): repairs counted, not failures. */
    public static final String DRIFT_REPAIRS = "drift-repair";

    private Deferrals() {
    }

    /**
     * @param plan  what is held back, as changes turned unchanged
     * @param notes one line per deferral, e.g. {@code restart backed off for api-1 on app-2 (…)};
     *              one per host and image for pulls
     */
    public record Deferred(Plan plan, List<String> notes, Map<String, Integer> heldBack) {
        public Deferred {
            notes = List.copyOf(notes);
            heldBack = Map.copyOf(heldBack);
        }

        /** How many changes of {@code kind} ({@link #RESTARTS}, {@link #PULLS}, {@link #DRIFT_REPAIRS}) wait. */
        public int heldBack(String kind) {
            return heldBack.getOrDefault(kind, 0);
        }
    }

    /**
     * Holds back what {@code restarts} and {@code pulls} say must wait at {@code now}.
     *
     * @param commit the commit being planned: a pull backoff is per commit
     */
    public static Deferred apply(Plan plan, Map<String, Backoff> restarts, Map<String, Backoff> pulls, String commit,
                                 Instant now) {
        return apply(plan, restarts, pulls, Map.of(), commit, now);
    }

    /**
     * Holds back what {@code restarts}, {@code pulls} and {@code driftRepairs} say must wait at
     * {@code now}.
     *
     * @param driftRepairs the drift repairs made of each instance and spec ({@link #isDriftRepair}),
     *                     by {@link #restartKey}: a drift that comes back after a repair waits
     * @param commit       the commit being planned: a pull backoff is per commit
     */
    public static Deferred apply(Plan plan, Map<String, Backoff> restarts, Map<String, Backoff> pulls,
                                 Map<String, Backoff> driftRepairs, String commit, Instant now) {
        List<String> notes = new ArrayList<>();
        List<PlannedChange> changes = new ArrayList<>();
        Map<String, Integer> heldBack = new java.util.HashMap<>();
        for (PlannedChange c : plan.changes()) {
            Optional<String> why = Optional.empty();
            String kind = DRIFT_REPAIRS;
            if (isDriftRepair(c)) {
                why = waiting(driftRepairs, restartKey(c), now).map(w -> "back after " + (w.failures() == 1
                    ? "a repair" : w.failures() + " repairs in a row") + " (is something on the host rewriting it?"
                    + " a file with drift: ignore is not checked); next repair after "
                    + w.notBefore().truncatedTo(ChronoUnit.SECONDS));
                why.ifPresent(w -> notes.add("drift repair backed off for " + c.instance() + " on " + c.host()
                    + " (" + w + ")"));
            }
            if (why.isEmpty() && (c.action() == Action.START || c.action() == Action.RESTART)) {
                kind = RESTARTS;
                why = waiting(restarts, restartKey(c), now).map(w -> (c.action() == Action.RESTART
                    ? "stays unhealthy: " : "crash-looping: ") + w.failures() + (w.failures() == 1
                    ? " restart" : " restarts in a row") + " failed the health gate; next restart after "
                    + w.notBefore().truncatedTo(ChronoUnit.SECONDS));
                why.ifPresent(w -> notes.add("restart backed off for " + c.instance() + " on " + c.host()
                    + " (" + w + ")"));
            } else if (why.isEmpty() && pulledImage(c).orElse(null) instanceof String image) {
                kind = PULLS;
                why = waiting(pulls, pullKey(c.host(), image, commit), now).map(w -> "pull of " + image
                    + " failed " + (w.failures() == 1 ? "once" : w.failures() + " times in a row")
                    + "; next attempt after " + w.notBefore().truncatedTo(ChronoUnit.SECONDS));
                String what = "pull backed off for " + image + " on " + c.host();
                why.filter(w -> notes.stream().noneMatch(d -> d.startsWith(what + " ")))
                    .ifPresent(w -> notes.add(what + " (" + w + ")"));
            }
            if (why.isEmpty()) {
                changes.add(c);
                continue;
            }
            heldBack.merge(kind, 1, Integer::sum);
            List<String> reasons = new ArrayList<>(c.reasons());
            reasons.add(why.get());
            changes.add(new PlannedChange(c.service(), c.host(), c.instance(), Action.UNCHANGED, reasons,
                c.desired(), c.observed()));
        }
        Plan deferred = changes.equals(plan.changes()) ? plan
            : new Plan(plan.environment(), changes, plan.hosts(), plan.serviceOrder(), plan.held(), plan.jobsRan());
        return new Deferred(deferred, notes, heldBack);
    }

    private static Optional<Backoff> waiting(Map<String, Backoff> backoffs, String key, Instant now) {
        Backoff b = backoffs.get(key);
        return b != null && now.isBefore(b.notBefore()) ? Optional.of(b) : Optional.empty();
    }

    /**
     * Whether {@code c} replaces an instance only because observation found it changed behind
     * driftless's back (a placed file edited or deleted, a unit file edited), its spec unchanged.
     */
    public static boolean isDriftRepair(PlannedChange c) {
        return c.action() == Action.REPLACE && c.observed().flatMap(ObservedContainer::drift).isPresent()
            && c.observed().flatMap(ObservedContainer::fingerprint).equals(c.desired().map(Instance::fingerprint));
    }

    /** The restart backoff's key of a change: one container spec of one instance. */
    public static String restartKey(PlannedChange c) {
        return RepairBackoff.key(c.service(), c.host(), c.instance(), c.observed().flatMap(o -> o.fingerprint()));
    }

    /** The image a create or replace runs, which apply may have to pull first. */
    static Optional<String> pulledImage(PlannedChange c) {
        return c.action() == Action.CREATE || c.action() == Action.REPLACE
            ? c.desired().flatMap(i -> i.service().image()) : Optional.empty();
    }

    /** The pull backoff's key: an image on a host, for one commit. */
    public static String pullKey(String host, String image, String commit) {
        return "pull/" + host + "/" + image + "@" + commit;
    }
}
