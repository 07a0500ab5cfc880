package dev.driftless.reconciler.history;

/**
 * The history database failed (unreachable, migration refused, SQL error). Messages name the
 * operation and the database, never record contents or credentials.
 */
public final class HistoryException extends RuntimeException {

    public HistoryException(String message, Throwable cause) {
        super(message, cause);
    }

    public HistoryException(String message) {
        super(message);
    }
}
