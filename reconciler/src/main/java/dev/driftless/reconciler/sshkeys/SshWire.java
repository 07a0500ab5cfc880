package dev.driftless.reconciler.sshkeys;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/** Reads the SSH wire encoding (RFC 4251 §5): uint32, string, mpint. Throws {@link IllegalArgumentException} on truncation. */
public final class SshWire {

    private final byte[] data;
    private int pos;

    public SshWire(byte[] data) {
        this.data = data;
    }

    public byte[] fixed(int n) {
        if (n < 0 || data.length - pos < n) {
            throw new IllegalArgumentException("truncated SSH data");
        }
        byte[] out = Arrays.copyOfRange(data, pos, pos + n);
        pos += n;
        return out;
    }

    /** Whether every byte has been read. */
    public boolean atEnd() {
        return pos == data.length;
    }

    public long uint32() {
        byte[] b = fixed(4);
        return ((b[0] & 0xffL) << 24) | ((b[1] & 0xffL) << 16) | ((b[2] & 0xffL) << 8) | (b[3] & 0xffL);
    }

    /** An unsigned 64-bit number (compare with {@link Long#compareUnsigned}). */
    public long uint64() {
        return (uint32() << 32) | uint32();
    }

    /** How many bytes have been read. */
    public int position() {
        return pos;
    }

    public byte[] string() {
        long n = uint32();
        if (n > data.length - pos) {
            throw new IllegalArgumentException("truncated SSH data");
        }
        return fixed((int) n);
    }

    public String text() {
        return new String(string(), StandardCharsets.UTF_8);
    }

    /** The first string as text, or null when the data does not start with one. */
    public String textOrNull() {
        try {
            return text();
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    public BigInteger mpint() {
        byte[] b = string();
        return b.length == 0 ? BigInteger.ZERO : new BigInteger(b);
    }

    /** SSH string encoding of {@code bytes}: a uint32 length, then the bytes. */
    public static byte[] encode(byte[] bytes) {
        byte[] out = new byte[4 + bytes.length];
        out[0] = (byte) (bytes.length >>> 24);
        out[1] = (byte) (bytes.length >>> 16);
        out[2] = (byte) (bytes.length >>> 8);
        out[3] = (byte) bytes.length;
        System.arraycopy(bytes, 0, out, 4, bytes.length);
        return out;
    }
}
