package dev.driftless.secrets;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.bouncycastle.crypto.generators.SCrypt;

/**
 * The fingerprint of a secret value for history, plans and drift detection: the same on every
 * machine for the same value at the same path, and expensive to invert. It is
 * {@code sfp1:} + base64url(scrypt(value, salt, N=2^14, r=8, p=1, 16 bytes)) where the salt is
 * {@code "driftless-secret-fingerprint-v1"}, a zero byte, then each path segment as a 4-byte
 * big-endian length and its UTF-8 bytes. Results are cached in memory under a per-process HMAC
 * key, so repeated reconciles pay the scrypt cost once per value.
 */
public final class SecretFingerprint {

    /** Prefix of version 1 fingerprints. */
    public static final String PREFIX = "sfp1:";
    static final int LOG2_N = 14;
    static final int R = 8;
    static final int P = 1;
    private static final int LENGTH = 16;
    private static final int CACHE_SIZE = 4096;
    private static final byte[] DOMAIN = "driftless-secret-fingerprint-v1".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] CACHE_KEY = new byte[32];
    private static final Map<String, String> CACHE = new LinkedHashMap<>(64, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, String> eldest) {
            return size() > CACHE_SIZE;
        }
    };

    static {
        new SecureRandom().nextBytes(CACHE_KEY);
    }

    private SecretFingerprint() {
    }

    /** The fingerprint of {@code value} at {@code path} (path segments as in a lookup). */
    public static String of(List<String> path, byte[] value) {
        byte[] salt = salt(path);
        String cacheKey = cacheKey(salt, value);
        synchronized (CACHE) {
            String hit = CACHE.get(cacheKey);
            if (hit != null) {
                return hit;
            }
        }
        byte[] out = SCrypt.generate(value, salt, 1 << LOG2_N, R, P, LENGTH);
        String fp = PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(out);
        Arrays.fill(out, (byte) 0);
        synchronized (CACHE) {
            CACHE.put(cacheKey, fp);
        }
        return fp;
    }

    static byte[] salt(List<String> path) {
        int size = DOMAIN.length + 1;
        for (String p : path) {
            size += 4 + p.getBytes(StandardCharsets.UTF_8).length;
        }
        ByteBuffer b = ByteBuffer.allocate(size);
        b.put(DOMAIN).put((byte) 0);
        for (String p : path) {
            byte[] seg = p.getBytes(StandardCharsets.UTF_8);
            b.putInt(seg.length).put(seg);
        }
        return b.array();
    }

    private static String cacheKey(byte[] salt, byte[] value) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(CACHE_KEY, "HmacSHA256"));
            mac.update(ByteBuffer.allocate(4).putInt(salt.length).array());
            mac.update(salt);
            mac.update(value);
            return HexFormat.of().formatHex(mac.doFinal());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }
}
