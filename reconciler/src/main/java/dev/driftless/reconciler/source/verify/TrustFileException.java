package dev.driftless.reconciler.source.verify;

/** A file of trusted keys that cannot be read or parsed; the message names the file (and line). */
public final class TrustFileException extends Exception {

    private static final long serialVersionUID = 1L;

    public TrustFileException(String message) {
        super(message);
    }
}
