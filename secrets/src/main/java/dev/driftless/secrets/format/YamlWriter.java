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
import dev.driftless.secrets.tree.Node;
import dev.driftless.secrets.tree.NullNode;
import dev.driftless.secrets.tree.TextValue;
import dev.driftless.secrets.tree.TimeValue;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * Writes a SOPS tree as YAML the way sops 3.10 does: it builds the go-yaml node tree sops builds
 * (comments as head comments of the next key or item, trailing ones as the last key's or item's
 * foot comment) and runs it through the ported go-yaml emitter with an indent of 4.
 */
public final class YamlWriter {

    private static final int INDENT = 4;

    private YamlWriter() {
    }

    /** The whole file, documents separated by {@code ---}. */
    public static String write(Document document) {
        List<YamlEmitter.Event> events = new ArrayList<>();
        events.add(new YamlEmitter.Event(YamlEmitter.Type.STREAM_START));
        for (MapNode branch : document.branches()) {
            events.add(new YamlEmitter.Event(YamlEmitter.Type.DOCUMENT_START));
            YNode mapping = new YNode(Kind.MAP);
            appendMap(branch, mapping);
            toEvents(mapping, "", events);
            events.add(new YamlEmitter.Event(YamlEmitter.Type.DOCUMENT_END));
        }
        events.add(new YamlEmitter.Event(YamlEmitter.Type.STREAM_END));
        return new YamlEmitter(INDENT).emit(events);
    }

    /** One value as {@code sops --extract} prints a non-string value. */
    public static String writeValue(Node value) {
        List<YamlEmitter.Event> events = new ArrayList<>();
        events.add(new YamlEmitter.Event(YamlEmitter.Type.STREAM_START));
        events.add(new YamlEmitter.Event(YamlEmitter.Type.DOCUMENT_START));
        toEvents(toNode(value), "", events);
        events.add(new YamlEmitter.Event(YamlEmitter.Type.DOCUMENT_END));
        events.add(new YamlEmitter.Event(YamlEmitter.Type.STREAM_END));
        return new YamlEmitter(INDENT).emit(events);
    }

    private enum Kind { MAP, SEQ, SCALAR }

    /** The go-yaml node sops would build. */
    private static final class YNode {
        final Kind kind;
        final List<YNode> content = new ArrayList<>();
        String value = "";
        String tag = "";
        YamlEmitter.Style style = YamlEmitter.Style.ANY;
        String head = "";
        String foot = "";

        YNode(Kind kind) {
            this.kind = kind;
        }

        YNode withoutFoot() {
            YNode copy = new YNode(kind);
            copy.content.addAll(content);
            copy.value = value;
            copy.tag = tag;
            copy.style = style;
            copy.head = head;
            return copy;
        }
    }

    private static void appendMap(MapNode map, YNode mapping) {
        List<String> comments = new ArrayList<>();
        boolean beginning = true;
        for (MapItem item : map.items()) {
            if (item instanceof CommentNode c) {
                comments.add(c.text());
                continue;
            }
            Entry e = (Entry) item;
            if (beginning) {
                addHead(mapping, comments);
                beginning = false;
            }
            YNode key = string(e.key());
            addHead(key, comments);
            mapping.content.add(key);
            mapping.content.add(toNode(e.value()));
        }
        if (!comments.isEmpty()) {
            if (beginning) {
                addHead(mapping, comments);
            } else {
                addFoot(mapping.content.get(mapping.content.size() - 2), comments);
            }
        }
    }

    private static void appendList(ListNode list, YNode sequence) {
        List<String> comments = new ArrayList<>();
        boolean beginning = true;
        for (Node item : list.items()) {
            if (item instanceof CommentNode c) {
                comments.add(c.text());
                continue;
            }
            if (beginning) {
                addHead(sequence, comments);
                beginning = false;
            }
            YNode node = toNode(item);
            addHead(node, comments);
            sequence.content.add(node);
        }
        if (!comments.isEmpty()) {
            if (beginning) {
                addHead(sequence, comments);
            } else {
                addFoot(sequence.content.get(sequence.content.size() - 1), comments);
            }
        }
    }

    private static void addHead(YNode node, List<String> comments) {
        if (comments.isEmpty()) {
            return;
        }
        String comment = "#" + String.join("\n#", comments);
        node.head = node.head.isEmpty() ? comment : comment + "\n" + node.head;
        comments.clear();
    }

    private static void addFoot(YNode node, List<String> comments) {
        String comment = "#" + String.join("\n#", comments);
        node.foot = node.foot.isEmpty() ? comment : node.foot + "\n" + comment;
        comments.clear();
    }

    private static YNode toNode(Node value) {
        return switch (value) {
            case MapNode m -> {
                YNode n = new YNode(Kind.MAP);
                appendMap(m, n);
                yield n;
            }
            case ListNode l -> {
                YNode n = new YNode(Kind.SEQ);
                appendList(l, n);
                yield n;
            }
            case TextValue t -> string(t.value());
            case IntValue i -> plain(Long.toString(i.value()));
            case FloatValue f -> plain(yamlFloat(f.value()));
            case BoolValue b -> plain(b.value() ? "true" : "false");
            case TimeValue t -> plain(GoFormat.formatTime(t.value()));
            case NullNode n -> plain("null");
            case BytesValue b -> bytes(b.value());
            case CommentNode c -> throw new IllegalArgumentException("a comment is not a value");
        };
    }

    static String yamlFloat(double d) {
        String s = GoFormat.formatFloatG(d);
        return switch (s) {
            case "+Inf" -> ".inf";
            case "-Inf" -> "-.inf";
            case "NaN" -> ".nan";
            default -> s;
        };
    }

    private static YNode plain(String text) {
        YNode n = new YNode(Kind.SCALAR);
        n.value = text;
        n.style = YamlEmitter.Style.PLAIN;
        return n;
    }

    /** go-yaml's stringv, then the style its emitter settles on (Node.Encode re-parses that). */
    private static YNode string(String s) {
        YamlEmitter.Style requested;
        if (s.contains("\n")) {
            requested = YamlEmitter.Style.LITERAL;
        } else if (YamlResolver.canBePlainString(s)) {
            requested = YamlEmitter.Style.PLAIN;
        } else {
            requested = YamlEmitter.Style.DOUBLE_QUOTED;
        }
        YNode n = new YNode(Kind.SCALAR);
        n.value = s;
        n.style = YamlEmitter.styleAsRoot(s, requested);
        return n;
    }

    private static YNode bytes(byte[] b) {
        try {
            return string(StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                .decode(ByteBuffer.wrap(b)).toString());
        } catch (CharacterCodingException e) {
            YNode n = new YNode(Kind.SCALAR);
            n.value = Base64.getEncoder().encodeToString(b);
            n.tag = "tag:yaml.org,2002:binary";
            n.style = YamlEmitter.Style.PLAIN;
            return n;
        }
    }

    private static void toEvents(YNode node, String tail, List<YamlEmitter.Event> events) {
        switch (node.kind) {
            case MAP -> {
                YamlEmitter.Event start = new YamlEmitter.Event(YamlEmitter.Type.MAPPING_START);
                start.tail = tail;
                start.head = node.head;
                events.add(start);
                String pending = "";
                for (int i = 0; i + 1 < node.content.size(); i += 2) {
                    YNode k = node.content.get(i);
                    String foot = k.foot;
                    if (!foot.isEmpty()) {
                        k = k.withoutFoot();
                    }
                    toEvents(k, pending, events);
                    pending = foot;
                    toEvents(node.content.get(i + 1), "", events);
                }
                YamlEmitter.Event end = new YamlEmitter.Event(YamlEmitter.Type.MAPPING_END);
                end.tail = pending;
                end.foot = node.foot;
                events.add(end);
            }
            case SEQ -> {
                YamlEmitter.Event start = new YamlEmitter.Event(YamlEmitter.Type.SEQUENCE_START);
                start.head = node.head;
                events.add(start);
                for (YNode item : node.content) {
                    toEvents(item, "", events);
                }
                YamlEmitter.Event end = new YamlEmitter.Event(YamlEmitter.Type.SEQUENCE_END);
                end.foot = node.foot;
                events.add(end);
            }
            case SCALAR -> {
                YamlEmitter.Event e = new YamlEmitter.Event(YamlEmitter.Type.SCALAR);
                e.value = node.value;
                e.tag = node.tag;
                e.implicit = node.tag.isEmpty();
                e.style = node.style;
                e.head = node.head;
                e.foot = node.foot;
                e.tail = tail;
                events.add(e);
            }
        }
    }
}
