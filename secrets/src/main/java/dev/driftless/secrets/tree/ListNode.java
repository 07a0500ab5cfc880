package dev.driftless.secrets.tree;

import java.util.List;
import java.util.stream.Stream;

/** An ordered list whose items are values and comment lines. */
public record ListNode(List<Node> items) implements Node {

    public ListNode {
        items = List.copyOf(items);
    }

    /** The values, comments left out; list indexes count these only. */
    public Stream<Node> values() {
        return items.stream().filter(n -> !(n instanceof CommentNode));
    }
}
