package dev.driftless.secrets.format;

import dev.driftless.secrets.tree.BoolValue;
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
import java.io.StringReader;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.yaml.snakeyaml.DumperOptions;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.comments.CommentType;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.events.AliasEvent;
import org.yaml.snakeyaml.events.CollectionStartEvent;
import org.yaml.snakeyaml.events.CommentEvent;
import org.yaml.snakeyaml.events.Event;
import org.yaml.snakeyaml.events.MappingStartEvent;
import org.yaml.snakeyaml.events.NodeEvent;
import org.yaml.snakeyaml.events.ScalarEvent;
import org.yaml.snakeyaml.events.SequenceStartEvent;
import org.yaml.snakeyaml.parser.Parser;
import org.yaml.snakeyaml.parser.ParserImpl;
import org.yaml.snakeyaml.reader.StreamReader;

/**
 * Reads YAML into a SOPS tree the way sops (go-yaml v3) sees it: go-yaml's scalar types, string
 * keys only, and every comment line kept as an item of the map or list it belongs to. A comment
 * belongs to the innermost open block whose indentation does not exceed the comment's column, so
 * a comment under the last key of a nested map stays in that map, as sops writes it.
 */
public final class YamlReader {

    private final String fileName;
    private final List<MapNode> branches = new ArrayList<>();
    private final Map<String, Object> anchors = new HashMap<>();
    private final Deque<Frame> stack = new ArrayDeque<>();
    private final List<CommentNode> beforeRoot = new ArrayList<>();
    private Object root;
    private boolean inDocument;
    /** The item (entry or value) the most recent scalar belongs to, for trailing comments. */
    private Frame lastFrame;
    private Object lastItem;

    private YamlReader(String fileName) {
        this.fileName = fileName;
    }

    /** Parses all documents of a YAML stream. */
    public static Document read(String text, String fileName) {
        YamlReader r = new YamlReader(fileName);
        try {
            r.run(text);
        } catch (MarkedYAMLException e) {
            Mark m = e.getProblemMark() != null ? e.getProblemMark() : e.getContextMark();
            String where = m == null ? "" : " at line " + (m.getLine() + 1) + ", column " + (m.getColumn() + 1);
            throw new FormatException(fileName + ": invalid YAML" + where + ": " + safeProblem(e.getProblem()));
        } catch (YAMLException e) {
            throw new FormatException(fileName + ": invalid YAML");
        }
        return new Document(r.branches);
    }

    // SnakeYAML problems describe tokens, not values; still, keep them short and single-line.
    private static String safeProblem(String problem) {
        if (problem == null) {
            return "syntax error";
        }
        String p = problem.replaceAll("\\s+", " ").strip();
        return p.length() > 120 ? p.substring(0, 120) : p;
    }

    private void run(String text) {
        LoaderOptions options = new LoaderOptions();
        options.setProcessComments(true);
        options.setMaxAliasesForCollections(100);
        options.setCodePointLimit(64 * 1024 * 1024);
        Parser parser = new ParserImpl(new StreamReader(new StringReader(text)), options);
        while (parser.peekEvent() != null) {
            Event e = parser.getEvent();
            switch (e.getEventId()) {
                case DocumentStart -> startDocument();
                case DocumentEnd -> endDocument(e);
                case MappingStart -> startCollection((MappingStartEvent) e, new MMap(column(e)));
                case SequenceStart -> startCollection((SequenceStartEvent) e, new MSeq(column(e)));
                case MappingEnd, SequenceEnd -> endCollection();
                case Scalar -> scalar((ScalarEvent) e);
                case Alias -> alias((AliasEvent) e);
                case Comment -> comment((CommentEvent) e);
                case StreamEnd -> {
                    if (!beforeRoot.isEmpty() && branches.isEmpty()) {
                        branches.add(new MapNode(List.copyOf(beforeRoot)));
                    }
                    return;
                }
                default -> {
                }
            }
        }
    }

    private static int column(Event e) {
        return e.getStartMark() == null ? 0 : e.getStartMark().getColumn();
    }

    private static int line(Event e) {
        return e.getStartMark() == null ? 0 : e.getStartMark().getLine() + 1;
    }

    private void startDocument() {
        inDocument = true;
        root = null;
        stack.clear();
        lastFrame = null;
        lastItem = null;
    }

    private void endDocument(Event e) {
        List<MapItem> items = new ArrayList<>(beforeRoot);
        beforeRoot.clear();
        if (root instanceof MMap m) {
            MapNode node = (MapNode) freeze(m);
            items.addAll(node.items());
        } else if (root instanceof MSeq) {
            throw new FormatException(fileName + ": YAML documents that are sequences are not supported (line "
                + line(e) + ")");
        } else if (root != null && root != NullNode.INSTANCE) {
            throw new FormatException(fileName + ": YAML documents that are values are not supported");
        }
        branches.add(new MapNode(items));
        inDocument = false;
    }

    private void startCollection(CollectionStartEvent e, Frame frame) {
        attach(frame, e);
        stack.push(frame);
        remember(e, frame);
    }

    private void endCollection() {
        Frame f = stack.pop();
        f.closed = true;
    }

    private void scalar(ScalarEvent e) {
        Frame top = stack.peek();
        if (top instanceof MMap map && map.pending == null) {
            String key = keyText(e);
            if (!map.keys.add(key)) {
                throw new FormatException(fileName + ": duplicate key at line " + line(e));
            }
            MEntry entry = new MEntry(key);
            map.items.add(entry);
            map.pending = entry;
            lastFrame = map;
            lastItem = entry;
            return;
        }
        Node value = scalarValue(e);
        attach(value, e);
        remember(e, value);
    }

    private void alias(AliasEvent e) {
        Object target = anchors.get(e.getAnchor());
        if (target == null) {
            throw new FormatException(fileName + ": unknown alias at line " + line(e));
        }
        if (target instanceof Frame f && !f.closed) {
            throw new FormatException(fileName + ": recursive alias at line " + line(e));
        }
        Frame top = stack.peek();
        if (top instanceof MMap map && map.pending == null) {
            if (target instanceof TextValue t) {
                scalarKey(map, t.value(), e);
                return;
            }
            throw new FormatException(fileName + ": key at line " + line(e) + " is not a string");
        }
        attach(freeze(target), e);
    }

    private void scalarKey(MMap map, String key, Event e) {
        if (!map.keys.add(key)) {
            throw new FormatException(fileName + ": duplicate key at line " + line(e));
        }
        MEntry entry = new MEntry(key);
        map.items.add(entry);
        map.pending = entry;
        lastFrame = map;
        lastItem = entry;
    }

    private void remember(NodeEvent e, Object node) {
        if (e.getAnchor() != null) {
            anchors.put(e.getAnchor(), node);
        }
    }

    /** Places a value: as the pending key's value, as a list item, or as the document root. */
    private void attach(Object value, Event e) {
        Frame top = stack.peek();
        if (top == null) {
            if (!inDocument) {
                startDocument();
            }
            root = value;
            return;
        }
        if (top instanceof MMap map) {
            MEntry entry = map.pending;
            if (entry == null) {
                throw new FormatException(fileName + ": key at line " + line(e) + " is not a string");
            }
            entry.value = value;
            map.pending = null;
            if (!entry.waiting.isEmpty()) {
                placeWaiting(map, entry, value);
            }
            lastFrame = map;
            lastItem = entry;
        } else if (top instanceof MSeq seq) {
            seq.items.add(value);
            lastFrame = seq;
            lastItem = value;
        }
    }

    /** Comments between {@code key:} and its value: into the new block if indented like it, else before the key. */
    private void placeWaiting(MMap map, MEntry entry, Object value) {
        List<Object> intoBlock = new ArrayList<>();
        List<Object> beforeKey = new ArrayList<>();
        for (Waiting w : entry.waiting) {
            if (value instanceof Frame f && w.column >= f.indent) {
                intoBlock.add(w.comment);
            } else {
                beforeKey.add(w.comment);
            }
        }
        if (value instanceof Frame f) {
            f.items.addAll(0, intoBlock);
        }
        int at = indexOf(map.items, entry);
        map.items.addAll(at, beforeKey);
        entry.waiting.clear();
    }

    private void comment(CommentEvent e) {
        if (e.getCommentType() == CommentType.BLANK_LINE) {
            return;
        }
        CommentNode c = new CommentNode(e.getValue());
        if (e.getCommentType() == CommentType.IN_LINE) {
            // sops moves a trailing comment in front of the entry or item it trails
            if (lastFrame != null && !lastFrame.closed) {
                lastFrame.items.add(indexOf(lastFrame.items, lastItem), c);
            } else if (lastFrame != null) {
                target(e.getStartMark().getColumn()).items.add(c);
            } else {
                beforeRoot.add(c);
            }
            return;
        }
        if (stack.isEmpty()) {
            beforeRoot.add(c);
            return;
        }
        Frame top = stack.peek();
        if (top instanceof MMap map && map.pending != null) {
            map.pending.waiting.add(new Waiting(c, e.getStartMark().getColumn()));
            return;
        }
        target(e.getStartMark().getColumn()).items.add(c);
    }

    /** The innermost open block whose indentation is at most {@code column}; the outermost otherwise. */
    private Frame target(int column) {
        Frame outermost = null;
        for (Frame f : stack) {
            if (f.indent <= column) {
                return f;
            }
            outermost = f;
        }
        return outermost;
    }

    private static int indexOf(List<Object> items, Object item) {
        for (int i = items.size() - 1; i >= 0; i--) {
            if (items.get(i) == item) {
                return i;
            }
        }
        return items.size();
    }

    private String keyText(ScalarEvent e) {
        Node key = scalarValue(e);
        if (key instanceof TextValue t) {
            return t.value();
        }
        String what = switch (key) {
            case IntValue i -> "an integer";
            case FloatValue f -> "a float";
            case BoolValue b -> "a boolean";
            case NullNode n -> "null";
            default -> "not a string";
        };
        throw new FormatException(fileName + ": key at line " + line(e) + " is " + what
            + "; sops supports only string keys (quote it)");
    }

    private Node scalarValue(ScalarEvent e) {
        String tag = e.getTag();
        String value = e.getValue();
        boolean plain = e.getScalarStyle() == DumperOptions.ScalarStyle.PLAIN;
        if (tag == null || tag.equals("!")) {
            if (!plain || tag != null) {
                return new TextValue(value);
            }
            return resolvePlain(value, e);
        }
        String shortTag = tag.startsWith("tag:yaml.org,2002:") ? "!!" + tag.substring("tag:yaml.org,2002:".length()) : tag;
        return switch (shortTag) {
            case "!!str", "!!timestamp" -> new TextValue(value);
            case "!!binary" -> binary(value, e);
            case "!!null", "!!bool", "!!int", "!!float" -> {
                Node n = resolvePlain(value, e);
                if (shortTag.equals("!!float") && n instanceof IntValue i) {
                    yield new FloatValue(i.value());
                }
                boolean ok = switch (shortTag) {
                    case "!!null" -> n == NullNode.INSTANCE;
                    case "!!bool" -> n instanceof BoolValue;
                    case "!!int" -> n instanceof IntValue;
                    default -> n instanceof FloatValue;
                };
                if (!ok) {
                    throw new FormatException(fileName + ": value at line " + line(e) + " is not a valid " + shortTag);
                }
                yield n;
            }
            default -> new TextValue(value);
        };
    }

    private Node resolvePlain(String value, ScalarEvent e) {
        try {
            return YamlResolver.resolve(value);
        } catch (IllegalArgumentException ex) {
            throw new FormatException(fileName + ": integer at line " + line(e)
                + " does not fit in 64 bits (sops supports only signed 64-bit integers)");
        }
    }

    private Node binary(String value, ScalarEvent e) {
        byte[] data;
        try {
            data = Base64.getMimeDecoder().decode(value);
        } catch (IllegalArgumentException ex) {
            throw new FormatException(fileName + ": !!binary value at line " + line(e) + " is not base64");
        }
        try {
            return new TextValue(StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .decode(java.nio.ByteBuffer.wrap(data)).toString());
        } catch (CharacterCodingException ex) {
            throw new FormatException(fileName + ": !!binary value at line " + line(e)
                + " is not UTF-8 text, which sops cannot store");
        }
    }

    private Node freeze(Object o) {
        return switch (o) {
            case MMap m -> {
                List<MapItem> items = new ArrayList<>();
                for (Object item : m.items) {
                    if (item instanceof MEntry e) {
                        items.add(new Entry(e.key, e.value == null ? NullNode.INSTANCE : freeze(e.value)));
                    } else {
                        items.add((CommentNode) item);
                    }
                }
                yield new MapNode(items);
            }
            case MSeq s -> {
                List<Node> items = new ArrayList<>();
                for (Object item : s.items) {
                    items.add(freeze(item));
                }
                yield new ListNode(items);
            }
            case Node n -> n;
            default -> throw new IllegalStateException("unexpected " + o.getClass());
        };
    }

    /** An open block collection and its items so far. */
    private abstract static class Frame {
        final int indent;
        final List<Object> items = new ArrayList<>();
        boolean closed;

        Frame(int indent) {
            this.indent = indent;
        }
    }

    private static final class MMap extends Frame {
        final Set<String> keys = new HashSet<>();
        MEntry pending;

        MMap(int indent) {
            super(indent);
        }
    }

    private static final class MSeq extends Frame {
        MSeq(int indent) {
            super(indent);
        }
    }

    private static final class MEntry {
        final String key;
        final List<Waiting> waiting = new ArrayList<>();
        Object value;

        MEntry(String key) {
            this.key = key;
        }
    }

    private record Waiting(CommentNode comment, int column) {
    }
}
