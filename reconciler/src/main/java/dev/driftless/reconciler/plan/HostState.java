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
 */
public record HostState(String host, boolean reachable, Optional<String> problem, int containers, Duration took) {
}
