package dev.driftless.secrets;

import dev.driftless.secrets.format.GoFormat;
import dev.driftless.secrets.tree.BoolValue;
import dev.driftless.secrets.tree.BytesValue;
import dev.driftless.secrets.tree.FloatValue;
import dev.driftless.secrets.tree.IntValue;
import dev.driftless.secrets.tree.Scalar;
import dev.driftless.secrets.tree.TextValue;
import dev.driftless.secrets.tree.TimeValue;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.List;

/**
 * One decrypted value, handed to whatever needs it (an env var, a file on a host) and otherwise
 * kept opaque: toString shows {@code SecretValue[***]}, equality is identity (so the value never
 * leaks through a hash code), and {@link #fingerprint()} identifies it without revealing it.
 */
public final class SecretValue {

    private final ValueType type;
    private final byte[] bytes;
    private final String text;
    private final List<String> path;

    private SecretValue(ValueType type, byte[] bytes, String text, List<String> path) {
        this.type = type;
        this.bytes = bytes;
        this.text = text;
        this.path = List.copyOf(path);
    }

    static SecretValue of(Scalar s, List<String> path) {
        return switch (s) {
            case TextValue t -> new SecretValue(ValueType.STR, t.value().getBytes(StandardCharsets.UTF_8), t.value(), path);
            case IntValue i -> text(ValueType.INT, Long.toString(i.value()), path);
            case FloatValue f -> text(ValueType.FLOAT, GoFormat.formatFloatF(f.value()), path);
            case BoolValue b -> text(ValueType.BOOL, Boolean.toString(b.value()), path);
            case TimeValue t -> text(ValueType.TIME, GoFormat.formatTime(t.value()), path);
            case BytesValue b -> new SecretValue(ValueType.BYTES, b.value(), new String(b.value(), StandardCharsets.UTF_8), path);
        };
    }

    /** A string value that did not come out of a SOPS file (e.g. a test's), at {@code path}. */
    public static SecretValue ofText(String value, List<String> path) {
        return text(ValueType.STR, value, path);
    }

    private static SecretValue text(ValueType type, String s, List<String> path) {
        return new SecretValue(type, s.getBytes(StandardCharsets.UTF_8), s, path);
    }

    /**
     * The value as text: strings as they are, numbers as sops encrypts them (integers in
     * decimal, floats without exponent), booleans as {@code true}/{@code false}, times in RFC 3339.
     */
    public String reveal() {
        return text;
    }

    /** The value's bytes: UTF-8 of {@link #reveal()}, or the raw bytes of a {@code bytes} value. */
    public byte[] bytes() {
        return bytes.clone();
    }

    public ValueType type() {
        return type;
    }

    /** Where the value sits in its document: map keys and list indexes. */
    public List<String> path() {
        return path;
    }

    /** The stable, non-reversible fingerprint of this value at this path (see {@link SecretFingerprint}). */
    public String fingerprint() {
        return SecretFingerprint.of(path, bytes);
    }

    /** Constant-time comparison of type and content. */
    public boolean sameValueAs(SecretValue other) {
        return type == other.type && MessageDigest.isEqual(bytes, other.bytes);
    }

    @Override
    public String toString() {
        return "SecretValue[***]";
    }
}
