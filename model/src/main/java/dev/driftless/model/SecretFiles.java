package dev.driftless.model;

import dev.driftless.model.YamlNode.YamlList;
import dev.driftless.model.YamlNode.YamlMap;
import dev.driftless.model.YamlNode.YamlScalar;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * The SOPS files an environment can reference, read for their key structure only. In a SOPS
 * file the keys are plaintext and the values {@code ENC[...]}, so a reference can be checked
 * without any key: the file must exist and carry SOPS metadata, and the key path must lead to a
 * single value. An environment's own {@code secrets/} directory is searched before the repo's.
 */
final class SecretFiles {

    private final Map<String, Optional<YamlMap>> files = new TreeMap<>();
    private final String environmentRoot;

    /**
     * @param paths every secrets file of the environment (root {@code secrets/} and the
     *     environment's own), relative to the repo root
     * @param environmentRoot {@code ""} or {@code environments/<env>/}
     */
    SecretFiles(List<String> paths, String environmentRoot, Function<String, Optional<byte[]>> read, ProblemList problems) {
        this.environmentRoot = environmentRoot;
        for (String path : paths) {
            files.put(path, read.apply(path).flatMap(bytes -> parse(path, bytes, problems)));
        }
    }

    static boolean isSecretsFile(String name) {
        return ServiceReader.SECRET_FILE_EXTENSIONS.stream().anyMatch(name::endsWith);
    }

    private static Optional<YamlMap> parse(String path, byte[] bytes, ProblemList problems) {
        Optional<YamlNode> root;
        if (path.endsWith(".env")) {
            root = Optional.of(EnvFileReader.read(path, bytes, problems));
        } else if (path.endsWith(".json")) {
            root = JsonTreeReader.read(path, bytes, problems);
        } else {
            root = YamlReader.read(path, bytes, problems);
        }
        if (root.isEmpty()) {
            return Optional.empty();
        }
        if (!(root.get() instanceof YamlMap map) || map.entries().isEmpty()) {
            problems.addFile(path, "a SOPS file holds a mapping of keys to encrypted values; this one has none");
            return Optional.empty();
        }
        boolean sops = path.endsWith(".env")
            ? map.keys().stream().anyMatch(k -> k.startsWith("sops_"))
            : map.get("sops").filter(n -> n instanceof YamlMap m && !m.entries().isEmpty()).isPresent();
        if (!sops) {
            problems.addFile(path, "not encrypted with SOPS (it has no sops metadata); encrypt it with: sops --encrypt --in-place " + path);
            return Optional.empty();
        }
        return Optional.of(map);
    }

    /**
     * The reference with its file resolved for this environment, or empty after reporting why
     * it does not resolve.
     */
    Optional<SecretRef> resolve(SecretRef ref, SourceLocation at, String field, ProblemList problems) {
        String own = environmentRoot + ref.file();
        String file = files.containsKey(own) ? own : ref.file();
        if (!files.containsKey(file)) {
            String where = environmentRoot.isEmpty() ? "" : " (looked in " + environmentRoot + "secrets/ and secrets/)";
            List<String> names = files.keySet().stream().map(f -> f.substring(f.lastIndexOf("secrets/"))).toList();
            problems.add(at, field + ": " + ref.file() + " does not exist" + where + Suggestions.hint(ref.file(), names));
            return Optional.empty();
        }
        Optional<YamlMap> root = files.get(file);
        if (root.isEmpty()) {
            return Optional.empty(); // the file's own problem is reported already
        }
        if (ref.path().getFirst().equals("sops") && !file.endsWith(".env")) {
            problems.add(at, field + ": \"sops\" is the SOPS metadata of " + file + ", not a secret");
            return Optional.empty();
        }
        YamlNode node = root.get();
        List<String> walked = new ArrayList<>();
        for (String segment : ref.path()) {
            String here = walked.isEmpty() ? "" : String.join(".", walked);
            walked.add(segment);
            String so = String.join(".", walked);
            switch (node) {
                case YamlMap m -> {
                    Optional<YamlNode> next = m.get(segment);
                    if (next.isEmpty()) {
                        List<String> keys = m.keys().stream().filter(k -> !(here.isEmpty() && k.equals("sops")))
                            .map(k -> here.isEmpty() ? k : here + "." + k).toList();
                        problems.add(at, field + ": " + file + " has no key " + so + Suggestions.hint(so, keys));
                        return Optional.empty();
                    }
                    node = next.get();
                }
                case YamlList l -> {
                    if (!segment.matches("[0-9]+") || Integer.parseInt(segment) >= l.items().size()) {
                        problems.add(at, field + ": in " + file + ", " + here + " is a list of " + l.items().size()
                            + "; index it with a number from 0 to " + (l.items().size() - 1));
                        return Optional.empty();
                    }
                    node = l.items().get(Integer.parseInt(segment));
                }
                case YamlScalar s -> {
                    problems.add(at, field + ": in " + file + ", " + here + " is a single value; it has no key " + segment);
                    return Optional.empty();
                }
            }
        }
        if (!(node instanceof YamlScalar)) {
            problems.add(at, field + ": in " + file + ", " + ref.keyPath() + " is " + node.describe()
                + ", not a single value; reference one of its keys");
            return Optional.empty();
        }
        return Optional.of(ref.inFile(file));
    }
}
