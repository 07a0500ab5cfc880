package dev.driftless.secrets.tree;

/**
 * A node of a SOPS document tree, in document order: maps and lists keep their comments as items,
 * exactly where sops keeps them, because comments are encrypted with their container's path.
 */
public sealed interface Node permits MapNode, ListNode, CommentNode, NullNode, Scalar {
}
