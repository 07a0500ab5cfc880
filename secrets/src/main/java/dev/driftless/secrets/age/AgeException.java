package dev.driftless.secrets.age;

/** A failure reading or writing an age file; messages never carry key material or plaintext. */
public final class AgeException extends RuntimeException {

    /** What went wrong, so callers can tell a wrong key from a damaged file. */
    public enum Kind {
        /** None of the given identities could open any recipient stanza. */
        NO_IDENTITY_MATCHED,
        /** The passphrase did not open the scrypt stanza. */
        WRONG_PASSPHRASE,
        /** The header or armor is not a well-formed age v1 file. */
        MALFORMED,
        /** The header MAC or a payload chunk failed authentication. */
        TAMPERED,
        /** A key or stanza type driftless does not implement (plugins, SSH keys). */
        UNSUPPORTED
    }

    private final Kind kind;

    public AgeException(Kind kind, String message) {
        super(message);
        this.kind = kind;
    }

    public Kind kind() {
        return kind;
    }
}
