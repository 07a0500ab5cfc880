package dev.driftless.model;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Everything that decides what an instance runs, as display-safe text: the inputs of its
 * fingerprint. Keys are stable and readable ({@code image}, {@code env.LOG_LEVEL},
 * {@code secret.DB_PASSWORD}, {@code port.8080/tcp}, {@code volume./data}, {@code file./etc/app.conf},
 * {@code resources.memory}, {@code label.team}, ...); environment values appear only as short
 * hashes and secrets only as the fingerprints the secrets module gave. The reconciler stores
 * {@link #canonical()} on each container so the planner can say what changed.
 */
public record FingerprintInputs(SortedMap<String, String> values) {

    private static final ObjectMapper JSON = new ObjectMapper();

    public FingerprintInputs {
        values = Immutables.sortedMap(values);
    }

    /**
     * The canonical serialisation: a compact JSON object with keys in sorted order, written by
     * hand so the bytes never depend on a library's formatting choices.
     */
    public String canonical() {
        StringBuilder out = new StringBuilder(64 * values.size() + 2).append('{');
        boolean first = true;
        for (Map.Entry<String, String> e : values.entrySet()) {
            if (!first) {
                out.append(',');
            }
            first = false;
            quote(out, e.getKey()).append(':');
            quote(out, e.getValue());
        }
        return out.append('}').toString();
    }

    /** {@code "sha256:"} and the hex SHA-256 of {@link #canonical()}. */
    public String fingerprint() {
        return "sha256:" + sha256Hex(canonical());
    }

    /** Reads a {@link #canonical()} text back, e.g. from a container label; empty if it is not one. */
    public static Optional<FingerprintInputs> parse(String canonical) {
        try {
            JsonNode node = JSON.readTree(canonical);
            if (node == null || !node.isObject()) {
                return Optional.empty();
            }
            TreeMap<String, String> values = new TreeMap<>();
            for (Map.Entry<String, JsonNode> f : node.properties()) {
                if (!f.getValue().isTextual()) {
                    return Optional.empty();
                }
                values.put(f.getKey(), f.getValue().textValue());
            }
            return Optional.of(new FingerprintInputs(values));
        } catch (JsonProcessingException e) {
            return Optional.empty();
        }
    }

    /** What differs from {@code before}, in key order: the reasons a plan gives for replacing an instance. */
    public List<Change> changesSince(FingerprintInputs before) {
        List<Change> changes = new ArrayList<>();
        TreeSet<String> keys = new TreeSet<>(values.keySet());
        keys.addAll(before.values.keySet());
        for (String key : keys) {
            Optional<String> was = Optional.ofNullable(before.values.get(key));
            Optional<String> now = Optional.ofNullable(values.get(key));
            if (!was.equals(now)) {
                changes.add(new Change(key, was, now));
            }
        }
        return List.copyOf(changes);
    }

    /** One input that differs between two instances of a service. */
    public record Change(String key, Optional<String> before, Optional<String> after) {

        public Change {
            Objects.requireNonNull(key, "key");
            Objects.requireNonNull(before, "before");
            Objects.requireNonNull(after, "after");
        }

        /**
         * A short reason: {@code image 1.4.1 → 1.4.2}, {@code env LOG_LEVEL changed},
         * {@code secret DB_PASSWORD added}, {@code port 8080/tcp 0.0.0.0:8080 → 127.0.0.1:8080}.
         */
        public String describe() {
            int dot = key.indexOf('.');
            String kind = dot < 0 ? key : key.substring(0, dot);
            String name = dot < 0 ? "" : key.substring(dot + 1);
            if (kind.equals("drift")) {
                // Only drift: ignore is an input; without it the file's changes are repaired.
                return "file " + name + " " + (after.filter(ServiceFile.Drift.IGNORE.text()::equals).isPresent()
                    ? "no longer checked on the host (drift: ignore)" : "checked on the host again (drift: repair)");
            }
            String subject = switch (kind) {
                case "resources" -> name;
                case "logging" -> name.startsWith("option.") ? "log option " + name.substring("option.".length())
                    : "log driver";
                case "env", "secret", "port", "volume", "label", "file", "stop" -> kind + " " + name;
                default -> key;
            };
            boolean opaque = kind.equals("env") || kind.equals("secret") || kind.equals("file")
                || key.startsWith("logging.option.");
            if (before.isEmpty()) {
                return subject + " added" + (opaque ? "" : " (" + shown(after.orElseThrow()) + ")");
            }
            if (after.isEmpty()) {
                return subject + " removed" + (opaque ? "" : " (was " + shown(before.orElseThrow()) + ")");
            }
            if (opaque) {
                return subject + " changed";
            }
            if (kind.equals("image")) {
                String from = before.orElseThrow();
                String to = after.orElseThrow();
                int cut = versionStart(from);
                if (cut > 0 && cut == versionStart(to) && from.regionMatches(0, to, 0, cut)) {
                    return "image " + from.substring(cut) + " → " + to.substring(cut);
                }
            }
            return subject + " " + shown(before.orElseThrow()) + " → " + shown(after.orElseThrow());
        }

        /** A value as people read it: byte counts of memory as sizes ("64M"). */
        private String shown(String value) {
            if (!key.equals("resources.memory")) {
                return value;
            }
            try {
                return SizeText.format(Long.parseLong(value));
            } catch (NumberFormatException e) {
                return value;
            }
        }

        /** Where the tag or digest starts in an image reference, or -1. */
        private static int versionStart(String image) {
            int at = image.indexOf('@');
            if (at >= 0) {
                return at + 1;
            }
            int colon = image.lastIndexOf(':');
            return colon > image.lastIndexOf('/') ? colon + 1 : -1;
        }
    }

    static String sha256Hex(String text) {
        return sha256Hex(text.getBytes(StandardCharsets.UTF_8));
    }

    static String sha256Hex(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform has SHA-256", e);
        }
    }

    /** {@code s} as a JSON string literal, escaped the same way as in {@link #canonical()}. */
    static String jsonString(String s) {
        return quote(new StringBuilder(s.length() + 2), s).toString();
    }

    private static StringBuilder quote(StringBuilder out, String s) {
        out.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                default -> {
                    if (c < 0x20 || c == 0x7f || c == '\u2028' || c == '\u2029') {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        return out.append('"');
    }
}
