package dev.driftless.reconciler.sshkeys;

import java.io.ByteArrayOutputStream;
import java.math.BigInteger;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import org.bouncycastle.crypto.Digest;
import org.bouncycastle.crypto.digests.SHA256Digest;
import org.bouncycastle.crypto.digests.SHA384Digest;
import org.bouncycastle.crypto.digests.SHA512Digest;
import org.bouncycastle.crypto.params.AsymmetricKeyParameter;
import org.bouncycastle.crypto.params.ECPublicKeyParameters;
import org.bouncycastle.crypto.params.Ed25519PublicKeyParameters;
import org.bouncycastle.crypto.params.RSAKeyParameters;
import org.bouncycastle.crypto.signers.ECDSASigner;
import org.bouncycastle.crypto.signers.Ed25519Signer;
import org.bouncycastle.crypto.signers.RSADigestSigner;
import org.bouncycastle.crypto.util.OpenSSHPublicKeyUtil;

/**
 * Checks one SSH signature by one SSH public key, with BouncyCastle: Ed25519, ECDSA (P-256,
 * P-384, P-521), RSA ({@code rsa-sha2-256}, {@code rsa-sha2-512}) and FIDO security keys
 * ({@code sk-ssh-ed25519}, {@code sk-ecdsa-sha2-nistp256}). Used for git's SSH commit signatures
 * and for the CA signatures of SSH certificates.
 */
public final class SshSignatureCheck {

    /** What {@link #verify} says of a well-formed signature that does not verify. */
    public static final String MISMATCH = "the signature does not match the signed data";

    private SshSignatureCheck() {
    }

    /**
     * Null when {@code signature} (an SSH signature: format, blob and, for a security key, its
     * flags and counter) by {@code publicKey} (a plain key blob) is good over {@code data}; else
     * why not ({@link #MISMATCH} when it is well-formed but does not verify).
     */
    public static String verify(byte[] publicKey, byte[] signature, byte[] data) {
        SshWire s = new SshWire(signature);
        String format = s.text();
        byte[] blob = s.string();
        String type = new SshWire(publicKey).text();
        if (type.startsWith("sk-")) {
            return checkSecurityKey(type, publicKey, format, blob, s, data);
        }
        AsymmetricKeyParameter key;
        try {
            key = OpenSSHPublicKeyUtil.parsePublicKey(publicKey);
        } catch (RuntimeException e) {
            return "its public key cannot be read (" + e.getClass().getSimpleName() + ")";
        }
        boolean ok;
        switch (type) {
            case "ssh-ed25519" -> {
                if (!format.equals("ssh-ed25519") || !(key instanceof Ed25519PublicKeyParameters ed)) {
                    return "signature format " + format + " does not fit an " + type + " key";
                }
                Ed25519Signer v = new Ed25519Signer();
                v.init(false, ed);
                v.update(data, 0, data.length);
                ok = v.verifySignature(blob);
            }
            case "ssh-rsa" -> {
                Digest d = switch (format) {
                    case "rsa-sha2-256" -> new SHA256Digest();
                    case "rsa-sha2-512" -> new SHA512Digest();
                    default -> null;
                };
                if (d == null || !(key instanceof RSAKeyParameters rsa)) {
                    return "signature format " + format + " is not accepted for RSA keys (rsa-sha2-256 or rsa-sha2-512)";
                }
                RSADigestSigner v = new RSADigestSigner(d);
                v.init(false, rsa);
                v.update(data, 0, data.length);
                ok = v.verifySignature(blob);
            }
            case "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521" -> {
                if (!format.equals(type) || !(key instanceof ECPublicKeyParameters ec)) {
                    return "signature format " + format + " does not fit an " + type + " key";
                }
                Digest d = switch (type) {
                    case "ecdsa-sha2-nistp256" -> new SHA256Digest();
                    case "ecdsa-sha2-nistp384" -> new SHA384Digest();
                    default -> new SHA512Digest();
                };
                byte[] h = new byte[d.getDigestSize()];
                d.update(data, 0, data.length);
                d.doFinal(h, 0);
                SshWire rs = new SshWire(blob);
                BigInteger r = rs.mpint();
                BigInteger sv = rs.mpint();
                ECDSASigner v = new ECDSASigner();
                v.init(false, ec);
                ok = v.verifySignature(h, r, sv);
            }
            default -> {
                return "key type " + type + " is not accepted (use ed25519, ecdsa or rsa)";
            }
        }
        return ok ? null : MISMATCH;
    }

    /** The authenticator's flag that a person touched the key for this signature. */
    public static final int USER_PRESENT = 0x01;
    /** The authenticator's flag that it verified who touched it (PIN or biometric). */
    public static final int USER_VERIFIED = 0x04;

    /**
     * The authenticator's flags of a security key's {@code signature} (format, blob, flags,
     * counter); empty for any other signature. The flags are signed: read them only from a
     * signature {@link #verify} found good.
     */
    public static java.util.OptionalInt securityKeyFlags(byte[] signature) {
        SshWire s = new SshWire(signature);
        String format = s.text();
        if (!format.startsWith("sk-")) {
            return java.util.OptionalInt.empty();
        }
        s.string();
        return java.util.OptionalInt.of(s.fixed(1)[0] & 0xff);
    }
    private static final String SK_ED25519 = "sk-ssh-ed25519@openssh.com";
    private static final String SK_ECDSA = "sk-ecdsa-sha2-nistp256@openssh.com";

    /**
     * A FIDO security key's signature (OpenSSH's PROTOCOL.u2f): the key holds an application
     * string besides the public key, the signature is followed by the authenticator's flags and
     * counter, and what the authenticator signed is SHA-256(application) ‖ flags ‖ counter ‖
     * SHA-256(data): as it is for Ed25519, its SHA-256 for ECDSA P-256. A signature made without
     * the user-presence flag (a key made with {@code -O no-touch-required}) is refused: a commit
     * that deploys must have been confirmed by a touch.
     *
     * @param rest the signature after its blob: the flags byte and the counter
     * @return null when good, else why not
     */
    private static String checkSecurityKey(String type, byte[] publicKey, String format, byte[] blob, SshWire rest,
                                           byte[] data) {
        if (!format.equals(type)) {
            return "signature format " + format + " does not fit an " + type + " key";
        }
        int flags = rest.fixed(1)[0] & 0xff;
        byte[] counter = rest.fixed(4);
        if (!rest.atEnd()) {
            return "its signature has unexpected data after the counter";
        }
        SshWire k = new SshWire(publicKey);
        k.text();
        ByteArrayOutputStream signed = new ByteArrayOutputStream();
        boolean ok;
        switch (type) {
            case SK_ED25519 -> {
                byte[] pk = k.string();
                byte[] application = k.string();
                if (pk.length != Ed25519PublicKeyParameters.KEY_SIZE) {
                    return "its public key cannot be read (an Ed25519 key of " + pk.length + " bytes)";
                }
                authenticatorData(signed, application, flags, counter, data);
                Ed25519Signer v = new Ed25519Signer();
                v.init(false, new Ed25519PublicKeyParameters(pk));
                v.update(signed.toByteArray(), 0, signed.size());
                ok = v.verifySignature(blob);
            }
            case SK_ECDSA -> {
                String curve = k.text();
                byte[] q = k.string();
                byte[] application = k.string();
                if (!curve.equals("nistp256")) {
                    return "its public key is on curve " + curve + ", not nistp256";
                }
                ECPublicKeyParameters ec;
                try {
                    org.bouncycastle.asn1.x9.X9ECParameters p256 =
                        org.bouncycastle.crypto.ec.CustomNamedCurves.getByName("secp256r1");
                    ec = new ECPublicKeyParameters(p256.getCurve().decodePoint(q),
                        new org.bouncycastle.crypto.params.ECDomainParameters(p256));
                } catch (RuntimeException e) {
                    return "its public key cannot be read (" + e.getClass().getSimpleName() + ")";
                }
                authenticatorData(signed, application, flags, counter, data);
                SshWire rs = new SshWire(blob);
                BigInteger r = rs.mpint();
                BigInteger sv = rs.mpint();
                ECDSASigner v = new ECDSASigner();
                v.init(false, ec);
                ok = v.verifySignature(digest("SHA-256", signed.toByteArray()), r, sv);
            }
            default -> {
                return "key type " + type + " is not accepted (security keys: " + SK_ED25519 + " or " + SK_ECDSA + ")";
            }
        }
        if (!ok) {
            return MISMATCH;
        }
        return (flags & USER_PRESENT) != 0 ? null : "the security key signed without a touch (user presence flag"
            + " not set, as for a key made with -O no-touch-required); driftless accepts only touched signatures";
    }

    /** What a FIDO authenticator signs for OpenSSH: SHA-256(application) ‖ flags ‖ counter ‖ SHA-256(data). */
    private static void authenticatorData(ByteArrayOutputStream out, byte[] application, int flags, byte[] counter,
                                          byte[] data) {
        out.writeBytes(digest("SHA-256", application));
        out.write(flags);
        out.writeBytes(counter);
        out.writeBytes(digest("SHA-256", data));
    }

    /** "SHA256:…" as {@code ssh-keygen -l} prints it. */
    public static String fingerprint(byte[] publicKey) {
        return "SHA256:" + Base64.getEncoder().withoutPadding().encodeToString(digest("SHA-256", publicKey));
    }

    public static String keyName(String type) {
        return switch (type) {
            case "ssh-ed25519" -> "ED25519";
            case "ssh-rsa" -> "RSA";
            case "sk-ssh-ed25519@openssh.com" -> "ED25519-SK";
            case "sk-ecdsa-sha2-nistp256@openssh.com" -> "ECDSA-SK";
            default -> type.startsWith("ecdsa-") ? "ECDSA" : type;
        };
    }

    /** {@code algorithm}'s digest ({@code SHA-256}, {@code SHA-512}) of {@code data}. */
    public static byte[] digest(String algorithm, byte[] data) {
        try {
            return MessageDigest.getInstance(algorithm).digest(data);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
