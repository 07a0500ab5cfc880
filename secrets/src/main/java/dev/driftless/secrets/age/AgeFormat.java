package dev.driftless.secrets.age;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.bouncycastle.crypto.InvalidCipherTextException;
import org.bouncycastle.crypto.digests.SHA256Digest;
import org.bouncycastle.crypto.generators.HKDFBytesGenerator;
import org.bouncycastle.crypto.modes.ChaCha20Poly1305;
import org.bouncycastle.crypto.params.AEADParameters;
import org.bouncycastle.crypto.params.HKDFParameters;
import org.bouncycastle.crypto.params.KeyParameter;

/**
 * The age v1 file format (https://age-encryption.org/v1): header with recipient stanzas and HMAC,
 * then the STREAM payload of 64 KiB ChaCha20-Poly1305 chunks, and the ASCII armor around both.
 */
final class AgeFormat {

    static final String VERSION_LINE = "age-encryption.org/v1";
    static final int FILE_KEY_SIZE = 16;
    static final int CHUNK_SIZE = 64 * 1024;
    static final int TAG_SIZE = 16;
    static final String ARMOR_BEGIN = "-----BEGIN AGE ENCRYPTED FILE-----";
    static final String ARMOR_END = "-----END AGE ENCRYPTED FILE-----";
    private static final int MAX_HEADER = 1 << 20;

    /** A parsed header: stanzas, the bytes the MAC covers, the MAC, and where the payload starts. */
    record Header(List<AgeStanza> stanzas, byte[] macInput, byte[] mac, int payloadOffset) {
    }

    private AgeFormat() {
    }

    // ---- header ----------------------------------------------------------------------------

    static Header parseHeader(byte[] file) {
        int pos = 0;
        String first = line(file, pos);
        if (first == null || !first.equals(VERSION_LINE)) {
            throw malformed("not an age v1 file (missing " + VERSION_LINE + " header)");
        }
        pos += first.length() + 1;
        List<AgeStanza> stanzas = new ArrayList<>();
        while (true) {
            String l = line(file, pos);
            if (l == null) {
                throw malformed("truncated age header");
            }
            if (l.startsWith("---")) {
                if (!l.startsWith("--- ")) {
                    throw malformed("malformed age header MAC line");
                }
                byte[] macInput = Arrays.copyOfRange(file, 0, pos + 3);
                byte[] mac = decodeRaw(l.substring(4));
                if (mac.length != 32) {
                    throw malformed("malformed age header MAC");
                }
                return new Header(stanzas, macInput, mac, pos + l.length() + 1);
            }
            if (!l.startsWith("-> ")) {
                throw malformed("malformed age header line");
            }
            String[] parts = l.substring(3).split(" ", -1);
            for (String p : parts) {
                if (p.isEmpty() || !p.chars().allMatch(c -> c >= 33 && c <= 126)) {
                    throw malformed("malformed age stanza arguments");
                }
            }
            pos += l.length() + 1;
            ByteArrayOutputStream body = new ByteArrayOutputStream();
            while (true) {
                String b = line(file, pos);
                if (b == null) {
                    throw malformed("truncated age stanza body");
                }
                if (b.length() > 64) {
                    throw malformed("age stanza body line too long");
                }
                byte[] chunk = decodeRaw(b);
                body.writeBytes(chunk);
                pos += b.length() + 1;
                if (b.length() < 64) {
                    break;
                }
            }
            stanzas.add(new AgeStanza(parts[0], List.of(parts).subList(1, parts.length), body.toByteArray()));
        }
    }

    /** The text line at {@code pos} without its LF, or null when there is no LF within limits. */
    private static String line(byte[] file, int pos) {
        for (int i = pos; i < file.length && i < MAX_HEADER; i++) {
            if (file[i] == '\n') {
                for (int j = pos; j < i; j++) {
                    if (file[j] < 32 || file[j] > 126) {
                        throw malformed("non-printable character in age header");
                    }
                }
                return new String(file, pos, i - pos, StandardCharsets.US_ASCII);
            }
        }
        return null;
    }

    static byte[] headerWithoutMac(List<AgeStanza> stanzas) {
        StringBuilder sb = new StringBuilder(VERSION_LINE).append('\n');
        for (AgeStanza s : stanzas) {
            sb.append("->").append(' ').append(s.type());
            for (String a : s.args()) {
                sb.append(' ').append(a);
            }
            sb.append('\n');
            String body = encodeRaw(s.body());
            for (int i = 0; i < body.length(); i += 64) {
                sb.append(body, i, Math.min(body.length(), i + 64)).append('\n');
            }
            if (body.length() % 64 == 0) {
                sb.append('\n');
            }
        }
        sb.append("---");
        return sb.toString().getBytes(StandardCharsets.US_ASCII);
    }

    static byte[] headerMac(byte[] fileKey, byte[] macInput) {
        byte[] key = hkdf(fileKey, new byte[0], "header", 32);
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return mac.doFinal(macInput);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 unavailable", e);
        } finally {
            Arrays.fill(key, (byte) 0);
        }
    }

    static void verifyMac(byte[] fileKey, Header header) {
        byte[] expected = headerMac(fileKey, header.macInput());
        if (!MessageDigest.isEqual(expected, header.mac())) {
            throw new AgeException(AgeException.Kind.TAMPERED, "age header MAC mismatch (header was modified)");
        }
    }

    // ---- payload (STREAM) ------------------------------------------------------------------

    static byte[] encryptPayload(byte[] fileKey, byte[] plaintext, SecureRandom random) {
        byte[] nonce = new byte[16];
        random.nextBytes(nonce);
        byte[] key = hkdf(fileKey, nonce, "payload", 32);
        try {
            int chunks = Math.max(1, (plaintext.length + CHUNK_SIZE - 1) / CHUNK_SIZE);
            ByteArrayOutputStream out = new ByteArrayOutputStream(16 + plaintext.length + chunks * TAG_SIZE);
            out.writeBytes(nonce);
            for (int i = 0; i < chunks; i++) {
                int from = i * CHUNK_SIZE;
                int to = Math.min(plaintext.length, from + CHUNK_SIZE);
                out.writeBytes(chachaSeal(key, streamNonce(i, i == chunks - 1),
                    Arrays.copyOfRange(plaintext, from, to)));
            }
            return out.toByteArray();
        } finally {
            Arrays.fill(key, (byte) 0);
        }
    }

    static byte[] decryptPayload(byte[] fileKey, byte[] file, int offset) {
        if (file.length - offset < 16) {
            throw malformed("truncated age payload");
        }
        byte[] nonce = Arrays.copyOfRange(file, offset, offset + 16);
        byte[] key = hkdf(fileKey, nonce, "payload", 32);
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream(Math.max(0, file.length - offset));
            int pos = offset + 16;
            long counter = 0;
            int encChunk = CHUNK_SIZE + TAG_SIZE;
            while (true) {
                int remaining = file.length - pos;
                boolean last = remaining <= encChunk;
                int len = last ? remaining : encChunk;
                if (len < TAG_SIZE) {
                    throw new AgeException(AgeException.Kind.TAMPERED, "truncated age payload chunk");
                }
                byte[] plain = chachaOpenOrTampered(key, streamNonce(counter, last),
                    Arrays.copyOfRange(file, pos, pos + len));
                if (last && plain.length == 0 && counter > 0) {
                    throw new AgeException(AgeException.Kind.TAMPERED, "empty final age payload chunk");
                }
                out.writeBytes(plain);
                pos += len;
                counter++;
                if (last) {
                    return out.toByteArray();
                }
            }
        } finally {
            Arrays.fill(key, (byte) 0);
        }
    }

    private static byte[] streamNonce(long counter, boolean last) {
        byte[] n = new byte[12];
        for (int i = 0; i < 8; i++) {
            n[10 - i] = (byte) (counter >>> (8 * i));
        }
        n[11] = (byte) (last ? 1 : 0);
        return n;
    }

    // ---- armor -----------------------------------------------------------------------------

    static boolean isArmored(byte[] file) {
        String head = new String(file, 0, Math.min(file.length, 128), StandardCharsets.US_ASCII).stripLeading();
        return head.startsWith(ARMOR_BEGIN);
    }

    static String armor(byte[] binary) {
        String b64 = Base64.getEncoder().encodeToString(binary);
        StringBuilder sb = new StringBuilder(ARMOR_BEGIN).append('\n');
        for (int i = 0; i < b64.length(); i += 64) {
            sb.append(b64, i, Math.min(b64.length(), i + 64)).append('\n');
        }
        return sb.append(ARMOR_END).append('\n').toString();
    }

    static byte[] dearmor(byte[] armored) {
        String text = new String(armored, StandardCharsets.US_ASCII).strip().replace("\r\n", "\n");
        if (!text.startsWith(ARMOR_BEGIN + "\n") || !text.endsWith("\n" + ARMOR_END)) {
            throw malformed("malformed age armor");
        }
        String body = text.substring(ARMOR_BEGIN.length() + 1, text.length() - ARMOR_END.length() - 1);
        String[] lines = body.split("\n", -1);
        StringBuilder b64 = new StringBuilder(body.length());
        for (int i = 0; i < lines.length; i++) {
            String l = lines[i];
            if (l.length() > 64 || (i < lines.length - 1 && l.length() != 64) || l.isEmpty()) {
                throw malformed("malformed age armor line");
            }
            b64.append(l);
        }
        try {
            return Base64.getDecoder().decode(b64.toString());
        } catch (IllegalArgumentException e) {
            throw malformed("malformed age armor (invalid base64)");
        }
    }

    // ---- primitives ------------------------------------------------------------------------

    static byte[] hkdf(byte[] ikm, byte[] salt, String info, int length) {
        HKDFBytesGenerator gen = new HKDFBytesGenerator(new SHA256Digest());
        gen.init(new HKDFParameters(ikm, salt, info.getBytes(StandardCharsets.US_ASCII)));
        byte[] out = new byte[length];
        gen.generateBytes(out, 0, length);
        return out;
    }

    static byte[] chachaSeal(byte[] key, byte[] nonce, byte[] plaintext) {
        ChaCha20Poly1305 c = new ChaCha20Poly1305();
        c.init(true, new AEADParameters(new KeyParameter(key), 128, nonce));
        byte[] out = new byte[c.getOutputSize(plaintext.length)];
        int n = c.processBytes(plaintext, 0, plaintext.length, out, 0);
        try {
            c.doFinal(out, n);
        } catch (InvalidCipherTextException e) {
            throw new IllegalStateException(e);
        }
        return out;
    }

    /** Opens a ChaCha20-Poly1305 box; an authentication failure is {@link AgeException.Kind#TAMPERED}. */
    static byte[] chachaOpen(byte[] key, byte[] nonce, byte[] ciphertext) {
        return chachaOpenOrTampered(key, nonce, ciphertext);
    }

    private static byte[] chachaOpenOrTampered(byte[] key, byte[] nonce, byte[] ciphertext) {
        ChaCha20Poly1305 c = new ChaCha20Poly1305();
        c.init(false, new AEADParameters(new KeyParameter(key), 128, nonce));
        byte[] out = new byte[Math.max(0, c.getOutputSize(ciphertext.length))];
        try {
            int n = c.processBytes(ciphertext, 0, ciphertext.length, out, 0);
            c.doFinal(out, n);
            return out;
        } catch (InvalidCipherTextException | IllegalArgumentException | IllegalStateException e) {
            Arrays.fill(out, (byte) 0);
            throw new AgeException(AgeException.Kind.TAMPERED, "age payload failed authentication");
        }
    }

    static String encodeRaw(byte[] data) {
        return Base64.getEncoder().withoutPadding().encodeToString(data);
    }

    /** Strict unpadded base64 as age requires: no padding, canonical trailing bits. */
    static byte[] decodeRaw(String s) {
        if (s.indexOf('=') >= 0) {
            throw malformed("padded base64 in age header");
        }
        byte[] out;
        try {
            out = Base64.getDecoder().decode(s);
        } catch (IllegalArgumentException e) {
            throw malformed("invalid base64 in age header");
        }
        if (!encodeRaw(out).equals(s)) {
            throw malformed("non-canonical base64 in age header");
        }
        return out;
    }

    static byte[] concat(byte[] a, byte[] b) {
        byte[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    static AgeException malformed(String message) {
        return new AgeException(AgeException.Kind.MALFORMED, message);
    }
}
