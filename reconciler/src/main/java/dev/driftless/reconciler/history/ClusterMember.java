package dev.driftless.reconciler.history;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;

/**
 * A daemon of an environment's cluster ({@code cluster: true}), as Quartz's job store knows it.
 *
 * @param instance        Quartz's instance id: the daemon's host name and its start time in ms
 * @param lastCheckin     when it last checked in
 * @param checkinInterval how often it checks in
 */
public record ClusterMember(String instance, Instant lastCheckin, Duration checkinInterval) {

    /** Quartz's own grace on top of the interval before the others declare a member dead. */
    static final Duration GRACE = Duration.ofMillis(7500);

    public ClusterMember {
        Objects.requireNonNull(instance, "instance");
        Objects.requireNonNull(lastCheckin, "lastCheckin");
        Objects.requireNonNull(checkinInterval, "checkinInterval");
    }

    /** True when it missed its check-in by more than Quartz's grace: the others will take its work. */
    public boolean late(Instant now) {
        return now.isAfter(lastCheckin.plus(checkinInterval).plus(GRACE));
    }
}
