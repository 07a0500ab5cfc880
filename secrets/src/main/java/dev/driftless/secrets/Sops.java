package dev.driftless.secrets;

import dev.driftless.secrets.format.GoFormat;
import dev.driftless.secrets.tree.Document;
import dev.driftless.secrets.tree.Entry;
import dev.driftless.secrets.tree.MapItem;
import dev.driftless.secrets.tree.MapNode;
import dev.driftless.secrets.tree.Node;
import dev.driftless.secrets.tree.TextValue;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads and writes SOPS files in memory: {@link #decrypt} recovers the data key with a
 * {@link KeyRing}, decrypts every value and verifies the MAC (failing closed);
 * {@link #encryptor()} writes new files that real sops decrypts.
 */
public final class Sops {

    /** The sops release whose file format driftless writes and reads. */
    public static final String VERSION = "3.10.2";

    private Sops() {
    }

    /** Decrypts a file whose format is chosen by its extension (YAML when unknown). */
    public static DecryptedDocument decrypt(String fileName, byte[] content, KeyRing keys) {
        return decrypt(fileName, content, keys, Format.forFile(fileName));
    }

    /** Decrypts a file in the given format. */
    public static DecryptedDocument decrypt(String fileName, byte[] content, KeyRing keys, Format format) {
        Split split = split(fileName, content, format);
        SopsMetadata meta = split.metadata();
        byte[] dataKey = DataKeys.recover(meta, keys, fileName);
        try {
            TreeCipher cipher = new TreeCipher(meta.rule(), meta.macOnlyEncrypted(), fileName);
            return new DecryptedDocument(fileName, format, opened(split, cipher, dataKey, fileName), meta);
        } finally {
            Arrays.fill(dataKey, (byte) 0);
        }
    }

    /** The metadata of an encrypted file (recipients, rule, version) without decrypting anything. */
    public static SopsMetadata metadata(String fileName, byte[] content, Format format) {
        return split(fileName, content, format).metadata();
    }

    /**
     * The encrypted file with the value at {@code path} (map keys, or list indexes where the node
     * is a list) of the first document set, as {@code sops set} does: decrypted and verified with
     * {@code keys}, then encrypted under the same data key for the same recipients (no public key
     * is needed), every value with a fresh IV, with a new {@code lastmodified} and MAC. Missing map
     * keys on the path are created.
     *
     * @throws SopsException as {@link #decrypt}, {@code INVALID_PATH} where the value has no place,
     *                       {@code INVALID_FORMAT} for a text that is not of {@code type}, {@code
     *                       INVALID_RECIPIENTS} for a file also encrypted to keys driftless cannot write
     */
    public static byte[] set(String fileName, byte[] content, KeyRing keys, Format format, List<String> path,
                             ValueType type, String text) {
        return set(fileName, content, keys, format, path, type, text, java.time.Clock.systemUTC(),
            new java.security.SecureRandom());
    }

    static byte[] set(String fileName, byte[] content, KeyRing keys, Format format, List<String> path, ValueType type,
                      String text, java.time.Clock clock, java.security.SecureRandom random) {
        if (path.isEmpty()) {
            throw new SopsException(fileName, SopsException.Reason.INVALID_PATH,
                "give the path of the value to set, e.g. [\"db\"][\"password\"]");
        }
        dev.driftless.secrets.tree.Scalar value = TreeEdit.scalar(type, text, fileName);
        return edit(fileName, content, keys, format, clock, random, decrypted -> {
            List<MapNode> branches = new ArrayList<>(decrypted.branches());
            if (branches.isEmpty()) {
                throw new SopsException(fileName, SopsException.Reason.INVALID_PATH, "the file has no document to set a"
                    + " value in");
            }
            branches.set(0, TreeEdit.set(branches.get(0), path, value, fileName));
            return new Document(branches);
        });
    }

    /**
     * The encrypted file with its content replaced by {@code plaintext} (in the file's format, as
     * {@link DecryptedDocument#render()} prints it and an editor changed it), as {@code sops edit}
     * saves it: under the same data key for the same recipients, with a new {@code lastmodified}
     * and MAC. The file is decrypted and verified with {@code keys} first, so only someone who
     * could read it can replace it.
     *
     * @throws SopsException as {@link #set}, or {@code INVALID_FORMAT} naming the line where the
     *                       plaintext is not valid, {@code ALREADY_ENCRYPTED} when it holds sops metadata
     */
    public static byte[] replace(String fileName, byte[] content, KeyRing keys, Format format, byte[] plaintext) {
        Document replacement = format.read(new String(plaintext, StandardCharsets.UTF_8), fileName);
        if (hasMetadata(replacement, format)) {
            throw new SopsException(fileName, SopsException.Reason.ALREADY_ENCRYPTED,
                "the edited file has a top-level sops key, which is driftless's to write; remove it");
        }
        return edit(fileName, content, keys, format, java.time.Clock.systemUTC(), new java.security.SecureRandom(),
            decrypted -> replacement);
    }

    /**
     * The core of {@link #set} and {@link #replace}: decrypts and verifies the file, changes its
     * tree, and encrypts the result under the same data key, keeping the recipients' entries.
     */
    private static byte[] edit(String fileName, byte[] content, KeyRing keys, Format format, java.time.Clock clock,
                               java.security.SecureRandom random, java.util.function.UnaryOperator<Document> change) {
        Split split = split(fileName, content, format);
        SopsMetadata meta = split.metadata();
        if (!meta.unsupported().isEmpty()) {
            throw new SopsException(fileName, SopsException.Reason.INVALID_RECIPIENTS, "the file is also encrypted to "
                + String.join(", ", meta.unsupported()) + ", which driftless cannot write back; change it with sops");
        }
        byte[] dataKey = DataKeys.recover(meta, keys, fileName);
        try {
            TreeCipher cipher = new TreeCipher(meta.rule(), meta.macOnlyEncrypted(), fileName);
            Document changed = change.apply(opened(split, cipher, dataKey, fileName));
            return sealed(fileName, format, cipher, changed, dataKey, new SopsMetadata(meta.keyGroups(),
                meta.shamirThreshold(), lastModified(clock), "", meta.rule(), meta.macOnlyEncrypted(), VERSION), random);
        } finally {
            Arrays.fill(dataKey, (byte) 0);
        }
    }

    /** The values of a file decrypted, once its MAC proved them unchanged. */
    private static Document opened(Split split, TreeCipher cipher, byte[] dataKey, String fileName) {
        TreeCipher.Result result = cipher.decrypt(split.data(), dataKey);
        verifyMac(split.metadata(), result.mac(), dataKey, fileName);
        return result.document();
    }

    /** When a file written now was last modified, as sops writes it: RFC 3339 to the second, UTC. */
    static String lastModified(java.time.Clock clock) {
        return now(OffsetDateTime.now(clock).withOffsetSameInstant(java.time.ZoneOffset.UTC)
            .truncatedTo(java.time.temporal.ChronoUnit.SECONDS));
    }

    /**
     * The encrypted file: {@code plain} encrypted under {@code dataKey}, with {@code meta} (its
     * mac left empty) and the MAC of the values, encrypted under {@code meta}'s lastmodified.
     */
    static byte[] sealed(String fileName, Format format, TreeCipher cipher, Document plain, byte[] dataKey,
                         SopsMetadata meta, java.security.SecureRandom random) {
        TreeCipher.Result encrypted = cipher.encrypt(plain, dataKey, random);
        String mac = ValueCipher.encrypt(new TextValue(encrypted.mac()), dataKey, meta.lastModified(), random);
        SopsMetadata done = new SopsMetadata(meta.keyGroups(), meta.shamirThreshold(), meta.lastModified(), mac,
            meta.rule(), meta.macOnlyEncrypted(), meta.version());
        return format.write(withMetadata(encrypted.document(), done, format), fileName).getBytes(StandardCharsets.UTF_8);
    }

    /** Starts configuring an encryptor. */
    public static SopsEncryptor.Builder encryptor() {
        return SopsEncryptor.builder();
    }

    private static void verifyMac(SopsMetadata meta, String computed, byte[] dataKey, String fileName) {
        if (meta.mac().isEmpty()) {
            throw new SopsException(fileName, SopsException.Reason.MAC_MISSING,
                "the file has no MAC, so its values cannot be verified; refusing to use it");
        }
        String aad = GoFormat.formatTimeSeconds(GoFormat.parseTime(meta.lastModified()).orElseThrow());
        Node decrypted;
        try {
            decrypted = ValueCipher.decrypt(meta.mac(), dataKey, aad);
        } catch (ValueCipher.DecryptionFailure e) {
            throw new SopsException(fileName, SopsException.Reason.MAC_MISMATCH,
                e.failure == ValueCipher.Failure.AUTHENTICATION
                    ? "the MAC could not be decrypted: the mac or lastmodified metadata was modified"
                    : "the MAC " + e.detail);
        }
        if (!(decrypted instanceof TextValue t)
            || !MessageDigest.isEqual(t.value().getBytes(StandardCharsets.US_ASCII), computed.getBytes(StandardCharsets.US_ASCII))) {
            throw new SopsException(fileName, SopsException.Reason.MAC_MISMATCH,
                "MAC mismatch: values, their order or the unencrypted parts changed after the file was encrypted");
        }
    }

    /** The data part of a file and its metadata. */
    record Split(Document data, SopsMetadata metadata) {
    }

    static Split split(String fileName, byte[] content, Format format) {
        Document doc = format.read(new String(content, StandardCharsets.UTF_8), fileName);
        List<MapNode> data = new ArrayList<>();
        MapNode sops = null;
        Map<String, String> flat = new LinkedHashMap<>();
        boolean flatFound = false;
        for (MapNode branch : doc.branches()) {
            List<MapItem> kept = new ArrayList<>();
            for (MapItem item : branch.items()) {
                if (item instanceof Entry e && format == Format.DOTENV && e.key().startsWith("sops_")) {
                    flatFound = true;
                    flat.put(e.key().substring("sops_".length()), text(e, fileName));
                } else if (item instanceof Entry e && e.key().equals(MetadataCodec.KEY)) {
                    if (!(e.value() instanceof MapNode m)) {
                        throw new SopsException(fileName, SopsException.Reason.INVALID_METADATA, "the sops key is not a map");
                    }
                    if (format == Format.INI) {
                        flatFound = true;
                        m.entries().forEach(x -> flat.put(x.key(), text(x, fileName)));
                    } else if (sops == null) {
                        sops = m;
                    }
                } else {
                    kept.add(item);
                }
            }
            data.add(new MapNode(kept));
        }
        if (format.flatMetadata() && flatFound) {
            sops = MetadataCodec.unflatten(flat);
        }
        if (sops == null) {
            throw new SopsException(fileName, SopsException.Reason.METADATA_MISSING,
                "no sops metadata found: the file is not encrypted with sops");
        }
        return new Split(new Document(data), MetadataCodec.read(sops, fileName));
    }

    static boolean hasMetadata(Document doc, Format format) {
        for (MapNode branch : doc.branches()) {
            for (MapItem item : branch.items()) {
                if (item instanceof Entry e && (e.key().equals(MetadataCodec.KEY)
                    || (format == Format.DOTENV && e.key().startsWith("sops_")))) {
                    return true;
                }
            }
        }
        return false;
    }

    /** Adds the metadata the way each store writes it. */
    static Document withMetadata(Document data, SopsMetadata meta, Format format) {
        MapNode nested = MetadataCodec.write(meta);
        List<MapNode> out = new ArrayList<>();
        for (int i = 0; i < data.branches().size(); i++) {
            MapNode branch = data.branches().get(i);
            List<MapItem> items = new ArrayList<>(branch.items());
            switch (format) {
                case YAML -> items.add(new Entry(MetadataCodec.KEY, nested));
                case JSON -> {
                    if (i == 0) {
                        items.add(new Entry(MetadataCodec.KEY, nested));
                    }
                }
                case DOTENV -> MetadataCodec.flatten(nested).forEach((k, v) -> items.add(new Entry("sops_" + k, new TextValue(v))));
                case INI -> {
                    List<MapItem> section = new ArrayList<>();
                    MetadataCodec.flatten(nested).forEach((k, v) -> section.add(new Entry(k, new TextValue(v))));
                    items.add(new Entry(MetadataCodec.KEY, new MapNode(section)));
                }
            }
            out.add(new MapNode(items));
        }
        return new Document(out);
    }

    private static String text(Entry e, String fileName) {
        if (e.value() instanceof TextValue t) {
            return t.value();
        }
        throw new SopsException(fileName, SopsException.Reason.INVALID_METADATA, "sops metadata " + e.key() + " is not text");
    }

    static String now(OffsetDateTime t) {
        return GoFormat.formatTimeSeconds(t);
    }
}
