package dev.driftless.secrets;

import dev.driftless.secrets.pgp.PgpRecipient;
import dev.driftless.secrets.tree.BoolValue;
import dev.driftless.secrets.tree.Document;
import dev.driftless.secrets.tree.Entry;
import dev.driftless.secrets.tree.IntValue;
import dev.driftless.secrets.tree.ListNode;
import dev.driftless.secrets.tree.MapNode;
import dev.driftless.secrets.tree.Node;
import dev.driftless.secrets.tree.NullNode;
import dev.driftless.secrets.tree.TextValue;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * A sops configuration file ({@code .sops.yaml}) and its {@code creation_rules}, read as sops
 * reads them: the first rule whose {@code path_regex} matches the file's path (relative to the
 * configuration's directory when the file is under it), or that has none, says whom a new file
 * is encrypted to — {@code age} and {@code pgp} (comma-separated text or lists), or {@code
 * key_groups} with a {@code shamir_threshold} — and with which encryption rule and MAC scope.
 * Keys sops reads that driftless cannot encrypt to (cloud KMS, Vault, plugins) make the rule
 * unusable here; keys sops ignores are ignored.
 */
public final class SopsConfig {

    /** The name sops looks for. */
    public static final String FILE_NAME = ".sops.yaml";
    private static final int MAX_DEPTH = 100;
    private static final List<String> RULES = List.of("unencrypted_suffix", "encrypted_suffix", "unencrypted_regex",
        "encrypted_regex", "unencrypted_comment_regex", "encrypted_comment_regex");
    private static final List<String> UNSUPPORTED = List.of("kms", "gcp_kms", "hckms", "azure_keyvault",
        "hc_vault_transit_uri", "hc_vault", "plugins");

    private final Path file;
    private final List<MapNode> rules;

    private SopsConfig(Path file, List<MapNode> rules) {
        this.file = file;
        this.rules = rules;
    }

    /** The file's recipients and encryption settings, as one creation rule gives them. */
    public record CreationRule(List<Group> groups, int shamirThreshold, EncryptionRule rule, boolean macOnlyEncrypted) {
        public CreationRule {
            groups = List.copyOf(groups);
        }
    }

    /** One key group of a rule (a rule without {@code key_groups} has one): age recipients, PGP fingerprints. */
    public record Group(List<String> age, List<String> pgp) {
        public Group {
            age = List.copyOf(age);
            pgp = List.copyOf(pgp);
        }
    }

    /**
     * The configuration sops would use from {@code directory}: {@value #FILE_NAME} there or in
     * the nearest of its parents.
     */
    public static Optional<Path> find(Path directory) {
        Path dir = directory.toAbsolutePath().normalize();
        for (int i = 0; i < MAX_DEPTH && dir != null; i++, dir = dir.getParent()) {
            Path candidate = dir.resolve(FILE_NAME);
            if (Files.isRegularFile(candidate)) {
                return Optional.of(candidate);
            }
        }
        return Optional.empty();
    }

    /** Reads a configuration file. */
    public static SopsConfig read(Path file) {
        String name = file.toString();
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new SopsException(name, SopsException.Reason.KEY_FILE, "cannot read the sops configuration ("
                + e.getClass().getSimpleName() + ")");
        }
        Document doc = Format.YAML.read(text, name);
        List<MapNode> rules = new ArrayList<>();
        if (!doc.branches().isEmpty()) {
            Node list = doc.branches().get(0).get("creation_rules").orElse(NullNode.INSTANCE);
            if (list instanceof ListNode l) {
                for (Node n : l.values().toList()) {
                    if (!(n instanceof MapNode m)) {
                        throw invalid(name, "each of creation_rules must be a map");
                    }
                    rules.add(m);
                }
            } else if (list != NullNode.INSTANCE) {
                throw invalid(name, "creation_rules must be a list");
            }
        }
        return new SopsConfig(file, rules);
    }

    /** The configuration file. */
    public Path file() {
        return file;
    }

    /**
     * The rule for {@code target} (the file to encrypt).
     *
     * @throws SopsException naming the configuration when no rule matches or the matching one is not usable
     */
    public CreationRule ruleFor(Path target) {
        String name = file.toString();
        if (rules.isEmpty()) {
            throw invalid(name, "it has no creation_rules");
        }
        Path dir = file.toAbsolutePath().normalize().getParent();
        Path absolute = target.toAbsolutePath().normalize();
        String path = absolute.startsWith(dir) ? dir.relativize(absolute).toString() : absolute.toString();
        for (int i = 0; i < rules.size(); i++) {
            MapNode rule = rules.get(i);
            String regex = text(rule, "path_regex", "creation_rules[" + i + "]", name).orElse("");
            if (regex.isEmpty() || compile(regex, name, i).matcher(path).find()) {
                return creationRule(rule, name, i);
            }
        }
        throw invalid(name, "no creation rule matches " + path);
    }

    private static CreationRule creationRule(MapNode rule, String name, int index) {
        String where = "creation_rules[" + index + "]";
        Map<String, String> given = new LinkedHashMap<>();
        for (String key : RULES) {
            text(rule, key, where, name).filter(v -> !v.isEmpty()).ifPresent(v -> given.put(key, v));
        }
        if (given.size() > 1) {
            throw invalid(name, where + " sets " + String.join(" and ", given.keySet()) + "; only one encryption rule"
                + " may be used");
        }
        EncryptionRule encryption = given.isEmpty() ? EncryptionRule.DEFAULT
            : given.entrySet().stream().map(e -> EncryptionRule.of(e.getKey(), e.getValue())).findFirst().orElseThrow();
        boolean macOnly = rule.get("mac_only_encrypted").map(n -> n instanceof BoolValue b && b.value()).orElse(false);
        int threshold = rule.get("shamir_threshold").map(n -> n instanceof IntValue v ? (int) v.value() : 0).orElse(0);
        List<Group> groups = new ArrayList<>();
        Optional<Node> keyGroups = rule.get("key_groups").filter(n -> !(n instanceof ListNode l && l.items().isEmpty()));
        if (keyGroups.isPresent()) {
            if (!(keyGroups.get() instanceof ListNode list)) {
                throw invalid(name, where + ".key_groups must be a list");
            }
            List<Node> items = list.values().toList();
            for (int g = 0; g < items.size(); g++) {
                if (!(items.get(g) instanceof MapNode group)) {
                    throw invalid(name, where + ".key_groups[" + g + "] must be a map");
                }
                groups.add(group(group, where + ".key_groups[" + g + "]", name));
            }
        } else {
            groups.add(group(rule, where, name));
        }
        for (int g = 0; g < groups.size(); g++) {
            if (groups.get(g).age().isEmpty() && groups.get(g).pgp().isEmpty()) {
                throw invalid(name, where + (keyGroups.isPresent() ? ".key_groups[" + g + "]" : "")
                    + " names no age or PGP key");
            }
        }
        return new CreationRule(groups, threshold, encryption, macOnly);
    }

    private static Group group(MapNode node, String where, String name) {
        List<String> age = new ArrayList<>();
        List<String> pgp = new ArrayList<>();
        collect(node, where, name, age, pgp);
        return new Group(age, pgp);
    }

    /** The age recipients and PGP fingerprints of a rule or key group ({@code merge} too). */
    private static void collect(MapNode node, String where, String name, List<String> age, List<String> pgp) {
        for (String key : UNSUPPORTED) {
            if (node.get(key).filter(n -> n != NullNode.INSTANCE && !(n instanceof ListNode l && l.items().isEmpty())
                && !(n instanceof TextValue t && t.value().isEmpty())).isPresent()) {
                throw new SopsException(name, SopsException.Reason.UNSUPPORTED_KEY_TYPE, where + " names " + key
                    + " keys, which driftless cannot encrypt to; encrypt this file with sops");
            }
        }
        keys(node, "age", where, name).forEach(k -> {
            if (!age.contains(k)) {
                age.add(k);
            }
        });
        keys(node, "pgp", where, name).stream().map(k -> k.replace(" ", "")).forEach(k -> {
            if (!pgp.contains(k)) {
                pgp.add(k);
            }
        });
        Optional<Node> merge = node.get("merge");
        if (merge.isPresent() && merge.get() instanceof ListNode list) {
            List<Node> items = list.values().toList();
            for (int i = 0; i < items.size(); i++) {
                if (items.get(i) instanceof MapNode m) {
                    collect(m, where + ".merge[" + i + "]", name, age, pgp);
                }
            }
        }
    }

    /** A key field: comma-separated text, or a list of texts (each may hold commas too). */
    private static List<String> keys(MapNode node, String key, String where, String name) {
        Node value = node.get(key).orElse(NullNode.INSTANCE);
        List<String> texts = switch (value) {
            case NullNode n -> List.of();
            case TextValue t -> List.of(t.value());
            case ListNode l -> l.values().map(v -> {
                if (v instanceof TextValue t) {
                    return t.value();
                }
                throw invalid(name, where + "." + key + " must list texts");
            }).toList();
            default -> throw invalid(name, where + "." + key + " must be a text or a list");
        };
        List<String> out = new ArrayList<>();
        for (String t : texts) {
            for (String k : t.split(",")) {
                if (!k.strip().isEmpty()) {
                    out.add(k.strip());
                }
            }
        }
        return out;
    }

    private static Optional<String> text(MapNode node, String key, String where, String name) {
        Optional<Node> value = node.get(key).filter(n -> n != NullNode.INSTANCE);
        if (value.isEmpty()) {
            return Optional.empty();
        }
        if (value.get() instanceof TextValue t) {
            return Optional.of(t.value());
        }
        throw invalid(name, where + "." + key + " must be text");
    }

    private static Pattern compile(String regex, String name, int index) {
        try {
            return Pattern.compile(regex);
        } catch (PatternSyntaxException e) {
            throw invalid(name, "creation_rules[" + index + "].path_regex is not a valid regular expression: "
                + e.getDescription());
        }
    }

    private static SopsException invalid(String name, String problem) {
        return new SopsException(name, SopsException.Reason.INVALID_METADATA, problem);
    }

    /**
     * An encryptor builder for {@code rule}: its groups with each PGP fingerprint looked up by
     * {@code publicKeys}, its threshold, rule and MAC scope.
     *
     * @throws SopsException naming the fingerprints without a public key
     */
    public SopsEncryptor.Builder encryptor(CreationRule rule, Function<String, Optional<PgpRecipient>> publicKeys) {
        Map<String, Optional<PgpRecipient>> found = new LinkedHashMap<>();
        rule.groups().forEach(g -> g.pgp().forEach(fp -> found.computeIfAbsent(fp, publicKeys)));
        List<String> missing = found.entrySet().stream().filter(e -> e.getValue().isEmpty()).map(Map.Entry::getKey)
            .toList();
        if (!missing.isEmpty()) {
            throw new SopsException(file.toString(), SopsException.Reason.INVALID_RECIPIENTS, "the creation rule names PGP "
                + String.join(", ", missing) + ": give the public key with --pgp-public-keys (gpg --export -a"
                + " FINGERPRINT)");
        }
        List<RecipientGroup> groups = rule.groups().stream().map(g -> new RecipientGroup(g.age(),
            g.pgp().stream().map(fp -> found.get(fp).orElseThrow()).toList())).toList();
        return SopsEncryptor.builder().rule(rule.rule()).macOnlyEncrypted(rule.macOnlyEncrypted())
            .keyGroups(groups, rule.shamirThreshold());
    }
}
