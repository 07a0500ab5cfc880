package dev.driftless.model;

import java.time.Duration;
import java.util.Objects;

/**
 * How driftless decides that an instance is healthy: after a start it probes every
 * {@code interval} until {@code successThreshold} probes in a row pass, and gives up (rolling back
 * if the rollout says so) when that has not happened within {@code timeout}. A running instance
 * counts as unhealthy after {@code failureThreshold} failed probes in a row.
 *
 * @param probeTimeout how long one probe may take before it counts as failed
 */
public record HealthCheck(
    Probe probe,
    Duration interval,
    Duration timeout,
    Duration probeTimeout,
    int successThreshold,
    int failureThreshold) {

    public static final Duration DEFAULT_INTERVAL = Duration.ofSeconds(2);
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(60);
    public static final Duration DEFAULT_PROBE_TIMEOUT = Duration.ofSeconds(2);
    public static final int DEFAULT_SUCCESS_THRESHOLD = 1;
    public static final int DEFAULT_FAILURE_THRESHOLD = 3;

    public HealthCheck {
        Objects.requireNonNull(probe, "probe");
        Objects.requireNonNull(interval, "interval");
        Objects.requireNonNull(timeout, "timeout");
        Objects.requireNonNull(probeTimeout, "probeTimeout");
        if (interval.isNegative() || interval.isZero() || probeTimeout.isNegative() || probeTimeout.isZero()
                || timeout.compareTo(interval) < 0 || successThreshold < 1 || failureThreshold < 1) {
            throw new IllegalArgumentException("inconsistent health check");
        }
    }

    /** A check with the documented defaults. */
    public static HealthCheck of(Probe probe) {
        return new HealthCheck(probe, DEFAULT_INTERVAL, DEFAULT_TIMEOUT, DEFAULT_PROBE_TIMEOUT,
            DEFAULT_SUCCESS_THRESHOLD, DEFAULT_FAILURE_THRESHOLD);
    }
}
