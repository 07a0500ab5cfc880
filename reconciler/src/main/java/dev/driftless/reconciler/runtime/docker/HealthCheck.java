package dev.driftless.reconciler.runtime.docker;

import dev.driftless.reconciler.command.RemoteCommand;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * Docker's own health check for a container ({@code --health-*}); its status is what the observer
 * reports as health and what the apply stage can gate on.
 *
 * @param test        what to run inside the container
 * @param interval    time between checks
 * @param timeout     how long one check may take
 * @param retries     consecutive failures before the container is unhealthy
 * @param startPeriod grace period after start during which failures do not count
 */
public record HealthCheck(Test test, Duration interval, Duration timeout, int retries, Duration startPeriod) {

    /** The check's command: Docker always runs {@code --health-cmd} with the container's {@code /bin/sh -c}. */
    public sealed interface Test permits Shell, Exec {
        /** The string given to {@code --health-cmd}. */
        String render();
    }

    /** A shell command line, run as written by the container's own shell. */
    public record Shell(String command) implements Test {
        public Shell {
            if (command.isBlank()) {
                throw new IllegalArgumentException("a health check command must not be empty");
            }
        }

        @Override
        public String render() {
            return command;
        }
    }

    /** An argv list, quoted word by word for the container's shell so that it runs exactly these words. */
    public record Exec(List<String> argv) implements Test {
        public Exec {
            argv = List.copyOf(argv);
            if (argv.isEmpty()) {
                throw new IllegalArgumentException("a health check command must not be empty");
            }
        }

        @Override
        public String render() {
            return RemoteCommand.of(argv).render();
        }
    }

    public HealthCheck {
        Objects.requireNonNull(test, "test");
        requirePositive(interval, "interval");
        requirePositive(timeout, "timeout");
        Objects.requireNonNull(startPeriod, "startPeriod");
        if (startPeriod.isNegative()) {
            throw new IllegalArgumentException("health check startPeriod must not be negative");
        }
        if (retries < 1) {
            throw new IllegalArgumentException("health check retries must be at least 1");
        }
    }

    /** Docker's Go-style duration: {@code 10s}, {@code 1500ms}. */
    static String goDuration(Duration d) {
        return d.toMillis() % 1000 == 0 ? d.toSeconds() + "s" : d.toMillis() + "ms";
    }

    private static void requirePositive(Duration d, String name) {
        Objects.requireNonNull(d, name);
        if (d.isZero() || d.isNegative() || d.toMillis() == 0) {
            throw new IllegalArgumentException("health check " + name + " must be at least 1ms");
        }
    }
}
