package dev.driftless.reconciler.history;

/**
 * Fits display text into a bounded column: a deployment must be recorded even when a commit
 * message or an error is longer than the column, and PostgreSQL refuses NUL characters.
 */
final class BoundedText {
    private static final String ELLIPSIS = "…";

    private BoundedText() {
    }

    static String fit(String text, int maxChars) {
        String clean = text.indexOf('\0') >= 0 ? text.replace("\0", "") : text;
        if (clean.length() <= maxChars) {
            return clean;
        }
        int cut = maxChars - ELLIPSIS.length();
        if (Character.isHighSurrogate(clean.charAt(cut - 1))) {
            cut--; // never split a surrogate pair
        }
        return clean.substring(0, cut) + ELLIPSIS;
    }

    /** The first line of a commit message, trimmed. */
    static String firstLine(String message) {
        int newline = message.indexOf('\n');
        String line = newline >= 0 ? message.substring(0, newline) : message;
        return line.strip();
    }
}
