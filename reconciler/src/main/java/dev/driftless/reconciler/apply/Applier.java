package dev.driftless.reconciler.apply;

import dev.driftless.model.DurationText;
import dev.driftless.model.Instance;
import dev.driftless.model.PreDeploy;
import dev.driftless.model.RolloutOrder;
import dev.driftless.model.Service;
import dev.driftless.reconciler.command.RemoteCommand;
import dev.driftless.reconciler.desired.RegistryCredential;
import dev.driftless.reconciler.desired.ServiceSecrets;
import dev.driftless.reconciler.history.ServiceOutcome;
import dev.driftless.reconciler.history.StepAction;
import dev.driftless.reconciler.history.StepOutcome;
import dev.driftless.reconciler.history.StepStart;
import dev.driftless.reconciler.observe.ObservedContainer;
import dev.driftless.reconciler.plan.Action;
import dev.driftless.reconciler.plan.Plan;
import dev.driftless.reconciler.plan.PlannedChange;
import dev.driftless.reconciler.runtime.InstanceRuntime;
import dev.driftless.reconciler.runtime.docker.DockerCommands;
import dev.driftless.reconciler.runtime.docker.UnusedImages;
import dev.driftless.reconciler.ssh.CommandResult;
import dev.driftless.reconciler.ssh.HostException;
import dev.driftless.reconciler.ssh.HostSession;
import dev.driftless.reconciler.ssh.HostSessions;
import dev.driftless.reconciler.ssh.HostTarget;
import dev.driftless.secrets.SecretValue;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.BooleanSupplier;

/**
 * Executes a {@link Plan} on the hosts: services in start order, those that do not wait for one
 * another several at once; within a service, hosts in batches of {@code rollout.batch}, the hosts
 * of a batch in parallel. For each instance the
 * image is made present first (a failed pull changes nothing on that host), then the new
 * container starts beside the old one (start-first) or after it is stopped (stop-first) and must
 * pass the health gate. Replaced containers are only stopped, not removed, until the whole
 * service has converged, so a failed gate returns every host already changed to what ran before:
 * remove the new container, start the old one.
 *
 * <p>The same holds for systemd services, whose instances are user units instead of containers
 * (there is no image to pull); {@link InstanceRuntime} says how each step is done under each
 * runtime, so one service can even move from containers to units in one rollout.
 *
 * <p>Unreachable hosts are skipped (the daemon retries them); a failed health gate is a verdict on
 * the release and rolls the service back. Removals (prune, duplicates) run last, and only when the
 * service converged.
 */
public final class Applier {

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(Applier.class);

    /**
     * Timeouts of the remote operations apply runs, and how many images a host keeps. A stop or
     * removal may take each instance's own stop grace period on top of {@code commandTimeout}.
     */
    public record Settings(Duration commandTimeout, Duration pullTimeout, int keepImages, int parallelServices) {

        /** How many images of a service's repository each host keeps when nothing says otherwise. */
        public static final int DEFAULT_KEEP_IMAGES = 3;
        /** How many services roll out at once when nothing says otherwise. */
        public static final int DEFAULT_PARALLEL_SERVICES = 4;

        public Settings {
            if (keepImages < 0) {
                throw new IllegalArgumentException("keepImages must not be negative");
            }
            if (parallelServices < 1) {
                throw new IllegalArgumentException("parallelServices must be at least 1");
            }
        }

        /** Settings that keep {@code keepImages} images and roll out {@value #DEFAULT_PARALLEL_SERVICES} services at once. */
        public Settings(Duration commandTimeout, Duration pullTimeout, int keepImages) {
            this(commandTimeout, pullTimeout, keepImages, DEFAULT_PARALLEL_SERVICES);
        }

        /** Settings that never remove images. */
        public Settings(Duration commandTimeout, Duration pullTimeout) {
            this(commandTimeout, pullTimeout, 0);
        }

        public static Settings defaults(Duration commandTimeout) {
            return new Settings(commandTimeout, Duration.ofMinutes(10), DEFAULT_KEEP_IMAGES);
        }

        /** These settings keeping {@code n} images of each service's repository per host; 0: never remove any. */
        public Settings keepingImages(int n) {
            return new Settings(commandTimeout, pullTimeout, n, parallelServices);
        }

        /** These settings rolling out up to {@code n} services at once (1: one after the other). */
        public Settings withParallelServices(int n) {
            return new Settings(commandTimeout, pullTimeout, keepImages, n);
        }
    }

    /**
     * What apply needs besides the plan.
     *
     * @param environment    labels new containers
     * @param commit         labels new containers and history steps
     * @param targets        how to reach each host, by inventory name
     * @param secrets        decrypted secrets, written into env files on hosts
     * @param verify         instances ({@link #verifyKey}) whose running container must pass the gate even though the
     *                       plan leaves it unchanged (it was started by a rollout that was interrupted)
     * @param stopRequested  polled between host steps: when it turns true apply finishes the steps in
     *                       flight and returns
     * @param restarts       instances ({@link #verifyKey}) whose {@link Action#RESTART} an operator asked
     *                       for: when one fails, the service's later batches are not run (a restart that
     *                       breaks the first hosts is not taken to the rest)
     */
    public record Context(String environment, String commit, Map<String, HostTarget> targets,
                         ServiceSecrets secrets, Set<String> verify, BooleanSupplier stopRequested,
                         Set<String> restarts) {
        public Context {
            targets = Map.copyOf(targets);
            verify = Set.copyOf(verify);
            restarts = Set.copyOf(restarts);
        }

        /** A context without requested restarts. */
        public Context(String environment, String commit, Map<String, HostTarget> targets, ServiceSecrets secrets,
                       Set<String> verify, BooleanSupplier stopRequested) {
            this(environment, commit, targets, secrets, verify, stopRequested, Set.of());
        }
    }

    /**
     * How applying went.
     *
     * @param services   each service worked on, with its outcome
     * @param messages   per service, what happened in a phrase
     * @param unreached  hosts skipped or failed because they did not answer (retry soon)
     * @param stopped    apply returned early because a stop was requested
     * @param steps      steps run
     */
    public record Result(Map<String, ServiceOutcome> services, Map<String, String> messages, Set<String> unreached,
                         boolean stopped, int steps) {
        public Result {
            services = Collections.unmodifiableMap(new LinkedHashMap<>(services));
            messages = Collections.unmodifiableMap(new LinkedHashMap<>(messages));
            unreached = Set.copyOf(unreached);
        }

        public boolean anyRolledBack() {
            return services.containsValue(ServiceOutcome.ROLLED_BACK);
        }

        public boolean anyFailed() {
            return services.containsValue(ServiceOutcome.FAILED);
        }
    }

    private final HostSessions sessions;
    private final HealthGate gate;
    private volatile Settings settings;
    private final Clock clock;

    public Applier(HostSessions sessions, HealthGate gate, Settings settings, Clock clock) {
        this.sessions = sessions;
        this.gate = gate;
        this.settings = settings;
        this.clock = clock;
    }

    /** The settings rollouts use. */
    public Settings settings() {
        return settings;
    }

    /**
     * Settings for the rollouts from now on (a reloaded configuration); one under way goes on with
     * what it read.
     */
    public void settings(Settings next) {
        settings = java.util.Objects.requireNonNull(next, "settings");
    }

    /** Probes running instances over the same hosts and with the same health gate as apply. */
    public LivenessCheck liveness() {
        return new LivenessCheck(sessions, gate);
    }

    /**
     * Applies {@code plan}; never throws for host trouble, which ends up in the result. Services go
     * in start order, up to {@link Settings#parallelServices} at once: a service starts once every
     * service it comes {@code after} that has work in this plan has finished, and is skipped when
     * one of them failed or was rolled back.
     */
    public Result apply(Plan plan, Context ctx, ApplyListener listener) throws InterruptedException {
        Map<String, List<PlannedChange>> workOf = new LinkedHashMap<>();
        for (String service : plan.serviceOrder()) {
            List<PlannedChange> work = plan.changesOf(service).stream()
                .filter(c -> c.action().changes() || isVerify(c, ctx))
                .toList();
            if (!work.isEmpty()) {
                workOf.put(service, work);
            }
        }
        Map<String, ServiceOutcome> outcomes = new java.util.concurrent.ConcurrentHashMap<>();
        Map<String, String> messages = new java.util.concurrent.ConcurrentHashMap<>();
        Set<String> unreached = java.util.concurrent.ConcurrentHashMap.newKeySet();
        int[] steps = {0};
        boolean stopped = false;
        List<String> pending = new ArrayList<>(workOf.keySet());
        Set<String> running = new java.util.HashSet<>();
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            java.util.concurrent.CompletionService<ServiceRun> done = new java.util.concurrent.ExecutorCompletionService<>(pool);
            while (!pending.isEmpty() || !running.isEmpty()) {
                for (java.util.Iterator<String> it = pending.iterator();
                     it.hasNext() && !stopped && running.size() < settings.parallelServices(); ) {
                    String service = it.next();
                    List<PlannedChange> work = workOf.get(service);
                    if (waitsFor(work, pending, running)) {
                        continue;
                    }
                    if (ctx.stopRequested().getAsBoolean()) {
                        stopped = true;
                        break;
                    }
                    it.remove();
                    Optional<String> blocked = blockingDependency(work, outcomes);
                    if (blocked.isPresent()) {
                        String msg = "waits for " + blocked.get() + ", which did not converge";
                        outcomes.put(service, ServiceOutcome.SKIPPED);
                        messages.put(service, msg);
                        listener.serviceFinished(service, ServiceOutcome.SKIPPED, msg);
                        continue;
                    }
                    ServiceRun run = new ServiceRun(service, work, plan, ctx, listener, steps);
                    running.add(service);
                    done.submit(() -> {
                        run.execute();
                        return run;
                    });
                }
                if (running.isEmpty()) {
                    // Stopped, or every service left waits for one that never ran.
                    break;
                }
                ServiceRun run = finished(done.take());
                running.remove(run.service);
                outcomes.put(run.service, run.outcome);
                messages.put(run.service, run.message);
                unreached.addAll(run.unreached);
                listener.serviceFinished(run.service, run.outcome, run.message);
                stopped |= run.stopped;
            }
        }
        // In start order, whichever finished first.
        Map<String, ServiceOutcome> inOrder = new LinkedHashMap<>();
        Map<String, String> messagesInOrder = new LinkedHashMap<>();
        workOf.keySet().stream().filter(outcomes::containsKey).forEach(s -> {
            inOrder.put(s, outcomes.get(s));
            messagesInOrder.put(s, messages.get(s));
        });
        return new Result(inOrder, messagesInOrder, unreached, stopped, steps[0]);
    }

    /** Whether a service it comes {@code after} has work in this plan and has not finished. */
    private static boolean waitsFor(List<PlannedChange> work, List<String> pending, Set<String> running) {
        return work.stream().flatMap(c -> c.desired().stream()).findFirst()
            .map(i -> i.service().after().stream().anyMatch(dep -> pending.contains(dep) || running.contains(dep)))
            .orElse(false);
    }

    /** A finished service's run, or what its rollout threw. */
    private static ServiceRun finished(java.util.concurrent.Future<ServiceRun> f) throws InterruptedException {
        try {
            return f.get();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof InterruptedException ie) {
                throw ie;
            }
            if (e.getCause() instanceof RuntimeException re) {
                throw re;
            }
            if (e.getCause() instanceof Error err) {
                throw err;
            }
            throw new IllegalStateException(e.getCause());
        }
    }

    private static boolean isVerify(PlannedChange c, Context ctx) {
        return c.action() == Action.UNCHANGED && c.observed().isPresent() && c.desired().isPresent()
            && ctx.verify().contains(verifyKey(c.service(), c.host(), c.instance()));
    }

    /** How {@link Context#verify} names an instance: {@code service/host/instance}. */
    public static String verifyKey(String service, String host, String instance) {
        return service + "/" + host + "/" + instance;
    }

    private static Optional<String> blockingDependency(List<PlannedChange> work, Map<String, ServiceOutcome> outcomes) {
        return work.stream().flatMap(c -> c.desired().stream()).findFirst()
            .flatMap(i -> i.service().after().stream()
                .filter(dep -> outcomes.get(dep) == ServiceOutcome.FAILED || outcomes.get(dep) == ServiceOutcome.ROLLED_BACK)
                .findFirst());
    }

    /** One instance whose container or unit apply started (or verified), with what it replaced. */
    private record Deployed(String host, Instance instance, String container, Optional<ObservedContainer> retired,
                            boolean created) {
        InstanceRuntime runtime() {
            return InstanceRuntime.of(instance);
        }
    }

    /** A removal held back until the service has converged. */
    private record Removal(String host, PlannedChange change) {
    }

    /** What went wrong on one host. */
    private sealed interface Failure {
        String message();

        /** The release failed its health gate (or could not start): roll the service back. */
        record Gate(String message) implements Failure {
        }

        /** The host did not answer: skip it, retry later. */
        record Unreached(String message) implements Failure {
        }
    }

    /** The rollout of one service. */
    private final class ServiceRun {
        private final String service;
        private final List<PlannedChange> work;
        private final Plan plan;
        private final Context ctx;
        private final ApplyListener listener;
        private final int[] steps;
        private final List<Deployed> deployed = Collections.synchronizedList(new ArrayList<>());
        private final List<Removal> removals = Collections.synchronizedList(new ArrayList<>());
        private final Set<String> unreached = Collections.synchronizedSet(new java.util.TreeSet<>());
        /** Why each unreached host was left, for the service's message. */
        private final Map<String, String> why = new java.util.concurrent.ConcurrentHashMap<>();
        private ServiceOutcome outcome = ServiceOutcome.SUCCEEDED;
        private String message = "converged";
        private boolean stopped;

        ServiceRun(String service, List<PlannedChange> work, Plan plan, Context ctx, ApplyListener listener,
                   int[] steps) {
            this.service = service;
            this.work = work;
            this.plan = plan;
            this.ctx = ctx;
            this.listener = listener;
            this.steps = steps;
        }

        void execute() throws InterruptedException {
            Map<String, List<PlannedChange>> byHost = new LinkedHashMap<>();
            plan.hosts().forEach(h -> byHost.put(h.host(), new ArrayList<>()));
            work.forEach(c -> byHost.computeIfAbsent(c.host(), h -> new ArrayList<>()).add(c));
            byHost.values().removeIf(List::isEmpty);
            // A share (batch: 25%) is of every host the service runs on, not only those with work.
            int serviceHosts = (int) plan.changes().stream()
                .filter(c -> c.service().equals(service) && c.desired().isPresent())
                .map(PlannedChange::host).distinct().count();
            int batchSize = work.stream().flatMap(c -> c.desired().stream()).findFirst()
                .map(i -> i.service().rollout().batchSize(serviceHosts)).orElse(Integer.MAX_VALUE);
            boolean autoRollback = work.stream().flatMap(c -> c.desired().stream()).findFirst()
                .map(i -> i.service().rollout().autoRollback()).orElse(true);

            Optional<PlannedChange> job = plan.preDeployDue(service);
            if (job.isPresent()) {
                Optional<Failure> failure = preDeploy(job.get());
                if (failure.isPresent() && failure.get() instanceof Failure.Unreached u) {
                    unreached.add(job.get().host());
                    outcome = ServiceOutcome.SKIPPED;
                    message = "pre-deploy job not run: " + u.message() + "; will retry";
                    return;
                }
                if (failure.isPresent()) {
                    // Nothing was deployed: there is nothing to roll back. A failed job is a
                    // verdict on the release, held like a failed rollout until a new commit.
                    outcome = ServiceOutcome.FAILED;
                    message = failure.get().message() + "; nothing deployed";
                    return;
                }
            }

            List<String> hosts = new ArrayList<>(byHost.keySet());
            Optional<Failure.Gate> gateFailure = Optional.empty();
            Optional<String> halted = Optional.empty();
            for (int from = 0; from < hosts.size() && gateFailure.isEmpty() && halted.isEmpty(); from += batchSize) {
                if (from > 0 && ctx.stopRequested().getAsBoolean()) {
                    stopped = true;
                    break;
                }
                List<String> batch = hosts.subList(from, Math.min(hosts.size(), from + batchSize));
                Map<String, Optional<Failure>> results = runBatch(batch, byHost);
                for (var e : results.entrySet()) {
                    Optional<Failure> failure = e.getValue();
                    if (failure.isPresent() && failure.get() instanceof Failure.Gate g && gateFailure.isEmpty()) {
                        gateFailure = Optional.of(g);
                    } else if (failure.isPresent() && failure.get() instanceof Failure.Unreached u) {
                        unreached.add(e.getKey());
                        why.putIfAbsent(e.getKey(), u.message());
                        if (halted.isEmpty() && byHost.get(e.getKey()).stream().anyMatch(this::requestedRestart)) {
                            halted = Optional.of(e.getKey() + ": " + u.message());
                        }
                    }
                }
                if (halted.isPresent() && from + batchSize < hosts.size()) {
                    List<String> left = hosts.subList(from + batchSize, hosts.size());
                    outcome = ServiceOutcome.SKIPPED;
                    message = "restart halted after " + halted.get() + "; not restarted: " + String.join(", ", left);
                    finish();
                    return;
                }
            }
            if (gateFailure.isPresent()) {
                if (autoRollback) {
                    rollBack();
                    outcome = ServiceOutcome.ROLLED_BACK;
                    message = gateFailure.get().message() + "; rolled back to what ran before";
                } else {
                    outcome = ServiceOutcome.FAILED;
                    message = gateFailure.get().message() + "; left as is (auto-rollback is off)";
                }
                return;
            }
            if (stopped) {
                outcome = ServiceOutcome.SKIPPED;
                message = "stopped (shutdown, or the reconcile lease lost) before every batch ran";
                return;
            }
            finish();
            if (!unreached.isEmpty()) {
                outcome = ServiceOutcome.SKIPPED;
                message = "not converged on " + unreached.stream()
                    .map(h -> h + " (" + why.getOrDefault(h, "unreachable") + ")")
                    .collect(java.util.stream.Collectors.joining(", ")) + "; will retry";
            }
        }

        private Map<String, Optional<Failure>> runBatch(List<String> batch, Map<String, List<PlannedChange>> byHost)
                throws InterruptedException {
            Map<String, Optional<Failure>> results = new TreeMap<>();
            try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
                Map<String, Future<Optional<Failure>>> futures = new LinkedHashMap<>();
                for (String host : batch) {
                    futures.put(host, pool.submit(() -> runHost(host, byHost.get(host))));
                }
                for (var e : futures.entrySet()) {
                    try {
                        results.put(e.getKey(), e.getValue().get());
                    } catch (ExecutionException ex) {
                        Throwable cause = ex.getCause();
                        results.put(e.getKey(), Optional.of(new Failure.Gate("host " + e.getKey() + ": "
                            + cause.getClass().getSimpleName() + ": " + cause.getMessage())));
                    }
                }
            }
            return results;
        }

        private boolean requestedRestart(PlannedChange c) {
            return c.action() == Action.RESTART && ctx.restarts().contains(verifyKey(c.service(), c.host(), c.instance()));
        }

        /** The steps of this service on one host; empty when they all went well. */
        private Optional<Failure> runHost(String host, List<PlannedChange> changes) throws InterruptedException {
            HostSession session = sessions.session(ctx.targets().get(host));
            List<PlannedChange> duplicates = changes.stream()
                .filter(c -> c.action() == Action.REMOVE && c.desired().isEmpty())
                .toList();
            try {
                Optional<String> image = changes.stream()
                    .filter(c -> c.action() == Action.CREATE || c.action() == Action.REPLACE)
                    .flatMap(c -> c.desired().stream()).findFirst().flatMap(i -> i.service().image());
                if (image.isPresent()) {
                    Optional<Failure> pulled = ensureImage(session, host, image.get());
                    if (pulled.isPresent()) {
                        return pulled;
                    }
                }
                for (PlannedChange c : changes) {
                    Optional<Failure> failure = switch (c.action()) {
                        case CREATE, REPLACE -> deploy(session, c);
                        case START, RESTART -> requestedRestart(c) && startsFirst(c) ? renew(session, c)
                            : start(session, c);
                        case UNCHANGED -> verify(session, c, duplicates);
                        case REMOVE -> {
                            removals.add(new Removal(host, c));
                            yield Optional.empty();
                        }
                        case UNKNOWN -> Optional.of(new Failure.Unreached("host " + host + " was not observed"));
                    };
                    if (failure.isPresent()) {
                        return failure;
                    }
                }
                return Optional.empty();
            } catch (HostException e) {
                return Optional.of(new Failure.Unreached(e.getMessage()));
            }
        }

        private Optional<Failure> ensureImage(HostSession session, String host, String image)
                throws HostException {
            if (session.run(DockerCommands.imageId(image), settings.commandTimeout()).succeeded()) {
                return Optional.empty();
            }
            StepStart step = new StepStart(service, host, "-", StepAction.PULL, "image " + image + " not on the host",
                Optional.empty(), Optional.empty(), Optional.empty(), Optional.of(image));
            long token = started(step);
            Instant t0 = clock.instant();
            Optional<RegistryCredential> login = ctx.secrets().registryLoginFor(image);
            String msg;
            try {
                msg = login.isPresent() ? pullLoggedIn(session, host, image, login.get())
                    : pull(session, host, image, DockerCommands.pull(image));
            } catch (HostException e) {
                finished(token, step, StepOutcome.FAILED, e.getMessage(), t0);
                throw e;
            }
            if (!msg.isEmpty()) {
                finished(token, step, StepOutcome.FAILED, msg, t0);
                // A registry that does not answer is not a verdict on the release: retry later.
                unreached.add(host);
                return Optional.of(new Failure.Unreached(msg));
            }
            finished(token, step, StepOutcome.SUCCEEDED, "pulled" + login.map(l -> " (logged in to " + l.registry()
                + " as " + l.username() + ")").orElse(""), t0);
            return Optional.empty();
        }

        /**
         * Runs the service's pre-deploy job with the new spec on {@code c}'s host, in a container
         * of the new image (pulled first) or a transient systemd unit: empty when it exited 0, a
         * {@link Failure.Gate} when it failed or ran out of time, {@link Failure.Unreached} when
         * the host or registry did not answer.
         */
        private Optional<Failure> preDeploy(PlannedChange c) throws InterruptedException {
            Instance instance = c.desired().orElseThrow();
            Service s = instance.service();
            PreDeploy job = s.rollout().preDeploy().orElseThrow();
            String host = c.host();
            try {
                HostSession session = sessions.session(ctx.targets().get(host));
                if (s.image().isPresent()) {
                    Optional<Failure> pulled = ensureImage(session, host, s.image().get());
                    if (pulled.isPresent()) {
                        return pulled;
                    }
                }
                StepStart step = new StepStart(service, host, "-", StepAction.PRE_DEPLOY, "before "
                    + c.toVersion().map(v -> v + " ").orElse("") + "rolls out: " + String.join(" ", job.command()),
                    Optional.empty(), Optional.of(instance.fingerprint()), Optional.empty(), s.image());
                long token = started(step);
                Instant t0 = clock.instant();
                InstanceRuntime.Launch launch = launchOf(s);
                InstanceRuntime.JobResult r;
                try {
                    r = InstanceRuntime.of(instance).runJob(session, instance, launch, job);
                } catch (HostException e) {
                    finished(token, step, StepOutcome.FAILED, e.getMessage(), t0);
                    throw e;
                }
                List<SecretValue> masked = new ArrayList<>(launch.secrets().values());
                masked.addAll(launch.secretFiles().values());
                String said = JobOutput.tail(r.output(), masked);
                String adopted = r.adopted() ? " (the run an interrupted reconcile had started was still going:"
                    + " waited for it, not started again)" : "";
                if (r.ran() && r.exitCode() == 0) {
                    finished(token, step, StepOutcome.SUCCEEDED, "exit 0" + adopted + (said.isEmpty() ? "" : ": " + said),
                        t0);
                    return Optional.empty();
                }
                String what = !r.ran() ? said
                    : r.timedOut() ? "did not finish within " + DurationText.format(job.timeout()) + adopted
                    + (said.isEmpty() ? "" : ": " + said)
                    : "failed (exit " + r.exit() + ")" + adopted + (said.isEmpty() ? "" : ": " + said);
                finished(token, step, StepOutcome.FAILED, what, t0);
                return Optional.of(new Failure.Gate("pre-deploy job on " + host + " " + (r.ran() ? what
                    : "could not start: " + what)));
            } catch (HostException e) {
                return Optional.of(new Failure.Unreached(e.getMessage()));
            }
        }

        /** Runs {@code command}, a pull of {@code image}: empty when it succeeded, else what went wrong. */
        private String pull(HostSession session, String host, String image, RemoteCommand command)
                throws HostException {
            CommandResult r = session.run(command, settings.pullTimeout());
            return r.succeeded() ? "" : "pull of " + image + " failed: " + r.firstErrorLine() + "; nothing changed on "
                + host;
        }

        /**
         * Logs in with the password on stdin into a client config of its own, pulls, and removes
         * that config again, whatever happened: no credential stays on the host.
         */
        private String pullLoggedIn(HostSession session, String host, String image, RegistryCredential login)
                throws HostException {
            String dir = DockerCommands.registryAuthDir(ctx.environment());
            try {
                CommandResult in = session.run(DockerCommands.login(dir, login.registry(), login.username()),
                    login.password().bytes(), settings.commandTimeout());
                if (!in.succeeded()) {
                    return "login to " + login.registry() + " as " + login.username() + " failed: " + in.firstErrorLine()
                        + "; nothing changed on " + host;
                }
                return pull(session, host, image, DockerCommands.pull(image, dir));
            } finally {
                session.run(DockerCommands.forgetLogin(dir), settings.commandTimeout());
            }
        }

        private Optional<Failure> deploy(HostSession session, PlannedChange c)
                throws HostException, InterruptedException {
            Instance instance = c.desired().orElseThrow();
            Service s = instance.service();
            Optional<ObservedContainer> old = c.observed();
            String host = c.host();
            StepStart step = new StepStart(service, host, c.instance(),
                c.action() == Action.CREATE ? StepAction.CREATE : StepAction.REPLACE, c.reason(),
                old.flatMap(ObservedContainer::fingerprint), Optional.of(instance.fingerprint()),
                old.flatMap(ObservedContainer::imageRef), s.image());
            long token = started(step);
            Instant t0 = clock.instant();
            InstanceRuntime runtime = InstanceRuntime.of(instance);
            Optional<InstanceRuntime> oldRuntime = old.map(InstanceRuntime::of);
            boolean startFirst = s.rollout().order() == RolloutOrder.START_FIRST;
            boolean oldRunning = old.map(ObservedContainer::isRunning).orElse(false);
            // The same spec replaced (drift: a file edited in it, a network left): start-first, the
            // new one starts beside it under the spec's other name, as a restart's does.
            boolean beside = startFirst && oldRunning && old.get().name().equals(runtime.nameOf(instance));
            String name = beside ? runtime.nameBeside(instance, old.get().name()) : runtime.nameOf(instance);
            boolean sameName = old.map(o -> o.name().equals(name)).orElse(false);
            try {
                // A leftover of the same spec that is not running would block the name.
                if (sameName || !oldRunning || beside) {
                    Duration grace = old.map(ObservedContainer::stopGrace).orElse(s.stop().grace());
                    session.run(runtime.remove(name, grace), settings.commandTimeout().plus(grace));
                }
                if (old.isPresent() && (!startFirst || !oldRunning) && !sameName) {
                    stop(session, oldRuntime.orElseThrow(), old.get());
                }
                Optional<String> runError = runtime.launch(session, instance, name, launchOf(s));
                Deployed d = new Deployed(host, instance, name, old.filter(o -> !o.name().equals(name)),
                    c.action() == Action.CREATE);
                deployed.add(d);
                if (runError.isPresent()) {
                    finished(token, step, StepOutcome.FAILED, runError.get(), t0);
                    return Optional.of(new Failure.Gate(service + " on " + host + ": " + runError.get()));
                }
                HealthGate.Verdict verdict = gate.await(session, runtime, name, s.health());
                if (verdict instanceof HealthGate.Verdict.Unhealthy u) {
                    finished(token, step, StepOutcome.FAILED, u.reason(), t0);
                    return Optional.of(new Failure.Gate(service + " on " + host + ": " + u.reason()));
                }
                if (old.isPresent() && startFirst && oldRunning && !sameName) {
                    stop(session, oldRuntime.orElseThrow(), old.get());
                }
                finished(token, step, StepOutcome.SUCCEEDED, "healthy", t0);
                return Optional.empty();
            } catch (HostException e) {
                finished(token, step, StepOutcome.FAILED, e.getMessage(), t0);
                throw e;
            }
        }

        /** What launching an instance of {@code s} needs: its secrets, this commit, now. */
        private InstanceRuntime.Launch launchOf(Service s) {
            return new InstanceRuntime.Launch(ctx.environment(), ctx.commit(), ctx.secrets().of(s.name()),
                ctx.secrets().filesOf(s.name()), clock.instant(), settings.commandTimeout());
        }

        private static boolean startsFirst(PlannedChange c) {
            return c.desired().map(i -> i.service().rollout().order() == RolloutOrder.START_FIRST).orElse(false);
        }

        /**
         * A restart an operator asked for of a start-first service's instance, without a moment
         * where it does not serve: a new container (unit) of the same spec starts beside the running
         * one under the spec's other name ({@link InstanceRuntime#nameBeside}) and must pass the
         * health gate; then the old one is stopped, and removed with the retired ones once the
         * service converged (a failed gate elsewhere in the service brings it back). When the new
         * one does not start or stay healthy it is removed again and the old one serves on, never
         * stopped.
         */
        private Optional<Failure> renew(HostSession session, PlannedChange c)
                throws HostException, InterruptedException {
            ObservedContainer have = c.observed().orElseThrow();
            Instance instance = c.desired().orElseThrow();
            Service s = instance.service();
            InstanceRuntime runtime = InstanceRuntime.of(instance);
            String name = runtime.nameBeside(instance, have.name());
            StepStart step = new StepStart(service, c.host(), c.instance(), StepAction.RESTART, c.reason(),
                have.fingerprint(), have.fingerprint(), have.imageRef(), have.imageRef());
            long token = started(step);
            Instant t0 = clock.instant();
            Duration grace = s.stop().grace();
            try {
                // What an interrupted restart left under that name would block it.
                session.run(runtime.remove(name, grace), settings.commandTimeout().plus(grace));
                Optional<String> failed = runtime.launch(session, instance, name, launchOf(s));
                if (failed.isEmpty() && gate.await(session, runtime, name, s.health())
                        instanceof HealthGate.Verdict.Unhealthy u) {
                    failed = Optional.of(u.reason());
                }
                if (failed.isPresent()) {
                    session.run(runtime.remove(name, grace), settings.commandTimeout().plus(grace));
                    // The spec ran before: no verdict on the release, and the old one never stopped.
                    finished(token, step, StepOutcome.FAILED, failed.get() + "; " + name + " removed, " + have.name()
                        + " serves on", t0);
                    return Optional.of(new Failure.Unreached(failed.get()));
                }
                stop(session, InstanceRuntime.of(have), have);
                deployed.add(new Deployed(c.host(), instance, name, Optional.of(have), false));
                finished(token, step, StepOutcome.SUCCEEDED, "healthy: " + name + " took over from " + have.name()
                    + " (start-first)", t0);
                return Optional.empty();
            } catch (HostException e) {
                finished(token, step, StepOutcome.FAILED, e.getMessage(), t0);
                throw e;
            }
        }

        /** Stops an old instance, giving it its own grace period to exit. */
        private void stop(HostSession session, InstanceRuntime runtime, ObservedContainer old) throws HostException {
            session.run(runtime.stop(old.name(), old.stopGrace()), settings.commandTimeout().plus(old.stopGrace()));
        }

        /** Starts a stopped container, or restarts an unhealthy one, and gates it. */
        private Optional<Failure> start(HostSession session, PlannedChange c)
                throws HostException, InterruptedException {
            ObservedContainer have = c.observed().orElseThrow();
            Instance instance = c.desired().orElseThrow();
            boolean restart = c.action() == Action.RESTART;
            StepStart step = new StepStart(service, c.host(), c.instance(),
                restart ? StepAction.RESTART : StepAction.START, c.reason(),
                have.fingerprint(), have.fingerprint(), have.imageRef(), have.imageRef());
            long token = started(step);
            Instant t0 = clock.instant();
            InstanceRuntime runtime = InstanceRuntime.of(have);
            CommandResult r = session.run(restart ? runtime.restart(have.name(), have.stopGrace())
                : runtime.start(have.name()), settings.commandTimeout().plus(have.stopGrace()));
            if (!r.succeeded() && r.firstErrorLine().contains("No such container")) {
                // Observed while being removed (docker rm -f by hand, say), or removed since the
                // drift check observed it: the instance is missing now, so it is created anew in
                // this same reconcile.
                finished(token, step, StepOutcome.SKIPPED, "the " + runtime.tool() + " container was removed meanwhile;"
                    + " creating the instance anew", t0);
                return deploy(session, new PlannedChange(service, c.host(), c.instance(), Action.CREATE,
                    List.of("no container for this instance (" + have.name() + " was removed meanwhile)"),
                    c.desired(), Optional.empty()));
            }
            if (!r.succeeded()) {
                String msg = runtime.tool() + " " + (restart ? "restart" : "start") + " failed (exit " + r.exitCode()
                    + "): " + r.firstErrorLine();
                finished(token, step, StepOutcome.FAILED, msg, t0);
                return Optional.of(new Failure.Unreached(msg));
            }
            HealthGate.Verdict verdict = gate.await(session, runtime, have.name(), instance.service().health());
            if (verdict instanceof HealthGate.Verdict.Unhealthy u) {
                // The spec ran before; a crash after a restart is drift to report, not a failed release.
                finished(token, step, StepOutcome.FAILED, u.reason(), t0);
                return Optional.of(new Failure.Unreached(u.reason()));
            }
            finished(token, step, StepOutcome.SUCCEEDED, "healthy", t0);
            return Optional.empty();
        }

        /** Gates a container an interrupted rollout started but never saw healthy. */
        private Optional<Failure> verify(HostSession session, PlannedChange c, List<PlannedChange> duplicates)
                throws HostException, InterruptedException {
            Instance instance = c.desired().orElseThrow();
            ObservedContainer have = c.observed().orElseThrow();
            HealthGate.Verdict verdict = gate.await(session, InstanceRuntime.of(have), have.name(),
                instance.service().health());
            if (verdict instanceof HealthGate.Verdict.Healthy) {
                return Optional.empty();
            }
            String reason = ((HealthGate.Verdict.Unhealthy) verdict).reason();
            Optional<ObservedContainer> before = duplicates.stream()
                .filter(d -> d.instance().equals(c.instance())).flatMap(d -> d.observed().stream()).findFirst();
            StepStart step = new StepStart(service, c.host(), c.instance(), StepAction.REPLACE,
                "verify an instance started by an interrupted rollout", before.flatMap(ObservedContainer::fingerprint),
                have.fingerprint(), before.flatMap(ObservedContainer::imageRef), have.imageRef());
            long token = started(step);
            finished(token, step, StepOutcome.FAILED, reason, clock.instant());
            deployed.add(new Deployed(c.host(), instance, have.name(), before, before.isEmpty()));
            removals.removeIf(r -> r.change().observed().equals(before));
            return Optional.of(new Failure.Gate(service + " on " + c.host() + ": " + reason));
        }

        /** Every host changed so far gets back what ran before. */
        private void rollBack() throws InterruptedException {
            List<Deployed> done = new ArrayList<>(deployed);
            Collections.reverse(done);
            try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
                List<Future<?>> futures = new ArrayList<>();
                for (Deployed d : done) {
                    futures.add(pool.submit(() -> {
                        rollBack(d);
                        return null;
                    }));
                }
                for (Future<?> f : futures) {
                    try {
                        f.get();
                    } catch (ExecutionException e) {
                        // rollBack(d) records its own failure
                    }
                }
            }
        }

        private void rollBack(Deployed d) throws InterruptedException {
            StepStart step = new StepStart(service, d.host(), d.instance().name(), StepAction.ROLLBACK,
                d.retired().map(r -> "back to " + r.version() + " (" + r.name() + ")").orElse("remove the new instance"),
                Optional.of(d.instance().fingerprint()), d.retired().flatMap(ObservedContainer::fingerprint),
                d.instance().service().image(), d.retired().flatMap(ObservedContainer::imageRef));
            long token = started(step);
            Instant t0 = clock.instant();
            try {
                HostSession session = sessions.session(ctx.targets().get(d.host()));
                Duration grace = d.instance().service().stop().grace();
                session.run(d.runtime().remove(d.container(), grace), settings.commandTimeout().plus(grace));
                if (d.retired().isEmpty()) {
                    finished(token, step, StepOutcome.SUCCEEDED, "removed " + d.container(), t0);
                    return;
                }
                ObservedContainer old = d.retired().get();
                InstanceRuntime oldRuntime = InstanceRuntime.of(old);
                CommandResult r = session.run(oldRuntime.start(old.name()), settings.commandTimeout());
                if (!r.succeeded()) {
                    finished(token, step, StepOutcome.FAILED, "could not start " + old.name() + ": "
                        + r.firstErrorLine(), t0);
                    return;
                }
                HealthGate.Verdict v = gate.await(session, oldRuntime, old.name(), d.instance().service().health());
                finished(token, step, v instanceof HealthGate.Verdict.Healthy ? StepOutcome.SUCCEEDED : StepOutcome.FAILED,
                    v instanceof HealthGate.Verdict.Unhealthy u ? "restored but " + u.reason() : "restored " + old.name(), t0);
            } catch (HostException e) {
                finished(token, step, StepOutcome.FAILED, e.getMessage(), t0);
            }
        }

        /**
         * The service converged: retired containers and planned removals go, and with them a
         * network they leave empty that this environment made and no instance of the plan needs
         * on that host.
         */
        private void finish() throws InterruptedException {
            Map<String, Set<String>> left = new TreeMap<>();
            for (Deployed d : deployed) {
                if (d.retired().isPresent()) {
                    try {
                        ObservedContainer retired = d.retired().get();
                        CommandResult res = sessions.session(ctx.targets().get(d.host())).run(InstanceRuntime.of(retired)
                            .remove(retired.name(), retired.stopGrace()), settings.commandTimeout().plus(retired.stopGrace()));
                        if (res.succeeded()) {
                            left.computeIfAbsent(d.host(), h -> new TreeSet<>()).addAll(retired.networks());
                        }
                    } catch (HostException e) {
                        unreached.add(d.host());
                    }
                }
            }
            // Every removal at once: each instance gets its own grace period to exit, not the sum of them.
            try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
                Map<Removal, Future<Boolean>> removed = new LinkedHashMap<>();
                for (Removal r : removals) {
                    if (!unreached.contains(r.host())) {
                        removed.put(r, pool.submit(() -> remove(r)));
                    }
                }
                for (var e : removed.entrySet()) {
                    try {
                        if (e.getValue().get()) {
                            left.computeIfAbsent(e.getKey().host(), h -> new TreeSet<>())
                                .addAll(e.getKey().change().observed().orElseThrow().networks());
                        }
                    } catch (ExecutionException ex) {
                        LOG.warn("removal of {} on {} failed: {}", e.getKey().change().instance(), e.getKey().host(),
                            ex.getCause().toString());
                    }
                }
            }
            left.forEach((host, networks) -> networks.stream().filter(n -> !plan.wants(host, n))
                .forEach(n -> removeNetwork(host, n)));
            if (settings.keepImages() > 0) {
                Map<String, Set<String>> repositories = new TreeMap<>();
                for (Deployed d : deployed) {
                    d.instance().service().imageRepository().ifPresent(r ->
                        repositories.computeIfAbsent(d.host(), h -> new TreeSet<>()).add(r));
                }
                for (Removal r : removals) {
                    r.change().observed().flatMap(ObservedContainer::imageRef).flatMap(Service::repositoryOf).ifPresent(
                        repo -> repositories.computeIfAbsent(r.host(), h -> new TreeSet<>()).add(repo));
                }
                // A repository no instance on the host needs any more (its service left the host
                // or the repo) keeps none: the host is not its place now, and a revert pulls again.
                repositories.forEach((host, repos) -> repos.forEach(repo -> removeUnusedImages(host, repo,
                    plan.wantsImagesOf(host, repo) ? settings.keepImages() : 0)));
            }
        }

        /** A planned removal, recorded as a REMOVE step: true when the instance is gone. */
        private boolean remove(Removal r) {
            ObservedContainer c = r.change().observed().orElseThrow();
            StepStart step = new StepStart(service, r.host(), r.change().instance(), StepAction.REMOVE,
                r.change().reason(), c.fingerprint(), Optional.empty(), c.imageRef(), Optional.empty());
            long token = started(step);
            Instant t0 = clock.instant();
            try {
                CommandResult res = sessions.session(ctx.targets().get(r.host()))
                    .run(InstanceRuntime.of(c).remove(c.name(), c.stopGrace()), settings.commandTimeout().plus(c.stopGrace()));
                finished(token, step, res.succeeded() ? StepOutcome.SUCCEEDED : StepOutcome.FAILED,
                    res.succeeded() ? "removed " + c.name() : res.firstErrorLine(), t0);
                return res.succeeded();
            } catch (HostException e) {
                finished(token, step, StepOutcome.FAILED, e.getMessage(), t0);
                unreached.add(r.host());
                return false;
            }
        }

        /**
         * Removes the images of {@code repository} on {@code host} that no container uses, beyond
         * the newest {@code keep}, recorded as a REMOVE step naming them. Images that cannot be
         * removed now stay; that is no failure of the service.
         */
        private void removeUnusedImages(String host, String repository, int keep) {
            if (unreached.contains(host)) {
                return;
            }
            Instant t0 = clock.instant();
            try {
                HostSession session = sessions.session(ctx.targets().get(host));
                CommandResult listed = session.run(UnusedImages.list(repository), settings.commandTimeout());
                CommandResult used = session.run(UnusedImages.inUse(), settings.commandTimeout());
                if (!listed.succeeded() || !used.succeeded()) {
                    LOG.debug("images of {} on {} not listed: {}", repository, host,
                        (listed.succeeded() ? used : listed).firstErrorLine());
                    return;
                }
                CommandResult created = session.run(UnusedImages.created(repository), settings.commandTimeout());
                // Nor an image another service of this plan is about to run here (rolling out beside this one).
                List<String> refs = UnusedImages.removable(repository, listed.stdout(),
                        created.succeeded() ? created.stdout() : "", used.stdout(), keep).stream()
                    .filter(ref -> !plan.wantsImage(host, ref)).toList();
                if (refs.isEmpty()) {
                    return;
                }
                StepStart step = new StepStart(service, host, "-", StepAction.REMOVE, "images of " + repository
                    + " no container uses, " + (keep > 0 ? "beyond the " + keep + " newest"
                    : "and no instance on " + host + " needs any more"), Optional.empty(),
                    Optional.empty(), Optional.empty(), Optional.empty());
                long token = started(step);
                CommandResult res = session.run(UnusedImages.remove(refs), settings.commandTimeout());
                List<String> removed = refs.stream().filter(ref -> res.stdout().contains("Untagged: " + ref)).toList();
                finished(token, step, res.succeeded() ? StepOutcome.SUCCEEDED : StepOutcome.FAILED,
                    (removed.isEmpty() ? "removed none" : "removed " + String.join(", ", removed))
                        + (res.succeeded() ? "" : " (" + res.firstErrorLine() + ")"), t0);
            } catch (HostException e) {
                unreached.add(host);
            }
        }

        /**
         * Removes {@code network} from {@code host} if this environment made it and nothing is
         * attached to it any more, recorded as a REMOVE step of the service that left it. A
         * network that cannot be removed now stays; it is no failure of the service.
         */
        private void removeNetwork(String host, String network) {
            if (unreached.contains(host)) {
                return;
            }
            Instant t0 = clock.instant();
            try {
                CommandResult res = sessions.session(ctx.targets().get(host))
                    .run(DockerCommands.removeNetworkIfUnused(network, ctx.environment()), settings.commandTimeout());
                if (res.succeeded() && res.stdout().strip().equals(DockerCommands.NETWORK_REMOVED)) {
                    StepStart step = new StepStart(service, host, "-", StepAction.REMOVE, "network " + network
                        + ": no container uses it any more", Optional.empty(), Optional.empty(), Optional.empty(),
                        Optional.empty());
                    finished(started(step), step, StepOutcome.SUCCEEDED, "removed network " + network, t0);
                } else if (!res.succeeded()) {
                    LOG.debug("network {} on {} kept: {}", network, host, res.firstErrorLine());
                }
            } catch (HostException e) {
                unreached.add(host);
            }
        }

        private long started(StepStart step) {
            synchronized (steps) {
                steps[0]++;
            }
            return listener.stepStarted(step);
        }

        private void finished(long token, StepStart step, StepOutcome outcome, String message, Instant t0) {
            listener.stepFinished(token, step, outcome, message, Duration.between(t0, clock.instant()));
        }
    }
}
