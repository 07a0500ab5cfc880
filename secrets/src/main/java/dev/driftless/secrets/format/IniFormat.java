package dev.driftless.secrets.format;

import dev.driftless.secrets.tree.BoolValue;
import dev.driftless.secrets.tree.CommentNode;
import dev.driftless.secrets.tree.Document;
import dev.driftless.secrets.tree.Entry;
import dev.driftless.secrets.tree.FloatValue;
import dev.driftless.secrets.tree.IntValue;
import dev.driftless.secrets.tree.MapItem;
import dev.driftless.secrets.tree.MapNode;
import dev.driftless.secrets.tree.Node;
import dev.driftless.secrets.tree.NullNode;
import dev.driftless.secrets.tree.TextValue;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * INI as sops reads and writes it through go-ini: every section is a top-level map (keys before
 * the first header live in {@code DEFAULT}), values are strings, a section's comment is its first
 * item and a key's comment follows the key. Values holding {@code #} or {@code ;} must be quoted,
 * because INI readers cut them off there.
 */
public final class IniFormat {

    static final String DEFAULT_SECTION = "DEFAULT";

    private IniFormat() {
    }

    /** Parses sections, keys and comment lines. */
    public static Document read(String text, String fileName) {
        Map<String, List<MapItem>> sections = new LinkedHashMap<>();
        sections.put(DEFAULT_SECTION, new ArrayList<>());
        List<MapItem> current = sections.get(DEFAULT_SECTION);
        List<String> pending = new ArrayList<>();
        String[] lines = text.split("\n", -1);
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i].strip();
            if (line.isEmpty()) {
                continue;
            }
            if (line.startsWith(";") || line.startsWith("#")) {
                pending.add(line);
                continue;
            }
            if (line.startsWith("[")) {
                int close = line.indexOf(']');
                if (close < 0) {
                    throw new FormatException(fileName + ": unclosed section header at line " + (i + 1));
                }
                String name = line.substring(1, close).strip();
                current = sections.computeIfAbsent(name, n -> new ArrayList<>());
                if (!pending.isEmpty()) {
                    current.add(0, new CommentNode(stripCommentChar(String.join("\n", pending))));
                    pending.clear();
                }
                continue;
            }
            int eq = delimiter(line);
            if (eq < 0) {
                throw new FormatException(fileName + ": line " + (i + 1) + " is not key = value");
            }
            String key = unquote(line.substring(0, eq).strip());
            String value = value(line.substring(eq + 1).strip(), fileName, i + 1);
            current.add(new Entry(key, new TextValue(value)));
            if (!pending.isEmpty()) {
                current.add(new CommentNode(stripCommentChar(String.join("\n", pending))));
                pending.clear();
            }
        }
        List<MapItem> root = new ArrayList<>();
        sections.forEach((name, items) -> root.add(new Entry(name, new MapNode(items))));
        return new Document(List.of(new MapNode(root)));
    }

    private static int delimiter(String line) {
        int eq = line.indexOf('=');
        int colon = line.indexOf(':');
        if (eq < 0) {
            return colon;
        }
        return colon < 0 ? eq : Math.min(eq, colon);
    }

    private static String value(String raw, String fileName, int line) {
        if (raw.length() >= 2) {
            char q = raw.charAt(0);
            if ((q == '"' || q == '\'' || q == '`') && raw.charAt(raw.length() - 1) == q) {
                return raw.substring(1, raw.length() - 1);
            }
        }
        if (raw.indexOf('#') >= 0 || raw.indexOf(';') >= 0) {
            throw new FormatException(fileName + ": value at line " + line
                + " contains # or ; which INI readers treat as a comment; quote the value");
        }
        return raw;
    }

    private static String unquote(String key) {
        if (key.length() >= 2 && (key.charAt(0) == '"' || key.charAt(0) == '`')
            && key.charAt(key.length() - 1) == key.charAt(0)) {
            return key.substring(1, key.length() - 1);
        }
        return key;
    }

    private static String stripCommentChar(String comment) {
        if (comment.startsWith(";")) {
            return comment.replaceFirst("^[; ]+", "");
        }
        if (comment.startsWith("#")) {
            return comment.replaceFirst("^[# ]+", "");
        }
        return comment;
    }

    /** Writes sections like go-ini: aligned {@code =}, a blank line after each section. */
    public static String write(Document document) {
        StringBuilder sb = new StringBuilder();
        boolean first = true;
        for (MapItem item : document.branches().get(0).items()) {
            if (!(item instanceof Entry section)) {
                continue;
            }
            if (!(section.value() instanceof MapNode map)) {
                throw new FormatException("INI sections must be maps (section " + section.key() + ")");
            }
            List<MapItem> items = map.items();
            int start = 0;
            if (!items.isEmpty() && items.get(0) instanceof CommentNode c) {
                comment(c.text(), sb);
                start = 1;
            }
            boolean isDefault = first && section.key().equals(DEFAULT_SECTION);
            first = false;
            List<Entry> entries = map.entries().toList();
            if (isDefault) {
                if (entries.isEmpty()) {
                    continue;
                }
            } else {
                sb.append('[').append(section.key()).append("]\n");
            }
            int width = entries.stream().mapToInt(e -> e.key().length()).max().orElse(0);
            for (int i = start; i < items.size(); i++) {
                if (items.get(i) instanceof Entry e) {
                    String comment = i + 1 < items.size() && items.get(i + 1) instanceof CommentNode c ? c.text() : null;
                    if (comment != null) {
                        comment(comment, sb);
                    }
                    sb.append(e.key()).append(" ".repeat(width - e.key().length())).append(" = ")
                        .append(quote(text(e.value()))).append('\n');
                }
            }
            sb.append('\n');
        }
        return sb.toString();
    }

    private static void comment(String text, StringBuilder sb) {
        for (String line : text.split("\n", -1)) {
            sb.append(line.startsWith(";") || line.startsWith("#") ? line : "; " + line).append('\n');
        }
    }

    private static String quote(String v) {
        if (v.contains("\n")) {
            return "\"\"\"" + v + "\"\"\"";
        }
        if (!v.isEmpty() && (Character.isWhitespace(v.charAt(0)) || Character.isWhitespace(v.charAt(v.length() - 1)))) {
            return "\"" + v + "\"";
        }
        if (v.indexOf('#') >= 0 || v.indexOf(';') >= 0) {
            return "`" + v + "`";
        }
        return v;
    }

    private static String text(Node n) {
        return switch (n) {
            case TextValue t -> t.value();
            case IntValue i -> Long.toString(i.value());
            case FloatValue f -> GoFormat.formatFloatF(f.value());
            case BoolValue b -> Boolean.toString(b.value());
            case NullNode x -> "";
            default -> throw new FormatException("INI values must be scalars");
        };
    }
}
