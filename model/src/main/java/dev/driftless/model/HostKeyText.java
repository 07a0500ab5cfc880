package dev.driftless.model;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Set;

/**
 * Checks a pinned SSH host key ({@code "ssh-ed25519 AAAA..."}, as in known_hosts without the
 * host name) and normalises it by dropping a trailing comment. A key whose blob does not carry
 * its own type name is a paste error and is refused here rather than at the first connection.
 */
final class HostKeyText {

    static final Set<String> TYPES = Set.of("ssh-ed25519", "ssh-rsa", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384",
        "ecdsa-sha2-nistp521", "sk-ssh-ed25519@openssh.com", "sk-ecdsa-sha2-nistp256@openssh.com");

    private HostKeyText() {
    }

    /** {@code type base64}, or why the text is not a host key. */
    static Parsed<String> normalise(String text) {
        String[] parts = text.strip().split("\\s+");
        if (parts.length < 2) {
            return Parsed.bad("a host key is \"<type> <base64>\", e.g. \"ssh-ed25519 AAAAC3Nz...\" (a line of ssh-keyscan without the host)");
        }
        String type = parts[0];
        if (!TYPES.contains(type) && TYPES.contains(parts[1])) {
            return Parsed.bad("remove \"" + type + "\" in front: a host key starts with its type, e.g. \"ssh-ed25519 AAAA...\"");
        }
        if (!TYPES.contains(type)) {
            return Parsed.bad("unknown host key type \"" + type + "\"; expected one of "
                + String.join(", ", TYPES.stream().sorted().toList()));
        }
        byte[] blob;
        try {
            blob = Base64.getDecoder().decode(parts[1]);
        } catch (IllegalArgumentException e) {
            return Parsed.bad("the host key's second part is not base64");
        }
        if (!type.equals(embeddedType(blob))) {
            return Parsed.bad("the host key's data is not an " + type + " key (was it pasted whole?)");
        }
        return Parsed.ok(type + " " + parts[1]);
    }

    private static String embeddedType(byte[] blob) {
        if (blob.length < 4) {
            return "";
        }
        int len = ByteBuffer.wrap(blob, 0, 4).getInt();
        if (len <= 0 || len > blob.length - 4) {
            return "";
        }
        return new String(blob, 4, len, StandardCharsets.US_ASCII);
    }
}
