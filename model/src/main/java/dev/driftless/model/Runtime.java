package dev.driftless.model;

import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;

/** How a service's instances run on a host: as Docker containers or as systemd units. */
public enum Runtime {
    DOCKER("container"),
    SYSTEMD("unit");

    private final String instanceNoun;

    Runtime(String instanceNoun) {
        this.instanceNoun = instanceNoun;
    }

    /** What one instance is called in messages: {@code container}, {@code unit}. */
    public String instanceNoun() {
        return instanceNoun;
    }

    /** The word used in the repo files: {@code docker}, {@code systemd}. */
    public String text() {
        return name().toLowerCase(Locale.ROOT);
    }

    static Optional<Runtime> fromText(String text) {
        return Arrays.stream(values()).filter(r -> r.text().equals(text)).findFirst();
    }
}
