package dev.driftless.secrets.tree;

import java.util.Objects;

/**
 * A comment line, its text without the leading {@code #} (so {@code "# hi"} is {@code " hi"}),
 * as sops stores and encrypts it.
 */
public record CommentNode(String text) implements Node, MapItem {

    public CommentNode {
        Objects.requireNonNull(text, "text");
    }
}
