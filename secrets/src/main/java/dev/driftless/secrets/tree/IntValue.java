package dev.driftless.secrets.tree;

/** A 64-bit integer ({@code type:int}). */
public record IntValue(long value) implements Scalar {

    @Override
    public String toString() {
        return "IntValue[***]";
    }
}
