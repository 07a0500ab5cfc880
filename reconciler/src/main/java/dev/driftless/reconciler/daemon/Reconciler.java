package dev.driftless.reconciler.daemon;

import dev.driftless.model.DesiredState;
import dev.driftless.model.DurationText;
import dev.driftless.model.Failover;
import dev.driftless.model.GitTree;
import dev.driftless.model.Instance;
import dev.driftless.model.Problem;
import dev.driftless.reconciler.apply.Applier;
import dev.driftless.reconciler.apply.ApplyListener;
import dev.driftless.reconciler.config.ConfigLoader;
import dev.driftless.reconciler.desired.DesiredStateLoader;
import dev.driftless.reconciler.desired.LoadedState;
import dev.driftless.reconciler.history.EnvironmentCommit;
import dev.driftless.reconciler.history.Backoff;
import dev.driftless.reconciler.history.FailedCommit;
import dev.driftless.reconciler.history.HeldCommit;
import dev.driftless.reconciler.history.DepartedHost;
import dev.driftless.reconciler.history.HistoryStore;
import dev.driftless.reconciler.history.ReconcileLease;
import dev.driftless.reconciler.history.Suspension;
import dev.driftless.reconciler.history.ReconcileRecord;
import dev.driftless.reconciler.history.ReconcileResult;
import dev.driftless.reconciler.history.RestartRequest;
import dev.driftless.reconciler.history.ReconcileStart;
import dev.driftless.reconciler.history.RunningReconcile;
import dev.driftless.reconciler.history.ServiceOutcome;
import dev.driftless.reconciler.history.StepAction;
import dev.driftless.reconciler.history.StepOutcome;
import dev.driftless.reconciler.history.StepRecord;
import dev.driftless.reconciler.history.StepStart;
import dev.driftless.reconciler.history.Trigger;
import dev.driftless.reconciler.metrics.Metrics;
import dev.driftless.reconciler.observe.HostObservation;
import dev.driftless.reconciler.observe.HostSilence;
import dev.driftless.reconciler.observe.Observation;
import dev.driftless.reconciler.observe.ObservedContainer;
import dev.driftless.reconciler.observe.Observer;
import dev.driftless.reconciler.plan.Action;
import dev.driftless.reconciler.plan.BaseInventory;
import dev.driftless.reconciler.plan.Departures;
import dev.driftless.reconciler.plan.Plan;
import dev.driftless.reconciler.plan.PlannedChange;
import dev.driftless.reconciler.plan.PlanPrinter;
import dev.driftless.reconciler.plan.Planner;
import dev.driftless.reconciler.source.GitSource;
import dev.driftless.reconciler.source.GitSourceException;
import dev.driftless.reconciler.source.PollResult;
import dev.driftless.reconciler.source.SourceRevision;
import dev.driftless.reconciler.source.verify.CommitVerifier;
import dev.driftless.reconciler.source.verify.Verdict;
import dev.driftless.reconciler.ssh.HostSessions;
import dev.driftless.reconciler.ssh.HostTarget;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;

/**
 * One reconcile, end to end: source → model → secrets → observe → plan → apply → history. Runs one
 * at a time (the daemon's jobs and the CLI share it through {@link #reconcile}). Everything it
 * decides is recorded: a reconcile that changes something or fails gets a history record written
 * before any host is touched and completed after; an invalid commit is recorded once with every
 * problem; a commit whose rollout failed is held (not retried) until a newer commit arrives.
 */
public final class Reconciler {

    /** What a reconcile did, for the scheduler and the log. */
    public enum Kind {
        /** The repo did not move and nothing was pending: only ls-remote ran. */
        NOTHING_NEW,
        /** The hosts already matched the desired state. */
        IN_SYNC,
        /** A plan was applied (successfully or not: see the history record). */
        APPLIED,
        /** The revision is invalid; nothing was applied. */
        INVALID,
        /** The repo could not be read and there is no earlier revision to fall back on. */
        SOURCE_ERROR,
        /** The environment is suspended (driftless suspend): nothing was observed or applied. */
        SUSPENDED,
        /** Another daemon held the environment's reconcile lease: nothing was read or applied. */
        BUSY
    }

    /**
     * @param retrySoon  hosts were left unconverged for reasons that may pass (unreachable, pull
     *                   failures, an interrupted apply): come back after the retry interval
     * @param recordId   the history record written, if any
     */
    public record Outcome(Kind kind, boolean retrySoon, String summary, Optional<Long> recordId) {
    }

    private final Optional<String> environment;
    private final GitSource source;
    private volatile CommitVerifier verifier;
    private volatile DesiredStateLoader loader;
    private final HostSessions hosts;
    private final Observer observer;
    private final Applier applier;
    private final HistoryStore history;
    private final Metrics metrics;
    private final Clock clock;
    private final Planner planner;
    private final RepairBackoff backoff;
    /** Pulls that failed (registry down, refused login, unknown tag), by host, image and commit. */
    private final RepairBackoff pullBackoff;
    /** What the history held of each backoff kind ({@link Deferrals}) when last read or written. */
    private Map<String, Backoff> keptRestarts = Map.of();
    private Map<String, Backoff> keptPulls = Map.of();
    /**
     * Drift repairs of each instance and spec, counted so that a drift that keeps coming back
     * (something on the host rewrites a placed file) is repaired less and less often.
     */
    private volatile RepairBackoff driftRepairs = RepairBackoff.forDriftRepairs(ConfigLoader.DEFAULT_DRIFT);
    private Map<String, Backoff> keptDriftRepairs = Map.of();
    /** The drift repairs (by {@link Deferrals#restartKey}) of the plan being applied. */
    private Set<String> driftRepairKeys = Set.of();
    /** When the reconcile under way planned. */
    private Instant plannedAt = Instant.EPOCH;
    private final AtomicBoolean stopRequested = new AtomicBoolean();
    /** What the backoffs held back in the latest reconcile, one phrase each, for the status. */
    private List<String> deferredRetries = List.of();

    private String lastSeenCommit;
    /** The inventories of the commits that reach remembered departed hosts, by commit. */
    private final Map<String, BaseInventory> departedInventories = new java.util.HashMap<>();
    /** The lease the running reconcile holds; null between reconciles. */
    private volatile ReconcileLease currentLease;
    /** Why the running apply stops early other than by a requested stop; empty while it does not. */
    private volatile String stopReason = "";
    /** The last trigger found another daemon holding the reconcile lease (warned once per spell). */
    private boolean busy;
    /** The other daemon's still running reconcile last logged as the reason to wait. */
    private long finishingWarned = -1;
    /** When the configuration's deploy windows hold the environment or services. */
    private volatile DeployWindows windows = DeployWindows.NONE;
    /** The environment's suspension this daemon last saw and logged; null while not suspended. */
    private Suspension suspension;
    /** The suspensions of services the last reconcile saw, by id: one that ends is a resume. */
    private Set<Long> serviceSuspensions = Set.of();
    /** The services suspended at the latest reconcile, for summaries and the status. */
    private Set<String> suspendedServices = Set.of();
    private String lastInvalidRecorded;
    private Loaded lastValid;
    private volatile String status = "starting";
    private final Set<String> verify = new HashSet<>();
    private volatile java.util.function.Consumer<ReconcileRecord> completed = r -> { };
    private volatile java.util.function.BiConsumer<String, DepartedHost> abandoned = (h, d) -> { };
    private volatile java.util.function.Consumer<HostSilence> silence = s -> { };
    private volatile java.util.function.Consumer<HeldCommit> deployHeld = h -> { };
    private volatile java.util.function.Consumer<dev.driftless.reconciler.history.RecurringDrift> driftRecurring =
        d -> { };
    /**
     * The commit and hold last told as waiting, so that a hold asks the history only once; the
     * history ({@link HistoryStore#markTold}) keeps each told once across restarts and daemons.
     */
    private String heldTold = "";
    /** The service holds told already ({@link #tellHeldServices}), of the commit {@link #heldServicesOf}. */
    private final Set<String> heldServicesTold = new java.util.HashSet<>();
    private String heldServicesOf = "";
    private volatile java.util.function.Consumer<HostObservation.Unreachable> keyRefused = u -> { };
    /** The host key refusals told, by host: a refusal is told once, until it changes or the host is trusted again. */
    private final Map<String, String> toldKeyRefusals = new java.util.concurrent.ConcurrentHashMap<>();

    /** A valid commit's desired state, and who signed it when repo.verify checked that. */
    private record Loaded(SourceRevision revision, LoadedState.Ready state, Optional<String> signedBy) {
    }

    /** The inventory of the last applied commit, read once per commit. */
    private BaseInventory priorInventory;
    /**
     * The runtimes whose instances the last observation found on each host: listed again next time
     * even when the desired state no longer places anything of theirs there, so they are pruned.
     */
    private final Map<String, Set<dev.driftless.model.Runtime>> seenRuntimes = new java.util.concurrent.ConcurrentHashMap<>();
    /** The stand-ins of the last reconcile ({@link Failover.Result#reasons}), to log when they change. */
    private Set<String> standIns = Set.of();

    private final Duration departedRetry;

    public Reconciler(Optional<String> environment, GitSource source, CommitVerifier verifier,
                      DesiredStateLoader loader, HostSessions hosts, Observer observer, Applier applier,
                      HistoryStore history, Metrics metrics, Clock clock, RepairBackoff backoff) {
        this(environment, source, verifier, loader, hosts, observer, applier, history, metrics, clock, backoff,
            Departures.GIVE_UP);
    }

    /** @param departedRetry how long a host that left the inventory unanswered is tried ({@code intervals.departed}) */
    public Reconciler(Optional<String> environment, GitSource source, CommitVerifier verifier,
                      DesiredStateLoader loader, HostSessions hosts, Observer observer, Applier applier,
                      HistoryStore history, Metrics metrics, Clock clock, RepairBackoff backoff,
                      Duration departedRetry) {
        this.departedRetry = departedRetry;
        this.environment = environment;
        this.source = source;
        this.verifier = verifier;
        this.loader = loader;
        this.hosts = hosts;
        this.observer = observer;
        this.applier = applier;
        this.history = history;
        this.metrics = metrics;
        this.clock = clock;
        this.planner = new Planner(clock);
        this.backoff = backoff;
        this.pullBackoff = backoff.cappedAt(PULL_BACKOFF_MAX);
    }

    /** The longest wait between two attempts to pull an image that failed to pull. */
    static final Duration PULL_BACKOFF_MAX = Duration.ofMinutes(5);

    /**
     * Every record a crash or kill -9 left RUNNING becomes INTERRUPTED, and the instances its
     * unfinished steps touched are health-gated by the next reconcile before it trusts them.
     * {@link #reconcile} calls it before it plans; it must only run where no other reconcile of
     * the environment can be running (never at daemon start: a daemon joining a cluster would mark
     * another daemon's rollout interrupted).
     *
     * @return the interrupted records
     */
    public synchronized List<ReconcileRecord> recoverInterrupted() {
        List<ReconcileRecord> interrupted = history.markInterrupted();
        for (ReconcileRecord r : interrupted) {
            for (StepRecord s : r.steps()) {
                if (s.outcome() == StepOutcome.INTERRUPTED
                    && (s.action() == StepAction.CREATE || s.action() == StepAction.REPLACE
                        || s.action() == StepAction.START || s.action() == StepAction.RESTART
                        || s.action() == StepAction.ROLLBACK)) {
                    verify.add(Applier.verifyKey(s.service(), s.host(), s.instance()));
                }
            }
            ReconcileLog.warn(r.commit(), "reconcile #" + r.id() + " was interrupted (" + r.steps().size()
                + " steps recorded); the next reconcile observes the hosts and finishes the job");
            tell(r);
        }
        return interrupted;
    }

    /**
     * Who hears of each record completed (notifications): called after the record is stored, on
     * the reconcile's thread, so it must return at once; what it throws is logged and ignored.
     */
    public void onCompleted(java.util.function.Consumer<ReconcileRecord> listener) {
        this.completed = java.util.Objects.requireNonNull(listener, "listener");
    }

    /**
     * Who hears of each departed host given up on (notifications), with what was known of it; on
     * the reconcile's thread, so it must return at once; what it throws is logged and ignored.
     */
    public void onHostAbandoned(java.util.function.BiConsumer<String, DepartedHost> listener) {
        this.abandoned = java.util.Objects.requireNonNull(listener, "listener");
    }

    /**
     * Who hears of a host whose SSH host key is refused (notifications), once per refusal: not
     * again at every drift check while it lasts, again when it changes (another key offered) or
     * comes back after the host was trusted. On the reconcile's thread; must return at once.
     */
    public void onHostKeyRefused(java.util.function.Consumer<HostObservation.Unreachable> listener) {
        this.keyRefused = java.util.Objects.requireNonNull(listener, "listener");
    }

    /**
     * Who hears of a host of the inventory that stops answering (not for a refused host key, which
     * {@link #onHostKeyRefused} tells) and of one that answers again: once per change, as the
     * history records it, so a cluster tells it once. On the reconcile's thread; must return at once.
     */
    public void onHostSilence(java.util.function.Consumer<HostSilence> listener) {
        this.silence = java.util.Objects.requireNonNull(listener, "listener");
    }

    /**
     * Tells {@code deploy_held} of each service a suspension or a closed deploy window holds while
     * the commit would change it: an instance it adds, removes or runs with another spec (not a
     * repair of the same spec, such as starting a stopped container). Once per commit, service and
     * hold in the environment, as for the whole environment; the rest of the environment deploys.
     */
    private void tellHeldServices(Loaded loaded, Plan plan, List<Suspension> suspensions) {
        SourceRevision revision = loaded.revision();
        if (!heldServicesOf.equals(revision.sha())) {
            heldServicesTold.clear();
            heldServicesOf = revision.sha();
        }
        for (Suspension hold : suspensions) {
            if (hold.service().isEmpty()) {
                continue;
            }
            String service = hold.service().get();
            long waiting = plan.changes().stream()
                .filter(c -> c.service().equals(service) && c.action() != Action.UNKNOWN)
                .filter(c -> !c.desired().map(Instance::fingerprint)
                    .equals(c.observed().flatMap(ObservedContainer::fingerprint)))
                .count();
            String key = revision.sha() + " " + service + " " + hold.describe();
            if (waiting == 0 || heldServicesTold.contains(key) || !firstTold(revision.sha(), "deploy_held", key)) {
                continue;
            }
            heldServicesTold.add(key);
            ReconcileLog.info(revision.sha(), "commit " + revision.shortSha() + " waits for " + service + " ("
                + waiting + (waiting == 1 ? " instance" : " instances") + "): " + service + " is " + hold.describe());
            HeldCommit waits = new HeldCommit(history.environment(), revision.sha(), author(revision),
                revision.message(), hold);
            tellSafely(revision.sha(), "commit " + revision.shortSha() + " waiting for " + service,
                () -> deployHeld.accept(waits));
        }
    }

    /**
     * Whether the notice {@code event} about {@code what} is told for the first time in this
     * environment: recorded in the history, so that neither a restarted daemon nor the next lease
     * holder of a cluster tells it again. When the history cannot say, it is told (a notice twice
     * is better than none).
     */
    private boolean firstTold(String commit, String event, String what) {
        try {
            return history.markTold(event, noticeSubject(what));
        } catch (RuntimeException e) {
            ReconcileLog.warn(commit, "could not check in the history whether " + event + " was told already ("
                + e.getMessage() + "): telling it");
            return true;
        }
    }

    /** What identifies a notice in the history: SHA-256 of {@code what}, 64 hex digits. */
    static String noticeSubject(String what) {
        try {
            return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256")
                .digest(what.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Who hears of a new commit that waits because the whole environment is held (suspended, or
     * outside its deploy windows), or a service it changes is: once per commit (and service) and
     * hold in the environment, whichever daemon notices it ({@link HistoryStore#markTold}). On the
     * reconcile's thread; must return at once.
     */
    public void onDeployHeld(java.util.function.Consumer<HeldCommit> listener) {
        this.deployHeld = java.util.Objects.requireNonNull(listener, "listener");
    }

    /**
     * Who hears of an instance whose drift came back after driftless repaired it (something on the
     * host keeps changing it): once per run of repairs in a row in the environment, whichever
     * daemon finds it ({@link HistoryStore#markTold}). On the reconcile's thread; must return at once.
     */
    public void onDriftRecurring(java.util.function.Consumer<dev.driftless.reconciler.history.RecurringDrift> listener) {
        this.driftRecurring = java.util.Objects.requireNonNull(listener, "listener");
    }

    private void tellSilence(Map<String, Instant> before, Map<String, Instant> after, Observation observation,
                             Set<String> inventory, Instant now, String sha) {
        after.forEach((host, since) -> {
            if (!before.containsKey(host) && observation.hosts().get(host) instanceof HostObservation.Unreachable u
                    && !u.kind().isHostKeyRefusal()) {
                ReconcileLog.warn(sha, "host " + host + " does not answer: " + u.reason());
                tellSafely(sha, "the silence of " + host, () -> silence.accept(HostSilence.began(host, since,
                    u.reason())));
            }
        });
        before.forEach((host, since) -> {
            if (!after.containsKey(host) && inventory.contains(host)
                    && observation.hosts().get(host) instanceof HostObservation.Reachable) {
                ReconcileLog.info(sha, "host " + host + " answers again after "
                    + DurationText.format(Duration.between(since, now).truncatedTo(java.time.temporal.ChronoUnit.SECONDS))
                    + " (silent since " + since + ")");
                tellSafely(sha, "host " + host + " answering again", () -> silence.accept(HostSilence.ended(host,
                    since, now)));
            }
        });
    }

    private void tellHostKeyRefusals(Observation observation, String sha) {
        for (HostObservation h : observation.hosts().values()) {
            if (h instanceof HostObservation.Unreachable u && u.kind().isHostKeyRefusal()) {
                if (!u.reason().equals(toldKeyRefusals.put(u.host(), u.reason()))) {
                    metrics.hostKeyRefused(u.kind().name().toLowerCase(java.util.Locale.ROOT));
                    tellSafely(sha, "the host key of " + u.host(), () -> keyRefused.accept(u));
                }
            } else if (h instanceof HostObservation.Reachable) {
                toldKeyRefusals.remove(h.host());
            }
        }
    }

    private ReconcileRecord complete(long id, ReconcileResult result, String summary, Optional<String> error) {
        ReconcileRecord done = history.complete(id, result, summary, error);
        tell(done);
        return done;
    }

    private void tell(ReconcileRecord record) {
        tellSafely(record.commit(), "reconcile #" + record.id(), () -> completed.accept(record));
    }

    /** Calls a listener; what it throws is logged (its type only) and ignored: a reconcile goes on. */
    private static void tellSafely(String sha, String about, Runnable call) {
        try {
            call.run();
        } catch (RuntimeException e) {
            ReconcileLog.warn(sha, "telling about " + about + " failed: " + e.getClass().getSimpleName());
        }
    }

    /** Asks a running reconcile to finish its current host steps and return. */
    public void requestStop() {
        stopRequested.set(true);
    }

    /**
     * Deletes the history records that started more than {@code retention} ago ({@code
     * history.retention}); per-service state (failed and last good commits) and the environment's
     * applied commit are kept. Returns how many went.
     */
    public int pruneHistory(Duration retention) {
        int deleted = history.prune(clock.instant().minus(retention));
        if (deleted > 0) {
            ReconcileLog.info("-------", "history: deleted " + deleted + (deleted == 1 ? " record" : " records")
                + " older than " + DurationText.format(retention) + " (history.retention)");
        }
        return deleted;
    }

    /** One line for /healthz. */
    public String status() {
        return status;
    }

    /**
     * Runs one reconcile for {@code trigger}, holding the environment's reconcile lease from the
     * first read of the repo to the last history write; when another process holds it, returns
     * {@link Kind#BUSY} having read and written nothing. Never throws for host or repo trouble.
     */
    public synchronized Outcome reconcile(Trigger trigger) throws InterruptedException {
        if (stopRequested.get()) {
            return new Outcome(Kind.NOTHING_NEW, false, "stopping", Optional.empty());
        }
        Optional<ReconcileLease> lease = history.tryLease();
        if (lease.isEmpty()) {
            metrics.skipped(trigger, "busy");
            String text = "another daemon is reconciling environment " + history.environment();
            if (!busy) {
                ReconcileLog.warn("-------", text + " (it holds the reconcile lease in the history database);"
                    + " this " + trigger.name().toLowerCase(java.util.Locale.ROOT) + " is skipped, and so is every"
                    + " trigger until it is done. Daemons that share a history database belong in one cluster"
                    + " (cluster: true on each), or they waste their firings on each other");
                busy = true;
            }
            return new Outcome(Kind.BUSY, false, text, Optional.empty());
        }
        busy = false;
        try (ReconcileLease held = lease.get()) {
            currentLease = held;
            return reconcileLeased(trigger);
        } finally {
            currentLease = null;
            stopReason = "";
        }
    }

    /**
     * Polled between host steps: a requested stop (SIGTERM), or the reconcile lease lost (its
     * database session ended, so another daemon may be reconciling now). Either way apply finishes
     * the steps under way and returns; the record ends INTERRUPTED and the next reconcile, of
     * whichever daemon holds the lease then, finishes the job.
     */
    private boolean stopNow() {
        if (stopRequested.get()) {
            return true;
        }
        ReconcileLease lease = currentLease;
        if (lease != null && !lease.held()) {
            if (stopReason.isEmpty()) {
                stopReason = "lost the reconcile lease";
                ReconcileLog.warn("-------", "the reconcile lease of environment " + history.environment()
                    + " was lost (its database session ended): stopping after the current host steps");
            }
            return true;
        }
        return false;
    }

    /**
     * Where a reconcile's time goes, phase by phase; logged at debug level when a reconcile that
     * observed the hosts ends ({@code DRIFTLESS_LOG_LEVEL=DEBUG}).
     */
    private final class Laps {
        private Instant mark = clock.instant();
        private final java.util.StringJoiner done = new java.util.StringJoiner(", ");

        void lap(String phase) {
            Instant now = clock.instant();
            done.add(phase + " " + Duration.between(mark, now).toMillis() + " ms");
            mark = now;
        }

        void log(String commit) {
            ReconcileLog.debug(commit, "reconcile phases: " + done);
        }
    }

    private Laps laps;

    private Outcome reconcileLeased(Trigger trigger) throws InterruptedException {
        Instant started = clock.instant();
        laps = new Laps();
        SourceRevision revision;
        boolean moved;
        try {
            PollResult poll = source.poll();
            revision = poll.revision();
            moved = !revision.sha().equals(lastSeenCommit);
            laps.lap("git");
        } catch (GitSourceException e) {
            metrics.sourceError();
            status = "source error: " + e.getMessage();
            if (lastValid == null) {
                ReconcileLog.warn("-------", "cannot read the infra repo: " + e.getMessage());
                return new Outcome(Kind.SOURCE_ERROR, true, e.getMessage(), Optional.empty());
            }
            ReconcileLog.warn(lastValid.revision().sha(), "cannot read the infra repo (" + e.getMessage()
                + "); checking the hosts against the last good revision");
            revision = lastValid.revision();
            moved = false;
        }
        List<Suspension> suspensions = suspensions(trigger == Trigger.MANUAL);
        Optional<Suspension> whole = suspensions.stream().filter(Suspension::isEnvironmentWide).findFirst();
        metrics.suspended(whole.isPresent(), (int) suspensions.stream().filter(x -> !x.isEnvironmentWide()).count());
        if (whole.isPresent()) {
            // Hands off: no observation, no apply. The head stays unseen, so it deploys once resumed.
            String text = "environment " + history.environment() + " is " + whole.get().describe();
            if (!whole.get().equals(suspension)) {
                ReconcileLog.info(revision.sha(), text + "; nothing is applied " + whole.get().until());
                suspension = whole.get();
            }
            String head = revision.sha();
            boolean waits = history.lastApplied().filter(a -> a.commit().equals(head)).isEmpty();
            status = text + (waits ? "; commit " + revision.shortSha() + " waits" : "");
            String heldKey = head + " " + whole.get().describe();
            if (waits && !heldKey.equals(heldTold) && firstTold(head, "deploy_held", heldKey)) {
                heldTold = heldKey;
                ReconcileLog.info(head, "commit " + revision.shortSha() + " waits: " + text);
                HeldCommit waiting = new HeldCommit(history.environment(), head, author(revision), revision.message(),
                    whole.get());
                tellSafely(head, "commit " + revision.shortSha() + " waiting", () -> deployHeld.accept(waiting));
            }
            metrics.skipped(trigger, "suspended");
            return new Outcome(Kind.SUSPENDED, false, status, Optional.empty());
        }
        boolean resumed = suspension != null;
        if (resumed) {
            ReconcileLog.info(revision.sha(), "environment " + history.environment() + " resumed: reconciling");
            suspension = null;
        }
        Set<Long> services = suspensions.stream().map(Suspension::id).collect(Collectors.toSet());
        if (!services.containsAll(serviceSuspensions)) {
            // A service was resumed: converge it now rather than at the next drift check.
            resumed = true;
        }
        serviceSuspensions = services;
        // Restarts operators asked for; those of a held service wait for it.
        Set<String> heldServices = suspensions.stream().flatMap(x -> x.service().stream()).collect(Collectors.toSet());
        List<RestartRequest> restartsAsked = history.pendingRestarts().stream()
            .filter(r -> !heldServices.contains(r.service())).toList();
        laps.lap("suspensions");
        if (trigger == Trigger.POLL && !moved && verify.isEmpty() && !resumed && restartsAsked.isEmpty()) {
            return new Outcome(Kind.NOTHING_NEW, false, "no new commit", Optional.empty());
        }
        // Holding the lease, a RUNNING record found now is an orphan of a daemon that died, unless
        // its daemon lost the lease (its database session ended) and still finishes the host steps
        // under way: while that one beats, nothing is applied here. A poll that found nothing new
        // skips this: it writes nothing, and the next drift check, retry or new commit recovers
        // the orphan before touching a host.
        recoverInterrupted();
        List<RunningReconcile> finishing = history.runningReconciles();
        if (!finishing.isEmpty()) {
            RunningReconcile other = finishing.getFirst();
            String text = "reconcile #" + other.id() + " of commit " + ReconcileLog.shortSha(other.commit())
                + other.owner().map(o -> " (" + o + ")").orElse("") + " is still running: its daemon lost the"
                + " reconcile lease and finishes the host steps under way (last sign of life "
                + Duration.between(other.lastSignOfLife(), clock.instant()).toSeconds() + " s ago)";
            if (other.id() != finishingWarned) {
                ReconcileLog.warn("-------", text + "; this " + trigger.name().toLowerCase(java.util.Locale.ROOT)
                    + " is skipped, and so is every trigger until it ends or stops beating for "
                    + history.abandonAfter().toSeconds() + " s");
                finishingWarned = other.id();
            }
            metrics.skipped(trigger, "busy");
            return new Outcome(Kind.BUSY, false, text, Optional.empty());
        }
        lastSeenCommit = revision.sha();
        // Whichever job noticed it, a new commit is a deploy: record it as such.
        // A poll that only noticed a resume repairs what drifted meanwhile: that is a drift check.
        // A poll that found nothing new but a restart to do does what an operator asked: manual.
        Trigger effective = moved && trigger == Trigger.DRIFT ? Trigger.POLL
            : !moved && trigger == Trigger.POLL && !restartsAsked.isEmpty() ? Trigger.MANUAL
            : !moved && resumed && trigger == Trigger.POLL ? Trigger.DRIFT : trigger;

        Loaded loaded;
        if (lastValid != null && lastValid.revision().sha().equals(revision.sha())) {
            loaded = lastValid;
        } else {
            // The signature first: nothing of an untrusted commit is read, decrypted or applied.
            Verdict verdict = verifier.verify(source.repository(), revision.commit(), clock.instant());
            LoadedState state = verdict instanceof Verdict.Refused ? null
                : loader.load(new GitTree(source.repository(), revision.commit(), source.subdirectory()), environment);
            if (verdict instanceof Verdict.Refused || state instanceof LoadedState.Invalid) {
                Outcome refused = verdict instanceof Verdict.Refused unsigned ? refuseUnverified(revision, effective,
                    unsigned) : refuse(revision, effective, ((LoadedState.Invalid) state).problems());
                if (lastValid == null || trigger == Trigger.POLL) {
                    return refused;
                }
                loaded = lastValid;
                // A manual request is answered by the refusal; repairing the hosts to the last valid
                // commit meanwhile is drift repair.
                effective = effective == Trigger.MANUAL ? Trigger.DRIFT : effective;
            } else {
                if (verifier.enabled()) {
                    ReconcileLog.info(revision.sha(), "commit verified: " + verdict.text());
                }
                loaded = new Loaded(revision, (LoadedState.Ready) state, verdict instanceof Verdict.Trusted t
                    ? Optional.of(t.signer()) : Optional.empty());
                lastValid = loaded;
            }
        }
        laps.lap("load");
        return reconcile(effective, loaded, started, suspensions, restartsAsked);
    }

    /**
     * The key files and signature policy from a reloaded configuration: commits read from now on
     * are decrypted and verified with these (a commit refused for want of a key is read again at
     * the next drift check).
     */
    public void keys(DesiredStateLoader nextLoader, CommitVerifier nextVerifier) {
        loader = Objects.requireNonNull(nextLoader, "loader");
        verifier = Objects.requireNonNull(nextVerifier, "verifier");
    }

    /** Logs the stand-ins that begin and end with this reconcile. */
    private void tellStandIns(Failover.Result failover, String sha) {
        Set<String> now = failover.reasons().keySet();
        failover.reasons().forEach((id, why) -> {
            if (!standIns.contains(id)) {
                ReconcileLog.warn(sha, "placement.failover: " + id + " " + why);
            }
        });
        standIns.stream().filter(id -> !now.contains(id)).forEach(id -> ReconcileLog.info(sha,
            "placement.failover: " + id + " is no longer needed: the hosts it stood in for answer again (or left the"
                + " placement)"));
        standIns = Set.copyOf(now);
        metrics.standIns(now.size());
    }

    /** The drift check's interval ({@code intervals.drift}): a drift that comes back is repaired at most this often. */
    public void driftInterval(Duration drift) {
        driftRepairs = RepairBackoff.forDriftRepairs(drift);
    }

    /** The deploy windows of the configuration; none unless set. */
    public void deployWindows(DeployWindows w) {
        windows = Objects.requireNonNull(w, "windows");
    }

    /**
     * What holds the environment or services now: the operators' suspensions from history, then
     * the closed deploy windows (for a {@code manual} request, not those that let one through).
     */
    public List<Suspension> suspensions(boolean manual) {
        return windows.withClosures(history.suspensions(), clock.instant(), manual);
    }

    private Outcome refuse(SourceRevision revision, Trigger trigger, List<Problem> problems) {
        String count = problems.size() + (problems.size() == 1 ? " problem" : " problems");
        return refuse(revision, trigger, "commit " + revision.shortSha() + " is invalid (" + count + "); nothing applied",
            "refused: the desired state is invalid, nothing is applied",
            problems.stream().map(p -> "  " + p).toList(),
            "invalid desired state: " + count + "; nothing applied",
            problems.stream().map(Problem::toString).collect(Collectors.joining("\n")));
    }

    /** A commit that repo.verify does not trust: refused like an invalid one, its tree never read. */
    private Outcome refuseUnverified(SourceRevision revision, Trigger trigger, Verdict.Refused verdict) {
        return refuse(revision, trigger, "commit " + revision.shortSha() + " is not signed by a trusted key; nothing"
                + " applied", "refused: " + verdict.text() + "; nothing is applied", List.of(),
            "untrusted commit: not signed by a key of repo.verify; nothing applied", verdict.text());
    }

    private Outcome refuse(SourceRevision revision, Trigger trigger, String statusText, String warning,
                           List<String> details, String summary, String error) {
        metrics.invalidRevision();
        status = statusText;
        // Recorded once: by this daemon before, or (after a restart, or by another daemon of a
        // cluster) when the environment's last attempt is this very refusal.
        // A requested (manual) reconcile is always answered with a record.
        if (trigger != Trigger.MANUAL && (revision.sha().equals(lastInvalidRecorded) || history.lastAttempted()
                .filter(a -> a.commit().equals(revision.sha())
                    && a.desiredDigest().equals(ReconcileRecord.refusedDigest(revision.sha())))
                .isPresent())) {
            lastInvalidRecorded = revision.sha();
            return new Outcome(Kind.INVALID, false, status, Optional.empty());
        }
        lastInvalidRecorded = revision.sha();
        ReconcileLog.warn(revision.sha(), warning);
        details.forEach(d -> ReconcileLog.warn(revision.sha(), d));
        ReconcileRecord record = history.begin(new ReconcileStart(revision.sha(), author(revision),
            revision.message(), trigger, ReconcileRecord.refusedDigest(revision.sha())));
        complete(record.id(), ReconcileResult.FAILED, summary, Optional.of(error));
        return new Outcome(Kind.INVALID, false, status, Optional.of(record.id()));
    }

    private Outcome reconcile(Trigger trigger, Loaded loaded, Instant started, List<Suspension> suspensions,
                              List<RestartRequest> restartsAsked) throws InterruptedException {
        SourceRevision revision = loaded.revision();
        DesiredState desired = loaded.state().state();
        // With placement.failover, the hosts silent for long enough hand their instances on: the
        // stand-ins' hosts are observed for their runtimes too.
        // The silence is counted in the history, so a restart or a new lease holder goes on counting.
        Map<String, Instant> silentBefore = history.silentHosts();
        DesiredState failingOver = Failover.apply(desired, silentBefore, clock.instant()).state();
        Map<String, HostTarget> targets = Observer.targets(desired.hosts().values());
        BaseInventory base = baseInventory();
        Map<String, DepartedHost> remembered = history.departedHosts();
        // Hosts that left the inventory unanswered are tried again, but a deploy is not held up by
        // hosts that may be long gone: polls leave them to the drift checks.
        Map<String, String> tryAgain = trigger == Trigger.POLL ? Map.of() : remembered.entrySet().stream()
            .collect(Collectors.toMap(Map.Entry::getKey, e -> e.getValue().inventoryCommit()));
        Departures departures = Departures.of(desired, Optional.of(base), tryAgain, this::inventoryAt);
        Map<String, HostTarget> departed = departures.targets();
        Map<String, HostTarget> reach = new LinkedHashMap<>(targets);
        reach.putAll(departed);
        hosts.retainOnly(reach.values());
        laps.lap("departed hosts");
        java.util.function.Function<String, Set<dev.driftless.model.Runtime>> wanted =
            departures.runtimes(Observer.runtimesFor(desired, failingOver));
        Observation seen = observer.observe(List.copyOf(reach.values()), host -> {
            Set<dev.driftless.model.Runtime> on = wanted.apply(host);
            on.addAll(seenRuntimes.getOrDefault(host, Set.of()));
            return on;
        });
        laps.lap("observe");
        Observation observation = BaseInventory.withoutSilentDeparted(seen, departed.keySet(), u -> {
            if (remembered.containsKey(u.host())) {
                ReconcileLog.debug(revision.sha(), "departed host " + u.host() + " still does not answer: " + u.reason());
            } else {
                ReconcileLog.warn(revision.sha(), BaseInventory.droppedNote(u, departedRetry));
            }
        });
        keepDeparted(remembered, departures, seen, desired.environment(), revision.sha());
        tellHostKeyRefusals(observation, revision.sha());
        seenRuntimes.keySet().retainAll(reach.keySet());
        observation.reachable().forEach(h -> seenRuntimes.put(h.host(), h.containers().stream()
            .map(ObservedContainer::runtime).collect(Collectors.toCollection(
                () -> java.util.EnumSet.noneOf(dev.driftless.model.Runtime.class)))));
        metrics.hosts((int) observation.reachable().stream().filter(h -> targets.containsKey(h.host())).count(),
            observation.unreachable().size());
        Instant observedAt = clock.instant();
        Map<String, Instant> silent = Failover.silence(silentBefore, observation.unreachable().stream()
            .map(HostObservation::host).filter(targets::containsKey).toList(), observedAt);
        if (!silent.equals(silentBefore)) {
            history.replaceSilentHosts(silent);
            tellSilence(silentBefore, silent, observation, targets.keySet(), observedAt, revision.sha());
        }
        Failover.Result failover = Failover.apply(desired, silent, observedAt);
        tellStandIns(failover, revision.sha());

        // A suspended service is left as it is, even when the commit removes it; that is no failure.
        Map<String, String> suspended = new TreeMap<>();
        suspensions.forEach(x -> x.service().ifPresent(service -> suspended.put(service, x.describe())));
        suspendedServices = suspended.keySet();
        Map<String, String> held = new TreeMap<>();
        Set<String> resolved = new TreeSet<>();
        for (String service : desired.services().keySet()) {
            if (suspended.containsKey(service)) {
                continue;
            }
            history.failedCommit(service).ifPresent(failed -> {
                if (failed.equals(revision.sha())) {
                    held.putIfAbsent(service, FailedCommit.heldReason(failed));
                } else {
                    resolved.add(service);
                }
            });
        }
        // Docker says which containers run; their probes say which of those still work.
        Map<String, String> holds = new TreeMap<>(held);
        holds.putAll(suspended);
        Plan drafted = planner.plan(failover.state(), observation, holds,
            observation.hosts().keySet().stream().filter(departed::containsKey).collect(Collectors.toSet()))
            .withStandIns(failover.reasons());
        tellHeldServices(loaded, drafted, suspensions);
        laps.lap("plan");
        Plan planned = applier.liveness().check(drafted, targets, verify);
        laps.lap("probe");
        long outOfLine = planned.changes().stream().filter(c -> c.action().changes()).count();
        metrics.drift((int) outOfLine);
        RestartRequests.Applied asked = RestartRequests.apply(deferRetries(planned, revision.sha()), restartsAsked,
            held, revision.shortSha());
        asked.ended().forEach(e -> endRestart(revision.sha(), e, Optional.empty()));
        Plan plan = asked.plan().withJobsRan(history::preDeployRan);
        // An instance the plan knows nothing of any more (neither desired nor found on a host that
        // answered) needs no verifying; left here, it would make every idle poll observe the hosts.
        verify.retainAll(plan.changes().stream().map(c -> Applier.verifyKey(c.service(), c.host(), c.instance()))
            .collect(Collectors.toSet()));
        Set<String> verifyNow = plan.changes().stream()
            .filter(c -> c.action() == Action.UNCHANGED && c.observed().isPresent() && c.desired().isPresent())
            .map(c -> Applier.verifyKey(c.service(), c.host(), c.instance()))
            .filter(verify::contains)
            .collect(Collectors.toSet());
        String digest = desired.digest();
        laps.lap("history reads");

        if (!plan.hasChanges() && verifyNow.isEmpty()) {
            return inSync(trigger, revision, plan, digest, resolved, held, started);
        }
        ReconcileLog.info(revision.sha(), trigger.name().toLowerCase() + ": " + plan.summary() + "\n"
            + PlanPrinter.text(plan, PlanPrinter.Heading.of(plan, Optional.of(revision.sha()),
                Optional.of(revision.message())), false).stripTrailing());
        if (stopNow()) {
            // Nothing recorded, nothing touched: the daemon that holds the lease now does the work.
            return new Outcome(Kind.BUSY, false, "the reconcile lease was lost before applying", Optional.empty());
        }
        ReconcileRecord record = history.begin(start(revision, trigger, digest));
        status = "applying commit " + revision.shortSha() + " (reconcile #" + record.id() + ")";
        Recorder recorder = new Recorder(record.id(), revision.sha());
        Applier.Result result;
        long beatingFor = record.id();
        try (Heartbeat beating = Heartbeat.start("reconcile #" + beatingFor, history.heartbeatEvery(),
                () -> history.heartbeat(beatingFor))) {
            result = applier.apply(plan, new Applier.Context(desired.environment(), revision.sha(),
                reach, loaded.state().secrets(), verifyNow, this::stopNow, asked.restarts()), recorder);
        } finally {
            keepBackoffs();
        }
        laps.lap("apply");
        for (RestartRequests.Taken t : asked.taken()) {
            String service = t.request().service();
            endRestart(revision.sha(), t.after(Optional.ofNullable(result.services().get(service)),
                Optional.ofNullable(result.messages().get(service))), Optional.of(record.id()));
        }

        verify.removeAll(verifyNow);
        // Its own step of this reconcile made it healthy: verified as well.
        verify.removeAll(recorder.gated());
        verify.addAll(recorder.unsettled(result.unreached()));
        for (var e : result.services().entrySet()) {
            history.recordServiceResult(record.id(), e.getKey(), e.getValue(), result.messages().get(e.getKey()));
        }
        for (String service : resolved) {
            if (!result.services().containsKey(service)) {
                history.recordServiceResult(record.id(), service, ServiceOutcome.SUCCEEDED,
                    "runs a good state again");
            }
        }
        ReconcileResult outcome = outcome(result, plan);
        String summary = summary(plan, result, stopReason.isEmpty() ? "shutdown" : stopReason);
        if (!held.isEmpty()) {
            // The environment is not at this commit while a service of it is held.
            summary += "; held: " + String.join(", ", held.keySet());
            if (outcome == ReconcileResult.SUCCEEDED) {
                outcome = ReconcileResult.PARTIALLY_FAILED;
            }
        }
        if (!deferredRetries.isEmpty()) {
            // Nor while a change of it waits for its backoff.
            summary += "; " + String.join("; ", deferredRetries);
            if (outcome == ReconcileResult.SUCCEEDED) {
                outcome = ReconcileResult.PARTIALLY_FAILED;
            }
        }
        summary += suspendedNote();
        Optional<String> error = result.services().entrySet().stream()
            .filter(e -> e.getValue() == ServiceOutcome.FAILED || e.getValue() == ServiceOutcome.ROLLED_BACK)
            .map(e -> e.getKey() + ": " + result.messages().get(e.getKey()))
            .reduce((a, b) -> a + "\n" + b);
        ReconcileRecord done = complete(record.id(), outcome, summary, error);
        Duration took = Duration.between(started, clock.instant());
        metrics.reconcile(trigger, outcome, took);
        if (outcome == ReconcileResult.SUCCEEDED && !plan.isIncomplete()) {
            metrics.applied(clock.instant());
        }
        ReconcileLog.info(revision.sha(), "reconcile #" + record.id() + " " + outcome.name().toLowerCase()
            + " in " + took.toSeconds() + " s: " + summary
            + done.returnsTo().map(c -> " (returns to the state of " + ReconcileLog.shortSha(c) + ")").orElse(""));
        status = "commit " + revision.shortSha() + ": " + outcome.name().toLowerCase() + " (reconcile #"
            + record.id() + ")" + deferredStatus() + suspendedNote();
        laps.lap("record");
        laps.log(revision.sha());
        boolean retry = !result.unreached().isEmpty() || plan.isIncomplete() || result.stopped();
        return new Outcome(Kind.APPLIED, retry, summary, Optional.of(record.id()));
    }

    /** Records how an operator's restart request ended, and logs it. */
    private void endRestart(String commit, RestartRequests.Ended e, Optional<Long> reconcileId) {
        RestartRequest r = e.request();
        if (!history.finishRestart(r.id(), e.outcome(), reconcileId, e.message())) {
            return;
        }
        String text = "restart #" + r.id() + " of " + r.scope() + " (" + r.stepReason() + ") "
            + e.outcome().label() + ": " + e.message();
        if (e.outcome() == RestartRequest.Outcome.RESTARTED) {
            ReconcileLog.info(commit, text);
        } else {
            ReconcileLog.warn(commit, text);
        }
    }

    /** The start of a record of {@code revision}, with its signer when repo.verify checked it. */
    private ReconcileStart start(SourceRevision revision, Trigger trigger, String digest) {
        Optional<String> signedBy = lastValid != null && lastValid.revision().sha().equals(revision.sha())
            ? lastValid.signedBy() : Optional.empty();
        return new ReconcileStart(revision.sha(), author(revision), revision.message(), trigger, digest, signedBy);
    }

    private Outcome inSync(Trigger trigger, SourceRevision revision, Plan plan, String digest, Set<String> resolved,
                           Map<String, String> held, Instant started) {
        Optional<Long> id = Optional.empty();
        if (resolved.isEmpty() && trigger == Trigger.MANUAL) {
            // Someone asked: the answer goes to history even when there is nothing to do.
            ReconcileRecord r = history.begin(start(revision, trigger, digest));
            String summary = held.isEmpty() && deferredRetries.isEmpty()
                ? "no host changes: the hosts already run this commit's state"
                    + (plan.isIncomplete() ? " (unreachable: " + plan.hosts().stream().filter(h -> !h.reachable())
                        .map(h -> h.host()).collect(Collectors.joining(", ")) + ")" : "")
                : "no host changes" + (held.isEmpty() ? "" : "; held: " + String.join(", ", held.keySet()))
                    + deferredStatus();
            summary += suspendedNote();
            complete(r.id(), plan.isIncomplete() || !held.isEmpty() || !deferredRetries.isEmpty()
                ? ReconcileResult.PARTIALLY_FAILED : ReconcileResult.SUCCEEDED, summary, Optional.empty());
            ReconcileLog.info(revision.sha(), "reconcile #" + r.id() + " (manual): " + summary);
            id = Optional.of(r.id());
        }
        if (!resolved.isEmpty()) {
            // A new commit brings failed services back to what runs (e.g. a revert of the failed
            // commit): worth a record, and it clears their failure.
            ReconcileRecord r = history.begin(start(revision, trigger, digest));
            resolved.forEach(s -> history.recordServiceResult(r.id(), s, ServiceOutcome.SUCCEEDED,
                "runs a good state again"));
            ReconcileRecord done = complete(r.id(), ReconcileResult.SUCCEEDED,
                "no host changes: " + String.join(", ", resolved) + (resolved.size() == 1 ? " already runs" : " already run")
                    + " this commit's state", Optional.empty());
            ReconcileLog.info(revision.sha(), "reconcile #" + r.id() + ": no host changes; "
                + String.join(", ", resolved) + " back on a good state"
                + done.returnsTo().map(c -> " (returns to the state of " + ReconcileLog.shortSha(c) + ")").orElse(""));
            id = Optional.of(r.id());
        } else if (!plan.isIncomplete() && held.isEmpty() && deferredRetries.isEmpty()
                && revision.sha().equals(lastSeenCommit)
                && history.lastAttempted().map(a -> !a.commit().equals(revision.sha())
                || !a.desiredDigest().equals(digest)).orElse(true)) {
            // Only at the head: a drift check that fell back to the last valid commit because the
            // head is invalid must leave the refused head as the last attempted commit.
            history.recordInSync(revision.sha(), digest);
        }
        if (!plan.isIncomplete() && held.isEmpty() && deferredRetries.isEmpty()) {
            metrics.applied(clock.instant());
        }
        metrics.reconcile(trigger, ReconcileResult.SUCCEEDED, Duration.between(started, clock.instant()));
        laps.lap("record");
        laps.log(revision.sha());
        status = (held.isEmpty() ? "in sync with commit " : "holding " + String.join(", ", held.keySet())
            + " at the last good state; rest in sync with commit ") + revision.shortSha()
            + (plan.isIncomplete() ? " (" + plan.hosts().stream().filter(h -> !h.reachable()).count()
                + " hosts unreachable)" : "") + deferredStatus() + suspendedNote();
        return new Outcome(Kind.IN_SYNC, plan.isIncomplete(), status, id);
    }

    /**
     * Holds back what failed before and would only fail again at once, until its backoff ends: the
     * restart of a container whose previous restarts failed their gate (it exited again, or stayed
     * unhealthy), and a create or replace on a host where pulling its image failed for this commit
     * (a registry that is down, a refused login, a tag that does not exist). The change becomes
     * UNCHANGED with the reason, no history record is written for the wait, and the status names
     * it. A new commit tries pulls again at once.
     */
    private Plan deferRetries(Plan plan, String commit) {
        Instant now = clock.instant();
        // The counts as the last reconcile left them: this daemon's, another's of the cluster, or
        // those of this daemon before it restarted.
        keptRestarts = history.backoffs(Deferrals.RESTARTS);
        backoff.restore(keptRestarts);
        keptPulls = history.backoffs(Deferrals.PULLS);
        pullBackoff.restore(keptPulls);
        keptDriftRepairs = history.backoffs(Deferrals.DRIFT_REPAIRS);
        driftRepairs.restore(keptDriftRepairs);
        Set<String> observed = plan.changes().stream().filter(c -> c.observed().isPresent())
            .map(Deferrals::restartKey).collect(Collectors.toSet());
        Set<String> silent = plan.hosts().stream().filter(h -> !h.reachable()).map(h -> h.host())
            .collect(Collectors.toSet());
        backoff.retainOnly(observed, silent);
        pullBackoff.retainOnly(plan.changes().stream().flatMap(c -> Deferrals.pulledImage(c).stream()
            .map(image -> Deferrals.pullKey(c.host(), image, commit))).collect(Collectors.toSet()), silent);
        driftRepairs.retainOnly(observed, silent);
        Set<String> drifting = plan.changes().stream().filter(Deferrals::isDriftRepair).map(Deferrals::restartKey)
            .collect(Collectors.toSet());
        driftRepairs.forgetQuiet(drifting, now);
        keepBackoffs();
        Map<String, Backoff> repaired = driftRepairs.snapshot();
        Deferrals.Deferred deferred = Deferrals.apply(plan, backoff.snapshot(), pullBackoff.snapshot(), repaired,
            commit, now);
        deferredRetries = deferred.notes();
        deferredRetries.forEach(d -> ReconcileLog.info("-------", d));
        metrics.backedOff(deferred.heldBack(Deferrals.RESTARTS), deferred.heldBack(Deferrals.PULLS),
            deferred.heldBack(Deferrals.DRIFT_REPAIRS));
        plannedAt = now;
        driftRepairKeys = deferred.plan().changes().stream().filter(Deferrals::isDriftRepair)
            .map(Deferrals::restartKey).collect(Collectors.toSet());
        deferred.plan().changes().stream().filter(Deferrals::isDriftRepair)
            .filter(c -> repaired.containsKey(Deferrals.restartKey(c)))
            .forEach(c -> driftBack(c, repaired.get(Deferrals.restartKey(c)), commit));
        return deferred.plan();
    }

    /**
     * When a drift repair of this reconcile counts from: when it planned, less a tenth of the
     * first wait, since the next drift check comes one interval after this one began, give or take
     * a little.
     */
    private Instant repairCounted() {
        return plannedAt.minus(driftRepairs.first().dividedBy(10));
    }

    /**
     * Warns that the drift of {@code c} came back after {@code repairs}, and at the first time in
     * a row tells {@code drift_recurring}.
     */
    private void driftBack(PlannedChange c, Backoff repairs, String commit) {
        String drift = c.observed().flatMap(ObservedContainer::drift).orElse("");
        ReconcileLog.warn(commit, c.service() + ": " + c.instance() + " on " + c.host()
            + " drifted again after driftless repaired it (" + repairs.failures()
            + (repairs.failures() == 1 ? " repair" : " repairs in a row") + "): " + drift + ". "
            + capitalized(dev.driftless.reconciler.history.RecurringDrift.advice(drift))
            + "; until then each further repair waits longer, up to " + DurationText.format(driftRepairs.max()));
        // The first wait's end names this run of repairs: told once per run, again if it recurs
        // after a quiet spell.
        if (repairs.failures() == 1 && firstTold(commit, "drift_recurring", Deferrals.restartKey(c) + "@"
                + repairs.notBefore())) {
            var recurring = new dev.driftless.reconciler.history.RecurringDrift(history.environment(), c.service(),
                c.host(), c.instance(), drift, repairs.failures(),
                driftRepairs.nextAfter(repairCounted(), repairs.failures() + 1));
            tellSafely(commit, "the recurring drift of " + c.instance() + " on " + c.host(),
                () -> driftRecurring.accept(recurring));
        }
    }

    private static String capitalized(String sentence) {
        return sentence.isEmpty() ? sentence : Character.toUpperCase(sentence.charAt(0)) + sentence.substring(1);
    }

    /** Writes the backoff counts to the history where they changed since they were read or written. */
    private void keepBackoffs() {
        Map<String, Backoff> restarts = backoff.snapshot();
        if (!restarts.equals(keptRestarts)) {
            history.replaceBackoffs(Deferrals.RESTARTS, restarts);
            keptRestarts = restarts;
        }
        Map<String, Backoff> pulls = pullBackoff.snapshot();
        if (!pulls.equals(keptPulls)) {
            history.replaceBackoffs(Deferrals.PULLS, pulls);
            keptPulls = pulls;
        }
        Map<String, Backoff> repairs = driftRepairs.snapshot();
        if (!repairs.equals(keptDriftRepairs)) {
            history.replaceBackoffs(Deferrals.DRIFT_REPAIRS, repairs);
            keptDriftRepairs = repairs;
        }
    }




    /** {@code ; suspended: api, worker} while services are suspended, else empty. */
    private String suspendedNote() {
        return suspendedServices.isEmpty() ? "" : "; suspended: " + String.join(", ", suspendedServices);
    }

    private String deferredStatus() {
        return deferredRetries.isEmpty() ? "" : "; " + String.join("; ", deferredRetries);
    }

    private static ReconcileResult outcome(Applier.Result result, Plan plan) {
        if (result.stopped()) {
            return ReconcileResult.INTERRUPTED;
        }
        boolean anyGood = result.services().containsValue(ServiceOutcome.SUCCEEDED);
        if (result.anyRolledBack()) {
            return anyGood ? ReconcileResult.PARTIALLY_FAILED : ReconcileResult.ROLLED_BACK;
        }
        if (result.anyFailed()) {
            return anyGood ? ReconcileResult.PARTIALLY_FAILED : ReconcileResult.FAILED;
        }
        if (!result.unreached().isEmpty() || plan.isIncomplete()
            || result.services().containsValue(ServiceOutcome.SKIPPED)) {
            return ReconcileResult.PARTIALLY_FAILED;
        }
        return ReconcileResult.SUCCEEDED;
    }

    private static String summary(Plan plan, Applier.Result result, String stopReason) {
        Map<ServiceOutcome, List<String>> by = new LinkedHashMap<>();
        result.services().forEach((s, o) -> by.computeIfAbsent(o, k -> new ArrayList<>()).add(s));
        List<String> parts = new ArrayList<>();
        by.forEach((o, s) -> parts.add(o.name().toLowerCase() + ": " + String.join(", ", s)));
        if (plan.isIncomplete()) {
            parts.add("unreachable: " + plan.hosts().stream().filter(h -> !h.reachable()).map(h -> h.host())
                .collect(Collectors.joining(", ")));
        } else if (!result.unreached().isEmpty()) {
            parts.add("unreachable: " + String.join(", ", result.unreached()));
        }
        if (result.stopped()) {
            parts.add("stopped (" + stopReason + ") after " + result.steps() + " steps");
        }
        return String.join("; ", parts);
    }

    /**
     * Brings the remembered departed hosts up to date with what this reconcile saw of them: one
     * that does not answer is remembered (with its inventory commit and why) until it has not
     * answered for {@code intervals.departed}; one that answers is forgotten once nothing of this
     * environment is left there (this reconcile removes what is); one back in the inventory, or
     * whose inventory is gone, is forgotten.
     */
    private void keepDeparted(Map<String, DepartedHost> remembered, Departures departures, Observation seen,
                              String environmentName, String sha) {
        Map<String, DepartedHost> next = new TreeMap<>(remembered);
        departures.dropped().forEach((host, why) -> {
            next.remove(host);
            ReconcileLog.info(sha, "departed host " + host + " is no longer tried: " + why);
        });
        Instant now = clock.instant();
        for (String host : departures.targets().keySet()) {
            DepartedHost was = next.get(host);
            HostObservation o = seen.hosts().get(host);
            if (o instanceof HostObservation.Unreachable u) {
                if (was == null) {
                    next.put(host, new DepartedHost(departures.inventoryCommit(host), now, Optional.of(u.reason())));
                } else if (Duration.between(was.since(), now).compareTo(departedRetry) > 0) {
                    next.remove(host);
                    ReconcileLog.warn(sha, "departed host " + host + " has not answered since " + was.since()
                        + ": no longer tried; remove what environment " + environmentName
                        + " still runs there by hand if it ever comes back");
                    metrics.hostAbandoned();
                    DepartedHost last = was.attempted(Optional.of(u.reason()));
                    tellSafely(sha, "departed host " + host, () -> abandoned.accept(host, last));
                } else {
                    next.put(host, was.attempted(Optional.of(u.reason())));
                }
            } else if (o instanceof HostObservation.Reachable r) {
                if (Planner.ours(r, environmentName).isEmpty()) {
                    if (next.remove(host) != null) {
                        ReconcileLog.info(sha, "departed host " + host + " answers and runs nothing of environment "
                            + environmentName + " any more: done with it");
                    }
                } else if (was != null) {
                    // This reconcile removes what is left; a later one finds nothing and forgets it.
                    // (A host of the base is not remembered for that: should the removal fail, the
                    // reconcile does not succeed, and the base, still listing it, is tried again.)
                    next.put(host, was.attempted(Optional.empty()));
                }
            }
        }
        if (!next.equals(remembered)) {
            // The difference only: a host forgotten (driftless forget-host) during this reconcile stays so.
            history.changeDepartedHosts(remembered, next);
        }
        Set<String> needed = next.values().stream().map(DepartedHost::inventoryCommit).collect(Collectors.toSet());
        departedInventories.keySet().retainAll(needed);
    }

    /** The inventory of {@code commit}, unknown when the repo no longer has it; kept while needed. */
    private BaseInventory inventoryAt(String commit) {
        if (priorInventory != null && priorInventory.commit().equals(commit)) {
            return priorInventory;
        }
        return departedInventories.computeIfAbsent(commit, c -> {
            try {
                return BaseInventory.load(c, new GitTree(source.repository(), source.resolve(c).commit(),
                    source.subdirectory()), environment);
            } catch (GitSourceException gone) {
                return BaseInventory.unknown(c);
            }
        });
    }

    /**
     * The inventory of the last applied commit: the hosts it has and this commit has not are
     * observed, and their managed containers of this environment removed. Empty before the first
     * applied commit, and when that commit cannot be read any more (a force-push dropped it).
     */
    private BaseInventory baseInventory() {
        Optional<EnvironmentCommit> applied = history.lastApplied();
        if (applied.isEmpty()) {
            return BaseInventory.unknown("");
        }
        String commit = applied.get().commit();
        if (priorInventory == null || !priorInventory.commit().equals(commit)) {
            try {
                priorInventory = BaseInventory.load(commit, new GitTree(source.repository(),
                    source.resolve(commit).commit(), source.subdirectory()), environment);
            } catch (GitSourceException gone) {
                priorInventory = BaseInventory.unknown(commit);
            }
        }
        return priorInventory;
    }

    private static String author(SourceRevision r) {
        return r.authorEmail().isBlank() ? r.author() : r.author() + " <" + r.authorEmail() + ">";
    }

    /** Writes each step to history before it runs and after, and to the reconcile log and metrics. */
    private final class Recorder implements ApplyListener {
        private final long reconcileId;
        private final String commit;
        private final List<StepStart> unsettled = new ArrayList<>();
        /** The instances a step of this reconcile created, replaced, started or restarted and gated healthy. */
        private final Set<String> gated = new HashSet<>();

        Recorder(long reconcileId, String commit) {
            this.reconcileId = reconcileId;
            this.commit = commit;
        }

        @Override
        public long stepStarted(StepStart step) {
            return history.beginStep(reconcileId, step);
        }

        @Override
        public synchronized void stepFinished(long token, StepStart step, StepOutcome outcome, String message,
                                              Duration took) {
            history.completeStep(token, outcome, message.isBlank() ? Optional.empty() : Optional.of(message));
            ReconcileLog.step(commit, step, outcome, message, took);
            metrics.step(step.action(), outcome, took);
            if (step.action() == StepAction.PULL && step.toImage().isPresent()) {
                String key = Deferrals.pullKey(step.host(), step.toImage().get(), commit);
                if (outcome == StepOutcome.FAILED) {
                    pullBackoff.failed(key, clock.instant());
                } else if (outcome == StepOutcome.SUCCEEDED) {
                    pullBackoff.succeeded(key);
                }
            }
            if (step.action() == StepAction.START || step.action() == StepAction.RESTART) {
                String key = RepairBackoff.key(step.service(), step.host(), step.instance(), step.toFingerprint());
                if (outcome == StepOutcome.FAILED) {
                    backoff.failed(key, clock.instant());
                } else if (outcome == StepOutcome.SUCCEEDED) {
                    backoff.succeeded(key);
                }
            }
            if (outcome == StepOutcome.SUCCEEDED && step.action() == StepAction.REPLACE) {
                String key = RepairBackoff.key(step.service(), step.host(), step.instance(), step.toFingerprint());
                if (driftRepairKeys.contains(key)) {
                    driftRepairs.failed(key, repairCounted());
                }
            }
            if (outcome == StepOutcome.FAILED && (step.action() == StepAction.CREATE
                || step.action() == StepAction.REPLACE)) {
                unsettled.add(step);
            }
            if (outcome == StepOutcome.SUCCEEDED && (step.action() == StepAction.CREATE
                || step.action() == StepAction.REPLACE || step.action() == StepAction.START
                || step.action() == StepAction.RESTART)) {
                gated.add(Applier.verifyKey(step.service(), step.host(), step.instance()));
            }
        }

        @Override
        public void serviceFinished(String service, ServiceOutcome outcome, String message) {
            ReconcileLog.info(commit, service + " " + outcome.name().toLowerCase() + ": " + message);
        }

        /** Instances made healthy by a step of this reconcile. */
        synchronized Set<String> gated() {
            return Set.copyOf(gated);
        }

        /** Instances a step started but could not see through, because their host stopped answering. */
        synchronized Set<String> unsettled(Set<String> unreachedHosts) {
            return unsettled.stream().filter(s -> unreachedHosts.contains(s.host()))
                .map(s -> Applier.verifyKey(s.service(), s.host(), s.instance())).collect(Collectors.toSet());
        }
    }
}
