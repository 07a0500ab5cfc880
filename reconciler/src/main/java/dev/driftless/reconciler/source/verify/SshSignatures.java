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
 * commit's committer time as git does. Ed25519, ECDSA (P-256, P-384, P-521) and RSA
 * ({@code rsa-sha2-256}, {@code rsa-sha2-512}) signatures are checked with BouncyCastle.
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
        try {
            sig = Sshsig.parse(armored);
        } catch (IllegalArgumentException e) {
            return new Verdict.Refused(c + " has an SSH signature that cannot be read (" + e.getMessage() + ")");
        }
        String keyText = keyName(sig.keyType()) + " key " + fingerprint(sig.publicKey());
        if (!sig.namespace().equals(NAMESPACE)) {
            return new Verdict.Refused(c + " is signed with " + keyText + " in namespace \"" + sig.namespace()
                + "\", not \"git\": that signature was not made for a commit");
        }
        List<AllowedSigners.Entry> entries = signers.of(sig.publicKey());
        if (entries.isEmpty()) {
            return new Verdict.Refused(c + " is signed with " + keyText + ", which is not in "
                + signers.file() + " (repo.verify.ssh-allowed-signers)");
        }
        String failure;
        try {
            failure = check(sig, commit.payload());
        } catch (IllegalArgumentException e) {
            failure = "its signature cannot be read (" + e.getMessage() + ")";
        }
        if (failure != null) {
            return new Verdict.Refused(c + " has a bad signature by " + keyText + ": " + failure);
        }
        Instant at = commit.committedAt();
        String refusals = "";
        for (AllowedSigners.Entry e : entries) {
            String where = signers.file() + ":" + e.line();
            Optional<String> why = e.certAuthority()
                ? Optional.of(where + " trusts the key as a certificate authority only")
                : e.namespaces().filter(n -> !n.contains(NAMESPACE))
                    .map(n -> where + " allows the key for namespaces " + String.join(",", n) + " only, not git")
                    .or(() -> e.validAfter().filter(at::isBefore)
                        .map(t -> where + " trusts the key only from " + t + " on, and the commit is of " + at))
                    .or(() -> e.validBefore().filter(t -> !at.isBefore(t))
                        .map(t -> where + " trusts the key only until " + t + ", and the commit is of " + at));
            if (why.isEmpty()) {
                return new Verdict.Trusted(e.principals() + " (" + keyText + ", "
                    + signers.file().getFileName() + ":" + e.line() + ")");
            }
            refusals = refusals.isEmpty() ? why.get() : refusals + "; " + why.get();
        }
        return new Verdict.Refused(c + " is signed with " + keyText + ", not trusted for it: " + refusals);
    }

    /** Null when the signature is good, else why not. */
    private static String check(Sshsig sig, byte[] payload) {
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
        byte[] data = signed.toByteArray();

        WireReader s = new WireReader(sig.signature());
        String format = s.text();
        byte[] blob = s.string();
        String type = sig.keyType();
        if (type.startsWith("sk-")) {
            return "security-key (" + type + ") signatures are not supported yet";
        }
        AsymmetricKeyParameter key;
        try {
            key = OpenSSHPublicKeyUtil.parsePublicKey(sig.publicKey());
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
    }
}
