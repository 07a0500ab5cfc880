package dev.driftless.model;

import java.util.Arrays;
import java.util.Optional;

/** When the runtime restarts an instance that stopped; the words are Docker's. */
public enum RestartPolicy {
    NO("no"),
    ALWAYS("always"),
    ON_FAILURE("on-failure"),
    UNLESS_STOPPED("unless-stopped");

    private final String text;

    RestartPolicy(String text) {
        this.text = text;
    }

    /** The word used in the repo files and by {@code docker run --restart}. */
    public String text() {
        return text;
    }

    static Optional<RestartPolicy> fromText(String text) {
        return Arrays.stream(values()).filter(r -> r.text.equals(text)).findFirst();
    }
}
