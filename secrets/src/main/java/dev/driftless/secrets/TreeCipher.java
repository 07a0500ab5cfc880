package dev.driftless.secrets;

import dev.driftless.secrets.tree.CommentNode;
import dev.driftless.secrets.tree.Document;
import dev.driftless.secrets.tree.Entry;
import dev.driftless.secrets.tree.ListNode;
import dev.driftless.secrets.tree.MapItem;
import dev.driftless.secrets.tree.MapNode;
import dev.driftless.secrets.tree.Node;
import dev.driftless.secrets.tree.NullNode;
import dev.driftless.secrets.tree.Scalar;
import dev.driftless.secrets.tree.TextValue;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Walks a document the way sops's {@code Tree.Encrypt}/{@code Decrypt} do: decides per value
 * (and comment) whether it is encrypted under the file's rule, uses the map-key path as AES-GCM
 * additional data, and hashes every value's bytes in document order into the SHA-512 MAC.
 */
final class TreeCipher {

    private static final Logger LOG = LoggerFactory.getLogger(TreeCipher.class);
    /** SHA-256("sops"): the MAC's prefix when only encrypted values are covered. */
    private static final byte[] MAC_ONLY_ENCRYPTED_INIT = HexFormat.of().parseHex(
        "8a3fd2ad54ce66527b1034f3d147be0b0b975b3bf44f72c6fdadec8176f27d69");

    /** A walked document and the MAC (upper-case hex SHA-512) of its values. */
    record Result(Document document, String mac) {
    }

    private final EncryptionRule rule;
    private final Pattern rulePattern;
    private final boolean macOnlyEncrypted;
    private final String fileName;

    TreeCipher(EncryptionRule rule, boolean macOnlyEncrypted, String fileName) {
        this.rule = rule;
        this.rulePattern = switch (rule) {
            case EncryptionRule.UnencryptedRegex r -> EncryptionRule.compile(r.value());
            case EncryptionRule.EncryptedRegex r -> EncryptionRule.compile(r.value());
            case EncryptionRule.UnencryptedCommentRegex r -> EncryptionRule.compile(r.value());
            case EncryptionRule.EncryptedCommentRegex r -> EncryptionRule.compile(r.value());
            default -> null;
        };
        this.macOnlyEncrypted = macOnlyEncrypted;
        this.fileName = fileName;
    }

    /** What to do with one leaf; returns the replacement node. */
    private interface Leaf {
        Node apply(Node in, List<String> path, List<List<String>> comments) throws SopsException;
    }

    Result decrypt(Document doc, byte[] key) {
        MessageDigest hash = newMac();
        Leaf leaf = (in, path, comments) -> {
            boolean isComment = in instanceof CommentNode;
            boolean encrypted = shouldBeEncrypted(path, comments, isComment);
            Node v = in;
            if (encrypted) {
                String aad = String.join(":", path) + ":";
                if (in instanceof CommentNode c) {
                    try {
                        v = ValueCipher.decrypt(c.text(), key, aad);
                        if (!(v instanceof CommentNode)) {
                            v = in; // an ENC value where a comment should be: keep the comment text
                        }
                    } catch (ValueCipher.DecryptionFailure e) {
                        LOG.warn("{}: a comment under {} is not encrypted or could not be decrypted; kept as it is",
                            fileName, describe(path));
                        v = in;
                    }
                } else if (in instanceof TextValue t) {
                    try {
                        v = ValueCipher.decrypt(t.value(), key, aad);
                    } catch (ValueCipher.DecryptionFailure e) {
                        throw failure(e, path);
                    }
                } else {
                    throw new SopsException(fileName, SopsException.Reason.MALFORMED_VALUE,
                        "value at " + describe(path) + " should be encrypted but is a plain "
                            + ValueCipher.typeName((Scalar) in) + " (not an ENC[AES256_GCM,...] value)");
                }
            }
            if ((!macOnlyEncrypted || encrypted) && v instanceof Scalar s) {
                hash.update(ValueCipher.toBytes(s));
            }
            return v;
        };
        return new Result(walk(doc, leaf), HexFormat.of().withUpperCase().formatHex(hash.digest()));
    }

    Result encrypt(Document doc, byte[] key, SecureRandom random) {
        MessageDigest hash = newMac();
        Leaf leaf = (in, path, comments) -> {
            boolean isComment = in instanceof CommentNode;
            boolean encrypted = shouldBeEncrypted(path, comments, isComment);
            if ((!macOnlyEncrypted || encrypted) && in instanceof Scalar s) {
                hash.update(ValueCipher.toBytes(s));
            }
            if (!encrypted) {
                return in;
            }
            String enc = ValueCipher.encrypt(in, key, String.join(":", path) + ":", random);
            if (isComment && rule instanceof EncryptionRule.UnencryptedCommentRegex && rulePattern.matcher(enc).find()) {
                throw new SopsException(fileName, SopsException.Reason.CONFLICTING_RULES,
                    "an encrypted comment matches unencrypted_comment_regex; choose a regex that cannot match ENC[...]");
            }
            // a map turns an encrypted comment back into a comment line; a list keeps it as an
            // ENC[…,type:comment] item, exactly as sops's walk does
            return new TextValue(enc);
        };
        return new Result(walk(doc, leaf), HexFormat.of().withUpperCase().formatHex(hash.digest()));
    }

    private MessageDigest newMac() {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-512");
            if (macOnlyEncrypted) {
                md.update(MAC_ONLY_ENCRYPTED_INIT);
            }
            return md;
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private SopsException failure(ValueCipher.DecryptionFailure e, List<String> path) {
        return switch (e.failure) {
            case AUTHENTICATION -> new SopsException(fileName, SopsException.Reason.TAMPERED_VALUE,
                "value at " + describe(path) + " failed authentication: it was modified, moved from another"
                    + " key, or encrypted with another data key");
            case MALFORMED, BAD_PLAINTEXT -> new SopsException(fileName, SopsException.Reason.MALFORMED_VALUE,
                "value at " + describe(path) + " " + e.detail);
        };
    }

    static String describe(List<String> path) {
        return path.isEmpty() ? "the top level" : String.join(":", path);
    }

    // ---- the walk ----------------------------------------------------------------------------

    private Document walk(Document doc, Leaf leaf) {
        List<MapNode> out = new ArrayList<>();
        for (MapNode branch : doc.branches()) {
            out.add(walkMap(branch, List.of(), new ArrayList<>(), leaf));
        }
        return new Document(out);
    }

    private MapNode walkMap(MapNode map, List<String> path, List<List<String>> stack, Leaf leaf) {
        List<List<String>> comments = new ArrayList<>(stack);
        List<String> level = new ArrayList<>();
        comments.add(level);
        List<MapItem> items = new ArrayList<>();
        for (MapItem item : map.items()) {
            if (item instanceof CommentNode c) {
                level.add(c.text());
                Node v = leaf.apply(c, path, comments);
                items.add(v instanceof CommentNode cn ? cn : new CommentNode(((TextValue) v).value()));
                continue;
            }
            Entry e = (Entry) item;
            List<String> childPath = new ArrayList<>(path);
            childPath.add(e.key());
            items.add(new Entry(e.key(), walkValue(e.value(), List.copyOf(childPath), comments, leaf)));
            level.clear();
        }
        return new MapNode(items);
    }

    private ListNode walkList(ListNode list, List<String> path, List<List<String>> stack, Leaf leaf) {
        List<List<String>> comments = new ArrayList<>(stack);
        List<String> level = new ArrayList<>();
        comments.add(level);
        List<Node> items = new ArrayList<>();
        for (Node item : list.items()) {
            boolean isComment = item instanceof CommentNode;
            if (item instanceof CommentNode c) {
                level.add(c.text());
            }
            // sops replaces a list comment by whatever the walk returns: encrypted, that is an
            // ENC[…,type:comment] string item; decrypted, a comment again.
            items.add(walkValue(item, path, comments, leaf));
            if (!isComment) {
                level.clear();
            }
        }
        return new ListNode(items);
    }

    private Node walkValue(Node value, List<String> path, List<List<String>> stack, Leaf leaf) {
        return switch (value) {
            case MapNode m -> walkMap(m, path, stack, leaf);
            case ListNode l -> walkList(l, path, stack, leaf);
            case NullNode n -> n;
            case CommentNode c -> leaf.apply(c, path, stack);
            case Scalar s -> leaf.apply(s, path, stack);
        };
    }

    /** sops's shouldBeEncrypted, rule for rule. */
    private boolean shouldBeEncrypted(List<String> path, List<List<String>> comments, boolean isComment) {
        switch (rule) {
            case EncryptionRule.UnencryptedSuffix r -> {
                return path.stream().noneMatch(p -> p.endsWith(r.value()));
            }
            case EncryptionRule.EncryptedSuffix r -> {
                return path.stream().anyMatch(p -> p.endsWith(r.value()));
            }
            case EncryptionRule.UnencryptedRegex r -> {
                return path.stream().noneMatch(p -> rulePattern.matcher(p).find());
            }
            case EncryptionRule.EncryptedRegex r -> {
                return path.stream().anyMatch(p -> rulePattern.matcher(p).find());
            }
            case EncryptionRule.UnencryptedCommentRegex r -> {
                for (List<String> level : comments) {
                    for (String c : level) {
                        if (rulePattern.matcher(c).find()) {
                            return false;
                        }
                    }
                }
                return true;
            }
            case EncryptionRule.EncryptedCommentRegex r -> {
                int last = comments.size() - 1;
                for (int i = 0; i < comments.size(); i++) {
                    List<String> level = comments.get(i);
                    for (int j = 0; j < level.size(); j++) {
                        // the matching comment line itself stays clear; only what follows it is encrypted
                        if (isComment && i == last && j == level.size() - 1) {
                            continue;
                        }
                        if (rulePattern.matcher(level.get(j)).find()) {
                            return true;
                        }
                    }
                }
                return false;
            }
        }
    }
}
