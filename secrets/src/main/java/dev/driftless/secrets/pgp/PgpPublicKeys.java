package dev.driftless.secrets.pgp;

import java.util.ArrayList;
import java.util.Date;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.bouncycastle.bcpg.sig.KeyFlags;
import org.bouncycastle.openpgp.PGPPublicKey;
import org.bouncycastle.openpgp.PGPPublicKeyRing;
import org.bouncycastle.openpgp.PGPSecretKeyRing;
import org.bouncycastle.openpgp.PGPSignature;
import org.bouncycastle.openpgp.PGPSignatureSubpacketVector;

/**
 * PGP public keys read from an exported key file ({@code gpg --export [-a]}), looked up by
 * fingerprint; each resolves to the encryption subkey GnuPG itself would pick.
 */
public final class PgpPublicKeys {

    private final List<PGPPublicKeyRing> rings;

    private PgpPublicKeys(List<PGPPublicKeyRing> rings) {
        this.rings = List.copyOf(rings);
    }

    /** Reads every key ring of a file; the public halves of secret rings count too. */
    public static PgpPublicKeys read(byte[] content, String origin) {
        List<PGPPublicKeyRing> rings = new ArrayList<>();
        for (Object ring : PgpKeyFiles.readRings(content, origin)) {
            if (ring instanceof PGPPublicKeyRing p) {
                rings.add(p);
            } else if (ring instanceof PGPSecretKeyRing s) {
                List<PGPPublicKey> keys = new ArrayList<>();
                s.getPublicKeys().forEachRemaining(keys::add);
                rings.add(new PGPPublicKeyRing(keys));
            }
        }
        return new PgpPublicKeys(rings);
    }

    /** Every key ring of the file, in file order (e.g. to verify signatures against). */
    public List<PGPPublicKeyRing> rings() {
        return rings;
    }

    /** The primary fingerprints of every key in the file, in file order. */
    public List<PgpRecipient> all() {
        List<PgpRecipient> out = new ArrayList<>();
        for (PGPPublicKeyRing ring : rings) {
            out.add(recipient(ring));
        }
        return out;
    }

    /**
     * The key whose primary or subkey fingerprint (or 16-digit key id) is {@code id}; spaces and
     * a {@code 0x} prefix are ignored, case does not matter.
     */
    public Optional<PgpRecipient> find(String id) {
        String wanted = id.replace(" ", "").toUpperCase(Locale.ROOT);
        if (wanted.startsWith("0X")) {
            wanted = wanted.substring(2);
        }
        for (PGPPublicKeyRing ring : rings) {
            Iterator<PGPPublicKey> it = ring.getPublicKeys();
            while (it.hasNext()) {
                String fp = hex(it.next().getFingerprint());
                if (fp.equals(wanted) || (wanted.length() == 16 && fp.endsWith(wanted))) {
                    return Optional.of(recipient(ring));
                }
            }
        }
        return Optional.empty();
    }

    private static PgpRecipient recipient(PGPPublicKeyRing ring) {
        PGPPublicKey primary = ring.getPublicKey();
        return new PgpRecipient(hex(primary.getFingerprint()), encryptionKey(ring));
    }

    /** The newest valid subkey flagged for encryption, else an encryption-capable primary key. */
    static Optional<PGPPublicKey> encryptionKey(PGPPublicKeyRing ring) {
        PGPPublicKey primary = ring.getPublicKey();
        if (primary.hasRevocation()) {
            return Optional.empty();
        }
        PGPPublicKey best = null;
        Iterator<PGPPublicKey> it = ring.getPublicKeys();
        while (it.hasNext()) {
            PGPPublicKey k = it.next();
            if (k.isMasterKey() || !k.isEncryptionKey() || k.hasRevocation() || expired(k)) {
                continue;
            }
            Integer flags = subkeyFlags(k);
            if (flags != null && (flags & (KeyFlags.ENCRYPT_COMMS | KeyFlags.ENCRYPT_STORAGE)) == 0) {
                continue;
            }
            if (best == null || k.getCreationTime().after(best.getCreationTime())) {
                best = k;
            }
        }
        if (best != null) {
            return Optional.of(best);
        }
        return primary.isEncryptionKey() && !expired(primary) ? Optional.of(primary) : Optional.empty();
    }

    private static Integer subkeyFlags(PGPPublicKey subkey) {
        Iterator<PGPSignature> sigs = subkey.getSignaturesOfType(PGPSignature.SUBKEY_BINDING);
        Integer flags = null;
        while (sigs.hasNext()) {
            PGPSignatureSubpacketVector hashed = sigs.next().getHashedSubPackets();
            if (hashed != null && hashed.hasSubpacket(org.bouncycastle.bcpg.SignatureSubpacketTags.KEY_FLAGS)) {
                flags = hashed.getKeyFlags();
            }
        }
        return flags;
    }

    private static boolean expired(PGPPublicKey key) {
        long valid = key.getValidSeconds();
        return valid > 0 && key.getCreationTime().getTime() + valid * 1000 < new Date().getTime();
    }

    static String hex(byte[] b) {
        return HexFormat.of().withUpperCase().formatHex(b);
    }
}
