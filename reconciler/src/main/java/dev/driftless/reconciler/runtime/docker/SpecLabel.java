package dev.driftless.reconciler.runtime.docker;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Collections;
import java.util.Map;
import java.util.TreeMap;

/**
 * The {@code dev.driftless.spec} label: the fingerprint inputs as a compact JSON object with
 * sorted keys and string values, e.g. {@code {"image":"api:1.4.1","env.LOG_LEVEL":"info"}}.
 * Secret inputs appear only as fingerprints, never as values.
 */
public final class SpecLabel {

    private static final ObjectMapper JSON = new ObjectMapper();

    private SpecLabel() {
    }

    /** Compact JSON, keys sorted, so equal inputs give byte-equal labels. */
    public static String encode(Map<String, String> inputs) {
        ObjectNode node = JSON.createObjectNode();
        new TreeMap<>(inputs).forEach(node::put);
        try {
            return JSON.writeValueAsString(node);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a map of strings always serialises", e);
        }
    }

    /**
     * Reads a label back. Values that are not strings (written by hand, or by another version)
     * come back as their compact JSON text; a label that is not a JSON object gives an empty map.
     */
    public static Map<String, String> decode(String label) {
        try {
            JsonNode node = JSON.readTree(label);
            if (node == null || !node.isObject()) {
                return Map.of();
            }
            Map<String, String> out = new TreeMap<>();
            node.properties().forEach(e -> out.put(e.getKey(),
                e.getValue().isTextual() ? e.getValue().asText() : e.getValue().toString()));
            return Collections.unmodifiableMap(out);
        } catch (JsonProcessingException e) {
            return Map.of();
        }
    }
}
