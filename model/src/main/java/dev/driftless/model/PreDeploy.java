package dev.driftless.model;

import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * A one-off job run before a new spec of a service rolls out (database migrations, say): with the
 * new spec's env, secrets, resources and user, {@code command} runs once on the first host of
 * the rollout, in a container of the new image (with its volumes and network) for a docker service,
 * as a transient systemd unit for a systemd one, and must exit 0 within {@code timeout} for the
 * rollout to begin.
 *
 * @param command the program and its arguments; replaces the image's entrypoint (for a systemd
 *                service, the program is an absolute path on the host)
 */
public record PreDeploy(List<String> command, Duration timeout) {

    /** How long a job may run when {@code timeout} is not given. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofMinutes(5);

    public PreDeploy {
        command = List.copyOf(command);
        Objects.requireNonNull(timeout, "timeout");
        if (command.isEmpty()) {
            throw new IllegalArgumentException("a pre-deploy job needs a command");
        }
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("a pre-deploy timeout must be longer than 0s");
        }
    }
}
