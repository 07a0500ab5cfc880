package dev.driftless.secrets.pgp;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import org.bouncycastle.bcpg.SecretKeyPacket;
import org.bouncycastle.openpgp.PGPCompressedData;
import org.bouncycastle.openpgp.PGPEncryptedData;
import org.bouncycastle.openpgp.PGPEncryptedDataList;
import org.bouncycastle.openpgp.PGPException;
import org.bouncycastle.openpgp.PGPLiteralData;
import org.bouncycastle.openpgp.PGPMarker;
import org.bouncycastle.openpgp.PGPObjectFactory;
import org.bouncycastle.openpgp.PGPOnePassSignatureList;
import org.bouncycastle.openpgp.PGPPrivateKey;
import org.bouncycastle.openpgp.PGPPublicKeyEncryptedData;
import org.bouncycastle.openpgp.PGPSecretKey;
import org.bouncycastle.openpgp.PGPSecretKeyRing;
import org.bouncycastle.openpgp.PGPSignatureList;
import org.bouncycastle.openpgp.PGPUtil;
import org.bouncycastle.openpgp.operator.bc.BcKeyFingerprintCalculator;
import org.bouncycastle.openpgp.operator.bc.BcPBESecretKeyDecryptorBuilder;
import org.bouncycastle.openpgp.operator.bc.BcPGPDigestCalculatorProvider;
import org.bouncycastle.openpgp.operator.bc.BcPublicKeyDataDecryptorFactory;

/**
 * PGP secret keys loaded from armored or binary key files, and the decryption of messages
 * addressed to any of their (sub)keys, as GnuPG and sops write them: compressed or not, old or
 * new packet format, always integrity-protected.
 */
public final class PgpSecretKeys {

    /** One secret key ring and how to unlock it. */
    private record Entry(PGPSecretKeyRing ring, String origin, Optional<Supplier<char[]>> passphrase) {
    }

    private final List<Entry> entries;
    private final Map<Long, PGPPrivateKey> unlocked = new ConcurrentHashMap<>();

    private PgpSecretKeys(List<Entry> entries) {
        this.entries = List.copyOf(entries);
    }

    /** No keys. */
    public static PgpSecretKeys empty() {
        return new PgpSecretKeys(List.of());
    }

    /**
     * Reads every secret key ring in a file (public-only blocks are skipped). The passphrase
     * supplier is called only when a protected key is needed for a message.
     */
    public static PgpSecretKeys read(byte[] content, String origin, Optional<Supplier<char[]>> passphrase) {
        List<Entry> entries = new ArrayList<>();
        for (Object ring : PgpKeyFiles.readRings(content, origin)) {
            if (ring instanceof PGPSecretKeyRing s) {
                entries.add(new Entry(s, origin, passphrase));
            }
        }
        return new PgpSecretKeys(entries);
    }

    /** This ring followed by {@code other}. */
    public PgpSecretKeys plus(PgpSecretKeys other) {
        List<Entry> all = new ArrayList<>(entries);
        all.addAll(other.entries);
        return new PgpSecretKeys(all);
    }

    public boolean isEmpty() {
        return entries.isEmpty();
    }

    /** Primary key fingerprints (upper-case hex), for messages and {@code --help} output. */
    public List<String> fingerprints() {
        return entries.stream().map(e -> fingerprint(e.ring().getSecretKey())).distinct().toList();
    }

    /** Key ids (primary and subkeys) of the secret keys that carry usable key material. */
    public List<Long> keyIds() {
        List<Long> ids = new ArrayList<>();
        for (Entry e : entries) {
            e.ring().getSecretKeys().forEachRemaining(k -> ids.add(k.getKeyID()));
        }
        return ids;
    }

    /** The key ids an armored or binary message is addressed to (0 for hidden recipients). */
    public static List<Long> recipientKeyIds(byte[] message) {
        List<Long> ids = new ArrayList<>();
        for (PGPEncryptedData d : encryptedDataList(message)) {
            if (d instanceof PGPPublicKeyEncryptedData pk) {
                ids.add(keyId(pk));
            }
        }
        return ids;
    }

    /**
     * Decrypts a message with the first secret key it is addressed to. Fails with
     * {@link PgpException.Kind#NO_MATCHING_KEY} when no key in this ring is a recipient.
     */
    public byte[] decrypt(byte[] message) {
        PGPEncryptedDataList list = encryptedDataList(message);
        PgpException firstFailure = null;
        for (PGPEncryptedData data : list) {
            if (!(data instanceof PGPPublicKeyEncryptedData pk)) {
                continue;
            }
            for (Entry e : entries) {
                for (PGPSecretKey key : candidates(e.ring(), keyId(pk))) {
                    try {
                        PGPPrivateKey priv = unlock(e, key);
                        return readLiteral(pk, priv);
                    } catch (PgpException failure) {
                        if (failure.kind() == PgpException.Kind.TAMPERED || keyId(pk) != 0) {
                            if (firstFailure == null) {
                                firstFailure = failure;
                            }
                        }
                    }
                }
            }
        }
        if (firstFailure != null) {
            throw firstFailure;
        }
        throw new PgpException(PgpException.Kind.NO_MATCHING_KEY,
            "no secret key for any recipient of the message (key ids " + describe(recipientKeyIds(message)) + ")");
    }

    private static List<PGPSecretKey> candidates(PGPSecretKeyRing ring, long keyId) {
        List<PGPSecretKey> out = new ArrayList<>();
        Iterator<PGPSecretKey> it = ring.getSecretKeys();
        while (it.hasNext()) {
            PGPSecretKey k = it.next();
            // Key id 0 is a hidden recipient (gpg --throw-keyids): every encryption key is a candidate.
            if ((keyId == 0 && k.getPublicKey().isEncryptionKey()) || k.getKeyID() == keyId) {
                out.add(k);
            }
        }
        return out;
    }

    private PGPPrivateKey unlock(Entry entry, PGPSecretKey key) {
        PGPPrivateKey cached = unlocked.get(key.getKeyID());
        if (cached != null) {
            return cached;
        }
        String id = keyId(key.getKeyID());
        if (key.isPrivateKeyEmpty()) {
            throw new PgpException(PgpException.Kind.UNSUPPORTED,
                "secret key " + id + " in " + entry.origin() + " has no key material (a stub or smartcard key)");
        }
        boolean protectedKey = key.getS2KUsage() != SecretKeyPacket.USAGE_NONE;
        char[] pass = null;
        try {
            if (protectedKey) {
                Supplier<char[]> source = entry.passphrase().orElseThrow(() -> new PgpException(
                    PgpException.Kind.WRONG_PASSPHRASE,
                    "secret key " + id + " in " + entry.origin() + " is passphrase-protected and no passphrase was provided"));
                pass = source.get();
                if (pass == null) {
                    throw new PgpException(PgpException.Kind.WRONG_PASSPHRASE,
                        "secret key " + id + " in " + entry.origin() + " is passphrase-protected and no passphrase was provided");
                }
            }
            PGPPrivateKey priv = key.extractPrivateKey(
                new BcPBESecretKeyDecryptorBuilder(new BcPGPDigestCalculatorProvider()).build(pass == null ? new char[0] : pass));
            if (priv == null) {
                throw new PgpException(PgpException.Kind.UNSUPPORTED,
                    "secret key " + id + " in " + entry.origin() + " has no key material");
            }
            unlocked.put(key.getKeyID(), priv);
            return priv;
        } catch (PGPException e) {
            if (protectedKey) {
                throw new PgpException(PgpException.Kind.WRONG_PASSPHRASE,
                    "wrong passphrase for secret key " + id + " in " + entry.origin());
            }
            throw new PgpException(PgpException.Kind.UNSUPPORTED,
                "secret key " + id + " in " + entry.origin() + " cannot be used (" + e.getMessage() + ")");
        } finally {
            if (pass != null) {
                Arrays.fill(pass, '\0');
            }
        }
    }

    private static byte[] readLiteral(PGPPublicKeyEncryptedData pk, PGPPrivateKey priv) {
        String id = keyId(keyId(pk));
        if (!pk.isIntegrityProtected()) {
            throw new PgpException(PgpException.Kind.TAMPERED, "message has no integrity protection (refused)");
        }
        InputStream clear;
        try {
            clear = pk.getDataStream(new BcPublicKeyDataDecryptorFactory(priv));
        } catch (PGPException | RuntimeException e) {
            throw new PgpException(PgpException.Kind.WRONG_KEY,
                "secret key " + id + " could not decrypt the session key (wrong key or damaged message)");
        }
        byte[] out = null;
        try {
            PGPObjectFactory f = new PGPObjectFactory(clear, new BcKeyFingerprintCalculator());
            Object o = f.nextObject();
            while (o != null) {
                if (o instanceof PGPCompressedData c) {
                    f = new PGPObjectFactory(c.getDataStream(), new BcKeyFingerprintCalculator());
                } else if (o instanceof PGPLiteralData lit) {
                    try (InputStream in = lit.getInputStream()) {
                        out = in.readAllBytes();
                    }
                } else if (!(o instanceof PGPOnePassSignatureList || o instanceof PGPSignatureList
                    || o instanceof PGPMarker)) {
                    throw new PgpException(PgpException.Kind.MALFORMED,
                        "unexpected OpenPGP packet in message (" + o.getClass().getSimpleName() + ")");
                }
                o = f.nextObject();
            }
            if (out == null) {
                throw new PgpException(PgpException.Kind.MALFORMED, "message has no literal data");
            }
            if (!pk.verify()) {
                Arrays.fill(out, (byte) 0);
                throw new PgpException(PgpException.Kind.TAMPERED, "message failed its integrity check (modified)");
            }
            return out;
        } catch (IOException | PGPException | RuntimeException e) {
            if (out != null) {
                Arrays.fill(out, (byte) 0);
            }
            if (e instanceof PgpException pe) {
                throw pe;
            }
            throw new PgpException(PgpException.Kind.TAMPERED, "message failed its integrity check (damaged)");
        }
    }

    private static PGPEncryptedDataList encryptedDataList(byte[] message) {
        try (InputStream in = PGPUtil.getDecoderStream(new ByteArrayInputStream(message))) {
            PGPObjectFactory f = new PGPObjectFactory(in, new BcKeyFingerprintCalculator());
            Object o = f.nextObject();
            while (o instanceof PGPMarker) {
                o = f.nextObject();
            }
            if (o instanceof PGPEncryptedDataList list) {
                return list;
            }
            throw new PgpException(PgpException.Kind.MALFORMED, "not an OpenPGP encrypted message");
        } catch (IOException | RuntimeException e) {
            if (e instanceof PgpException pe) {
                throw pe;
            }
            throw new PgpException(PgpException.Kind.MALFORMED, "not an OpenPGP encrypted message");
        }
    }

    /** The recipient key id of a session key packet; 0 for a hidden (wildcard) recipient. */
    private static long keyId(PGPPublicKeyEncryptedData pk) {
        org.bouncycastle.bcpg.KeyIdentifier id = pk.getKeyIdentifier();
        return id == null || id.isWildcard() ? 0 : id.getKeyId();
    }

    static String fingerprint(org.bouncycastle.openpgp.PGPSecretKey key) {
        return HexFormat.of().withUpperCase().formatHex(key.getPublicKey().getFingerprint());
    }

    /** A key id as GnuPG prints it: 16 upper-case hex digits. */
    public static String keyId(long id) {
        return String.format(Locale.ROOT, "%016X", id);
    }

    private static String describe(List<Long> ids) {
        Map<String, Boolean> seen = new LinkedHashMap<>();
        ids.forEach(i -> seen.put(i == 0 ? "hidden" : keyId(i), true));
        return String.join(", ", seen.keySet());
    }
}
