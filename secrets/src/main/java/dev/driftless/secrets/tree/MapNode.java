package dev.driftless.secrets.tree;

import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/** An ordered map whose items are entries and comment lines. */
public record MapNode(List<MapItem> items) implements Node {

    public MapNode {
        items = List.copyOf(items);
    }

    /** The entries, comments left out. */
    public Stream<Entry> entries() {
        return items.stream().filter(Entry.class::isInstance).map(Entry.class::cast);
    }

    /** The value of the first entry with this key. */
    public Optional<Node> get(String key) {
        return entries().filter(e -> e.key().equals(key)).map(Entry::value).findFirst();
    }
}
