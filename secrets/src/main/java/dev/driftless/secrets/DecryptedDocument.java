package dev.driftless.secrets;

import dev.driftless.secrets.tree.CommentNode;
import dev.driftless.secrets.tree.Document;
import dev.driftless.secrets.tree.Entry;
import dev.driftless.secrets.tree.ListNode;
import dev.driftless.secrets.tree.MapNode;
import dev.driftless.secrets.tree.Node;
import dev.driftless.secrets.tree.NullNode;
import dev.driftless.secrets.tree.Scalar;
import dev.driftless.secrets.tree.TextValue;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A decrypted, MAC-verified SOPS file: its tree of typed values in document order (comments
 * kept), looked up by path, and rendered back to plaintext as {@code sops -d} prints it. Values
 * are reached only through {@link SecretValue}s; toString gives the file name and a value count.
 */
public final class DecryptedDocument {

    private final String fileName;
    private final Format format;
    private final Document document;
    private final SopsMetadata metadata;

    DecryptedDocument(String fileName, Format format, Document document, SopsMetadata metadata) {
        this.fileName = fileName;
        this.format = format;
        this.document = document;
        this.metadata = metadata;
    }

    public String fileName() {
        return fileName;
    }

    public Format format() {
        return format;
    }

    /** Recipients, rule and version of the file (no secrets). */
    public SopsMetadata metadata() {
        return metadata;
    }

    /**
     * The scalar value at {@code path} in the first document: each segment is a map key, or, where
     * the node is a list, an all-digit segment is a 0-based index (comments do not count).
     * Empty when the path leads nowhere, to a map or list, or to null.
     */
    public Optional<SecretValue> lookup(List<String> path) {
        return node(path).filter(Scalar.class::isInstance).map(n -> SecretValue.of((Scalar) n, path));
    }

    /** The node at {@code path} in the first document (map, list, scalar or null). */
    Optional<Node> node(List<String> path) {
        if (document.branches().isEmpty()) {
            return Optional.empty();
        }
        Node current = document.branches().get(0);
        for (String segment : path) {
            Optional<Node> next = switch (current) {
                case MapNode m -> m.get(segment);
                case ListNode l -> index(l, segment);
                default -> Optional.empty();
            };
            if (next.isEmpty()) {
                return Optional.empty();
            }
            current = next.get();
        }
        return Optional.of(current);
    }

    private static Optional<Node> index(ListNode list, String segment) {
        if (segment.isEmpty() || !segment.chars().allMatch(c -> c >= '0' && c <= '9') || segment.length() > 9) {
            return Optional.empty();
        }
        int i = Integer.parseInt(segment);
        return list.values().skip(i).findFirst();
    }

    /**
     * The first document as nested maps and lists: values are {@link SecretValue},
     * {@code Map<String, Object>} or {@code List<Object>}; comments and null values are left out.
     */
    public Map<String, Object> asMap() {
        if (document.branches().isEmpty()) {
            return Map.of();
        }
        return map(document.branches().get(0), List.of());
    }

    /** Every document of the file (YAML may hold several), each as {@link #asMap()} shapes it. */
    public List<Map<String, Object>> documents() {
        List<Map<String, Object>> out = new ArrayList<>();
        document.branches().forEach(b -> out.add(map(b, List.of())));
        return Collections.unmodifiableList(out);
    }

    /** Every value of the first document with its path, in document order. */
    public Map<List<String>, SecretValue> values() {
        Map<List<String>, SecretValue> out = new LinkedHashMap<>();
        if (!document.branches().isEmpty()) {
            collect(document.branches().get(0), new ArrayList<>(), out);
        }
        return Collections.unmodifiableMap(out);
    }

    /** The plaintext file exactly as {@code sops -d} prints it. */
    public String render() {
        return format.write(document, fileName);
    }

    /**
     * One part of the file as {@code sops -d --extract} prints it: a string as it is (no
     * newline), anything else in the file's format. Empty when the path leads nowhere.
     */
    public Optional<String> renderAt(List<String> path) {
        return node(path).map(n -> n instanceof TextValue t ? t.value() : format.writeValue(n));
    }

    Document tree() {
        return document;
    }

    private static Map<String, Object> map(MapNode m, List<String> path) {
        Map<String, Object> out = new LinkedHashMap<>();
        for (Entry e : m.entries().toList()) {
            List<String> p = append(path, e.key());
            Object v = value(e.value(), p);
            if (v != null) {
                out.put(e.key(), v);
            }
        }
        return Collections.unmodifiableMap(out);
    }

    private static Object value(Node n, List<String> path) {
        return switch (n) {
            case MapNode m -> map(m, path);
            case ListNode l -> {
                List<Object> out = new ArrayList<>();
                int i = 0;
                for (Node item : l.values().toList()) {
                    Object v = value(item, append(path, Integer.toString(i++)));
                    if (v != null) {
                        out.add(v);
                    }
                }
                yield Collections.unmodifiableList(out);
            }
            case Scalar s -> SecretValue.of(s, path);
            case NullNode x -> null;
            case CommentNode c -> null;
        };
    }

    private static void collect(Node n, List<String> path, Map<List<String>, SecretValue> out) {
        switch (n) {
            case MapNode m -> m.entries().forEach(e -> collect(e.value(), append(path, e.key()), out));
            case ListNode l -> {
                int i = 0;
                for (Node item : l.values().toList()) {
                    collect(item, append(path, Integer.toString(i++)), out);
                }
            }
            case Scalar s -> out.put(List.copyOf(path), SecretValue.of(s, path));
            default -> {
            }
        }
    }

    private static List<String> append(List<String> path, String segment) {
        List<String> p = new ArrayList<>(path);
        p.add(segment);
        return List.copyOf(p);
    }

    @Override
    public String toString() {
        return "DecryptedDocument[" + fileName + ", " + values().size() + " values]";
    }
}
