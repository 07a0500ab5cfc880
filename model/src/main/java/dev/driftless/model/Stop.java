package dev.driftless.model;

import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * How an instance is stopped: the signal that asks it to shut down and how long it gets to do so
 * before it is killed, as Docker's {@code --stop-signal}/{@code --stop-timeout}, systemd's
 * {@code KillSignal=}/{@code TimeoutStopSec=}, Nomad's {@code kill_signal}/{@code kill_timeout}.
 * Every stop driftless makes honours it: a rollout replacing the instance, a removal (a service
 * or host left the repo, fewer replicas), a restart, a rollback.
 *
 * @param signal      the signal, canonical ({@code SIGINT}); empty: the image's {@code STOPSIGNAL}
 *                    (Docker) or {@code SIGTERM} (systemd)
 * @param gracePeriod how long the instance may take to exit after the signal, whole seconds;
 *                    empty: {@link #DEFAULT_GRACE_PERIOD}
 */
public record Stop(Optional<String> signal, Optional<Duration> gracePeriod) {

    /** The grace period when the service sets none: Docker's and systemd's default. */
    public static final Duration DEFAULT_GRACE_PERIOD = Duration.ofSeconds(10);
    /** The longest grace period a service may ask for. */
    public static final Duration MAX_GRACE_PERIOD = Duration.ofHours(1);
    /** The fingerprint input that records a grace period set (as a duration, e.g. {@code 30s}). */
    public static final String GRACE_PERIOD_INPUT = "stop.grace-period";
    /** The fingerprint input that records a stop signal set. */
    public static final String SIGNAL_INPUT = "stop.signal";
    /** A service that sets nothing: the runtime's defaults. */
    public static final Stop DEFAULT = new Stop(Optional.empty(), Optional.empty());

    /** Signals a program may take as "shut down" (besides the real-time ones). */
    static final List<String> SIGNALS = List.of("SIGHUP", "SIGINT", "SIGQUIT", "SIGABRT", "SIGUSR1", "SIGUSR2", "SIGALRM",
        "SIGTERM", "SIGWINCH", "SIGPWR");
    private static final Pattern REALTIME = Pattern.compile("RTMIN\\+([0-9]|1[0-5])");

    public Stop {
        Objects.requireNonNull(signal, "signal");
        Objects.requireNonNull(gracePeriod, "gracePeriod");
        signal.ifPresent(s -> {
            if (!signal(s).equals(Optional.of(s))) {
                throw new IllegalArgumentException("not a canonical stop signal: " + s);
            }
        });
        gracePeriod.ifPresent(g -> {
            if (!validGracePeriod(g)) {
                throw new IllegalArgumentException("grace period must be whole seconds from 1s to 1h: " + g);
            }
        });
    }

    /**
     * The grace period an instance deployed from {@code inputs} (its recorded fingerprint inputs)
     * has: the one they record, else the default.
     */
    public static Duration graceOf(java.util.Map<String, String> inputs) {
        return Optional.ofNullable(inputs.get(GRACE_PERIOD_INPUT)).flatMap(DurationText::parse).orElse(DEFAULT_GRACE_PERIOD);
    }

    /** How long an instance gets to exit after the signal. */
    public Duration grace() {
        return gracePeriod.orElse(DEFAULT_GRACE_PERIOD);
    }

    /**
     * The canonical name ({@code SIGINT}) of a signal written as {@code SIGINT} or {@code INT}, or
     * {@code SIGRTMIN+3}; empty when it is not one a service may stop with.
     */
    public static Optional<String> signal(String text) {
        String name = text;
        if (name.startsWith("SIG")) {
            name = name.substring(3);
        }
        return SIGNALS.contains("SIG" + name) || REALTIME.matcher(name).matches() ? Optional.of("SIG" + name) : Optional.empty();
    }

    /** Whether {@code d} is a grace period a service may set: whole seconds, 1s to 1h. */
    static boolean validGracePeriod(Duration d) {
        return d.getSeconds() >= 1 && d.getNano() == 0 && d.compareTo(MAX_GRACE_PERIOD) <= 0;
    }
}
