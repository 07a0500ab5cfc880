package dev.driftless.reconciler.ssh;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.PublicKey;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import net.schmizz.sshj.common.Buffer;

/**
 * An SSH host public key as OpenSSH writes it ({@code ssh-ed25519 AAAA…}): what the inventory and
 * known_hosts pin, and what a host offers. Knows its SHA256 fingerprint as {@code ssh-keygen -l}
 * prints it.
 *
 * @param type   the key type name, e.g. {@code ssh-ed25519}
 * @param base64 the key blob, base64 as in known_hosts
 */
public record HostKey(String type, String base64) {

    /** Key types driftless accepts as host keys, with the signature algorithms each can verify. */
    private static final Map<String, List<String>> ALGORITHMS = Map.of(
        "ssh-ed25519", List.of("ssh-ed25519"),
        "ssh-rsa", List.of("rsa-sha2-512", "rsa-sha2-256", "ssh-rsa"),
        "ecdsa-sha2-nistp256", List.of("ecdsa-sha2-nistp256"),
        "ecdsa-sha2-nistp384", List.of("ecdsa-sha2-nistp384"),
        "ecdsa-sha2-nistp521", List.of("ecdsa-sha2-nistp521"),
        "ssh-dss", List.of("ssh-dss"));

    public HostKey {
        if (!ALGORITHMS.containsKey(type)) {
            throw new IllegalArgumentException("unsupported host key type '" + type + "' (expected one of "
                + ALGORITHMS.keySet().stream().sorted().toList() + ")");
        }
        byte[] blob;
        try {
            blob = Base64.getDecoder().decode(base64);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("host key of type " + type + " is not valid base64");
        }
        String inner = blobType(blob);
        if (!type.equals(inner)) {
            throw new IllegalArgumentException("host key says it is " + type + " but its data is "
                + (inner.isEmpty() ? "not an SSH public key" : "a " + inner + " key"));
        }
    }

    /** The key of an SSH public key blob. */
    public static HostKey ofBlob(byte[] blob) {
        return new HostKey(blobType(blob), Base64.getEncoder().encodeToString(blob));
    }

    /**
     * Parses {@code "<type> <base64> [comment]"}.
     *
     * @throws IllegalArgumentException with a message saying what is wrong, never echoing more
     *                                  than the type
     */
    public static HostKey parse(String text) {
        String[] parts = text.trim().split("\\s+");
        if (parts.length < 2) {
            throw new IllegalArgumentException("a host key looks like 'ssh-ed25519 AAAA…' (type, space, base64)");
        }
        return new HostKey(parts[0], parts[1]);
    }

    /** The key a server offered during the handshake. */
    public static HostKey of(PublicKey key) {
        byte[] blob = new Buffer.PlainBuffer().putPublicKey(key).getCompactData();
        return new HostKey(blobType(blob), Base64.getEncoder().encodeToString(blob));
    }

    /** {@code SHA256:<base64 without padding>}, exactly as {@code ssh-keygen -lf} prints it. */
    public String fingerprint() {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(blob());
            return "SHA256:" + Base64.getEncoder().withoutPadding().encodeToString(digest);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }

    /** The short type name ssh-keygen prints in parentheses: ED25519, RSA, ECDSA or DSA. */
    public String displayType() {
        return switch (type) {
            case "ssh-ed25519" -> "ED25519";
            case "ssh-rsa" -> "RSA";
            case "ssh-dss" -> "DSA";
            default -> "ECDSA";
        };
    }

    /** {@code SHA256:… (ED25519)}: how messages name a key. */
    public String describe() {
        return fingerprint() + " (" + displayType() + ")";
    }

    /** The host key algorithms to ask a server for so that it offers a key of this type. */
    public List<String> signatureAlgorithms() {
        return ALGORITHMS.get(type);
    }

    /** The decoded key blob (a copy). */
    public byte[] blob() {
        return Base64.getDecoder().decode(base64);
    }

    /** Whether {@code other} is the same key (same blob). */
    public boolean sameKey(HostKey other) {
        return MessageDigest.isEqual(blob(), other.blob());
    }

    /** {@code type base64}, the form the inventory and known_hosts use. */
    public String toOpenSsh() {
        return type + " " + base64;
    }

    @Override
    public String toString() {
        return describe();
    }

    /** The type name an SSH public key blob starts with, or "" when it is not one. */
    private static String blobType(byte[] blob) {
        if (blob.length < 4) {
            return "";
        }
        ByteBuffer buf = ByteBuffer.wrap(blob);
        int len = buf.getInt();
        if (len <= 0 || len > 64 || len > blob.length - 4) {
            return "";
        }
        return new String(blob, 4, len, StandardCharsets.US_ASCII);
    }
}
