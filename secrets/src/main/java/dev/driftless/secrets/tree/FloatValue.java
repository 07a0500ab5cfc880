package dev.driftless.secrets.tree;

/** A 64-bit float ({@code type:float}); JSON numbers are always floats in sops. */
public record FloatValue(double value) implements Scalar {

    @Override
    public boolean equals(Object o) {
        return o instanceof FloatValue f && Double.compare(f.value, value) == 0;
    }

    @Override
    public int hashCode() {
        return Double.hashCode(value);
    }

    @Override
    public String toString() {
        return "FloatValue[***]";
    }
}
