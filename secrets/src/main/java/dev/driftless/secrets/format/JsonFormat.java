package dev.driftless.secrets.format;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import dev.driftless.secrets.tree.BoolValue;
import dev.driftless.secrets.tree.BytesValue;
import dev.driftless.secrets.tree.CommentNode;
import dev.driftless.secrets.tree.Document;
import dev.driftless.secrets.tree.Entry;
import dev.driftless.secrets.tree.FloatValue;
import dev.driftless.secrets.tree.IntValue;
import dev.driftless.secrets.tree.ListNode;
import dev.driftless.secrets.tree.MapItem;
import dev.driftless.secrets.tree.MapNode;
import dev.driftless.secrets.tree.Node;
import dev.driftless.secrets.tree.NullNode;
import dev.driftless.secrets.tree.TextValue;
import dev.driftless.secrets.tree.TimeValue;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * JSON as sops reads and writes it: one top-level object, key order kept, every number a float64
 * (Go's json decoder), output indented with tabs and escaped like Go's encoding/json.
 */
public final class JsonFormat {

    private static final JsonFactory FACTORY = JsonFactory.builder()
        .streamReadConstraints(StreamReadConstraints.builder().maxStringLength(64 * 1024 * 1024).build())
        .build();

    private JsonFormat() {
    }

    /** Parses a JSON file whose top level must be an object. */
    public static Document read(String text, String fileName) {
        try (JsonParser p = FACTORY.createParser(text)) {
            JsonToken first = p.nextToken();
            if (first != JsonToken.START_OBJECT) {
                throw new FormatException(fileName + ": sops supports only JSON files with a top-level object"
                    + " (starting with '{')");
            }
            MapNode root = readObject(p, fileName);
            if (p.nextToken() != null) {
                throw new FormatException(fileName + ": unexpected content after the top-level JSON object at line "
                    + p.currentLocation().getLineNr());
            }
            return new Document(List.of(root));
        } catch (JsonParseException e) {
            throw new FormatException(fileName + ": invalid JSON at line " + e.getLocation().getLineNr()
                + ", column " + e.getLocation().getColumnNr());
        } catch (IOException e) {
            throw new FormatException(fileName + ": invalid JSON");
        }
    }

    private static MapNode readObject(JsonParser p, String fileName) throws IOException {
        List<MapItem> items = new ArrayList<>();
        Set<String> keys = new HashSet<>();
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String key = p.currentName();
            if (!keys.add(key)) {
                throw new FormatException(fileName + ": duplicate key at line " + p.currentLocation().getLineNr());
            }
            p.nextToken();
            items.add(new Entry(key, readValue(p, fileName)));
        }
        return new MapNode(items);
    }

    private static Node readValue(JsonParser p, String fileName) throws IOException {
        return switch (p.currentToken()) {
            case START_OBJECT -> readObject(p, fileName);
            case START_ARRAY -> {
                List<Node> items = new ArrayList<>();
                while (p.nextToken() != JsonToken.END_ARRAY) {
                    items.add(readValue(p, fileName));
                }
                yield new ListNode(items);
            }
            case VALUE_STRING -> new TextValue(p.getText());
            case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> {
                double d = Double.parseDouble(p.getText());
                if (Double.isInfinite(d)) {
                    throw new FormatException(fileName + ": number out of range at line " + p.currentLocation().getLineNr());
                }
                yield new FloatValue(d);
            }
            case VALUE_TRUE -> new BoolValue(true);
            case VALUE_FALSE -> new BoolValue(false);
            case VALUE_NULL -> NullNode.INSTANCE;
            default -> throw new FormatException(fileName + ": unexpected JSON token at line "
                + p.currentLocation().getLineNr());
        };
    }

    /** The file as sops writes it: tab-indented, comments dropped, trailing newline. */
    public static String write(Document document) {
        if (document.branches().size() != 1) {
            throw new FormatException("JSON holds exactly one document");
        }
        StringBuilder sb = new StringBuilder();
        writeValue(document.branches().get(0), sb, 0);
        return sb.append('\n').toString();
    }

    /** One value as {@code sops --extract} prints it for JSON files. */
    public static String writeValue(Node value) {
        StringBuilder sb = new StringBuilder();
        writeValue(value, sb, 0);
        return sb.toString();
    }

    private static void writeValue(Node n, StringBuilder sb, int depth) {
        switch (n) {
            case MapNode m -> {
                List<Entry> entries = m.entries().toList();
                if (entries.isEmpty()) {
                    sb.append("{}");
                    return;
                }
                sb.append('{');
                for (int i = 0; i < entries.size(); i++) {
                    newline(sb, depth + 1);
                    string(entries.get(i).key(), sb);
                    sb.append(": ");
                    writeValue(entries.get(i).value(), sb, depth + 1);
                    if (i < entries.size() - 1) {
                        sb.append(',');
                    }
                }
                newline(sb, depth);
                sb.append('}');
            }
            case ListNode l -> {
                List<Node> values = l.values().toList();
                if (values.isEmpty()) {
                    sb.append("[]");
                    return;
                }
                sb.append('[');
                for (int i = 0; i < values.size(); i++) {
                    newline(sb, depth + 1);
                    writeValue(values.get(i), sb, depth + 1);
                    if (i < values.size() - 1) {
                        sb.append(',');
                    }
                }
                newline(sb, depth);
                sb.append(']');
            }
            case TextValue t -> string(t.value(), sb);
            case IntValue i -> sb.append(i.value());
            case FloatValue f -> {
                if (Double.isNaN(f.value()) || Double.isInfinite(f.value())) {
                    throw new FormatException("JSON cannot hold NaN or infinite numbers");
                }
                sb.append(GoFormat.formatFloatJson(f.value()));
            }
            case BoolValue b -> sb.append(b.value());
            case NullNode x -> sb.append("null");
            case TimeValue t -> string(GoFormat.formatTime(t.value()), sb);
            case BytesValue b -> string(Base64.getEncoder().encodeToString(b.value()), sb);
            case CommentNode c -> throw new IllegalArgumentException("a comment is not a JSON value");
        }
    }

    private static void newline(StringBuilder sb, int depth) {
        sb.append('\n');
        sb.append("\t".repeat(depth));
    }

    /** encoding/json string escaping, HTML-safe as json.Marshal is. */
    static void string(String s, StringBuilder sb) {
        sb.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                case '\b' -> sb.append("\\b");
                case '\f' -> sb.append("\\f");
                case '<', '>', '&', '\u2028', '\u2029' -> sb.append(String.format("\\u%04x", (int) c));
                default -> {
                    if (c < 0x20) {
                        sb.append(String.format("\\u%04x", (int) c));
                    } else if (Character.isSurrogate(c) && !(Character.isHighSurrogate(c) && i + 1 < s.length()
                        && Character.isLowSurrogate(s.charAt(i + 1)))
                        && !(Character.isLowSurrogate(c) && i > 0 && Character.isHighSurrogate(s.charAt(i - 1)))) {
                        sb.append("\\ufffd");
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        sb.append('"');
    }
}
