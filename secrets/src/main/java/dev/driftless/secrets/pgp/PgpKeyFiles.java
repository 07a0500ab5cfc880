package dev.driftless.secrets.pgp;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.bouncycastle.openpgp.PGPException;
import org.bouncycastle.openpgp.PGPMarker;
import org.bouncycastle.openpgp.PGPObjectFactory;
import org.bouncycastle.openpgp.PGPPublicKeyRing;
import org.bouncycastle.openpgp.PGPSecretKeyRing;
import org.bouncycastle.openpgp.PGPUtil;
import org.bouncycastle.openpgp.operator.bc.BcKeyFingerprintCalculator;

/**
 * Reads key rings from files that may be binary, armored, or several armored blocks one after
 * another (as {@code gpg --export-secret-keys -a A B} or a concatenation of exports leaves them).
 */
final class PgpKeyFiles {

    private static final Pattern BLOCK = Pattern.compile(
        "-----BEGIN PGP (PUBLIC|PRIVATE|SECRET) KEY BLOCK-----.*?-----END PGP \\1 KEY BLOCK-----",
        Pattern.DOTALL);

    /** Every key ring found, secret rings as {@link PGPSecretKeyRing}, public as {@link PGPPublicKeyRing}. */
    static List<Object> readRings(byte[] content, String origin) {
        List<Object> rings = new ArrayList<>();
        String text = new String(content, StandardCharsets.ISO_8859_1);
        if (text.contains("-----BEGIN PGP ")) {
            Matcher m = BLOCK.matcher(text);
            boolean any = false;
            while (m.find()) {
                any = true;
                readStream(new ByteArrayInputStream(m.group().getBytes(StandardCharsets.ISO_8859_1)), origin, rings);
            }
            if (!any) {
                throw new PgpException(PgpException.Kind.MALFORMED, origin + ": no PGP key block found");
            }
        } else {
            readStream(new ByteArrayInputStream(content), origin, rings);
        }
        return rings;
    }

    private static void readStream(InputStream raw, String origin, List<Object> rings) {
        try (InputStream in = PGPUtil.getDecoderStream(raw)) {
            PGPObjectFactory factory = new PGPObjectFactory(in, new BcKeyFingerprintCalculator());
            Object o;
            while ((o = factory.nextObject()) != null) {
                if (o instanceof PGPSecretKeyRing || o instanceof PGPPublicKeyRing) {
                    rings.add(o);
                } else if (!(o instanceof PGPMarker)) {
                    throw new PgpException(PgpException.Kind.MALFORMED,
                        origin + ": unexpected OpenPGP packet in key file (" + o.getClass().getSimpleName() + ")");
                }
            }
        } catch (IOException | RuntimeException e) {
            if (e instanceof PgpException pe) {
                throw pe;
            }
            throw new PgpException(PgpException.Kind.MALFORMED, origin + ": not a readable OpenPGP key file ("
                + e.getClass().getSimpleName() + ")");
        }
    }

    static PGPException unwrap(Exception e) {
        return e instanceof PGPException p ? p : null;
    }

    private PgpKeyFiles() {
    }
}
