package dev.driftless.secrets.tree;

import java.util.Objects;

/** A string ({@code type:str}). In an encrypted tree, ENC[…] strings are TextValues too. */
public record TextValue(String value) implements Scalar {

    public TextValue {
        Objects.requireNonNull(value, "value");
    }

    @Override
    public String toString() {
        return "TextValue[***]";
    }
}
