package dev.driftless.reconciler.sshkeys;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * An OpenSSH certificate (PROTOCOL.certkeys) as a signature's public key: a user's key, the
 * principals it may act as and its validity, signed by a certificate authority.
 *
 * @param plainKey      the certified key as a plain public key blob (what signed the commit)
 * @param serial        the serial number the CA gave it
 * @param type          1 for a user certificate, 2 for a host certificate
 * @param keyId         the CA's name for it ({@code ssh-keygen -s … -I ID})
 * @param principals    the names it is valid for
 * @param validAfter    seconds since the epoch, unsigned
 * @param validBefore   seconds since the epoch, unsigned ({@code 0xffffffffffffffff}: forever)
 * @param criticalOptions the names of its critical options ({@code verify-required},
 *                      {@code source-address}, …): one that is not understood voids the certificate
 * @param signatureKey  the CA's public key blob
 * @param signature     the CA's signature over {@code signed}
 * @param signed        the certificate up to its signature
 */
public record SshCertificate(byte[] plainKey, long serial, long type, String keyId, List<String> principals,
                      long validAfter, long validBefore, List<String> criticalOptions, byte[] signatureKey,
                      byte[] signature, byte[] signed) {

    /** The critical option that requires a security key's signature to carry the user-verified flag. */
    public static final String VERIFY_REQUIRED = "verify-required";

    public static final String SUFFIX = "-cert-v01@openssh.com";
    public static final long USER = 1;
    public static final long HOST = 2;

    /** The plain key type of each certificate type, and how many strings (or mpints) make its key. */
    private static final Map<String, Integer> KEY_FIELDS = Map.of(
        "ssh-ed25519", 1, "ssh-rsa", 2, "ecdsa-sha2-nistp256", 2, "ecdsa-sha2-nistp384", 2,
        "ecdsa-sha2-nistp521", 2, "sk-ssh-ed25519@openssh.com", 2, "sk-ecdsa-sha2-nistp256@openssh.com", 3);

    /** Whether {@code keyType} names a certificate. */
    public static boolean isCertificate(String keyType) {
        return keyType.endsWith(SUFFIX);
    }

    /** The plain key type a certificate type certifies: {@code ssh-ed25519} for {@code ssh-ed25519-cert-v01@openssh.com}. */
    public static String plainType(String certType) {
        String base = certType.substring(0, certType.length() - SUFFIX.length());
        return base.startsWith("sk-") ? base + "@openssh.com" : base;
    }

    /**
     * Reads a certificate blob.
     *
     * @throws IllegalArgumentException when it is truncated or of an unknown type
     */
    public static SshCertificate parse(byte[] blob) {
        SshWire r = new SshWire(blob);
        String certType = r.text();
        if (!isCertificate(certType)) {
            throw new IllegalArgumentException("not a certificate: " + certType);
        }
        String plain = plainType(certType);
        Integer fields = KEY_FIELDS.get(plain);
        if (fields == null) {
            throw new IllegalArgumentException("certificate type " + certType + " is not supported");
        }
        r.string(); // nonce
        ByteArrayOutputStream key = new ByteArrayOutputStream();
        key.writeBytes(SshWire.encode(plain.getBytes(StandardCharsets.US_ASCII)));
        for (int i = 0; i < fields; i++) {
            key.writeBytes(SshWire.encode(r.string()));
        }
        long serial = r.uint64();
        long type = r.uint32();
        String keyId = r.text();
        List<String> principals = new ArrayList<>();
        SshWire names = new SshWire(r.string());
        while (!names.atEnd()) {
            principals.add(names.text());
        }
        long validAfter = r.uint64();
        long validBefore = r.uint64();
        List<String> critical = new ArrayList<>();
        SshWire options = new SshWire(r.string());
        while (!options.atEnd()) {
            critical.add(options.text());
            options.string(); // its data
        }
        r.string(); // extensions: permissions of a login, nothing a check refuses
        r.string(); // reserved
        byte[] signatureKey = r.string();
        int end = r.position();
        byte[] signature = r.string();
        if (!r.atEnd()) {
            throw new IllegalArgumentException("unexpected data after the certificate's signature");
        }
        return new SshCertificate(key.toByteArray(), serial, type, keyId, List.copyOf(principals), validAfter,
            validBefore, List.copyOf(critical), signatureKey, signature, Arrays.copyOfRange(blob, 0, end));
    }

    /** Why the certificate is not valid at {@code at} ("valid only from … on", "expired at …"), or null when it is. */
    public String invalidAt(Instant at) {
        long t = at.getEpochSecond();
        if (Long.compareUnsigned(t, validAfter) < 0) {
            return "valid only from " + Instant.ofEpochSecond(validAfter) + " on";
        }
        if (Long.compareUnsigned(t, validBefore) >= 0) {
            return "expired at " + Instant.ofEpochSecond(validBefore);
        }
        return null;
    }

    /**
     * Why this certificate does not vouch for a host known as any of {@code names} at {@code now},
     * or null when it does: it must be a host certificate without critical options, name at least one principal, one of
     * which (a pattern with {@code *} and {@code ?}, as OpenSSH allows for hosts) matches a name,
     * and be valid at {@code now}. The CA's signature is {@link #signatureProblem()}'s to check.
     */
    public String hostProblem(List<String> names, Instant now) {
        if (type != HOST) {
            return "it is a user certificate, not a host certificate";
        }
        if (!criticalOptions.isEmpty()) {
            // None are defined for hosts; OpenSSH refuses a host certificate with any.
            return "it carries critical options (" + String.join(", ", criticalOptions) + "), which no host"
                + " certificate may";
        }
        if (principals.isEmpty()) {
            return "it names no host (no principals)";
        }
        if (principals.stream().noneMatch(p -> names.stream().anyMatch(n ->
                SshPatterns.glob(p.toLowerCase(Locale.ROOT), n.toLowerCase(Locale.ROOT))))) {
            return "it is issued for " + String.join(",", principals) + ", not for " + String.join(" or ", names);
        }
        String invalid = invalidAt(now);
        return invalid == null ? null : "it is " + invalid + ", and it is " + now;
    }

    /**
     * Null when the CA's signature over the certificate verifies; else why not, in words for a
     * message ("the certificate was altered after the CA signed it" when it is well-formed).
     */
    public String signatureProblem() {
        String bad = SshSignatureCheck.verify(signatureKey, signature, signed);
        return SshSignatureCheck.MISMATCH.equals(bad) ? "the certificate was altered after the CA signed it" : bad;
    }

    /**
     * The principals of this certificate that {@code patterns} (an allowed signers line's
     * comma-separated principals, with {@code *} and {@code ?} wildcards and {@code !} negations,
     * as OpenSSH matches them) allows; empty when a negation matches one.
     */
    public List<String> principalsAllowedBy(String patterns) {
        List<String> allowed = new ArrayList<>();
        for (String p : principals) {
            int m = matchPatternList(p, patterns);
            if (m < 0) {
                return List.of();
            }
            if (m > 0) {
                allowed.add(p);
            }
        }
        return allowed;
    }

    /** OpenSSH's match_pattern_list: 1 when a pattern matches, -1 when a negated one does, else 0. */
    private static int matchPatternList(String s, String patterns) {
        int result = 0;
        for (String raw : patterns.split(",")) {
            boolean negated = raw.startsWith("!");
            String pattern = negated ? raw.substring(1) : raw;
            if (SshPatterns.glob(pattern, s)) {
                if (negated) {
                    return -1;
                }
                result = 1;
            }
        }
        return result;
    }
}
