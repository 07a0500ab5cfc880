package dev.driftless.secrets.tree;

/** A boolean ({@code type:bool}; sops encrypts it as {@code True}/{@code False}). */
public record BoolValue(boolean value) implements Scalar {

    @Override
    public String toString() {
        return "BoolValue[***]";
    }
}
