package dev.driftless.model;

import dev.driftless.model.YamlNode.YamlMap;
import dev.driftless.model.YamlNode.YamlScalar;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads a dotenv file ({@code KEY=VALUE} lines, {@code #} comments), as SOPS encrypts them,
 * into a flat mapping with positions.
 */
final class EnvFileReader {

    private EnvFileReader() {
    }

    static YamlMap read(String file, byte[] bytes, ProblemList problems) {
        List<YamlMap.Entry> entries = new ArrayList<>();
        Map<String, Integer> seen = new HashMap<>();
        String[] lines = new String(bytes, StandardCharsets.UTF_8).split("\r?\n", -1);
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i];
            int lineNo = i + 1;
            if (line.isBlank() || line.stripLeading().startsWith("#")) {
                continue;
            }
            int eq = line.indexOf('=');
            if (eq <= 0) {
                problems.add(new SourceLocation(file, lineNo, 1), "expected KEY=VALUE");
                continue;
            }
            String key = line.substring(0, eq).strip();
            Integer first = seen.putIfAbsent(key, lineNo);
            if (first != null) {
                problems.add(new SourceLocation(file, lineNo, 1), "duplicate key \"" + key + "\" (first defined at line " + first + ")");
                continue;
            }
            entries.add(new YamlMap.Entry(new YamlScalar(key, false, new SourceLocation(file, lineNo, 1)),
                new YamlScalar(line.substring(eq + 1), false, new SourceLocation(file, lineNo, eq + 2))));
        }
        return new YamlMap(entries, new SourceLocation(file, 1, 1));
    }
}
