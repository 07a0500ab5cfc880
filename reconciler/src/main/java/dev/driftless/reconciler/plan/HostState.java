package dev.driftless.reconciler.plan;

import java.time.Duration;
import java.util.Optional;

/**
 * How observing one host went, as a plan reports it.
 *
 * @param host       the inventory name
 * @param reachable  whether it answered
 * @param problem    why not, when it did not
 * @param containers managed containers of this environment found there
 * @param took       how long observing it took (zero when unreachable)
 * @param units      managed systemd units of this environment found there
 */
public record HostState(String host, boolean reachable, Optional<String> problem, int containers, Duration took,
                        int units) {

    /** A host without systemd units. */
    public HostState(String host, boolean reachable, Optional<String> problem, int containers, Duration took) {
        this(host, reachable, problem, containers, took, 0);
    }

    /** {@code 2 containers}, {@code 1 container, 3 units}: what driftless found there. */
    public String found() {
        String text = containers + (containers == 1 ? " container" : " containers");
        return units == 0 ? text : text + ", " + units + (units == 1 ? " unit" : " units");
    }
}
