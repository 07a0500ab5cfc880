package dev.driftless.reconciler.sshkeys;

import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * The SSH keys and certificates a revocation file revokes, in either form OpenSSH reads (sshd's
 * {@code RevokedKeys}, ssh's {@code RevokedHostKeys}, git's {@code gpg.ssh.revocationKeyring}):
 * a key revocation list (KRL, OpenSSH's PROTOCOL.krl, made by {@code ssh-keygen -k}) or a text
 * file of public keys, one per line. A KRL revokes keys (explicitly, or by their SHA-1 or
 * SHA-256 fingerprint) and certificates by serial number (lists, ranges, bitmaps) or key ID,
 * for one CA or for any CA. Its signature section, which OpenSSH no longer checks, is skipped.
 */
public final class RevokedKeys {

    private static final byte[] MAGIC = "SSHKRL\n\0".getBytes(StandardCharsets.US_ASCII);
    private static final int SECTION_CERTIFICATES = 1;
    private static final int SECTION_EXPLICIT_KEY = 2;
    private static final int SECTION_FINGERPRINT_SHA1 = 3;
    private static final int SECTION_SIGNATURE = 4;
    private static final int SECTION_FINGERPRINT_SHA256 = 5;
    private static final int CERT_SERIAL_LIST = 0x20;
    private static final int CERT_SERIAL_RANGE = 0x21;
    private static final int CERT_SERIAL_BITMAP = 0x22;
    private static final int CERT_KEY_ID = 0x23;

    /**
     * Certificates one CA (or, with no key, any CA) issued that are revoked: their key IDs, and
     * their serials as disjoint ranges, first serial to last (unsigned), so that a lookup stays
     * cheap however many serials a list names.
     */
    private record Certificates(byte[] ca, NavigableMap<Long, Long> serials, Set<String> keyIds) {
        boolean covers(SshCertificate cert) {
            return ca.length == 0 || Arrays.equals(ca, cert.signatureKey());
        }

        boolean revokes(long serial) {
            Map.Entry<Long, Long> range = serials.floorEntry(serial);
            return range != null && Long.compareUnsigned(serial, range.getValue()) <= 0;
        }

        /** {@code ranges} (first, last) merged where they touch or overlap. */
        static NavigableMap<Long, Long> merged(List<long[]> ranges) {
            List<long[]> sorted = new ArrayList<>(ranges);
            sorted.sort((a, b) -> Long.compareUnsigned(a[0], b[0]));
            NavigableMap<Long, Long> out = new TreeMap<>(Long::compareUnsigned);
            long[] open = null;
            for (long[] r : sorted) {
                if (open != null && (Long.compareUnsigned(r[0], open[1]) <= 0 || r[0] == open[1] + 1)) {
                    if (Long.compareUnsigned(r[1], open[1]) > 0) {
                        open[1] = r[1];
                    }
                } else {
                    if (open != null) {
                        out.put(open[0], open[1]);
                    }
                    open = new long[] {r[0], r[1]};
                }
            }
            if (open != null) {
                out.put(open[0], open[1]);
            }
            return out;
        }
    }

    private final String source;
    private final Set<String> keys = new HashSet<>();
    private final Set<String> sha1 = new HashSet<>();
    private final Set<String> sha256 = new HashSet<>();
    private final List<Certificates> certificates = new ArrayList<>();

    private RevokedKeys(String source) {
        this.source = source;
    }

    /** Nothing revoked. */
    public static RevokedKeys none() {
        return new RevokedKeys("nothing");
    }

    /**
     * Reads {@code file}, a KRL or a list of public keys.
     *
     * @throws IllegalArgumentException naming the file (and line) when it cannot be read or parsed
     */
    public static RevokedKeys read(Path file) {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException(file + ": no such file");
        } catch (IOException e) {
            throw new IllegalArgumentException(file + ": cannot be read (" + e.getMessage() + ")");
        }
        return parse(bytes, file.toString());
    }

    /** Parses a KRL (it starts with {@code SSHKRL\n\0}) or a list of public keys; {@code source} names it in messages. */
    public static RevokedKeys parse(byte[] bytes, String source) {
        RevokedKeys revoked = new RevokedKeys(source);
        if (bytes.length >= MAGIC.length && Arrays.equals(Arrays.copyOf(bytes, MAGIC.length), MAGIC)) {
            try {
                revoked.readKrl(new SshWire(Arrays.copyOfRange(bytes, MAGIC.length, bytes.length)));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(source + ": not a valid key revocation list (" + e.getMessage() + ")");
            }
        } else {
            revoked.readKeyList(new String(bytes, StandardCharsets.UTF_8));
        }
        return revoked;
    }

    private void readKrl(SshWire r) {
        long format = r.uint32();
        if (format != 1) {
            throw new IllegalArgumentException("format version " + format + ", driftless reads version 1");
        }
        r.uint64(); // krl_version
        r.uint64(); // generated_date
        r.uint64(); // flags
        r.string(); // reserved
        r.string(); // comment
        while (!r.atEnd()) {
            int type = r.fixed(1)[0] & 0xff;
            SshWire section = new SshWire(r.string());
            switch (type) {
                case SECTION_CERTIFICATES -> readCertificates(section);
                case SECTION_EXPLICIT_KEY -> {
                    while (!section.atEnd()) {
                        keys.add(hex(section.string()));
                    }
                }
                case SECTION_FINGERPRINT_SHA1 -> readHashes(section, sha1, 20);
                case SECTION_FINGERPRINT_SHA256 -> readHashes(section, sha256, 32);
                case SECTION_SIGNATURE -> {
                    // Skipped, as OpenSSH now does: a signature only vouches for who wrote the list.
                }
                default -> throw new IllegalArgumentException("unknown section type " + type);
            }
        }
    }

    private static void readHashes(SshWire section, Set<String> into, int length) {
        while (!section.atEnd()) {
            byte[] hash = section.string();
            if (hash.length != length) {
                throw new IllegalArgumentException("a fingerprint of " + hash.length + " bytes, not " + length);
            }
            into.add(hex(hash));
        }
    }

    private void readCertificates(SshWire section) {
        byte[] ca = section.string();
        section.string(); // reserved
        List<long[]> ranges = new ArrayList<>();
        Set<String> ids = new HashSet<>();
        while (!section.atEnd()) {
            int type = section.fixed(1)[0] & 0xff;
            SshWire data = new SshWire(section.string());
            switch (type) {
                case CERT_SERIAL_LIST -> {
                    while (!data.atEnd()) {
                        long serial = data.uint64();
                        ranges.add(new long[] {serial, serial});
                    }
                }
                case CERT_SERIAL_RANGE -> {
                    long first = data.uint64();
                    long last = data.uint64();
                    if (Long.compareUnsigned(first, last) > 0) {
                        throw new IllegalArgumentException("a serial range from " + Long.toUnsignedString(first)
                            + " down to " + Long.toUnsignedString(last));
                    }
                    ranges.add(new long[] {first, last});
                }
                case CERT_SERIAL_BITMAP -> {
                    long offset = data.uint64();
                    BigInteger bitmap = new BigInteger(1, data.string());
                    for (int i = bitmap.getLowestSetBit(); i >= 0 && i < bitmap.bitLength(); i++) {
                        if (bitmap.testBit(i)) {
                            ranges.add(new long[] {offset + i, offset + i});
                        }
                    }
                }
                case CERT_KEY_ID -> {
                    while (!data.atEnd()) {
                        ids.add(data.text());
                    }
                }
                default -> throw new IllegalArgumentException("unknown certificate section type " + type);
            }
        }
        certificates.add(new Certificates(ca, Certificates.merged(ranges), Set.copyOf(ids)));
    }

    private void readKeyList(String text) {
        List<String> lines = text.lines().toList();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            String[] fields = line.split("\\s+");
            byte[] blob = null;
            if (fields.length >= 2) {
                try {
                    blob = Base64.getDecoder().decode(fields[1]);
                } catch (IllegalArgumentException e) {
                    blob = null;
                }
            }
            if (blob == null || !fields[0].equals(new SshWire(blob).textOrNull())) {
                throw new IllegalArgumentException(source + ":" + (i + 1) + ": not a public key (expected"
                    + " \"key-type base64-key [comment]\", as in a .pub file, or a key revocation list from ssh-keygen -k)");
            }
            keys.add(hex(blob));
        }
    }

    /** Why the plain key {@code publicKey} (a key blob) is revoked, or empty when it is not. */
    public Optional<String> check(byte[] publicKey) {
        if (keys.contains(hex(publicKey)) || sha1.contains(hex(SshSignatureCheck.digest("SHA-1", publicKey)))
                || sha256.contains(hex(SshSignatureCheck.digest("SHA-256", publicKey)))) {
            return Optional.of(source + " revokes key " + SshSignatureCheck.fingerprint(publicKey));
        }
        return Optional.empty();
    }

    /**
     * Why {@code cert} is revoked, or empty when it is not: by its serial number or key ID for its
     * CA (a serial of 0, what a CA that numbers nothing gives, is never matched, as in OpenSSH),
     * or because its key or its CA's key is revoked.
     */
    public Optional<String> check(SshCertificate cert) {
        for (Certificates c : certificates) {
            if (!c.covers(cert)) {
                continue;
            }
            String of = " of " + (c.ca().length == 0 ? "any CA" : "CA key " + SshSignatureCheck.fingerprint(c.ca()));
            if (c.keyIds().contains(cert.keyId())) {
                return Optional.of(source + " revokes the certificates with key ID \"" + cert.keyId() + "\"" + of);
            }
            if (cert.serial() != 0 && c.revokes(cert.serial())) {
                return Optional.of(source + " revokes certificate serial " + Long.toUnsignedString(cert.serial()) + of);
            }
        }
        return check(cert.plainKey()).or(() -> check(cert.signatureKey()).map(why -> why + ", the certificate's CA"));
    }

    private static String hex(byte[] bytes) {
        return HexFormat.of().formatHex(bytes);
    }

    @Override
    public String toString() {
        return "RevokedKeys[" + source + ": " + keys.size() + " keys, " + (sha1.size() + sha256.size())
            + " fingerprints, " + certificates.size() + " certificate sections]";
    }
}
