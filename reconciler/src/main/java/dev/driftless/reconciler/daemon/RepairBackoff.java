package dev.driftless.reconciler.daemon;

import dev.driftless.reconciler.history.Backoff;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Exponential backoff for restarting a crash-looping container (and, with its own instance, for
 * pulling an image that failed to pull). Drift repair starts a managed
 * container that stopped, and restarts one that runs but fails its health probe; when the
 * restarted container fails its health gate again (it exits,
 * restarts, or never becomes healthy), the next restart of that same container and spec waits
 * {@code first}, then twice as long after each further failure, up to {@code max}. A restart that
 * passes its gate, or a new spec for the instance, starts afresh. Without it a crash-looping
 * container would be restarted, and a history record written, at every retry.
 *
 * <p>Counted in memory during a reconcile; the {@link Reconciler} {@link #restore}s it from the
 * deployment history before it plans and keeps it there after ({@link #snapshot}), so a restarted
 * daemon, or another daemon of a cluster, holds the same repairs back.
 */
final class RepairBackoff {

    /** Backoff of a daemon whose retries come every {@code retry}: from there, doubling to 30 minutes. */
    static RepairBackoff after(Duration retry) {
        return new RepairBackoff(retry, Duration.ofMinutes(30).compareTo(retry) > 0 ? Duration.ofMinutes(30) : retry);
    }

    private final Duration first;
    private final Duration max;
    private final Map<String, Backoff> states = new HashMap<>();

    RepairBackoff(Duration first, Duration max) {
        if (first.isNegative() || first.isZero() || max.compareTo(first) < 0) {
            throw new IllegalArgumentException("backoff needs 0 < first <= max, got " + first + " and " + max);
        }
        this.first = first;
        this.max = max;
    }

    /** The longest wait between two repairs of a drift that keeps coming back, unless the drift interval is longer. */
    static final Duration DRIFT_REPAIR_MAX = Duration.ofHours(1);

    /**
     * Backoff of drift repairs for a daemon whose drift checks come every {@code drift}: after a
     * repair, the next repair of the same instance and spec waits one drift interval, then twice as
     * long after each further one in a row, up to an hour (or the interval, if longer).
     */
    static RepairBackoff forDriftRepairs(Duration drift) {
        return new RepairBackoff(drift, DRIFT_REPAIR_MAX.compareTo(drift) > 0 ? DRIFT_REPAIR_MAX : drift);
    }

    /** The first wait: after one failure (or one drift repair). */
    Duration first() {
        return first;
    }

    /** When a repair made {@code at}, the {@code failures}-th in a row, lets the next one run. */
    Instant nextAfter(Instant at, int failures) {
        return at.plus(delay(failures));
    }

    /** The longest wait. */
    Duration max() {
        return max;
    }

    /** The same doubling from the same first wait, but never longer than {@code cap} (nor shorter than the first wait). */
    RepairBackoff cappedAt(Duration cap) {
        Duration m = cap.compareTo(max) < 0 ? cap : max;
        return new RepairBackoff(first, m.compareTo(first) < 0 ? first : m);
    }

    /**
     * The key of one container spec of one instance. Its second {@code /}-separated part is the
     * host, as in a pull's key ({@link Deferrals#pullKey}); names hold no {@code /}.
     */
    static String key(String service, String host, String instance, Optional<String> fingerprint) {
        return service + "/" + host + "/" + instance + "@" + fingerprint.orElse("-");
    }

    /** A restart of {@code key} failed its gate at {@code at}: the next one waits longer. */
    synchronized void failed(String key, Instant at) {
        Objects.requireNonNull(at, "at");
        int failures = Optional.ofNullable(states.get(key)).map(Backoff::failures).orElse(0) + 1;
        states.put(key, new Backoff(failures, at.plus(delay(failures))));
    }

    /** A restart of {@code key} passed its gate: no more backoff for it. */
    synchronized void succeeded(String key) {
        states.remove(key);
    }

    /**
     * Forgets every container spec not in {@code observed} (replaced or removed), so that a
     * long-running daemon keeps no state of containers gone, but those of the {@code silent}
     * hosts, which did not answer this time: a host that drops off the network for a moment comes
     * back to the counts it left, not to a crash-looping container restarted at once.
     */
    synchronized void retainOnly(java.util.Set<String> observed, java.util.Set<String> silent) {
        states.keySet().removeIf(key -> !observed.contains(key) && !silent.contains(hostOf(key)));
    }

    /** The host a key ({@link #key}, {@link Deferrals#pullKey}) is of. */
    static String hostOf(String key) {
        String[] parts = key.split("/", 3);
        return parts.length == 3 ? parts[1] : "";
    }

    /**
     * Forgets the counts not in {@code active} whose last wait ended at least {@link #max} before
     * {@code now}: a drift that stayed away that long after its last repair starts afresh.
     */
    synchronized void forgetQuiet(java.util.Set<String> active, Instant now) {
        states.entrySet().removeIf(e -> !active.contains(e.getKey())
            && !now.isBefore(e.getValue().notBefore().plus(max)));
    }

    /** When {@code key} may be restarted again, if not yet at {@code now}. */
    synchronized Optional<Backoff> waiting(String key, Instant now) {
        Backoff s = states.get(key);
        return s != null && now.isBefore(s.notBefore()) ? Optional.of(s) : Optional.empty();
    }

    /** Every backoff counted, by key: what {@link #restore} takes back. */
    synchronized Map<String, Backoff> snapshot() {
        return Map.copyOf(states);
    }

    /** Replaces every count with {@code kept}: what the history holds, before a reconcile plans. */
    synchronized void restore(Map<String, Backoff> kept) {
        states.clear();
        states.putAll(kept);
    }

    /** The wait after the {@code failures}-th failure in a row: first, 2×first, 4×first … at most max. */
    Duration delay(int failures) {
        Duration d = first;
        for (int i = 1; i < failures && d.compareTo(max) < 0; i++) {
            d = d.multipliedBy(2);
        }
        return d.compareTo(max) > 0 ? max : d;
    }
}
