package dev.driftless.reconciler.history;

/**
 * The right to reconcile one environment, held for the length of one reconcile and given up by
 * {@link #close()}. See {@link HistoryStore#tryLease()}.
 */
public interface ReconcileLease extends AutoCloseable {

    /** Gives the lease up; a second call does nothing. Never throws. */
    @Override
    void close();
}
