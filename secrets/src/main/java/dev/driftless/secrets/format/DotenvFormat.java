package dev.driftless.secrets.format;

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
import dev.driftless.secrets.tree.NullNode;
import dev.driftless.secrets.tree.TextValue;
import dev.driftless.secrets.tree.TimeValue;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * dotenv as sops 3.10 reads and writes it: one {@code KEY=value} per line, {@code #} comment
 * lines, every value a string, a literal {@code \n} standing for a newline. sops keeps its
 * metadata in the same file as {@code sops_…} lines.
 */
public final class DotenvFormat {

    private DotenvFormat() {
    }

    /** Parses the lines; a non-empty line that is neither comment nor {@code KEY=value} is an error. */
    public static Document read(String text, String fileName) {
        List<MapItem> items = new ArrayList<>();
        String[] lines = text.split("\n", -1);
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i];
            if (line.isEmpty()) {
                continue;
            }
            if (line.charAt(0) == '#') {
                items.add(new CommentNode(line.substring(1)));
                continue;
            }
            int eq = line.indexOf('=');
            if (eq < 0) {
                throw new FormatException(fileName + ": line " + (i + 1) + " is not KEY=value");
            }
            items.add(new Entry(line.substring(0, eq), new TextValue(line.substring(eq + 1).replace("\\n", "\n"))));
        }
        return new Document(List.of(new MapNode(items)));
    }

    /** The lines as sops writes them. */
    public static String write(Document document) {
        StringBuilder sb = new StringBuilder();
        for (MapItem item : document.branches().get(0).items()) {
            switch (item) {
                case CommentNode c -> sb.append('#').append(c.text()).append('\n');
                case Entry e -> {
                    if (e.value() instanceof MapNode || e.value() instanceof ListNode) {
                        throw new FormatException("cannot use a map or list value in a dotenv file (key "
                            + e.key() + ")");
                    }
                    sb.append(e.key()).append('=').append(text(e).replace("\n", "\\n")).append('\n');
                }
            }
        }
        return sb.toString();
    }

    private static String text(Entry e) {
        return switch (e.value()) {
            case TextValue t -> t.value();
            case IntValue i -> Long.toString(i.value());
            case FloatValue f -> GoFormat.formatFloatF(f.value());
            case BoolValue b -> Boolean.toString(b.value());
            case TimeValue t -> GoFormat.formatTimeSeconds(t.value());
            case BytesValue b -> new String(b.value(), StandardCharsets.UTF_8);
            case NullNode n -> "";
            default -> throw new FormatException("unsupported dotenv value for key " + e.key());
        };
    }
}
