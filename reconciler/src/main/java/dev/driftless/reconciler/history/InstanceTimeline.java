package dev.driftless.reconciler.history;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Replays the succeeded steps of one service on one host, oldest first, to tell what runs there
 * now and since when. Pure, so the rules are unit-tested without a database:
 * <ul>
 *   <li>a step with a target fingerprint that differs from what ran puts a new version there,
 *       "since" the step ended;</li>
 *   <li>a heal or start that leaves the fingerprint unchanged does not reset "since": the same
 *       version has been there all along;</li>
 *   <li>a rollback returns to a fingerprint seen before, so the commit is the one that first
 *       deployed it, not the failed commit whose reconcile ran the rollback;</li>
 *   <li>a remove ends the instance; a pull changes nothing that runs.</li>
 * </ul>
 */
final class InstanceTimeline {

    /** A succeeded step with the commit of its reconcile. */
    record Entry(StepRecord step, String commit) {
    }

    private InstanceTimeline() {
    }

    static List<RunningInstance> current(List<Entry> succeededStepsOldestFirst) {
        Map<String, RunningInstance> running = new LinkedHashMap<>();
        Map<String, Map<String, String>> commitByFingerprint = new HashMap<>();
        for (Entry entry : succeededStepsOldestFirst) {
            StepRecord step = entry.step();
            String instance = step.instance();
            switch (step.action()) {
                case PULL, PRE_DEPLOY -> {
                }
                case REMOVE -> running.remove(instance);
                case CREATE, REPLACE, START, ROLLBACK, HEAL -> {
                    Optional<String> target = step.toFingerprint();
                    if (target.isEmpty()) {
                        continue;
                    }
                    String fingerprint = target.get();
                    Map<String, String> seen =
                        commitByFingerprint.computeIfAbsent(instance, k -> new HashMap<>());
                    String commit = seen.getOrDefault(fingerprint, entry.commit());
                    seen.putIfAbsent(fingerprint, entry.commit());
                    RunningInstance now = running.get(instance);
                    if (now != null && now.fingerprint().equals(fingerprint)) {
                        if (now.image().isEmpty() && step.toImage().isPresent()) {
                            running.put(instance, withImage(now, step.toImage()));
                        }
                        continue;
                    }
                    running.put(instance, new RunningInstance(step.service(), step.host(), instance,
                        fingerprint, step.toImage(), commit, step.endedAt().orElse(step.startedAt()),
                        step.reconcileId()));
                }
            }
        }
        List<RunningInstance> result = new ArrayList<>(running.values());
        result.sort(java.util.Comparator.comparing(RunningInstance::instance));
        return result;
    }

    private static RunningInstance withImage(RunningInstance r, Optional<String> image) {
        return new RunningInstance(r.service(), r.host(), r.instance(), r.fingerprint(), image,
            r.commit(), r.since(), r.reconcileId());
    }
}
