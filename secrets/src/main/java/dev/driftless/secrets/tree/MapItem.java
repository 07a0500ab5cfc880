package dev.driftless.secrets.tree;

/** An item of a map: a key with its value, or a comment line between entries. */
public sealed interface MapItem permits Entry, CommentNode {
}
