package dev.driftless.secrets.shamir;

/**
 * Arithmetic in GF(2^8) with the AES reduction polynomial x^8 + x^4 + x^3 + x + 1, the field sops's
 * Shamir shares live in. Multiplication is branch-free so timing does not depend on share bytes.
 */
public final class GF256 {

    private GF256() {
    }

    /** Addition (and subtraction): XOR. */
    public static int add(int a, int b) {
        return (a ^ b) & 0xff;
    }

    /** Multiplication modulo the AES polynomial. */
    public static int mul(int a, int b) {
        int r = 0;
        for (int i = 7; i >= 0; i--) {
            int bit = (b >> i) & 1;
            int high = (r >> 7) & 1;
            r = ((-bit & a) ^ (-high & 0x1b) ^ (r << 1)) & 0xff;
        }
        return r;
    }

    /** Multiplicative inverse (a^254); the inverse of 0 is taken as 0. */
    public static int inverse(int a) {
        int b = mul(a, a);
        int c = mul(a, b);
        b = mul(c, c);
        b = mul(b, b);
        c = mul(b, c);
        b = mul(b, b);
        b = mul(b, b);
        b = mul(b, c);
        b = mul(b, b);
        b = mul(a, b);
        return mul(b, b);
    }

    /** Division; dividing by zero is a programming error. */
    public static int div(int a, int b) {
        if (b == 0) {
            throw new ArithmeticException("divide by zero");
        }
        return mul(a, inverse(b));
    }
}
