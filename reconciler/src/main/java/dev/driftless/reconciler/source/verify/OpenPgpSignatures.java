package dev.driftless.reconciler.source.verify;

import dev.driftless.secrets.pgp.PgpException;
import dev.driftless.secrets.pgp.PgpPublicKeys;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import org.bouncycastle.bcpg.sig.IssuerFingerprint;
import org.bouncycastle.openpgp.PGPException;
import org.bouncycastle.openpgp.PGPPublicKey;
import org.bouncycastle.openpgp.PGPPublicKeyRing;
import org.bouncycastle.openpgp.PGPSignature;
import org.bouncycastle.openpgp.PGPSignatureList;
import org.bouncycastle.openpgp.PGPUtil;
import org.bouncycastle.openpgp.bc.BcPGPObjectFactory;
import org.bouncycastle.openpgp.operator.bc.BcPGPContentVerifierBuilderProvider;

/**
 * Verifies git's OpenPGP commit signatures (what {@code git commit -S} makes with gpg: a detached,
 * armored signature of the commit object) against the public keys of the trusted key files. A
 * key, or its primary key, that is revoked or expired (now, or when it signed) is not trusted, as
 * {@code git verify-commit} does not trust it either.
 */
final class OpenPgpSignatures {

    static final String ARMOR_BEGIN = "-----BEGIN PGP SIGNATURE-----";

    /** The trusted key rings and the files they came from. */
    record Keys(List<PGPPublicKeyRing> rings, List<Path> files) {
    }

    private OpenPgpSignatures() {
    }

    static Keys read(List<Path> files) throws TrustFileException {
        List<PGPPublicKeyRing> rings = new ArrayList<>();
        for (Path file : files) {
            byte[] bytes;
            try {
                bytes = Files.readAllBytes(file);
            } catch (IOException e) {
                throw new TrustFileException(file + ": cannot read the OpenPGP key file (" + e.getClass().getSimpleName()
                    + ")");
            }
            List<PGPPublicKeyRing> found;
            try {
                found = PgpPublicKeys.read(bytes, file.toString()).rings();
            } catch (PgpException e) {
                throw new TrustFileException(e.getMessage());
            }
            if (found.isEmpty()) {
                throw new TrustFileException(file + ": no OpenPGP public key in the file (export one with "
                    + "gpg --export --armor FINGERPRINT)");
            }
            rings.addAll(found);
        }
        return new Keys(rings, files);
    }

    static Verdict verify(SignedCommit commit, String armored, Keys keys, Instant now) {
        String c = "commit " + commit.shortSha();
        PGPSignature sig;
        try (InputStream in = PGPUtil.getDecoderStream(
                new ByteArrayInputStream(armored.getBytes(StandardCharsets.US_ASCII)))) {
            Object o = new BcPGPObjectFactory(in).nextObject();
            if (!(o instanceof PGPSignatureList list) || list.isEmpty()) {
                return new Verdict.Refused(c + " has an OpenPGP signature block that holds no signature");
            }
            sig = list.get(0);
        } catch (IOException | RuntimeException e) {
            return new Verdict.Refused(c + " has an OpenPGP signature that cannot be read ("
                + e.getClass().getSimpleName() + ")");
        }
        Optional<Signer> signer = signer(sig, keys.rings());
        if (signer.isEmpty()) {
            return new Verdict.Refused(c + " is signed with OpenPGP key " + issuer(sig)
                + ", which is not among the trusted keys of repo.verify.pgp-keys (" + files(keys.files()) + ")");
        }
        PGPPublicKey key = signer.get().key();
        PGPPublicKey primary = signer.get().ring().getPublicKey();
        String keyText = "OpenPGP key " + hex(primary.getFingerprint()) + (key.isMasterKey() ? ""
            : " (subkey " + hex(key.getFingerprint()) + ")");
        if (sig.getSignatureType() != PGPSignature.BINARY_DOCUMENT
                && sig.getSignatureType() != PGPSignature.CANONICAL_TEXT_DOCUMENT) {
            return new Verdict.Refused(c + " carries an OpenPGP signature of type " + sig.getSignatureType()
                + " by " + keyText + ", not a document signature");
        }
        boolean good;
        try {
            sig.init(new BcPGPContentVerifierBuilderProvider(), key);
            sig.update(commit.payload());
            good = sig.verify();
        } catch (PGPException | RuntimeException e) {
            return new Verdict.Refused(c + " has an OpenPGP signature by " + keyText + " that cannot be checked ("
                + e.getClass().getSimpleName() + ")");
        }
        if (!good) {
            return new Verdict.Refused(c + " has a bad signature by " + keyText
                + ": it does not match the commit's content (was the commit altered after signing?)");
        }
        Instant signedAt = sig.getCreationTime().toInstant();
        for (PGPPublicKey k : primary == key ? List.of(key) : List.of(key, primary)) {
            String which = k == primary ? keyText : "its subkey " + hex(k.getFingerprint());
            if (k.hasRevocation()) {
                return new Verdict.Refused(c + " is signed by " + which + ", which is revoked");
            }
            Optional<Instant> expires = expiry(k);
            if (expires.isPresent() && !expires.get().isAfter(signedAt)) {
                return new Verdict.Refused(c + " is signed by " + which + " after it expired (" + expires.get()
                    + ", signed " + signedAt + ")");
            }
            if (expires.isPresent() && !expires.get().isAfter(now)) {
                return new Verdict.Refused(c + " is signed by " + which + ", which expired " + expires.get()
                    + " (extend it and export it to the key file again)");
            }
            if (k.getCreationTime().toInstant().isAfter(signedAt)) {
                return new Verdict.Refused(c + " has a signature dated " + signedAt + ", before " + which
                    + " was created");
            }
        }
        return new Verdict.Trusted(userId(primary) + " (" + keyText + ")");
    }

    private record Signer(PGPPublicKeyRing ring, PGPPublicKey key) {
    }

    /** The trusted key that made {@code sig}: by issuer fingerprint when present, else by key id. */
    private static Optional<Signer> signer(PGPSignature sig, List<PGPPublicKeyRing> rings) {
        byte[] fingerprint = issuerFingerprint(sig);
        long keyId = sig.getKeyID();
        for (PGPPublicKeyRing ring : rings) {
            Iterator<PGPPublicKey> it = ring.getPublicKeys();
            while (it.hasNext()) {
                PGPPublicKey k = it.next();
                if (fingerprint != null ? Arrays.equals(fingerprint, k.getFingerprint()) : k.getKeyID() == keyId) {
                    return Optional.of(new Signer(ring, k));
                }
            }
        }
        return Optional.empty();
    }

    private static byte[] issuerFingerprint(PGPSignature sig) {
        for (var packets : new org.bouncycastle.openpgp.PGPSignatureSubpacketVector[] {
                sig.getHashedSubPackets(), sig.getUnhashedSubPackets()}) {
            if (packets != null) {
                IssuerFingerprint fp = packets.getIssuerFingerprint();
                if (fp != null) {
                    return fp.getFingerprint();
                }
            }
        }
        return null;
    }

    private static String issuer(PGPSignature sig) {
        byte[] fp = issuerFingerprint(sig);
        return fp != null ? hex(fp) : String.format("%016X", sig.getKeyID());
    }

    private static Optional<Instant> expiry(PGPPublicKey key) {
        long valid = key.getValidSeconds();
        return valid > 0 ? Optional.of(key.getCreationTime().toInstant().plusSeconds(valid)) : Optional.empty();
    }

    private static String userId(PGPPublicKey primary) {
        Iterator<String> ids = primary.getUserIDs();
        return ids.hasNext() ? ids.next() : "a key without user id";
    }

    private static String files(List<Path> files) {
        return String.join(", ", files.stream().map(Path::toString).toList());
    }

    private static String hex(byte[] b) {
        return HexFormat.of().withUpperCase().formatHex(b);
    }
}
