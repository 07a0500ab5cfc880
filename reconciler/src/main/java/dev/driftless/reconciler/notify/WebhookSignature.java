package dev.driftless.reconciler.notify;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * HMAC-SHA256 signatures of webhook bodies in the form GitHub made common,
 * {@code sha256=<64 lowercase hex digits>}: driftless signs the notifications it sends with it
 * ({@code X-Driftless-Signature-256}) and checks the push webhooks it receives with it
 * ({@code X-Hub-Signature-256}, as GitHub, Gitea and Forgejo send it).
 */
public final class WebhookSignature {

    private static final String PREFIX = "sha256=";

    private WebhookSignature() {
    }

    /** {@code sha256=<hex>} of {@code body} under {@code secret}. */
    public static String sign(String secret, byte[] body) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            return PREFIX + HexFormat.of().formatHex(mac.doFinal(body));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is not available", e);
        }
    }

    /** Whether {@code signature} is {@code body}'s under {@code secret}; compared in constant time. */
    public static boolean verify(String secret, byte[] body, String signature) {
        if (signature == null) {
            return false;
        }
        return MessageDigest.isEqual(sign(secret, body).getBytes(StandardCharsets.US_ASCII),
            signature.strip().toLowerCase(java.util.Locale.ROOT).getBytes(StandardCharsets.US_ASCII));
    }

    /** Whether two secrets are equal; compared in constant time. */
    public static boolean sameSecret(String expected, String given) {
        return given != null && MessageDigest.isEqual(expected.getBytes(StandardCharsets.UTF_8),
            given.getBytes(StandardCharsets.UTF_8));
    }
}
