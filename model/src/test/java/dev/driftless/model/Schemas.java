package dev.driftless.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import dev.driftless.model.YamlNode.YamlList;
import dev.driftless.model.YamlNode.YamlMap;
import dev.driftless.model.YamlNode.YamlScalar;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;

/** The JSON Schemas in docs/schema, and YAML files checked against them as editors would. */
final class Schemas {

    static final Path DIR = Path.of("../docs/schema");
    static final ObjectMapper JSON = new ObjectMapper();

    private Schemas() {
    }

    static JsonNode tree(String kind) {
        try {
            return JSON.readTree(DIR.resolve(kind + ".schema.json").toFile());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static JsonSchema schema(String kind) {
        return JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012).getSchema(tree(kind));
    }

    /** The schema a repo file is written against, by its path; empty for files without one (secrets). */
    static java.util.Optional<String> kindOf(String path) {
        if (path.equals("hosts.yaml") || path.matches("environments/[^/]+/hosts\\.yaml")) {
            return java.util.Optional.of("hosts");
        }
        if (path.equals(RepoLayout.SERVICE_DEFAULTS) || path.matches("environments/[^/]+/service-defaults\\.yaml")) {
            return java.util.Optional.of("service-defaults");
        }
        if (path.matches("services/[^/]+\\.ya?ml")) {
            return java.util.Optional.of("service");
        }
        if (path.matches("environments/[^/]+/services/[^/]+\\.ya?ml")) {
            return java.util.Optional.of("service-overlay");
        }
        return java.util.Optional.empty();
    }

    /** Schema messages for one YAML text (empty when it validates). */
    static List<String> validate(String kind, String path, String yaml) {
        ProblemList problems = new ProblemList();
        YamlNode node = YamlReader.read(path, yaml.getBytes(java.nio.charset.StandardCharsets.UTF_8), problems)
            .orElseThrow(() -> new AssertionError(problems.sorted()));
        Set<ValidationMessage> messages = schema(kind).validate(toJson(node));
        return messages.stream().map(m -> path + ": " + m.getMessage()).sorted().toList();
    }

    static List<String> validateFile(Path root, String path) {
        try {
            return validate(kindOf(path).orElseThrow(), path, Files.readString(root.resolve(path)));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** YAML to JSON by the loader's own scalar rules, so schema and loader see the same types. */
    static JsonNode toJson(YamlNode node) {
        JsonNodeFactory f = JsonNodeFactory.instance;
        return switch (node) {
            case YamlMap m -> {
                ObjectNode o = f.objectNode();
                m.entries().forEach(e -> o.set(e.key().text(), toJson(e.value())));
                yield o;
            }
            case YamlList l -> {
                ArrayNode a = f.arrayNode();
                l.items().forEach(i -> a.add(toJson(i)));
                yield a;
            }
            case YamlScalar s -> {
                if (s.isNull()) {
                    yield f.nullNode();
                }
                if (s.asBoolean().isPresent()) {
                    yield f.booleanNode(s.asBoolean().get());
                }
                if (s.asLong().isPresent()) {
                    yield f.numberNode(s.asLong().get());
                }
                if (s.asDecimal().isPresent()) {
                    yield f.numberNode(s.asDecimal().get());
                }
                yield f.textNode(s.text());
            }
        };
    }
}
