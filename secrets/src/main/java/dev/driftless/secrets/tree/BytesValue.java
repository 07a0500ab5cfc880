package dev.driftless.secrets.tree;

import java.util.Arrays;

/** Raw bytes ({@code type:bytes}); sops itself only produces these when decrypting. */
public record BytesValue(byte[] value) implements Scalar {

    public BytesValue {
        value = value.clone();
    }

    @Override
    public byte[] value() {
        return value.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof BytesValue b && Arrays.equals(b.value, value);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(value);
    }

    @Override
    public String toString() {
        return "BytesValue[***]";
    }
}
