package dev.driftless.secrets.shamir;

import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Shamir secret sharing over GF(2^8) exactly as sops (after HashiCorp Vault) does it: each share is
 * the y value of every secret byte's polynomial followed by one trailing byte, the share's x.
 */
public final class Shamir {

    private Shamir() {
    }

    /** Splits {@code secret} into {@code parts} shares of which any {@code threshold} recover it. */
    public static List<byte[]> split(byte[] secret, int parts, int threshold, SecureRandom random) {
        if (parts < threshold) {
            throw new IllegalArgumentException("parts cannot be less than threshold");
        }
        if (parts > 255) {
            throw new IllegalArgumentException("parts cannot exceed 255");
        }
        if (threshold < 2) {
            throw new IllegalArgumentException("threshold must be at least 2");
        }
        if (secret.length == 0) {
            throw new IllegalArgumentException("cannot split an empty secret");
        }
        // Distinct random x coordinates in 1..255, like Vault's shuffled permutation.
        int[] xs = new int[255];
        for (int i = 0; i < xs.length; i++) {
            xs[i] = i + 1;
        }
        for (int i = xs.length - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int t = xs[i];
            xs[i] = xs[j];
            xs[j] = t;
        }
        List<byte[]> out = new ArrayList<>(parts);
        for (int p = 0; p < parts; p++) {
            byte[] share = new byte[secret.length + 1];
            share[secret.length] = (byte) xs[p];
            out.add(share);
        }
        int[] coefficients = new int[threshold];
        for (int idx = 0; idx < secret.length; idx++) {
            coefficients[0] = secret[idx] & 0xff;
            for (int c = 1; c < threshold; c++) {
                coefficients[c] = random.nextInt(256);
            }
            for (int p = 0; p < parts; p++) {
                out.get(p)[idx] = (byte) evaluate(coefficients, xs[p]);
            }
        }
        java.util.Arrays.fill(coefficients, 0);
        return out;
    }

    /** Recovers the secret from at least two distinct shares of equal length. */
    public static byte[] combine(List<byte[]> shares) {
        if (shares.size() < 2) {
            throw new IllegalArgumentException("less than two parts cannot be used to reconstruct the secret");
        }
        int length = shares.get(0).length;
        if (length < 2) {
            throw new IllegalArgumentException("parts must be at least two bytes");
        }
        int[] xs = new int[shares.size()];
        Set<Integer> seen = new HashSet<>();
        for (int i = 0; i < shares.size(); i++) {
            byte[] share = shares.get(i);
            if (share.length != length) {
                throw new IllegalArgumentException("all parts must be the same length");
            }
            xs[i] = share[length - 1] & 0xff;
            if (!seen.add(xs[i])) {
                throw new IllegalArgumentException("duplicate part detected");
            }
        }
        byte[] secret = new byte[length - 1];
        int[] ys = new int[shares.size()];
        for (int idx = 0; idx < secret.length; idx++) {
            for (int i = 0; i < shares.size(); i++) {
                ys[i] = shares.get(i)[idx] & 0xff;
            }
            secret[idx] = (byte) interpolateAtZero(xs, ys);
        }
        return secret;
    }

    static int evaluate(int[] coefficients, int x) {
        if (x == 0) {
            return coefficients[0];
        }
        // Horner's method, highest degree first.
        int out = coefficients[coefficients.length - 1];
        for (int i = coefficients.length - 2; i >= 0; i--) {
            out = GF256.add(GF256.mul(out, x), coefficients[i]);
        }
        return out;
    }

    static int interpolateAtZero(int[] xs, int[] ys) {
        int result = 0;
        for (int i = 0; i < xs.length; i++) {
            int basis = 1;
            for (int j = 0; j < xs.length; j++) {
                if (i == j) {
                    continue;
                }
                int num = xs[j];
                int denom = GF256.add(xs[i], xs[j]);
                basis = GF256.mul(basis, GF256.div(num, denom));
            }
            result = GF256.add(result, GF256.mul(ys[i], basis));
        }
        return result;
    }
}
