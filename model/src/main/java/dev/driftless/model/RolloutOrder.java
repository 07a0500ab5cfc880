package dev.driftless.model;

import java.util.Arrays;
import java.util.Optional;

/** Whether a rollout starts the new instance before stopping the old one, or the other way round. */
public enum RolloutOrder {
    /** New instance first, old one stopped once the new one is healthy: no gap, but both run at once. */
    START_FIRST("start-first"),
    /** Old instance stopped first: a short gap, but safe with fixed host ports and exclusive volumes. */
    STOP_FIRST("stop-first");

    private final String text;

    RolloutOrder(String text) {
        this.text = text;
    }

    public String text() {
        return text;
    }

    static Optional<RolloutOrder> fromText(String text) {
        return Arrays.stream(values()).filter(r -> r.text.equals(text)).findFirst();
    }
}
