package dev.driftless.reconciler.daemon;

import dev.driftless.reconciler.config.DaemonConfig;
import dev.driftless.reconciler.history.HistoryStore;
import dev.driftless.reconciler.history.Suspension;
import dev.driftless.reconciler.history.Trigger;
import dev.driftless.reconciler.lock.ProcessLock;
import dev.driftless.reconciler.metrics.MetricsServer;
import dev.driftless.reconciler.metrics.MicrometerMetrics;
import dev.driftless.reconciler.notify.Notifier;
import dev.driftless.reconciler.source.GitSourceException;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import org.quartz.DisallowConcurrentExecution;
import org.quartz.Job;
import org.quartz.JobBuilder;
import org.quartz.JobDetail;
import org.quartz.JobExecutionContext;
import org.quartz.JobExecutionException;
import org.quartz.JobKey;
import org.quartz.Scheduler;
import org.quartz.SchedulerException;
import org.quartz.SimpleScheduleBuilder;
import org.quartz.Trigger.TriggerState;
import org.quartz.TriggerBuilder;
import org.quartz.TriggerKey;
import org.quartz.impl.StdSchedulerFactory;
import org.quartz.impl.matchers.GroupMatcher;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code driftless run}: the long-running daemon. Quartz fires a poll every {@code intervals.poll}
 * (ls-remote; a reconcile only when the branch moved) and a drift check every
 * {@code intervals.drift} (observe and converge even when git did not move); a reconcile that
 * left hosts unconverged schedules a retry after {@code intervals.retry}. All of them fire one
 * job that disallows concurrent execution, so one reconcile runs at a time. With {@code cluster:
 * true} that job and its triggers live in Quartz's JDBC store on the history's PostgreSQL, so of
 * several daemons exactly one runs each firing, and never two at once.
 *
 * <p>SIGTERM: the reconcile in progress finishes the host steps it is running, records where it
 * stopped (its history record becomes INTERRUPTED) and the process exits. {@link #reload}
 * (SIGHUP) takes a configuration read again: what can change while the daemon runs changes,
 * the rest waits for a restart, and a file with problems changes nothing.
 */
public final class Daemon implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Daemon.class);
    private static final String CONTEXT_KEY = "driftless.reconciler";
    private static final String TRIGGER_KEY = "trigger";
    /** The one reconcile job every trigger fires. */
    static final String JOB = "reconcile";
    private static final Duration SHUTDOWN_WAIT = Duration.ofMinutes(5);
    /** In the state directory: held by the one daemon that uses it. */
    static final String STATE_LOCK = "daemon.lock";

    /** The configuration the daemon started with: what only a restart changes is compared with it. */
    private final DaemonConfig config;
    /** The configuration of the last successful reload (or the start). */
    private final java.util.concurrent.atomic.AtomicReference<DaemonConfig> current;
    private final Map<String, String> env;
    private final ProcessLock stateLock;
    private final MicrometerMetrics metrics;
    private final Assembly assembly;
    private final Scheduler scheduler;
    private final Optional<MetricsServer> metricsServer;
    private final CountDownLatch stopped = new CountDownLatch(1);

    private final Notifier notifier;

    private Daemon(DaemonConfig config, java.util.concurrent.atomic.AtomicReference<DaemonConfig> current,
                   Map<String, String> env, ProcessLock stateLock, MicrometerMetrics metrics, Assembly assembly,
                   Scheduler scheduler, Optional<MetricsServer> metricsServer, Notifier notifier) {
        this.config = config;
        this.current = current;
        this.env = Map.copyOf(env);
        this.metrics = metrics;
        this.stateLock = stateLock;
        this.assembly = assembly;
        this.scheduler = scheduler;
        this.metricsServer = metricsServer;
        this.notifier = notifier;
    }

    /**
     * Takes the state directory, opens everything, recovers interrupted reconciles, and starts the
     * schedule (first reconcile at once).
     *
     * @throws IllegalStateException when another daemon uses the state directory; names it
     */
    public static Daemon start(DaemonConfig config, Map<String, String> env)
            throws GitSourceException, SchedulerException, IOException {
        ProcessLock stateLock = lockStateDirectory(config);
        try {
            return start(config, env, stateLock);
        } catch (GitSourceException | SchedulerException | IOException | RuntimeException e) {
            stateLock.close();
            throw e;
        }
    }

    /**
     * One daemon per state directory: two would share its git cache and its history, each firing
     * every trigger (the reconcile lease would only keep their reconciles apart). The operating
     * system lets go of the lock when the daemon ends, also on {@code kill -9}.
     */
    static ProcessLock lockStateDirectory(DaemonConfig config) throws IOException {
        Path file = config.stateDir().resolve(STATE_LOCK);
        return ProcessLock.tryAcquire(file, "driftless run --config " + config.file())
            .orElseThrow(() -> new IllegalStateException("the state directory " + config.stateDir()
                + " is in use by another daemon (" + ProcessLock.holder(file) + "): one daemon per state directory;"
                + " to run several for one environment, give each its own state-dir and share a PostgreSQL"
                + " history (cluster: true)"));
    }

    private static Daemon start(DaemonConfig config, Map<String, String> env, ProcessLock stateLock)
            throws GitSourceException, SchedulerException, IOException {
        String environment = Assembly.environmentName(config);
        MicrometerMetrics metrics = new MicrometerMetrics(environment).withProcessMetrics();
        Assembly assembly;
        try {
            assembly = Assembly.open(config, metrics, env, Clock.systemUTC());
        } catch (GitSourceException | RuntimeException e) {
            metrics.close();
            throw e;
        }
        Optional<MetricsServer> server = Optional.empty();
        Scheduler scheduler = null;
        Notifier notifier = new Notifier(config.notifications(), environment, metrics);
        assembly.reconciler().onCompleted(notifier);
        assembly.reconciler().onHostAbandoned(notifier::abandoned);
        assembly.reconciler().onHostKeyRefused(notifier::hostKeyRefused);
        assembly.reconciler().onHostSilence(notifier::silence);
        assembly.reconciler().onDeployHeld(notifier::held);
        assembly.reconciler().onDriftRecurring(notifier::driftRecurring);
        java.util.concurrent.atomic.AtomicReference<DaemonConfig> current =
            new java.util.concurrent.atomic.AtomicReference<>(config);
        try {
            java.util.concurrent.atomic.AtomicReference<Scheduler> running = new java.util.concurrent.atomic.AtomicReference<>();
            if (config.metricsListen().isPresent()) {
                server = Optional.of(MetricsServer.start(config.metricsListen().get(), metrics,
                    () -> assembly.reconciler().status(), () -> {
                        // A suspended environment does nothing, asked or not: say so rather than accept.
                        assembly.reconciler().suspensions(true).stream().filter(Suspension::isEnvironmentWide)
                            .findFirst().ifPresent(x -> {
                                throw new IllegalStateException("environment " + environment + " is " + x.describe()
                                    + "; nothing is applied " + x.until());
                            });
                        return requestManual(running.get());
                    },
                    // Read at each request from the configuration in force: a reload may add, move or drop it.
                    () -> current.get().reconcileToken()));
            }
            scheduler = new StdSchedulerFactory(quartzProperties(config, environment)).getScheduler();
            scheduler.getContext().put(CONTEXT_KEY, new Runner(assembly.reconciler(), config.intervals().retry(),
                config.history().retention()));
            Daemon daemon = new Daemon(config, current, env, stateLock, metrics, assembly, scheduler, server, notifier);
            daemon.schedule();
            scheduler.start();
            running.set(scheduler);
            LOG.info("driftless daemon started: repo {} branch {}, environment {}, poll every {}, drift check every {}{}",
                assembly.source().url().display(), config.repo().branch(), environment,
                config.intervals().poll(), config.intervals().drift(),
                server.map(s -> ", metrics on port " + s.port()).orElse(""));
            return daemon;
        } catch (SchedulerException | IOException | RuntimeException e) {
            notifier.close(Duration.ZERO);
            server.ifPresent(MetricsServer::close);
            if (scheduler != null) {
                scheduler.shutdown(false);
            }
            assembly.close();
            metrics.close();
            throw e;
        }
    }

    private static Properties quartzProperties(DaemonConfig config, String environment) {
        Properties p;
        if (config.cluster()) {
            p = HistoryStore.quartzProperties(config.historySettings(), environment);
        } else {
            p = new Properties();
            p.setProperty("org.quartz.scheduler.instanceName", "driftless-" + environment);
            p.setProperty("org.quartz.jobStore.class", "org.quartz.simpl.RAMJobStore");
            p.setProperty("org.quartz.threadPool.threadCount", "2");
        }
        p.setProperty("org.quartz.scheduler.skipUpdateCheck", "true");
        p.setProperty("org.quartz.jobStore.misfireThreshold", "5000");
        return p;
    }

    /**
     * One durable job, {@value #JOB}, fired by several triggers (poll, drift, startup and retry)
     * that each name their {@link Trigger} in their own data. Because it is one job and the job
     * disallows concurrent execution, Quartz never runs two reconciles of an environment at once:
     * within this daemon, and with {@code cluster: true} across every daemon sharing the job store
     * (a firing blocks the job's other triggers in the database until it ends). Re-scheduling on
     * start replaces the triggers, so a changed interval takes effect on the whole cluster.
     */
    private void schedule() throws SchedulerException {
        // A job store written by an older layout (one job per trigger) is cleared of other jobs.
        for (JobKey stale : scheduler.getJobKeys(GroupMatcher.jobGroupEquals(Scheduler.DEFAULT_GROUP))) {
            if (!stale.getName().equals(JOB)) {
                scheduler.deleteJob(stale);
            }
        }
        JobDetail job = JobBuilder.newJob(ReconcileJob.class).withIdentity(JOB).storeDurably().build();
        scheduler.addJob(job, true);
        schedule(repeating("poll", Trigger.POLL, config.intervals().poll()));
        schedule(repeating("drift", Trigger.DRIFT, config.intervals().drift()));
        schedule(triggerFor("startup", Trigger.STARTUP).startNow().build());
    }

    private void schedule(org.quartz.Trigger trigger) throws SchedulerException {
        if (scheduler.checkExists(trigger.getKey())) {
            scheduler.rescheduleJob(trigger.getKey(), trigger);
        } else {
            scheduler.scheduleJob(trigger);
        }
    }

    private static org.quartz.Trigger repeating(String name, Trigger trigger, Duration every) {
        return triggerFor(name, trigger)
            .startAt(Date.from(Instant.now().plus(every)))
            .withSchedule(SimpleScheduleBuilder.simpleSchedule()
                .withIntervalInMilliseconds(every.toMillis()).repeatForever()
                .withMisfireHandlingInstructionNextWithRemainingCount())
            .build();
    }

    /** A trigger of the reconcile job that names what fired it. */
    static TriggerBuilder<org.quartz.Trigger> triggerFor(String name, Trigger trigger) {
        return TriggerBuilder.newTrigger().withIdentity(name).forJob(JOB).usingJobData(TRIGGER_KEY, trigger.name());
    }

    /**
     * Schedules a {@link Trigger#MANUAL} firing of the reconcile job now, unless one is pending
     * already (then the request joins it). It runs after a reconcile in progress, on whichever
     * daemon of a cluster is free, and always leaves a history record.
     *
     * @return the JSON answer: {@code {"scheduled": true|false, "requestedAt": "…", "message": "…"}}
     */
    static String requestManual(Scheduler scheduler) {
        if (scheduler == null) {
            throw new IllegalStateException("the daemon is starting; ask again in a moment");
        }
        Instant at = Instant.now();
        boolean scheduled;
        try {
            if (scheduler.isShutdown() || scheduler.isInStandbyMode()) {
                throw new IllegalStateException("the daemon is stopping");
            }
            scheduled = scheduleOnce(scheduler, MANUAL, Trigger.MANUAL, Duration.ZERO);
            if (scheduled) {
                LOG.info("manual reconcile requested");
            }
        } catch (SchedulerException e) {
            throw new IllegalStateException("cannot schedule a reconcile: " + e.getMessage(), e);
        }
        com.fasterxml.jackson.databind.node.ObjectNode answer = new com.fasterxml.jackson.databind.ObjectMapper()
            .createObjectNode().put("scheduled", scheduled).put("requestedAt", at.toString())
            .put("message", scheduled ? "reconcile scheduled" : "a requested reconcile is pending already");
        return answer.toString();
    }

    /**
     * Takes a configuration read again from its file (SIGHUP, {@code systemctl reload}). Everything
     * that can fail is done first — the key files of {@code secrets} and {@code repo.verify} read,
     * the reconcile token checked — so a reload either takes effect entirely or not at all. Then
     * the deploy windows, webhooks, intervals, rollout settings, history retention, token file and
     * keys change at once; a reconcile under way finishes with what it read. Keys only a restart
     * can change ({@link ConfigReload#needRestart}) keep the values the daemon started with, and
     * the log says so.
     *
     * @return what changed
     * @throws RuntimeException (nothing changed) naming the file or key that is wrong
     */
    public synchronized ConfigReload reload(DaemonConfig read) throws SchedulerException {
        DaemonConfig before = current.get();
        ConfigReload live = ConfigReload.between(before, read);
        ConfigReload reload = new ConfigReload(live.applied(), ConfigReload.between(config, read).needRestart());
        dev.driftless.reconciler.desired.DesiredStateLoader loader = Assembly.loader(read, env);
        dev.driftless.reconciler.source.verify.CommitVerifier verifier = Assembly.verifier(read);
        read.reconcileToken();
        DeployWindows windows = new DeployWindows(read.deployWindows());

        Reconciler reconciler = assembly.reconciler();
        reconciler.keys(loader, verifier);
        reconciler.deployWindows(windows);
        reconciler.driftInterval(read.intervals().drift());
        notifier.retarget(read.notifications());
        assembly.applier().settings(Assembly.applySettings(assembly.applier().settings(), read));
        current.set(read);
        scheduler.getContext().put(CONTEXT_KEY, new Runner(reconciler, read.intervals().retry(),
            read.history().retention()));
        if (!before.intervals().poll().equals(read.intervals().poll())) {
            schedule(repeating("poll", Trigger.POLL, read.intervals().poll()));
        }
        if (!before.intervals().drift().equals(read.intervals().drift())) {
            schedule(repeating("drift", Trigger.DRIFT, read.intervals().drift()));
        }
        metrics.configReload(true);
        LOG.info(reload.describe(read.file().toString()));
        reload.restartWarning().ifPresent(LOG::warn);
        return reload;
    }

    /** Counts and logs a reload that failed (the file did not load, or {@link #reload} refused it). */
    public void reloadFailed(String why) {
        metrics.configReload(false);
        LOG.error("configuration reload failed, the daemon goes on with the configuration it had: {}", why);
    }

    /** The trigger of requested reconciles. */
    static final String MANUAL = "manual";

    /** Blocks until the daemon stopped (after {@link #close()}, e.g. from the SIGTERM hook). */
    public void awaitStop() throws InterruptedException {
        stopped.await();
    }

    /** Finishes the current host steps, records where it stopped, and shuts everything down. */
    @Override
    public void close() {
        if (stopped.getCount() == 0) {
            return;
        }
        LOG.info("driftless daemon stopping: finishing the current host steps");
        assembly.reconciler().requestStop();
        try {
            scheduler.standby();
            Thread waiter = Thread.ofVirtual().start(() -> {
                try {
                    scheduler.shutdown(true);
                } catch (SchedulerException e) {
                    LOG.warn("scheduler shutdown: {}", e.getMessage());
                }
            });
            if (!waiter.join(SHUTDOWN_WAIT)) {
                LOG.warn("the running reconcile did not stop within {}; exiting anyway", SHUTDOWN_WAIT);
            }
        } catch (SchedulerException | InterruptedException e) {
            LOG.warn("scheduler shutdown: {}", e.getMessage());
        } finally {
            notifier.close();
            metricsServer.ifPresent(MetricsServer::close);
            assembly.close();
            metrics.close();
            stateLock.close();
            stopped.countDown();
            LOG.info("driftless daemon stopped");
        }
    }

    /**
     * What a job calls: the reconciler, the retry scheduling after an unconverged reconcile, and
     * (at start and with every drift check) pruning history older than {@code history.retention}.
     */
    record Runner(Reconciler reconciler, Duration retry, Optional<Duration> retention) {
        void run(Trigger trigger, Scheduler scheduler) throws InterruptedException, SchedulerException {
            Reconciler.Outcome outcome = reconciler.reconcile(trigger);
            if (outcome.retrySoon() && scheduleOnce(scheduler, "retry", Trigger.DRIFT, retry)) {
                LOG.info("hosts left unconverged: retrying in {} s", retry.toSeconds());
            }
            if (outcome.kind() == Reconciler.Kind.BUSY && (trigger == Trigger.STARTUP || trigger == Trigger.MANUAL)) {
                // Polls and drift checks come round again by themselves; a start-up check or a
                // requested reconcile that another daemon's lease kept out is fired again.
                scheduleOnce(scheduler, "busy-" + trigger.name().toLowerCase(java.util.Locale.ROOT), trigger, retry);
            }
            if (retention.isPresent() && outcome.kind() != Reconciler.Kind.BUSY
                    && (trigger == Trigger.STARTUP || trigger == Trigger.DRIFT)) {
                reconciler.pruneHistory(retention.get());
            }
        }
    }

    /** Fires {@code trigger} once after {@code delay} under {@code name}, unless that is pending already. */
    private static boolean scheduleOnce(Scheduler scheduler, String name, Trigger trigger, Duration delay)
            throws SchedulerException {
        TriggerKey key = TriggerKey.triggerKey(name);
        TriggerState state = scheduler.getTriggerState(key);
        if (state != TriggerState.NONE && state != TriggerState.COMPLETE) {
            return false;
        }
        scheduler.unscheduleJob(key);
        scheduler.scheduleJob(triggerFor(name, trigger).startAt(Date.from(Instant.now().plus(delay))).build());
        return true;
    }

    /** The Quartz job: one reconcile for the {@link Trigger} named by the trigger that fired it. */
    @DisallowConcurrentExecution
    public static final class ReconcileJob implements Job {
        @Override
        public void execute(JobExecutionContext context) throws JobExecutionException {
            try {
                Runner runner = (Runner) context.getScheduler().getContext().get(CONTEXT_KEY);
                Trigger trigger = Trigger.valueOf(context.getMergedJobDataMap().getString(TRIGGER_KEY));
                runner.run(trigger, context.getScheduler());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (SchedulerException | RuntimeException e) {
                LOG.error("reconcile failed: {}", e.toString(), e);
            }
        }
    }
}
