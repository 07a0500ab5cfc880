package dev.driftless.secrets.age;

import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Locale;
import javax.security.auth.Destroyable;
import org.bouncycastle.math.ec.rfc7748.X25519;

/**
 * An age X25519 identity ({@code AGE-SECRET-KEY-1…}): opens X25519 stanzas addressed to its
 * recipient. toString shows only the public recipient.
 */
public final class AgeIdentity implements Destroyable {

    static final String HRP = "age-secret-key-";
    static final String X25519_LABEL = "age-encryption.org/v1/X25519";

    private final byte[] secretKey;
    private final AgeRecipient recipient;
    private boolean destroyed;

    private AgeIdentity(byte[] secretKey) {
        this.secretKey = secretKey.clone();
        byte[] pub = new byte[X25519.POINT_SIZE];
        X25519.scalarMultBase(this.secretKey, 0, pub, 0);
        this.recipient = AgeRecipient.ofPublicKey(pub);
    }

    /** Parses an {@code AGE-SECRET-KEY-1…} line. The message never repeats the input. */
    public static AgeIdentity parse(String text) {
        String s = text.strip();
        if (s.startsWith("AGE-PLUGIN-")) {
            throw new AgeException(AgeException.Kind.UNSUPPORTED, "age plugin identities are not supported");
        }
        Bech32.Decoded decoded;
        try {
            decoded = Bech32.decode(s);
        } catch (IllegalArgumentException e) {
            throw new AgeException(AgeException.Kind.MALFORMED, "not an age identity (" + e.getMessage() + ")");
        }
        try {
            if (!decoded.hrp().equals(HRP) || decoded.data().length != 32
                || !s.equals(s.toUpperCase(Locale.ROOT))) {
                throw new AgeException(AgeException.Kind.MALFORMED, "not an X25519 age identity");
            }
            return new AgeIdentity(decoded.data());
        } finally {
            Arrays.fill(decoded.data(), (byte) 0);
        }
    }

    /** A fresh identity, as {@code age-keygen} makes. */
    public static AgeIdentity generate(SecureRandom random) {
        byte[] key = new byte[32];
        random.nextBytes(key);
        try {
            return new AgeIdentity(key);
        } finally {
            Arrays.fill(key, (byte) 0);
        }
    }

    /** The public recipient of this identity. */
    public AgeRecipient recipient() {
        return recipient;
    }

    /** The secret key in its {@code AGE-SECRET-KEY-1…} form; only for writing key files. */
    public String encode() {
        checkLive();
        return Bech32.encode(HRP, secretKey).toUpperCase(Locale.ROOT);
    }

    /** Opens an X25519 stanza; empty when the stanza was not made for this identity. */
    byte[] unwrap(AgeStanza stanza) {
        checkLive();
        if (!stanza.type().equals("X25519")) {
            return null;
        }
        if (stanza.args().size() != 1) {
            throw new AgeException(AgeException.Kind.MALFORMED, "invalid X25519 recipient stanza");
        }
        byte[] share = AgeFormat.decodeRaw(stanza.args().get(0));
        if (share.length != 32) {
            throw new AgeException(AgeException.Kind.MALFORMED, "invalid X25519 recipient stanza");
        }
        if (stanza.body().length != 32) {
            throw new AgeException(AgeException.Kind.MALFORMED, "invalid X25519 recipient stanza body");
        }
        byte[] shared = new byte[32];
        if (!X25519.calculateAgreement(secretKey, 0, share, 0, shared, 0)) {
            throw new AgeException(AgeException.Kind.MALFORMED, "invalid X25519 recipient stanza (low order point)");
        }
        byte[] salt = AgeFormat.concat(share, recipient.publicKey());
        byte[] wrapKey = AgeFormat.hkdf(shared, salt, X25519_LABEL, 32);
        try {
            return AgeFormat.chachaOpen(wrapKey, new byte[12], stanza.body());
        } catch (AgeException e) {
            return null;
        } finally {
            Arrays.fill(shared, (byte) 0);
            Arrays.fill(wrapKey, (byte) 0);
        }
    }

    /** Makes the X25519 stanza wrapping {@code fileKey} to {@code to}. */
    static AgeStanza wrap(AgeRecipient to, byte[] fileKey, SecureRandom random) {
        byte[] ephemeral = new byte[32];
        random.nextBytes(ephemeral);
        byte[] share = new byte[32];
        X25519.scalarMultBase(ephemeral, 0, share, 0);
        byte[] shared = new byte[32];
        try {
            if (!X25519.calculateAgreement(ephemeral, 0, to.publicKey(), 0, shared, 0)) {
                throw new AgeException(AgeException.Kind.MALFORMED, "invalid X25519 recipient " + to);
            }
            byte[] wrapKey = AgeFormat.hkdf(shared, AgeFormat.concat(share, to.publicKey()), X25519_LABEL, 32);
            byte[] body = AgeFormat.chachaSeal(wrapKey, new byte[12], fileKey);
            Arrays.fill(wrapKey, (byte) 0);
            return new AgeStanza("X25519", java.util.List.of(AgeFormat.encodeRaw(share)), body);
        } finally {
            Arrays.fill(ephemeral, (byte) 0);
            Arrays.fill(shared, (byte) 0);
        }
    }

    private void checkLive() {
        if (destroyed) {
            throw new IllegalStateException("age identity was destroyed");
        }
    }

    @Override
    public void destroy() {
        Arrays.fill(secretKey, (byte) 0);
        destroyed = true;
    }

    @Override
    public boolean isDestroyed() {
        return destroyed;
    }

    @Override
    public String toString() {
        return "AgeIdentity[" + recipient + "]";
    }
}
