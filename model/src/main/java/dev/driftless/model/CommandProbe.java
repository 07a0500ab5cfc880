package dev.driftless.model;

import java.util.List;

/**
 * Healthy when {@code argv} exits 0: run inside the container for Docker services, on the host
 * as the service's environment for systemd ones. The argv is passed as is, never through a shell.
 */
public record CommandProbe(List<String> argv) implements Probe {

    public CommandProbe {
        argv = List.copyOf(argv);
        if (argv.isEmpty()) {
            throw new IllegalArgumentException("argv must not be empty");
        }
    }

    @Override
    public String describe() {
        return "command " + argv;
    }
}
