package dev.driftless.secrets.format;

/**
 * A file that cannot be read or written in its format. The message names the problem and line,
 * never the content (the content may be a secret).
 */
public final class FormatException extends RuntimeException {

    public FormatException(String message) {
        super(message);
    }
}
