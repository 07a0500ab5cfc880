package dev.driftless.model;

import java.util.Optional;

/** The outcome of reading one piece of text: a value, or the reason (for a message) it is not one. */
record Parsed<T>(Optional<T> value, String reason) {

    static <T> Parsed<T> ok(T value) {
        return new Parsed<>(Optional.of(value), "");
    }

    static <T> Parsed<T> bad(String reason) {
        return new Parsed<>(Optional.empty(), reason);
    }
}
