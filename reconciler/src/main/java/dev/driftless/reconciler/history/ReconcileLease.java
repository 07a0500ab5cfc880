package dev.driftless.reconciler.history;

/**
 * The right to reconcile one environment, held for the length of one reconcile and given up by
 * {@link #close()}. See {@link HistoryStore#tryLease()}.
 */
public interface ReconcileLease extends AutoCloseable {

    /**
     * Whether the lease is still held: false once closed, or when the database session holding it
     * ended (an administrator's {@code pg_terminate_backend}, a restarted server, a cut network),
     * after which another daemon may take it. Asks the database; call it between host steps, not
     * in a tight loop.
     */
    default boolean held() {
        return true;
    }

    /** Gives the lease up; a second call does nothing. Never throws. */
    @Override
    void close();
}
