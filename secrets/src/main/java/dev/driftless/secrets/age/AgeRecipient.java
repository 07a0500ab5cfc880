package dev.driftless.secrets.age;

import java.util.Arrays;

/** An age X25519 recipient ({@code age1…}): the public key data keys are encrypted to. */
public final class AgeRecipient {

    static final String HRP = "age";

    private final byte[] publicKey;
    private final String encoded;

    private AgeRecipient(byte[] publicKey) {
        this.publicKey = publicKey.clone();
        this.encoded = Bech32.encode(HRP, publicKey);
    }

    /** Parses an {@code age1…} string; anything else (SSH keys, plugins) is rejected. */
    public static AgeRecipient parse(String text) {
        String s = text.strip();
        if (s.startsWith("ssh-") || s.startsWith("ecdsa-")) {
            throw new AgeException(AgeException.Kind.UNSUPPORTED,
                "SSH recipients are not supported, only X25519 age1... recipients");
        }
        Bech32.Decoded decoded;
        try {
            decoded = Bech32.decode(s);
        } catch (IllegalArgumentException e) {
            throw new AgeException(AgeException.Kind.MALFORMED, "not an age recipient (" + e.getMessage() + ")");
        }
        if (decoded.hrp().startsWith("age1")) {
            throw new AgeException(AgeException.Kind.UNSUPPORTED,
                "age plugin recipients (" + decoded.hrp() + ") are not supported");
        }
        if (!decoded.hrp().equals(HRP) || decoded.data().length != 32) {
            throw new AgeException(AgeException.Kind.MALFORMED, "not an X25519 age recipient");
        }
        return new AgeRecipient(decoded.data());
    }

    static AgeRecipient ofPublicKey(byte[] publicKey) {
        return new AgeRecipient(publicKey);
    }

    byte[] publicKey() {
        return publicKey.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof AgeRecipient r && Arrays.equals(publicKey, r.publicKey);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(publicKey);
    }

    /** The {@code age1…} form. */
    @Override
    public String toString() {
        return encoded;
    }
}
