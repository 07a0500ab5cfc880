package dev.driftless.reconciler.source.verify;

import dev.driftless.reconciler.sshkeys.RevokedKeys;
import dev.driftless.reconciler.sshkeys.SshCertificate;
import dev.driftless.reconciler.sshkeys.SshSignatureCheck;
import dev.driftless.reconciler.sshkeys.SshWire;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Optional;

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
    private static final String MISMATCH =
        "the signature does not match the commit's content (was the commit altered after signing?)";

    private SshSignatures() {
    }

    static Verdict verify(SignedCommit commit, String armored, AllowedSigners signers) {
        return verify(commit, armored, signers, RevokedKeys.none());
    }

    /**
     * The verdict on {@code commit}'s SSH signature {@code armored}: trusted when a line of
     * {@code signers} trusts its key (or its certificate's CA) for git at the commit's time, and
     * {@code revoked} revokes neither the key, nor the certificate, nor its CA.
     */
    static Verdict verify(SignedCommit commit, String armored, AllowedSigners signers, RevokedKeys revoked) {
        String c = "commit " + commit.shortSha();
        Sshsig sig;
        try {
            sig = Sshsig.parse(armored);
        } catch (IllegalArgumentException e) {
            return new Verdict.Refused(c + " has an SSH signature that cannot be read (" + e.getMessage() + ")");
        }
        Optional<SshCertificate> cert = sig.certificate();
        byte[] signerKey = sig.signerKey();
        String keyText = SshSignatureCheck.keyName(new SshWire(signerKey).text()) + (cert.isPresent() ? "-CERT" : "") + " key "
            + SshSignatureCheck.fingerprint(signerKey);
        if (!sig.namespace().equals(NAMESPACE)) {
            return new Verdict.Refused(c + " is signed with " + keyText + " in namespace \"" + sig.namespace()
                + "\", not \"git\": that signature was not made for a commit");
        }
        String certText = cert.map(x -> " (certificate \"" + x.keyId() + "\" serial " + Long.toUnsignedString(x.serial())
            + " of CA key " + SshSignatureCheck.fingerprint(x.signatureKey()) + ")").orElse("");
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
                failure = checkCertificate(cert.get(), sig);
            }
        } catch (IllegalArgumentException e) {
            failure = "its signature cannot be read (" + e.getMessage() + ")";
        }
        if (failure != null) {
            return new Verdict.Refused(c + " has a bad signature by " + keyText + certText + ": " + failure);
        }
        Optional<String> revocation = cert.isPresent() ? revoked.check(cert.get()) : revoked.check(signerKey);
        if (revocation.isPresent()) {
            return new Verdict.Refused(c + " is signed with " + keyText + certText + ", which is revoked: "
                + revocation.get() + " (repo.verify.ssh-revoked-keys)");
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
                .or(() -> cert.map(x -> x.invalidAt(at)).map(v -> "its certificate is " + v + ", and the commit is of "
                    + at))
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

    /**
     * Null when {@code cert} is a user certificate whose CA signature verifies and whose critical
     * options {@code sig} (already found good) satisfies, else why not. Of the critical options
     * only {@code verify-required} means something for a signature, as in OpenSSH: a security
     * key's signature must then carry the user-verified flag. Any other (a login's
     * {@code force-command} or {@code source-address}, or one nobody knows) voids the certificate.
     */
    private static String checkCertificate(SshCertificate cert, Sshsig sig) {
        if (cert.type() != SshCertificate.USER) {
            return "its certificate is a host certificate, not a user's";
        }
        String bad = cert.signatureProblem();
        if (bad != null) {
            return "its certificate's signature by the CA does not verify (" + bad + ")";
        }
        for (String option : cert.criticalOptions()) {
            if (!option.equals(SshCertificate.VERIFY_REQUIRED)) {
                return "its certificate carries the critical option " + option + ", which a signature cannot honour"
                    + " (only " + SshCertificate.VERIFY_REQUIRED + " can be), so it is void here";
            }
            java.util.OptionalInt flags = SshSignatureCheck.securityKeyFlags(sig.signature());
            if (flags.isEmpty()) {
                return "its certificate requires a user-verified security key (critical option "
                    + SshCertificate.VERIFY_REQUIRED + "), and this is not a security key's signature";
            }
            if ((flags.getAsInt() & SshSignatureCheck.USER_VERIFIED) == 0) {
                return "its certificate requires a user-verified signature (critical option "
                    + SshCertificate.VERIFY_REQUIRED + "), and the security key signed without verifying its user (no"
                    + " PIN or biometric: user-verified flag not set)";
            }
        }
        return null;
    }

    /** Null when the signature is good, else why not. */
    static String check(Sshsig sig, byte[] payload) {
        byte[] hash = switch (sig.hashAlgorithm()) {
            case "sha256" -> SshSignatureCheck.digest("SHA-256", payload);
            case "sha512" -> SshSignatureCheck.digest("SHA-512", payload);
            default -> null;
        };
        if (hash == null) {
            return "hash algorithm \"" + sig.hashAlgorithm() + "\" is not one of sha256, sha512";
        }
        ByteArrayOutputStream signed = new ByteArrayOutputStream();
        signed.writeBytes(MAGIC);
        signed.writeBytes(SshWire.encode(sig.namespace().getBytes(StandardCharsets.UTF_8)));
        signed.writeBytes(SshWire.encode(sig.reserved()));
        signed.writeBytes(SshWire.encode(sig.hashAlgorithm().getBytes(StandardCharsets.UTF_8)));
        signed.writeBytes(SshWire.encode(hash));
        String bad = SshSignatureCheck.verify(sig.signerKey(), sig.signature(), signed.toByteArray());
        return SshSignatureCheck.MISMATCH.equals(bad) ? MISMATCH : bad;
    }

    /** The fields of an SSHSIG blob. */
    record Sshsig(byte[] publicKey, String keyType, String namespace, byte[] reserved, String hashAlgorithm,
                  byte[] signature, Optional<SshCertificate> certificate) {

        static Sshsig parse(String armored) {
            String text = armored.strip();
            if (!text.startsWith(ARMOR_BEGIN) || !text.endsWith(ARMOR_END)) {
                throw new IllegalArgumentException("no " + ARMOR_BEGIN + " block");
            }
            String body = text.substring(ARMOR_BEGIN.length(), text.length() - ARMOR_END.length());
            byte[] blob = Base64.getMimeDecoder().decode(body);
            SshWire r = new SshWire(blob);
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
            String type = new SshWire(publicKey).text();
            Optional<SshCertificate> certificate = SshCertificate.isCertificate(type)
                ? Optional.of(SshCertificate.parse(publicKey)) : Optional.empty();
            return new Sshsig(publicKey, type, namespace, reserved, hash, signature, certificate);
        }

        /** The key that made the signature: the public key, or a certificate's certified key. */
        byte[] signerKey() {
            return certificate.map(SshCertificate::plainKey).orElse(publicKey);
        }
    }
}
