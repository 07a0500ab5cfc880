package dev.driftless.model;

import dev.driftless.model.YamlNode.YamlList;
import dev.driftless.model.YamlNode.YamlMap;
import dev.driftless.model.YamlNode.YamlScalar;
import java.io.StringReader;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.Collections;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.composer.Composer;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;
import org.yaml.snakeyaml.nodes.Tag;
import org.yaml.snakeyaml.parser.ParserImpl;
import org.yaml.snakeyaml.reader.ReaderException;
import org.yaml.snakeyaml.reader.StreamReader;
import org.yaml.snakeyaml.resolver.Resolver;

/**
 * Parses one YAML file into {@link YamlNode}s with positions. Malformed input becomes a
 * {@link Problem} in plain English at the offending line; nothing here throws for bad input.
 *
 * <p>SnakeYAML is used only up to its node graph (the "compose" step): no objects are
 * constructed, so no YAML tag can instantiate anything, and scalar typing is ours (YAML 1.2 core
 * schema rather than SnakeYAML's YAML 1.1 resolver, which would read {@code NO} as false and
 * {@code 8080:8080} as a base-60 number).
 */
public final class YamlReader {

    private static final int MAX_CODE_POINTS = 4 * 1024 * 1024;
    /**
     * Nodes that aliases add (each node of an aliased part counts once per time it is reached again):
     * a real repo file adds hundreds; an alias bomb, billions. Nodes written out in the file are not
     * counted: the code point limit bounds them, so an inventory of thousands of hosts reads.
     */
    static final int MAX_NODES = 50_000;

    private YamlReader() {
    }

    /**
     * The single document in {@code bytes}; an empty file reads as a null scalar at 1:1. Empty
     * when the file is not valid YAML (the problems say why).
     */
    public static Optional<YamlNode> read(String file, byte[] bytes, ProblemList problems) {
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT)
                .decode(ByteBuffer.wrap(bytes))
                .toString();
        } catch (CharacterCodingException e) {
            problems.addFile(file, "not a UTF-8 text file");
            return Optional.empty();
        }
        LoaderOptions options = new LoaderOptions();
        options.setAllowDuplicateKeys(true); // reported by us, with both positions
        options.setMergeOnCompose(true);      // "<<: *defaults" merges, keeping node positions
        options.setAllowRecursiveKeys(false);
        options.setMaxAliasesForCollections(100);
        options.setCodePointLimit(MAX_CODE_POINTS);
        options.setNestingDepthLimit(50);
        Composer composer = new Composer(
            new ParserImpl(new StreamReader(new StringReader(text)), options), new CoreResolver(), options);
        Node root;
        try {
            if (!composer.checkNode()) {
                return Optional.of(new YamlScalar("", true, new SourceLocation(file, 1, 1)));
            }
            root = composer.getNode();
            if (composer.checkNode()) {
                Node second = composer.getNode();
                problems.add(at(file, second.getStartMark()),
                    "a second YAML document starts here; a file holds exactly one (remove the '---')");
                return Optional.empty();
            }
        } catch (MarkedYAMLException e) {
            Mark mark = e.getProblemMark() != null ? e.getProblemMark() : e.getContextMark();
            SourceLocation where = mark == null ? SourceLocation.of(file) : at(file, mark);
            problems.add(where, YamlErrors.explain(e, file));
            return Optional.empty();
        } catch (ReaderException e) {
            problems.add(locate(file, text, e.getPosition()),
                "character U+%04X is not allowed in YAML; remove it".formatted(e.getCodePoint()));
            return Optional.empty();
        } catch (YAMLException e) {
            problems.addFile(file, "malformed YAML: " + firstLine(e.getMessage()));
            return Optional.empty();
        }
        int before = problems.mark();
        try {
            YamlNode converted = new Converter(file, problems).convert(root);
            return problems.addedSince(before) ? Optional.empty() : Optional.of(converted);
        } catch (TooLarge e) {
            problems.addFile(file, "too many aliases in one file: they expand to more than " + MAX_NODES + " values");
            return Optional.empty();
        }
    }

    static SourceLocation at(String file, Mark mark) {
        return new SourceLocation(file, mark.getLine() + 1, mark.getColumn() + 1);
    }

    private static SourceLocation locate(String file, String text, int codePointIndex) {
        int line = 1;
        int column = 1;
        int index = 0;
        for (int i = 0; i < text.length() && index < codePointIndex; i += Character.charCount(text.codePointAt(i))) {
            if (text.charAt(i) == '\n') {
                line++;
                column = 1;
            } else {
                column++;
            }
            index++;
        }
        return new SourceLocation(file, line, column);
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "unreadable";
        }
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }

    /**
     * Resolves nothing implicitly but the merge key: every plain scalar stays text with tag
     * {@code str}, and {@link YamlScalar} decides how it reads.
     */
    private static final class CoreResolver extends Resolver {
        @Override
        protected void addImplicitResolvers() {
            addImplicitResolver(Tag.MERGE, MERGE, "<");
        }
    }

    /** Thrown by the converter when aliases expand beyond {@link #MAX_NODES}. */
    private static final class TooLarge extends RuntimeException {
        TooLarge() {
            super(null, null, false, false);
        }
    }

    /** SnakeYAML nodes to ours, checking what SnakeYAML lets through: duplicate keys, odd keys, tags. */
    private static final class Converter {
        private final String file;
        private final ProblemList problems;
        /** Nodes an alias reached again, with everything inside them. */
        private int expanded;
        private final Set<Node> converted = Collections.newSetFromMap(new IdentityHashMap<>());
        private final Set<Node> inProgress = Collections.newSetFromMap(new IdentityHashMap<>());

        Converter(String file, ProblemList problems) {
            this.file = file;
            this.problems = problems;
        }

        YamlNode convert(Node node) {
            if (!converted.add(node) && ++expanded > MAX_NODES) {
                throw new TooLarge();
            }
            SourceLocation where = at(file, node.getStartMark());
            Tag tag = node.getTag();
            if (!tag.startsWith(Tag.PREFIX) && !tag.getValue().equals("!")) {
                problems.add(where, "YAML tag " + tag.getValue() + " is not supported here; remove it");
            }
            if (!inProgress.add(node)) {
                problems.add(where, "this alias refers to a node that contains it; recursive YAML is not supported");
                return new YamlScalar("", true, where);
            }
            try {
                return switch (node) {
                    case ScalarNode s -> new YamlScalar(s.getValue(), s.isPlain(), where);
                    case SequenceNode s -> {
                        List<YamlNode> items = new ArrayList<>(s.getValue().size());
                        s.getValue().forEach(item -> items.add(convert(item)));
                        yield new YamlList(items, where);
                    }
                    case MappingNode m -> convertMap(m, where);
                    default -> {
                        problems.add(where, "unsupported YAML node");
                        yield new YamlScalar("", true, where);
                    }
                };
            } finally {
                inProgress.remove(node);
            }
        }

        private YamlMap convertMap(MappingNode m, SourceLocation where) {
            List<YamlMap.Entry> entries = new ArrayList<>(m.getValue().size());
            Map<String, SourceLocation> seen = new HashMap<>();
            for (NodeTuple t : m.getValue()) {
                SourceLocation keyAt = at(file, t.getKeyNode().getStartMark());
                if (!(t.getKeyNode() instanceof ScalarNode keyNode)) {
                    problems.add(keyAt, "a mapping key must be a plain word, not a list or mapping");
                    continue;
                }
                String key = keyNode.getValue();
                SourceLocation first = seen.putIfAbsent(key, keyAt);
                if (first != null) {
                    problems.add(keyAt, "duplicate key \"" + key + "\" (first defined at line " + first.line() + ")");
                    continue;
                }
                entries.add(new YamlMap.Entry(new YamlScalar(key, keyNode.isPlain(), keyAt), convert(t.getValueNode())));
            }
            return new YamlMap(entries, where);
        }
    }
}
