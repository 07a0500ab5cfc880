package dev.driftless.model;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * A YAML node that remembers where it was written. The loader reads the repo through these
 * instead of a data-binding library so that every problem can name its file, line and column.
 *
 * <p>Scalars keep their text exactly as written; typing follows the YAML 1.2 core schema and is
 * decided by the reader of each field (so {@code country: NO} stays the text "NO", and
 * {@code PORT: 08080} in an environment variable stays "08080").
 */
public sealed interface YamlNode {

    SourceLocation location();

    /** How this node reads in a message: "a mapping", "a list", "nothing" or the quoted text. */
    String describe();

    /** A mapping with its keys in written order; keys are unique (the reader reports duplicates). */
    record YamlMap(List<Entry> entries, SourceLocation location) implements YamlNode {

        /** One {@code key: value} pair. */
        record Entry(YamlScalar key, YamlNode value) {
        }

        public YamlMap {
            entries = List.copyOf(entries);
        }

        public Optional<Entry> entry(String key) {
            return entries.stream().filter(e -> e.key().text().equals(key)).findFirst();
        }

        public Optional<YamlNode> get(String key) {
            return entry(key).map(Entry::value);
        }

        public List<String> keys() {
            List<String> keys = new ArrayList<>(entries.size());
            entries.forEach(e -> keys.add(e.key().text()));
            return keys;
        }

        @Override
        public String describe() {
            return "a mapping";
        }
    }

    /** A sequence. */
    record YamlList(List<YamlNode> items, SourceLocation location) implements YamlNode {

        public YamlList {
            items = List.copyOf(items);
        }

        @Override
        public String describe() {
            return "a list";
        }
    }

    /** A scalar: its text as written and whether it was plain (unquoted). */
    record YamlScalar(String text, boolean plain, SourceLocation location) implements YamlNode {

        private static final Pattern NULL = Pattern.compile("~|null|Null|NULL|");
        private static final Pattern TRUE = Pattern.compile("true|True|TRUE");
        private static final Pattern FALSE = Pattern.compile("false|False|FALSE");
        private static final Pattern INTEGER = Pattern.compile("[-+]?[0-9]+");
        private static final Pattern DECIMAL =
            Pattern.compile("[-+]?(\\.[0-9]+|[0-9]+(\\.[0-9]*)?)([eE][-+]?[0-9]+)?");

        /** An unquoted {@code ~}, {@code null} or nothing at all. */
        public boolean isNull() {
            return plain && NULL.matcher(text).matches();
        }

        public Optional<Boolean> asBoolean() {
            if (!plain) {
                return Optional.empty();
            }
            if (TRUE.matcher(text).matches()) {
                return Optional.of(true);
            }
            return FALSE.matcher(text).matches() ? Optional.of(false) : Optional.empty();
        }

        /** The value as a whole number, if it is an unquoted one that fits in a long. */
        public Optional<Long> asLong() {
            if (!plain || !INTEGER.matcher(text).matches()) {
                return Optional.empty();
            }
            try {
                return Optional.of(Long.parseLong(text.startsWith("+") ? text.substring(1) : text));
            } catch (NumberFormatException tooLarge) {
                return Optional.empty();
            }
        }

        /** The value as a number, if it is an unquoted integer or decimal. */
        public Optional<java.math.BigDecimal> asDecimal() {
            if (!plain || !DECIMAL.matcher(text).matches()) {
                return Optional.empty();
            }
            return Optional.of(new java.math.BigDecimal(text.startsWith("+") ? text.substring(1) : text));
        }

        @Override
        public String describe() {
            return isNull() ? "nothing" : "\"" + text + "\"";
        }
    }
}
