package dev.driftless.model;

import dev.driftless.model.YamlNode.YamlList;
import dev.driftless.model.YamlNode.YamlMap;
import dev.driftless.model.YamlNode.YamlScalar;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.SortedMap;

/**
 * Reads the fields of one YAML mapping: reports unknown fields (with a suggestion) as soon as it
 * is made, then hands out typed values, each reporting a wrong type or format at the value's
 * position. Every getter returns empty when the field is absent or wrong, so callers never see a
 * half-read value.
 */
public final class FieldReader {

    private final YamlMap map;
    private final String path;
    private final ProblemList problems;
    private final java.util.Set<String> misspelled = new java.util.HashSet<>();

    /**
     * @param path the mapping's dotted path for messages ({@code ""} at the top of a file,
     *     {@code "health"} inside health, {@code "hosts.app-1"} for a host)
     */
    public FieldReader(YamlMap map, String path, Collection<String> allowed, ProblemList problems) {
        this.map = map;
        this.path = path;
        this.problems = problems;
        for (YamlMap.Entry e : map.entries()) {
            String key = e.key().text();
            if (!allowed.contains(key)) {
                problems.add(e.key().location(), "unknown field \"" + key + "\"" + (path.isEmpty() ? "" : " in " + path)
                    + Suggestions.hint(key, allowed));
                Suggestions.closest(key, allowed).ifPresent(misspelled::add);
            }
        }
    }

    public YamlMap map() {
        return map;
    }

    /** The dotted path of a field of this mapping, for messages. */
    public String path(String key) {
        return path.isEmpty() ? key : path + "." + key;
    }

    public boolean has(String key) {
        return map.get(key).isPresent();
    }

    public Optional<YamlNode> node(String key) {
        return map.get(key);
    }

    /**
     * The allowed fields that an unknown field was probably meant to be: a missing required
     * field among them is not reported again, the "did you mean" already says it.
     */
    java.util.Set<String> misspelled() {
        return java.util.Set.copyOf(misspelled);
    }

    /** Reports a required field that is absent, at the mapping's position; true when it is present. */
    public boolean require(String key, String why) {
        if (has(key)) {
            return true;
        }
        if (misspelled.contains(key)) {
            return false;
        }
        problems.add(map.location(), "missing required field \"" + key + "\"" + (path.isEmpty() ? "" : " in " + path) + why);
        return false;
    }

    public Optional<String> text(String key) {
        return node(key).flatMap(n -> text(n, path(key), problems));
    }

    public Optional<Long> whole(String key, long min, long max) {
        return node(key).flatMap(n -> whole(n, path(key), min, max, problems));
    }

    public Optional<Boolean> bool(String key) {
        return node(key).flatMap(n -> bool(n, path(key), problems));
    }

    public Optional<BigDecimal> number(String key) {
        return node(key).flatMap(n -> number(n, path(key), problems));
    }

    public Optional<Duration> duration(String key) {
        return node(key).flatMap(n -> duration(n, path(key), problems));
    }

    public Optional<Long> size(String key) {
        return node(key).flatMap(n -> size(n, path(key), problems));
    }

    public Optional<YamlMap> mapping(String key) {
        return node(key).flatMap(n -> mapping(n, path(key), problems));
    }

    public Optional<YamlList> list(String key) {
        return node(key).flatMap(n -> list(n, path(key), problems));
    }

    /** A map of labels, read as host labels and selectors are: safe keys, one-line values. */
    public Optional<SortedMap<String, String>> labels(String key) {
        return mapping(key).map(m -> HostsReader.labels(m, path(key), problems));
    }

    public Optional<List<String>> texts(String key) {
        return node(key).flatMap(n -> texts(n, path(key), problems));
    }

    // ---- single nodes ----

    static Optional<String> text(YamlNode node, String path, ProblemList problems) {
        if (node instanceof YamlScalar s && !s.isNull()) {
            return Optional.of(s.text());
        }
        problems.add(node.location(), node instanceof YamlScalar
            ? path + " has no value"
            : path + " must be a single value, not " + node.describe());
        return Optional.empty();
    }

    static Optional<Long> whole(YamlNode node, String path, long min, long max, ProblemList problems) {
        if (!(node instanceof YamlScalar s) || s.isNull()) {
            return text(node, path, problems).map(x -> 0L); // reports; never yields
        }
        Optional<Long> value = s.asLong();
        if (value.isEmpty()) {
            problems.add(node.location(), path + " must be a whole number, got " + s.describe());
            return Optional.empty();
        }
        if (value.get() < min || value.get() > max) {
            problems.add(node.location(), path + " must be " + range(min, max) + ", got " + value.get());
            return Optional.empty();
        }
        return value;
    }

    static Optional<Boolean> bool(YamlNode node, String path, ProblemList problems) {
        if (!(node instanceof YamlScalar s) || s.isNull()) {
            return text(node, path, problems).map(x -> false);
        }
        Optional<Boolean> value = s.asBoolean();
        if (value.isEmpty()) {
            problems.add(node.location(), path + " must be true or false, got " + s.describe());
        }
        return value;
    }

    static Optional<BigDecimal> number(YamlNode node, String path, ProblemList problems) {
        if (!(node instanceof YamlScalar s) || s.isNull()) {
            return text(node, path, problems).map(x -> BigDecimal.ZERO);
        }
        Optional<BigDecimal> value = s.asDecimal();
        if (value.isEmpty()) {
            problems.add(node.location(), path + " must be a number, got " + s.describe());
        }
        return value;
    }

    static Optional<Duration> duration(YamlNode node, String path, ProblemList problems) {
        Optional<String> text = text(node, path, problems);
        if (text.isEmpty()) {
            return Optional.empty();
        }
        Optional<Duration> value = DurationText.parse(text.get());
        if (value.isEmpty()) {
            String hint = text.get().matches("[0-9]+") ? "a number needs a unit: " + text.get() + "s or "
                + text.get() + "ms?" : DurationText.RULE;
            problems.add(node.location(), path + ": bad duration \"" + text.get() + "\": " + hint);
        }
        return value;
    }

    static Optional<Long> size(YamlNode node, String path, ProblemList problems) {
        Optional<String> text = text(node, path, problems);
        if (text.isEmpty()) {
            return Optional.empty();
        }
        Optional<Long> value = SizeText.parse(text.get());
        if (value.isEmpty()) {
            problems.add(node.location(), path + ": bad size \"" + text.get() + "\": " + SizeText.RULE);
        }
        return value;
    }

    static Optional<YamlMap> mapping(YamlNode node, String path, ProblemList problems) {
        if (node instanceof YamlMap m) {
            return Optional.of(m);
        }
        problems.add(node.location(), path + " must be a mapping of \"key: value\" lines, not " + node.describe());
        return Optional.empty();
    }

    static Optional<YamlList> list(YamlNode node, String path, ProblemList problems) {
        if (node instanceof YamlList l) {
            return Optional.of(l);
        }
        problems.add(node.location(), path + " must be a list, not " + node.describe());
        return Optional.empty();
    }

    /** A list of single values; empty if the node or any item is something else. */
    static Optional<List<String>> texts(YamlNode node, String path, ProblemList problems) {
        Optional<YamlList> list = list(node, path, problems);
        if (list.isEmpty()) {
            return Optional.empty();
        }
        List<String> out = new ArrayList<>();
        boolean ok = true;
        for (int i = 0; i < list.get().items().size(); i++) {
            Optional<String> item = text(list.get().items().get(i), path + "[" + i + "]", problems);
            ok &= item.isPresent();
            item.ifPresent(out::add);
        }
        return ok ? Optional.of(List.copyOf(out)) : Optional.empty();
    }

    private static String range(long min, long max) {
        if (max == Long.MAX_VALUE) {
            return "at least " + min;
        }
        return "from " + min + " to " + max;
    }
}
