package dev.driftless.reconciler.metrics;

import dev.driftless.reconciler.history.ReconcileResult;
import dev.driftless.reconciler.history.StepAction;
import dev.driftless.reconciler.history.StepOutcome;
import dev.driftless.reconciler.history.Trigger;
import java.time.Duration;
import java.time.Instant;

/**
 * The one small interface the core reports metrics through; the Micrometer/Prometheus binding
 * lives at the edge ({@link MicrometerMetrics}). Values are counts, durations and times: never a
 * secret, never a label value taken from a secret.
 */
public interface Metrics {

    /** A reconcile ended (only reconciles that did something are recorded in history; all count here). */
    void reconcile(Trigger trigger, ReconcileResult result, Duration took);

    /** One apply step ended. */
    void step(StepAction action, StepOutcome outcome, Duration took);

    /** The last observation: how many hosts answered and how many did not. */
    void hosts(int reachable, int unreachable);

    /** Instances the last plan found out of line (create, replace, start, remove). */
    void drift(int outOfLine);

    /** Instances placed away from their silent hosts now ({@code placement.failover}). */
    default void standIns(int instances) {
    }

    /**
     * Repairs the last plan held back by a backoff, by kind: restarts of crash-looping instances,
     * creates and replaces waiting for a pull, drift repairs of a drift that keeps coming back.
     */
    default void backedOff(int restarts, int pulls, int driftRepairs) {
    }

    /** The environment converged to a commit at a time. */
    void applied(Instant at);

    /** A revision was refused as invalid (bad repo, undecryptable secrets). */
    void invalidRevision();

    /** Polling the repo failed. */
    void sourceError();

    /** A notification was delivered ({@code true}) or given up on. */
    void notification(boolean delivered);

    /** What is suspended now: the whole environment, and how many services. */
    void suspended(boolean environment, int services);

    /**
     * A trigger fired and nothing was observed or applied, for {@code reason}: {@code suspended}
     * (driftless suspend) or {@code busy} (another daemon held the environment's reconcile lease).
     */
    void skipped(Trigger trigger, String reason);

    /** A host that left the inventory was given up on: it did not answer for {@code intervals.departed}. */
    void hostAbandoned();

    /** A host's SSH host key was refused ({@code kind}: unknown, changed, revoked), first seen so. */
    void hostKeyRefused(String kind);

    /** Discards everything. */
    Metrics NONE = new Metrics() {
        @Override
        public void hostAbandoned() {
        }

        @Override
        public void hostKeyRefused(String kind) {
        }

        @Override
        public void reconcile(Trigger trigger, ReconcileResult result, Duration took) {
        }

        @Override
        public void step(StepAction action, StepOutcome outcome, Duration took) {
        }

        @Override
        public void hosts(int reachable, int unreachable) {
        }

        @Override
        public void drift(int outOfLine) {
        }

        @Override
        public void applied(Instant at) {
        }

        @Override
        public void invalidRevision() {
        }

        @Override
        public void sourceError() {
        }

        @Override
        public void notification(boolean delivered) {
        }

        @Override
        public void suspended(boolean environment, int services) {
        }

        @Override
        public void skipped(Trigger trigger, String reason) {
        }
    };
}
