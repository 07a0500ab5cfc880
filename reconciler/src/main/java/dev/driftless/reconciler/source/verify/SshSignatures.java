package dev.driftless.reconciler.source.verify;

import java.io.ByteArrayOutputStream;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
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
 * Verifies git's SSH commit signatures ({@code gpg.format = ssh}): the SSHSIG format of OpenSSH's
 * PROTOCOL.sshsig, in namespace {@code git}, by a key of an {@link AllowedSigners} file, at the
 * commit's committer time as git does. Ed25519, ECDSA (P-256, P-384, P-521), RSA
 * ({@code rsa-sha2-256}, {@code rsa-sha2-512}) and FIDO security-key ({@code sk-ssh-ed25519},
 * {@code sk-ecdsa-sha2-nistp256}) signatures are checked with BouncyCastle, by a listed key or by a
 * certificate of any of these types that a {@code cert-authority} line's CA signed for a matching
 * principal, valid at the commit's time.
 */
final class SshSignatures {

    static final String ARMOR_BEGIN = "-----BEGIN SSH SIGNATURE-----";
    private static final String ARMOR_END = "-----END SSH SIGNATURE-----";
    private static final byte[] MAGIC = "SSHSIG".getBytes(StandardCharsets.US_ASCII);
    private static final String NAMESPACE = "git";

    private SshSignatures() {
    }

    static Verdict verify(SignedCommit commit, String armored, AllowedSigners signers) {
        String c = "commit " + commit.shortSha();
        Sshsig sig;
        Optional<SshCertificate> cert;
        try {
            sig = Sshsig.parse(armored);
            cert = SshCertificate.isCertificate(sig.keyType()) ? Optional.of(SshCertificate.parse(sig.publicKey()))
                : Optional.empty();
        } catch (IllegalArgumentException e) {
            return new Verdict.Refused(c + " has an SSH signature that cannot be read (" + e.getMessage() + ")");
        }
        byte[] signerKey = sig.signerKey();
        String keyText = keyName(new WireReader(signerKey).text()) + (cert.isPresent() ? "-CERT" : "") + " key "
            + fingerprint(signerKey);
        if (!sig.namespace().equals(NAMESPACE)) {
            return new Verdict.Refused(c + " is signed with " + keyText + " in namespace \"" + sig.namespace()
                + "\", not \"git\": that signature was not made for a commit");
        }
        String certText = cert.map(x -> " (certificate \"" + x.keyId() + "\" serial " + Long.toUnsignedString(x.serial())
            + " of CA key " + fingerprint(x.signatureKey()) + ")").orElse("");
        // A certificate is trusted through its CA's cert-authority line, a plain key through its own.
        List<AllowedSigners.Entry> entries = cert.isPresent()
            ? signers.of(cert.get().signatureKey()).stream().filter(AllowedSigners.Entry::certAuthority).toList()
            : signers.of(signerKey);
        if (entries.isEmpty()) {
            return new Verdict.Refused(c + " is signed with " + keyText + certText + ", which is not in "
                + signers.file() + (cert.isPresent() ? " as a cert-authority" : "") + " (repo.verify.ssh-allowed-signers)");
        }
        String failure;
        try {
            failure = check(sig, commit.payload());
            if (failure == null && cert.isPresent()) {
                failure = checkCertificate(cert.get());
            }
        } catch (IllegalArgumentException e) {
            failure = "its signature cannot be read (" + e.getMessage() + ")";
        }
        if (failure != null) {
            return new Verdict.Refused(c + " has a bad signature by " + keyText + certText + ": " + failure);
        }
        Instant at = commit.committedAt();
        String refusals = "";
        for (AllowedSigners.Entry e : entries) {
            String where = signers.file() + ":" + e.line();
            Optional<String> why = (e.certAuthority() && cert.isEmpty()
                ? Optional.of(where + " trusts the key as a certificate authority only")
                : Optional.<String>empty())
                .or(() -> e.namespaces().filter(n -> !n.contains(NAMESPACE))
                    .map(n -> where + " allows the key for namespaces " + String.join(",", n) + " only, not git"))
                .or(() -> e.validAfter().filter(at::isBefore)
                    .map(t -> where + " trusts the key only from " + t + " on, and the commit is of " + at))
                .or(() -> e.validBefore().filter(t -> !at.isBefore(t))
                    .map(t -> where + " trusts the key only until " + t + ", and the commit is of " + at))
                .or(() -> cert.map(x -> x.invalidAt(at)))
                .or(() -> cert.filter(x -> x.principalsAllowedBy(e.principals()).isEmpty())
                    .map(x -> where + " trusts certificates of the CA for " + e.principals() + ", and the certificate is"
                        + " for " + (x.principals().isEmpty() ? "no principal" : String.join(",", x.principals()))));
            if (why.isEmpty()) {
                String who = cert.map(x -> String.join(",", x.principalsAllowedBy(e.principals())))
                    .orElse(e.principals());
                return new Verdict.Trusted(who + " (" + keyText + certText.replaceFirst("^ \\((.*)\\)$", ", $1") + ", "
                    + signers.file().getFileName() + ":" + e.line() + ")");
            }
            refusals = refusals.isEmpty() ? why.get() : refusals + "; " + why.get();
        }
        return new Verdict.Refused(c + " is signed with " + keyText + certText + ", not trusted for it: " + refusals);
    }

    /** Null when {@code cert} is a user certificate whose CA signature verifies, else why not. */
    private static String checkCertificate(SshCertificate cert) {
        if (cert.type() != SshCertificate.USER) {
            return "its certificate is a host certificate, not a user's";
        }
        String bad = verifyWith(cert.signatureKey(), cert.signature(), cert.signed());
        return bad == null ? null : "its certificate's signature by the CA does not verify ("
            + bad.replace("the signature does not match the commit's content (was the commit altered after signing?)",
                "the certificate was altered after the CA signed it") + ")";
    }

    /** Null when the signature is good, else why not. */
    static String check(Sshsig sig, byte[] payload) {
        byte[] hash = switch (sig.hashAlgorithm()) {
            case "sha256" -> digest("SHA-256", payload);
            case "sha512" -> digest("SHA-512", payload);
            default -> null;
        };
        if (hash == null) {
            return "hash algorithm \"" + sig.hashAlgorithm() + "\" is not one of sha256, sha512";
        }
        ByteArrayOutputStream signed = new ByteArrayOutputStream();
        signed.writeBytes(MAGIC);
        signed.writeBytes(WireReader.encode(sig.namespace().getBytes(StandardCharsets.UTF_8)));
        signed.writeBytes(WireReader.encode(sig.reserved()));
        signed.writeBytes(WireReader.encode(sig.hashAlgorithm().getBytes(StandardCharsets.UTF_8)));
        signed.writeBytes(WireReader.encode(hash));
        return verifyWith(sig.signerKey(), sig.signature(), signed.toByteArray());
    }

    /**
     * Null when {@code signature} (an SSH signature: format, blob and, for a security key, its
     * flags and counter) by {@code publicKey} (a plain key blob) is good over {@code data}.
     */
    private static String verifyWith(byte[] publicKey, byte[] signature, byte[] data) {
        WireReader s = new WireReader(signature);
        String format = s.text();
        byte[] blob = s.string();
        String type = new WireReader(publicKey).text();
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
                WireReader rs = new WireReader(blob);
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
        return ok ? null : "the signature does not match the commit's content (was the commit altered after signing?)";
    }

    /** The authenticator's flag that a person touched the key for this signature. */
    static final int USER_PRESENT = 0x01;
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
    private static String checkSecurityKey(String type, byte[] publicKey, String format, byte[] blob, WireReader rest,
                                           byte[] data) {
        if (!format.equals(type)) {
            return "signature format " + format + " does not fit an " + type + " key";
        }
        int flags = rest.fixed(1)[0] & 0xff;
        byte[] counter = rest.fixed(4);
        if (!rest.atEnd()) {
            return "its signature has unexpected data after the counter";
        }
        WireReader k = new WireReader(publicKey);
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
                WireReader rs = new WireReader(blob);
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
            return "the signature does not match the commit's content (was the commit altered after signing?)";
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
    static String fingerprint(byte[] publicKey) {
        return "SHA256:" + Base64.getEncoder().withoutPadding().encodeToString(digest("SHA-256", publicKey));
    }

    private static String keyName(String type) {
        return switch (type) {
            case "ssh-ed25519" -> "ED25519";
            case "ssh-rsa" -> "RSA";
            case "sk-ssh-ed25519@openssh.com" -> "ED25519-SK";
            case "sk-ecdsa-sha2-nistp256@openssh.com" -> "ECDSA-SK";
            default -> type.startsWith("ecdsa-") ? "ECDSA" : type;
        };
    }

    private static byte[] digest(String algorithm, byte[] data) {
        try {
            return MessageDigest.getInstance(algorithm).digest(data);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The fields of an SSHSIG blob. */
    record Sshsig(byte[] publicKey, String keyType, String namespace, byte[] reserved, String hashAlgorithm,
                  byte[] signature) {

        static Sshsig parse(String armored) {
            String text = armored.strip();
            if (!text.startsWith(ARMOR_BEGIN) || !text.endsWith(ARMOR_END)) {
                throw new IllegalArgumentException("no " + ARMOR_BEGIN + " block");
            }
            String body = text.substring(ARMOR_BEGIN.length(), text.length() - ARMOR_END.length());
            byte[] blob = Base64.getMimeDecoder().decode(body);
            WireReader r = new WireReader(blob);
            byte[] magic = r.fixed(MAGIC.length);
            if (!java.util.Arrays.equals(magic, MAGIC)) {
                throw new IllegalArgumentException("not an SSHSIG blob");
            }
            long version = r.uint32();
            if (version != 1) {
                throw new IllegalArgumentException("SSHSIG version " + version + ", expected 1");
            }
            byte[] publicKey = r.string();
            String namespace = r.text();
            byte[] reserved = r.string();
            String hash = r.text();
            byte[] signature = r.string();
            String type = new WireReader(publicKey).text();
            return new Sshsig(publicKey, type, namespace, reserved, hash, signature);
        }

        /** The key that made the signature: the public key, or a certificate's certified key. */
        byte[] signerKey() {
            return SshCertificate.isCertificate(keyType) ? SshCertificate.parse(publicKey).plainKey() : publicKey;
        }
    }
}
