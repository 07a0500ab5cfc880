package dev.driftless.secrets;

import dev.driftless.secrets.tree.BoolValue;
import dev.driftless.secrets.tree.CommentNode;
import dev.driftless.secrets.tree.Entry;
import dev.driftless.secrets.tree.FloatValue;
import dev.driftless.secrets.tree.IntValue;
import dev.driftless.secrets.tree.ListNode;
import dev.driftless.secrets.tree.MapItem;
import dev.driftless.secrets.tree.MapNode;
import dev.driftless.secrets.tree.Node;
import dev.driftless.secrets.tree.NullNode;
import dev.driftless.secrets.tree.Scalar;
import dev.driftless.secrets.tree.TextValue;
import java.util.ArrayList;
import java.util.List;

/**
 * Sets one value of a decrypted tree, as {@code sops set} does: the path's map keys are created
 * where missing (a new key goes last), a list element is replaced only where the list has it, and
 * a value or null is replaced; a map or list is not (its values are set one by one). Messages name
 * the path, never a value.
 */
final class TreeEdit {

    private TreeEdit() {
    }

    /** The value {@code text} of {@code type}, as sops would type it; a text that is not of it is refused. */
    static Scalar scalar(ValueType type, String text, String fileName) {
        try {
            return switch (type) {
                case STR -> new TextValue(text);
                case INT -> new IntValue(Long.parseLong(text.strip()));
                case FLOAT -> new FloatValue(Double.parseDouble(text.strip()));
                case BOOL -> switch (text.strip()) {
                    case "true" -> new BoolValue(true);
                    case "false" -> new BoolValue(false);
                    default -> throw new NumberFormatException();
                };
                case BYTES, TIME -> throw new SopsException(fileName, SopsException.Reason.INVALID_FORMAT,
                    "values of type " + type.sopsName() + " cannot be set; use str, int, float or bool");
            };
        } catch (NumberFormatException e) {
            // Never the text itself: it is a secret.
            throw new SopsException(fileName, SopsException.Reason.INVALID_FORMAT, "the value is not a "
                + type.sopsName() + (type == ValueType.BOOL ? " (true or false)" : ""));
        }
    }

    /** {@code map} with the value at {@code path} (at least one segment) set to {@code value}. */
    static MapNode set(MapNode map, List<String> path, Scalar value, String fileName) {
        return (MapNode) set(map, path, 0, value, fileName);
    }

    private static Node set(Node node, List<String> path, int at, Scalar value, String fileName) {
        String segment = path.get(at);
        boolean last = at == path.size() - 1;
        return switch (node) {
            case MapNode m -> {
                List<MapItem> items = new ArrayList<>(m.items());
                for (int i = 0; i < items.size(); i++) {
                    if (items.get(i) instanceof Entry e && e.key().equals(segment)) {
                        items.set(i, new Entry(segment, last ? replaced(e.value(), path, at, value, fileName)
                            : set(e.value(), path, at + 1, value, fileName)));
                        yield new MapNode(items);
                    }
                }
                items.add(new Entry(segment, last ? value : set(new MapNode(List.of()), path, at + 1, value, fileName)));
                yield new MapNode(items);
            }
            case ListNode l -> {
                int index = index(segment);
                List<Node> items = new ArrayList<>(l.items());
                int seen = -1;
                for (int i = 0; i < items.size(); i++) {
                    if (!(items.get(i) instanceof CommentNode) && ++seen == index) {
                        items.set(i, last ? replaced(items.get(i), path, at, value, fileName)
                            : set(items.get(i), path, at + 1, value, fileName));
                        yield new ListNode(items);
                    }
                }
                throw new SopsException(fileName, SopsException.Reason.INVALID_PATH, where(path, at - 1)
                    + " is a list of " + (seen + 1) + (seen == 0 ? " item" : " items") + ": there is no item "
                    + segment + " to set");
            }
            default -> throw new SopsException(fileName, SopsException.Reason.INVALID_PATH, where(path, at - 1)
                + " is a value, not a map or list: " + where(path, at) + " cannot be set");
        };
    }

    private static Node replaced(Node old, List<String> path, int at, Scalar value, String fileName) {
        if (old instanceof Scalar || old == NullNode.INSTANCE) {
            return value;
        }
        throw new SopsException(fileName, SopsException.Reason.INVALID_PATH, where(path, at) + " is a "
            + (old instanceof MapNode ? "map" : "list") + "; set its values one by one");
    }

    private static int index(String segment) {
        if (segment.isEmpty() || !segment.chars().allMatch(c -> c >= '0' && c <= '9') || segment.length() > 9) {
            return -1;
        }
        return Integer.parseInt(segment);
    }

    /** The path up to and including {@code at}, as sops writes it: {@code ["db"]["hosts"][0]}. */
    static String where(List<String> path, int at) {
        if (at < 0) {
            return "the top level";
        }
        StringBuilder b = new StringBuilder();
        for (int i = 0; i <= at; i++) {
            b.append('[').append(index(path.get(i)) >= 0 ? path.get(i) : "\"" + path.get(i) + "\"").append(']');
        }
        return b.toString();
    }
}
