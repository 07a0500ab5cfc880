package dev.driftless.secrets;

import dev.driftless.secrets.format.GoFormat;
import dev.driftless.secrets.tree.BoolValue;
import dev.driftless.secrets.tree.Entry;
import dev.driftless.secrets.tree.FloatValue;
import dev.driftless.secrets.tree.IntValue;
import dev.driftless.secrets.tree.ListNode;
import dev.driftless.secrets.tree.MapItem;
import dev.driftless.secrets.tree.MapNode;
import dev.driftless.secrets.tree.Node;
import dev.driftless.secrets.tree.NullNode;
import dev.driftless.secrets.tree.TextValue;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Reads and writes the {@code sops} metadata map in the field order and with the omissions of
 * sops 3.10 ({@code stores.Metadata}), nested for YAML/JSON and flattened into
 * {@code __map_}/{@code __list_} keys for dotenv and INI.
 */
final class MetadataCodec {

    static final String KEY = "sops";
    private static final List<String> RULE_KEYS = List.of("unencrypted_suffix", "encrypted_suffix",
        "unencrypted_regex", "encrypted_regex", "unencrypted_comment_regex", "encrypted_comment_regex");
    private static final String MAP_SEPARATOR = "__map_";
    private static final String LIST_SEPARATOR = "__list_";

    private MetadataCodec() {
    }

    // ---- reading -----------------------------------------------------------------------------

    static SopsMetadata read(MapNode sops, String fileName) {
        List<String> rules = new ArrayList<>();
        for (String k : RULE_KEYS) {
            if (!text(sops, k, fileName).isEmpty()) {
                rules.add(k);
            }
        }
        if (rules.size() > 1) {
            throw new SopsException(fileName, SopsException.Reason.CONFLICTING_RULES,
                "sops metadata sets more than one encryption rule (" + String.join(", ", rules)
                    + "); only one of unencrypted_suffix, encrypted_suffix, unencrypted_regex, encrypted_regex,"
                    + " unencrypted_comment_regex or encrypted_comment_regex may be used");
        }
        EncryptionRule rule;
        try {
            rule = rules.isEmpty() ? EncryptionRule.DEFAULT
                : EncryptionRule.of(rules.get(0), text(sops, rules.get(0), fileName));
        } catch (IllegalArgumentException e) {
            throw invalid(fileName, rules.get(0) + ": " + e.getMessage());
        }
        String lastModified = text(sops, "lastmodified", fileName);
        if (lastModified.isEmpty()) {
            throw invalid(fileName, "sops metadata has no lastmodified");
        }
        if (GoFormat.parseTime(lastModified).isEmpty()) {
            throw invalid(fileName, "sops metadata lastmodified is not an RFC 3339 time");
        }
        List<SopsMetadata.KeyGroup> groups = new ArrayList<>();
        SopsMetadata.KeyGroup top = group(sops, fileName, "sops");
        Optional<Node> keyGroups = sops.get("key_groups").filter(n -> n != NullNode.INSTANCE);
        boolean topHasKeys = !top.age().isEmpty() || !top.pgp().isEmpty() || !top.unsupported().isEmpty();
        if (topHasKeys) {
            groups.add(top);
        } else if (keyGroups.isPresent()) {
            if (!(keyGroups.get() instanceof ListNode list)) {
                throw invalid(fileName, "sops metadata key_groups is not a list");
            }
            int i = 0;
            for (Node g : list.values().toList()) {
                i++;
                if (!(g instanceof MapNode m)) {
                    throw invalid(fileName, "sops metadata key group " + i + " is not a map");
                }
                groups.add(group(m, fileName, "key group " + i));
            }
        }
        if (groups.isEmpty() || groups.stream().allMatch(g -> g.describe().isEmpty())) {
            throw invalid(fileName, "sops metadata lists no keys");
        }
        int threshold = integer(sops, "shamir_threshold", fileName);
        boolean macOnly = bool(sops, "mac_only_encrypted", fileName);
        return new SopsMetadata(groups, threshold, lastModified, text(sops, "mac", fileName), rule, macOnly,
            text(sops, "version", fileName));
    }

    private static SopsMetadata.KeyGroup group(MapNode m, String fileName, String where) {
        List<SopsMetadata.AgeKey> age = new ArrayList<>();
        for (MapNode e : entries(m, "age", fileName, where)) {
            age.add(new SopsMetadata.AgeKey(text(e, "recipient", fileName), text(e, "enc", fileName)));
        }
        List<SopsMetadata.PgpKey> pgp = new ArrayList<>();
        for (MapNode e : entries(m, "pgp", fileName, where)) {
            pgp.add(new SopsMetadata.PgpKey(text(e, "fp", fileName), text(e, "created_at", fileName),
                text(e, "enc", fileName)));
        }
        List<String> unsupported = new ArrayList<>();
        for (MapNode e : entries(m, "kms", fileName, where)) {
            unsupported.add("AWS KMS " + text(e, "arn", fileName));
        }
        for (MapNode e : entries(m, "gcp_kms", fileName, where)) {
            unsupported.add("GCP KMS " + text(e, "resource_id", fileName));
        }
        for (MapNode e : entries(m, "azure_kv", fileName, where)) {
            unsupported.add("Azure Key Vault " + text(e, "vault_url", fileName) + "/keys/" + text(e, "name", fileName));
        }
        for (MapNode e : entries(m, "hc_vault", fileName, where)) {
            unsupported.add("HashiCorp Vault " + text(e, "vault_address", fileName) + "/" + text(e, "engine_path", fileName)
                + "/keys/" + text(e, "key_name", fileName));
        }
        for (MapNode e : entries(m, "hckms", fileName, where)) {
            unsupported.add("Huawei Cloud KMS " + text(e, "key_id", fileName));
        }
        return new SopsMetadata.KeyGroup(age, pgp, unsupported);
    }

    /** A list of key maps; null, empty and absent all mean none. */
    private static List<MapNode> entries(MapNode m, String key, String fileName, String where) {
        Optional<Node> v = m.get(key);
        if (v.isEmpty() || v.get() == NullNode.INSTANCE) {
            return List.of();
        }
        if (!(v.get() instanceof ListNode list)) {
            throw invalid(fileName, where + " entry " + key + " is not a list");
        }
        List<MapNode> out = new ArrayList<>();
        for (Node n : list.values().toList()) {
            if (!(n instanceof MapNode e)) {
                throw invalid(fileName, where + " entry " + key + " holds something other than a map");
            }
            out.add(e);
        }
        return out;
    }

    private static String text(MapNode m, String key, String fileName) {
        Optional<Node> v = m.get(key);
        if (v.isEmpty() || v.get() == NullNode.INSTANCE) {
            return "";
        }
        return switch (v.get()) {
            case TextValue t -> t.value();
            case IntValue i -> Long.toString(i.value());
            case FloatValue f -> GoFormat.formatFloatF(f.value());
            case BoolValue b -> Boolean.toString(b.value());
            default -> throw invalid(fileName, "sops metadata " + key + " is not a string");
        };
    }

    private static int integer(MapNode m, String key, String fileName) {
        Optional<Node> v = m.get(key);
        if (v.isEmpty() || v.get() == NullNode.INSTANCE) {
            return 0;
        }
        Node n = v.get();
        if (n instanceof IntValue i && i.value() >= 0 && i.value() <= 255) {
            return (int) i.value();
        }
        if (n instanceof FloatValue f && f.value() == Math.rint(f.value()) && f.value() >= 0 && f.value() <= 255) {
            return (int) f.value();
        }
        if (n instanceof TextValue t) {
            Optional<Double> d = GoFormat.parseFloat(t.value()).isPresent()
                ? Optional.of(GoFormat.parseFloat(t.value()).getAsDouble()) : Optional.empty();
            if (d.isPresent() && d.get() == Math.rint(d.get()) && d.get() >= 0 && d.get() <= 255) {
                return d.get().intValue();
            }
        }
        throw invalid(fileName, "sops metadata " + key + " is not an integer");
    }

    private static boolean bool(MapNode m, String key, String fileName) {
        Optional<Node> v = m.get(key);
        if (v.isEmpty() || v.get() == NullNode.INSTANCE) {
            return false;
        }
        if (v.get() instanceof BoolValue b) {
            return b.value();
        }
        if (v.get() instanceof TextValue t) {
            return t.value().equals("true");
        }
        throw invalid(fileName, "sops metadata " + key + " is not a boolean");
    }

    private static SopsException invalid(String fileName, String problem) {
        return new SopsException(fileName, SopsException.Reason.INVALID_METADATA, problem);
    }

    // ---- flattened form (dotenv, INI) ----------------------------------------------------------

    /** Rebuilds the nested metadata map from {@code key → value} pairs flattened by sops. */
    static MapNode unflatten(Map<String, String> flat) {
        Map<String, Object> root = new LinkedHashMap<>();
        for (Map.Entry<String, String> e : new TreeMap<>(flat).entrySet()) {
            List<Object> tokens = tokenize(e.getKey());
            Object current = root;
            for (int i = 0; i < tokens.size(); i++) {
                Object token = tokens.get(i);
                boolean last = i == tokens.size() - 1;
                Object next = last ? null : tokens.get(i + 1);
                Object child = last ? e.getValue().replace("\\n", "\n")
                    : next instanceof Integer ? new ArrayList<Object>() : new LinkedHashMap<String, Object>();
                current = put(current, token, child, last);
            }
        }
        return (MapNode) toNode(root);
    }

    @SuppressWarnings("unchecked")
    private static Object put(Object container, Object token, Object child, boolean last) {
        if (container instanceof Map<?, ?> map && token instanceof String key) {
            Map<String, Object> m = (Map<String, Object>) map;
            if (last) {
                m.put(key, child);
                return child;
            }
            return m.computeIfAbsent(key, k -> child);
        }
        if (container instanceof List<?> list && token instanceof Integer index) {
            List<Object> l = (List<Object>) list;
            while (l.size() <= index) {
                l.add(null);
            }
            if (last || l.get(index) == null) {
                l.set(index, child);
            }
            return l.get(index);
        }
        throw new IllegalArgumentException("inconsistent flattened metadata");
    }

    private static List<Object> tokenize(String path) {
        List<Object> tokens = new ArrayList<>();
        int i = 0;
        int start = 0;
        String mode = "";
        while (i <= path.length()) {
            boolean atMap = path.startsWith(MAP_SEPARATOR, i);
            boolean atList = path.startsWith(LIST_SEPARATOR, i);
            if (atMap || atList || i == path.length()) {
                if (i > start || !mode.isEmpty() || i == path.length()) {
                    String part = path.substring(start, i);
                    tokens.add(mode.equals(LIST_SEPARATOR) ? (Object) Integer.parseInt(part) : part);
                }
                if (i == path.length()) {
                    break;
                }
                mode = atMap ? MAP_SEPARATOR : LIST_SEPARATOR;
                i += mode.length();
                start = i;
            } else {
                i++;
            }
        }
        return tokens;
    }

    private static Node toNode(Object o) {
        if (o instanceof Map<?, ?> m) {
            List<MapItem> items = new ArrayList<>();
            m.forEach((k, v) -> items.add(new Entry((String) k, toNode(v))));
            return new MapNode(items);
        }
        if (o instanceof List<?> l) {
            List<Node> items = new ArrayList<>();
            l.forEach(v -> items.add(toNode(v)));
            return new ListNode(items);
        }
        return o == null ? NullNode.INSTANCE : new TextValue((String) o);
    }

    /** Flattens the nested metadata map into sorted {@code key → text} pairs, newlines as {@code \n}. */
    static Map<String, String> flatten(MapNode metadata) {
        Map<String, String> out = new TreeMap<>();
        for (Entry e : metadata.entries().toList()) {
            flatten(e.key(), e.value(), out);
        }
        return out;
    }

    private static void flatten(String prefix, Node n, Map<String, String> out) {
        switch (n) {
            case MapNode m -> m.entries().forEach(e -> flatten(prefix + MAP_SEPARATOR + e.key(), e.value(), out));
            case ListNode l -> {
                List<Node> values = l.values().toList();
                for (int i = 0; i < values.size(); i++) {
                    flatten(prefix + LIST_SEPARATOR + i, values.get(i), out);
                }
            }
            case TextValue t -> out.put(prefix, t.value().replace("\n", "\\n"));
            case IntValue i -> out.put(prefix, Long.toString(i.value()));
            case BoolValue b -> out.put(prefix, Boolean.toString(b.value()));
            case NullNode x -> {
            }
            default -> throw new IllegalArgumentException("unexpected metadata value");
        }
    }

    // ---- writing -------------------------------------------------------------------------------

    /** The metadata map in sops 3.10's field order, empty fields left out. */
    static MapNode write(SopsMetadata m) {
        List<MapItem> items = new ArrayList<>();
        boolean grouped = m.keyGroups().size() > 1;
        if (m.shamirThreshold() > 0) {
            items.add(new Entry("shamir_threshold", new IntValue(m.shamirThreshold())));
        }
        if (grouped) {
            List<Node> groups = new ArrayList<>();
            for (SopsMetadata.KeyGroup g : m.keyGroups()) {
                List<MapItem> gi = new ArrayList<>();
                if (!g.pgp().isEmpty()) {
                    gi.add(new Entry("pgp", pgpList(g.pgp())));
                }
                if (!g.age().isEmpty()) {
                    gi.add(new Entry("age", ageList(g.age())));
                }
                groups.add(new MapNode(gi));
            }
            items.add(new Entry("key_groups", new ListNode(groups)));
        }
        SopsMetadata.KeyGroup single = grouped ? null : m.keyGroups().get(0);
        if (single != null && !single.age().isEmpty()) {
            items.add(new Entry("age", ageList(single.age())));
        }
        items.add(new Entry("lastmodified", new TextValue(m.lastModified())));
        items.add(new Entry("mac", new TextValue(m.mac())));
        if (single != null && !single.pgp().isEmpty()) {
            items.add(new Entry("pgp", pgpList(single.pgp())));
        }
        items.add(new Entry(m.rule().metadataKey(), new TextValue(m.rule().value())));
        if (m.macOnlyEncrypted()) {
            items.add(new Entry("mac_only_encrypted", new BoolValue(true)));
        }
        items.add(new Entry("version", new TextValue(m.version())));
        return new MapNode(items);
    }

    private static ListNode ageList(List<SopsMetadata.AgeKey> keys) {
        List<Node> out = new ArrayList<>();
        for (SopsMetadata.AgeKey k : keys) {
            out.add(new MapNode(List.of(new Entry("recipient", new TextValue(k.recipient())),
                new Entry("enc", new TextValue(k.enc())))));
        }
        return new ListNode(out);
    }

    private static ListNode pgpList(List<SopsMetadata.PgpKey> keys) {
        List<Node> out = new ArrayList<>();
        for (SopsMetadata.PgpKey k : keys) {
            out.add(new MapNode(List.of(new Entry("created_at", new TextValue(k.createdAt())),
                new Entry("enc", new TextValue(k.enc())), new Entry("fp", new TextValue(k.fingerprint())))));
        }
        return new ListNode(out);
    }
}
