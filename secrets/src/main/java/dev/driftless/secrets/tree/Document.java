package dev.driftless.secrets.tree;

import java.util.List;

/**
 * A whole file as a list of branches: one per YAML document ({@code ---}), exactly one for JSON,
 * dotenv and INI.
 */
public record Document(List<MapNode> branches) {

    public Document {
        branches = List.copyOf(branches);
    }
}
