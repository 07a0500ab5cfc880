package dev.driftless.secrets.tree;

import java.util.Objects;

/** A map entry: a string key (sops allows no other) and its value. */
public record Entry(String key, Node value) implements MapItem {

    public Entry {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(value, "value");
    }
}
