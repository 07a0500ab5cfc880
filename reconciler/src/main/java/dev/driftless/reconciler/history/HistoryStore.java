package dev.driftless.reconciler.history;

import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;

/**
 * Deployment history of one environment: the apply engine writes ahead (begin, steps, complete),
 * {@code driftless history} and {@code driftless status} read, and the engine reads back the
 * per-service state it needs across restarts (last good commit, failed commit).
 *
 * <p>Every write is one committed transaction, so a kill -9 at any point leaves the database
 * consistent: at worst a RUNNING record with PENDING steps, which {@link #markInterrupted()} (at
 * daemon start) or the next {@link #begin} turns into INTERRUPTED. Text passed in must be
 * display-safe (no secret values); the store never logs record contents above DEBUG.
 */
public interface HistoryStore extends AutoCloseable {

    /**
     * Opens (creating and migrating if needed) the history database and binds it to one
     * environment; records of other environments in a shared PostgreSQL database stay invisible.
     *
     * @throws HistoryException when the database cannot be reached or migrated
     */
    static HistoryStore open(HistorySettings settings, String environment) {
        return open(settings, environment, Clock.systemUTC());
    }

    /**
     * Opens the history database only where there is one: for the embedded default, when the
     * state directory holds its file (a reader such as {@code driftless plan} on a CI runner
     * must not create an empty history); a configured JDBC URL is always opened.
     *
     * @throws HistoryException when the database cannot be reached or migrated
     */
    static Optional<HistoryStore> openExisting(HistorySettings settings, String environment) {
        if (settings.jdbcUrl().isEmpty()
                && !java.nio.file.Files.exists(settings.stateDir().resolve(HistoryDatabase.H2_FILE_NAME + ".mv.db"))) {
            return Optional.empty();
        }
        return Optional.of(open(settings, environment));
    }

    /** As {@link #open(HistorySettings, String)} with the clock that stamps records (tests). */
    static HistoryStore open(HistorySettings settings, String environment, Clock clock) {
        return JdbcHistoryStore.open(settings, environment, clock);
    }

    /**
     * Quartz properties for daemons clustered on the history database (PostgreSQL only): JDBC job
     * store (JobStoreTX, PostgreSQLDelegate, isClustered) on the same URL, user and password file.
     * The tables exist once {@link #open} has migrated the database. Daemons of one environment
     * share a scheduler name and so take turns; other environments get their own.
     *
     * @throws IllegalArgumentException for H2, where the daemon runs a RAMJobStore instead
     */
    static Properties quartzProperties(HistorySettings settings, String environment) {
        return QuartzClusterProperties.of(settings, environment);
    }

    /** The environment this store reads and writes. */
    String environment();

    // ---- writes (each is one committed transaction) ----

    /**
     * Records a reconcile as RUNNING before anything touches a host, computing {@code returnsTo};
     * also moves the environment's last attempted commit. Since one reconcile runs at a time per
     * environment, any record still RUNNING is an orphan of a dead daemon and becomes INTERRUPTED.
     */
    ReconcileRecord begin(ReconcileStart start);

    /** Records a step as PENDING before it runs; returns its id for {@link #completeStep}. */
    long beginStep(long reconcileId, StepStart step);

    /** Ends a PENDING step with its outcome (not PENDING) and a display-safe message. */
    void completeStep(long stepId, StepOutcome outcome, Optional<String> message);

    /** Records a step decided without running it, typically SKIPPED, in one write. */
    long recordStep(long reconcileId, StepStart step, StepOutcome outcome, Optional<String> message);

    /**
     * Records how a service fared and updates its deployment state: SUCCEEDED makes the
     * reconcile's commit its last succeeded commit and clears its failed commit; FAILED and
     * ROLLED_BACK make it the failed commit; SKIPPED changes nothing. A second call for the same
     * service in the same reconcile replaces the first.
     */
    void recordServiceResult(long reconcileId, String service, ServiceOutcome result, String message);

    /**
     * Completes a RUNNING reconcile. SUCCEEDED also makes its commit the environment's last
     * applied commit. Returns the completed record.
     *
     * @throws IllegalArgumentException for RUNNING
     * @throws IllegalStateException    when the reconcile is not RUNNING (already completed, or
     *                                  marked INTERRUPTED)
     */
    ReconcileRecord complete(long reconcileId, ReconcileResult result, String summary, Optional<String> error);

    /**
     * Notes that the hosts already match a commit, so no reconcile was recorded: the
     * environment's last applied and last attempted commit both move to it.
     */
    void recordInSync(String commit, String desiredDigest);

    /**
     * Tries to take the environment's reconcile lease, which a reconcile holds from its first read
     * of the repo to its last history write. With PostgreSQL it is a session advisory lock on a
     * connection of its own, so it excludes every process on the database (clustered daemons, and
     * daemons wrongly sharing one history without {@code cluster: true}) whatever Quartz decides,
     * and the database drops it the moment its holder dies (kill -9 closes the socket). With the
     * embedded H2 file, which one daemon process owns, it is always granted.
     *
     * @return the lease, or empty when another process holds it
     * @throws HistoryException when the database cannot be reached
     */
    Optional<ReconcileLease> tryLease();

    /**
     * Turns every abandoned RUNNING reconcile of this environment into INTERRUPTED (its PENDING
     * steps too), keeping everything recorded; ended_at is the last moment it is known to have
     * been alive. Abandoned: on an embedded H2 file every RUNNING one, since the caller holds the
     * file lease that its daemon held until it died; on PostgreSQL one whose daemon has not beaten
     * ({@link #heartbeat}) for {@link #abandonAfter()}, since a daemon that lost its lease (its
     * database session ended) still finishes the host steps under way. Returns the records it changed.
     */
    List<ReconcileRecord> markInterrupted();

    /**
     * How long a RUNNING reconcile on PostgreSQL may go without a heartbeat before it counts as
     * abandoned: {@link HistorySettings#abandonAfter()}, 30 s by default.
     */
    java.time.Duration abandonAfter();

    /** How often a daemon beats for the reconcile it runs: a sixth of {@link #abandonAfter()} (5 s by default). */
    default java.time.Duration heartbeatEvery() {
        return abandonAfter().dividedBy(6);
    }

    /** Says that the daemon running this RUNNING reconcile is alive; does nothing once it ended. */
    void heartbeat(long reconcileId);

    /**
     * The RUNNING reconciles of this environment that {@link #markInterrupted} leaves alone: run
     * by a live daemon, possibly one that lost the reconcile lease and finishes its host steps.
     */
    List<RunningReconcile> runningReconciles();

    /**
     * Deletes ended reconciles (with their steps and service results) that started before {@code
     * cutoff}, and restart requests that ended before it; per-service and environment state is
     * kept. Returns how many reconciles went.
     */
    int prune(Instant cutoff);

    /**
     * Suspends the environment (no {@code service}) or one service: the daemon applies nothing
     * there until {@link #resume}. When that scope is suspended already, the active suspension is
     * returned unchanged.
     *
     * @param reason why (display text; may be empty)
     * @param by     who (display text)
     */
    Suspension suspend(Optional<String> service, String reason, String by);

    /**
     * Ends the active suspension of the environment (no {@code service}) or of one service.
     * Returns it, ended; empty when that scope was not suspended.
     */
    Optional<Suspension> resume(Optional<String> service, String by);

    /**
     * Asks the daemon to restart {@code service} in place, on {@code hosts} (empty: every host that
     * runs it). When the same restart (same service and hosts) is pending already, that one is
     * returned unchanged.
     *
     * @param reason why (display text; may be empty)
     * @param by     who (display text)
     * @throws IllegalArgumentException when the host names do not fit the column
     */
    RestartRequest requestRestart(String service, List<String> hosts, String reason, String by);

    /**
     * Ends a pending restart request; false when it was not pending (another daemon, or an
     * operator's cancel, ended it first).
     */
    boolean finishRestart(long id, RestartRequest.Outcome outcome, Optional<Long> reconcileId, String message);

    /**
     * Cancels the pending restart requests of {@code service}; returns them, ended.
     *
     * @param by who cancels (display text)
     */
    List<RestartRequest> cancelRestarts(String service, String by);

    /**
     * Replaces the backoffs of one kind of repair ({@code restart}, {@code pull}) with {@code
     * backoffs}, by key, in one transaction. A key longer than the column is not kept (it is held
     * back by the daemon's memory only).
     */
    void replaceBackoffs(String kind, Map<String, Backoff> backoffs);

    // ---- reads ----

    /** The backoffs of one kind of repair, by key, as {@link #replaceBackoffs} last left them. */
    Map<String, Backoff> backoffs(String kind);

    /**
     * Replaces the environment's departed hosts awaiting cleanup with {@code departed}, by host
     * name, in one transaction. An error longer than the column is cut.
     */
    void replaceDepartedHosts(Map<String, DepartedHost> departed);

    /**
     * Writes what one reconcile changed of the departed hosts, read as {@code before}, now
     * {@code after}, in one transaction: a host only in {@code after} is added, a host in both is
     * updated only if it is still there, a host only in {@code before} is removed. So a host
     * forgotten meanwhile ({@link #forgetDepartedHost}) stays forgotten.
     */
    void changeDepartedHosts(Map<String, DepartedHost> before, Map<String, DepartedHost> after);

    /**
     * Stops the daemon trying a departed host: what the environment still runs there is left to
     * whoever takes the host over. False when no such host is remembered.
     */
    boolean forgetDepartedHost(String host);

    /** The departed hosts awaiting cleanup, by host name, as the daemon last left them. */
    Map<String, DepartedHost> departedHosts();

    /**
     * Replaces the environment's silent hosts (hosts of the inventory that did not answer the
     * last observation) with {@code silent}, host name → when it stopped answering, in one
     * transaction.
     */
    void replaceSilentHosts(Map<String, java.time.Instant> silent);

    /**
     * The hosts that did not answer the daemon's last observation, by host name, each with when it
     * stopped answering, as {@link #replaceSilentHosts} last left them.
     */
    Map<String, java.time.Instant> silentHosts();

    /**
     * Records that the notification {@code event} about {@code subject} (at most 200 characters,
     * e.g. a commit and a hash of the hold it waits for) was told: true when it is new, false when
     * this environment told it already, whichever daemon did. Notices go with the history older
     * than {@link #prune}'s cutoff.
     */
    boolean markTold(String event, String subject);

    /** The active suspensions: the environment's first, then services by name. */
    List<Suspension> suspensions();

    /** Every suspension, ended ones too, newest first: who held deploys back, when and why. */
    List<Suspension> suspensionHistory(int limit);

    /** The active suspension of the whole environment, if any. */
    default Optional<Suspension> environmentSuspension() {
        return suspensions().stream().filter(Suspension::isEnvironmentWide).findFirst();
    }

    /** The pending restart requests, oldest first. */
    List<RestartRequest> pendingRestarts();

    /** One restart request, pending or ended. */
    Optional<RestartRequest> restartRequest(long id);

    /** Newest first, with service results and steps (narrowed to the query's service/host). */
    List<ReconcileRecord> list(HistoryQuery query);

    Optional<ReconcileRecord> get(long reconcileId);

    Optional<EnvironmentCommit> lastApplied();

    Optional<EnvironmentCommit> lastAttempted();

    /** Services whose last outcome was a failure, by service name. */
    List<FailedCommit> failedCommits();

    /**
     * The daemons checked in to this environment's cluster, by instance id: read from Quartz's
     * job store on PostgreSQL ({@code cluster: true}); empty on H2 and when no daemon runs clustered.
     */
    List<ClusterMember> clusterMembers();

    /**
     * Who holds the environment's reconcile lease now, that is who is reconciling: on PostgreSQL
     * the holder's database session as it shows it ({@code driftless HOST pid PID}, from where,
     * since when); on an H2 file the process holding the lease file, as it wrote itself into it
     * ({@code reconcile of environment E, pid PID on HOST since T}), asked without taking the
     * lease. Empty when nobody holds it, and on an in-memory or remote H2 database.
     */
    Optional<String> leaseHolder();

    /** The commit whose spec of this service last deployed successfully: the rollback target. */
    Optional<String> lastSucceededCommit(String service);

    /** Whether a pre-deploy job of the service already succeeded for the spec {@code fingerprint}. */
    boolean preDeployRan(String service, String fingerprint);

    /** The commit that failed for this service and must not be retried until a newer one. */
    Optional<String> failedCommit(String service);

    /** Per instance of the service on the host: what runs there according to history, and since when. */
    List<RunningInstance> runningSince(String service, String host);

    /** Closes the connection pool. */
    @Override
    void close();
}
