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
            TreeCipher.Result result = cipher.decrypt(split.data(), dataKey);
            verifyMac(meta, result.mac(), dataKey, fileName);
            return new DecryptedDocument(fileName, format, result.document(), meta);
        } finally {
            Arrays.fill(dataKey, (byte) 0);
        }
    }

    /** The metadata of an encrypted file (recipients, rule, version) without decrypting anything. */
    public static SopsMetadata metadata(String fileName, byte[] content, Format format) {
        return split(fileName, content, format).metadata();
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
