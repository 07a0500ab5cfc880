package dev.driftless.reconciler.command;

import java.util.Set;
import java.util.regex.Pattern;

/**
 * The one place that quotes a word for a POSIX shell: every value that reaches a remote shell goes
 * through {@link #quote}, called only by {@link RemoteCommand#render()}.
 */
public final class ShellQuote {

    /** Characters that mean nothing to sh anywhere in a word, so a word made only of them stays bare. */
    private static final Pattern SAFE = Pattern.compile("[A-Za-z0-9_@%+=:,./-]+");

    /**
     * Words sh treats as syntax when they come first in a command. {@code !}, {@code {} and
     * {@code }} are not safe characters anyway; these are the letter-only ones.
     */
    private static final Set<String> RESERVED = Set.of(
        "case", "do", "done", "elif", "else", "esac", "fi", "for", "function", "if", "in",
        "select", "then", "time", "until", "while");

    private ShellQuote() {
    }

    /**
     * Quotes {@code word} so that sh reads it back as exactly one word with exactly these
     * characters: safe words stay bare, anything else is put in single quotes with each {@code '}
     * written as {@code '\''}. Inside single quotes sh interprets nothing, newlines included.
     *
     * @throws IllegalArgumentException if the word contains NUL or an unpaired UTF-16 surrogate,
     *                                  which no shell word can carry unchanged
     */
    public static String quote(String word) {
        checkRepresentable(word);
        if (word.isEmpty()) {
            return "''";
        }
        if (SAFE.matcher(word).matches()) {
            return word;
        }
        return "'" + word.replace("'", "'\\''") + "'";
    }

    /**
     * Quotes the first word of a simple command. Besides {@link #quote}, it quotes reserved words
     * and words with {@code =}, which sh would otherwise read as syntax or as a variable assignment.
     */
    static String quoteCommandName(String word) {
        String quoted = quote(word);
        if (quoted.equals(word) && (RESERVED.contains(word) || word.contains("="))) {
            return "'" + word + "'";
        }
        return quoted;
    }

    private static void checkRepresentable(String word) {
        for (int i = 0; i < word.length(); i++) {
            char c = word.charAt(i);
            if (c == '\0') {
                throw new IllegalArgumentException("a shell word cannot contain NUL (at index " + i + ")");
            }
            if (Character.isHighSurrogate(c)) {
                if (i + 1 < word.length() && Character.isLowSurrogate(word.charAt(i + 1))) {
                    i++;
                    continue;
                }
                throw new IllegalArgumentException("unpaired UTF-16 surrogate at index " + i);
            }
            if (Character.isLowSurrogate(c)) {
                throw new IllegalArgumentException("unpaired UTF-16 surrogate at index " + i);
            }
        }
    }
}
