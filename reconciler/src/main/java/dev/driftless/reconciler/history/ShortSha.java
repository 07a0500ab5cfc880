package dev.driftless.reconciler.history;

/** Abbreviates a commit sha the way git log does, for tables and log lines. */
final class ShortSha {
    private static final int LENGTH = 7;

    private ShortSha() {
    }

    static String of(String sha) {
        return sha.length() <= LENGTH ? sha : sha.substring(0, LENGTH);
    }
}
