package dev.driftless.secrets;

import java.util.Locale;

/** The type sops records for an encrypted value ({@code type:} in ENC[…]). */
public enum ValueType {
    STR, INT, FLOAT, BOOL, BYTES, TIME;

    /** The name sops writes: {@code str}, {@code int}, … */
    public String sopsName() {
        return name().toLowerCase(Locale.ROOT);
    }
}
