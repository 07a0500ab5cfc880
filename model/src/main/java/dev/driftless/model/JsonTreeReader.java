package dev.driftless.model;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import dev.driftless.model.YamlNode.YamlList;
import dev.driftless.model.YamlNode.YamlMap;
import dev.driftless.model.YamlNode.YamlScalar;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Reads a JSON file (SOPS writes its JSON files tab-indented, which YAML parsers refuse) into
 * the same positioned nodes as {@link YamlReader}.
 */
final class JsonTreeReader {

    private static final JsonFactory FACTORY = JsonFactory.builder().build();

    private JsonTreeReader() {
    }

    static Optional<YamlNode> read(String file, byte[] bytes, ProblemList problems) {
        int before = problems.mark();
        try (JsonParser p = FACTORY.createParser(bytes)) {
            if (p.nextToken() == null) {
                return Optional.of(new YamlScalar("", true, new SourceLocation(file, 1, 1)));
            }
            YamlNode root = value(p, file, problems);
            if (p.nextToken() != null) {
                problems.add(at(file, p.currentTokenLocation()), "unexpected content after the JSON value");
            }
            return problems.addedSince(before) ? Optional.empty() : Optional.of(root);
        } catch (JsonProcessingException e) {
            JsonLocation where = e.getLocation();
            problems.add(where == null ? SourceLocation.of(file) : at(file, where), "malformed JSON: " + e.getOriginalMessage()
                .lines().findFirst().orElse(""));
            return Optional.empty();
        } catch (IOException e) {
            problems.addFile(file, "cannot read: " + e.getMessage());
            return Optional.empty();
        }
    }

    private static YamlNode value(JsonParser p, String file, ProblemList problems) throws IOException {
        SourceLocation where = at(file, p.currentTokenLocation());
        JsonToken token = p.currentToken();
        switch (token) {
            case START_OBJECT -> {
                List<YamlMap.Entry> entries = new ArrayList<>();
                Map<String, SourceLocation> seen = new HashMap<>();
                while (p.nextToken() == JsonToken.FIELD_NAME) {
                    String key = p.currentName();
                    SourceLocation keyAt = at(file, p.currentTokenLocation());
                    p.nextToken();
                    YamlNode v = value(p, file, problems);
                    SourceLocation first = seen.putIfAbsent(key, keyAt);
                    if (first != null) {
                        problems.add(keyAt, "duplicate key \"" + key + "\" (first defined at line " + first.line() + ")");
                    } else {
                        entries.add(new YamlMap.Entry(new YamlScalar(key, false, keyAt), v));
                    }
                }
                return new YamlMap(entries, where);
            }
            case START_ARRAY -> {
                List<YamlNode> items = new ArrayList<>();
                while (p.nextToken() != JsonToken.END_ARRAY) {
                    items.add(value(p, file, problems));
                }
                return new YamlList(items, where);
            }
            case VALUE_STRING -> {
                return new YamlScalar(p.getText(), false, where);
            }
            default -> {
                // numbers, true, false, null: unquoted, read by the same rules as YAML plain scalars
                return new YamlScalar(p.getText(), true, where);
            }
        }
    }

    private static SourceLocation at(String file, JsonLocation l) {
        return new SourceLocation(file, Math.max(1, l.getLineNr()), Math.max(1, l.getColumnNr()));
    }
}
