package dev.driftless.secrets.pgp;

/** A failure reading PGP keys or messages; messages name key ids and files, never key material. */
public final class PgpException extends RuntimeException {

    /** What went wrong, so callers can tell a missing key from a damaged message. */
    public enum Kind {
        /** No secret key in the ring is a recipient of the message. */
        NO_MATCHING_KEY,
        /** A recipient key was found but its passphrase is missing or wrong. */
        WRONG_PASSPHRASE,
        /** A recipient key was found but could not decrypt the session key. */
        WRONG_KEY,
        /** Integrity check (MDC) failed or the message has none. */
        TAMPERED,
        /** Not parseable as OpenPGP. */
        MALFORMED,
        /** Key or algorithm driftless cannot use (stubs, smartcards, unknown algorithms). */
        UNSUPPORTED
    }

    private final Kind kind;

    public PgpException(Kind kind, String message) {
        super(message);
        this.kind = kind;
    }

    public Kind kind() {
        return kind;
    }
}
