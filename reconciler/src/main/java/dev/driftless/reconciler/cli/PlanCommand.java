package dev.driftless.reconciler.cli;

import dev.driftless.model.DesiredState;
import dev.driftless.model.DirectoryTree;
import dev.driftless.model.Failover;
import dev.driftless.model.GitTree;
import dev.driftless.model.Problem;
import dev.driftless.model.RepoTree;
import dev.driftless.model.Runtime;
import dev.driftless.reconciler.config.DaemonConfig;
import dev.driftless.reconciler.daemon.Assembly;
import dev.driftless.reconciler.daemon.DeployWindows;
import dev.driftless.reconciler.daemon.Keys;
import dev.driftless.reconciler.desired.DesiredStateLoader;
import dev.driftless.reconciler.desired.LoadedState;
import dev.driftless.reconciler.daemon.Deferrals;
import dev.driftless.reconciler.daemon.RestartRequests;
import dev.driftless.reconciler.history.Backoff;
import dev.driftless.reconciler.history.EnvironmentCommit;
import dev.driftless.reconciler.history.FailedCommit;
import dev.driftless.reconciler.history.HistoryException;
import dev.driftless.reconciler.history.HistoryStore;
import dev.driftless.reconciler.history.RestartRequest;
import dev.driftless.reconciler.history.Suspension;
import dev.driftless.reconciler.plan.BaseInventory;
import dev.driftless.reconciler.plan.Departures;
import dev.driftless.reconciler.observe.HostObservation;
import dev.driftless.reconciler.observe.Observation;
import dev.driftless.reconciler.observe.Observer;
import dev.driftless.reconciler.plan.Plan;
import dev.driftless.reconciler.plan.PlanPrinter;
import dev.driftless.reconciler.plan.Planner;
import dev.driftless.reconciler.source.GitSource;
import dev.driftless.reconciler.source.GitSourceException;
import dev.driftless.reconciler.source.GitSourceSettings;
import dev.driftless.reconciler.source.LocalRepository;
import dev.driftless.reconciler.source.SourceRevision;
import dev.driftless.reconciler.source.verify.CommitVerifier;
import dev.driftless.reconciler.source.verify.Verdict;
import dev.driftless.reconciler.ssh.HostTarget;
import dev.driftless.reconciler.ssh.SshHostPool;
import dev.driftless.reconciler.ssh.SshSettings;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code driftless plan}: what a reconcile would change on the live hosts, and why, without
 * changing anything. Prints the same plan the daemon prints before it applies. Exit 0: the hosts
 * match; 2: there are changes; 1: an error (invalid repo, a host that could not be observed).
 */
@Command(name = "plan", mixinStandardHelpOptions = true,
    description = "Show what a reconcile would change on the live hosts, and why.",
    footer = {"", "Exit status: 0 no changes, 2 changes, 1 error (invalid repo, unreachable host)."})
final class PlanCommand implements Callable<Integer> {

    private static final Logger LOG = LoggerFactory.getLogger(PlanCommand.class);

    enum Format { text, markdown, json }

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Mixin
    ConfigOption config;

    @Option(names = "--repo", paramLabel = "URL|DIR",
        description = "The infra repo: a git URL, a git checkout or a plain directory (default: the configured repo).")
    Optional<String> repo = Optional.empty();

    @Option(names = "--ref", paramLabel = "REV",
        description = "Commit, branch or tag to plan (default: the branch head; for a checkout, the files on disk).")
    Optional<String> ref = Optional.empty();

    @Option(names = "--base", paramLabel = "REV",
        description = "The commit the hosts were last deployed from: hosts its inventory has and the planned "
            + "revision has not are observed, and what runs there is planned for removal "
            + "(default: the last applied commit in the configured deployment history).")
    Optional<String> base = Optional.empty();

    @Option(names = {"-e", "--environment"}, paramLabel = "ENV", description = "The environment (default: the configured one).")
    Optional<String> environment = Optional.empty();

    @Option(names = "--ssh-key", paramLabel = "FILE", description = "Private key for the hosts (default: ssh.key).")
    Optional<Path> sshKey = Optional.empty();

    @Option(names = "--known-hosts", paramLabel = "FILE", description = "known_hosts pinning host keys (default: ssh.known-hosts).")
    Optional<Path> knownHosts = Optional.empty();

    @Option(names = "--age-key", paramLabel = "FILE", description = "age identity file (repeatable; SOPS_AGE_KEY_FILE works too).")
    List<Path> ageKeys = new ArrayList<>();

    @Option(names = "--pgp-key", paramLabel = "FILE", description = "Armored PGP secret key file (repeatable).")
    List<Path> pgpKeys = new ArrayList<>();

    @Option(names = "--format", defaultValue = "text",
        description = "text, markdown (a pull-request comment) or json (default: ${DEFAULT-VALUE}).")
    Format format;

    @Option(names = {"-v", "--verbose"}, description = "List unchanged instances too.")
    boolean verbose;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        long started = System.nanoTime();
        Optional<DaemonConfig> cfg = config.load();
        String repoText = repo.or(() -> cfg.map(c -> c.repo().url())).orElseThrow(() ->
            new IllegalArgumentException("no repo: pass --repo URL|DIR or --config FILE"));
        Optional<String> env = environment.or(() -> cfg.flatMap(c -> c.repo().environment()));

        Revision revision = revision(repoText, cfg);
        long sourced = System.nanoTime();
        try (revision) {
            DesiredStateLoader loader = new DesiredStateLoader(Keys.ring(
                cfg.map(DaemonConfig::secrets).orElse(new DaemonConfig.Secrets(List.of(), List.of(), Optional.empty())),
                ageKeys, pgpKeys, System.getenv()));
            LoadedState loaded = loader.load(revision.tree(), env);
            long loadedAt = System.nanoTime();
            if (loaded instanceof LoadedState.Invalid invalid) {
                for (Problem p : invalid.problems()) {
                    out.println(p);
                }
                out.flush();
                err.println("driftless plan: " + invalid.problems().size() + " problem(s) in "
                    + revision.describe() + "; nothing can be planned");
                return Main.EXIT_ERROR;
            }
            DesiredState desired = ((LoadedState.Ready) loaded).state();
            // A note, not a verdict on the plan: a pull request's commits are often not the ones
            // merged (a merge or squash commit is made, and signed, by the git host).
            CommitVerifier verifier = CommitVerifier.NONE;
            try {
                verifier = cfg.map(Assembly::verifier).orElse(CommitVerifier.NONE);
            } catch (IllegalStateException e) {
                err.println("driftless plan: cannot check the commit's signature: " + e.getMessage());
            }
            if (verifier.enabled()) {
                revision.verify(verifier).ifPresent(v -> err.println("driftless plan: " + (v instanceof Verdict.Refused
                    ? "the daemon would refuse this commit as it stands (repo.verify): " + v.text()
                    : "commit " + revision.commit().map(SourceRevision::shortSha).orElse("") + " is " + v.text())));
            }
            SshSettings ssh = sshSettings(cfg);
            Deployed deployed = deployed(cfg, revision, desired, env, err);
            Departures departures = Departures.of(desired, deployed.base(), deployed.remembered(),
                commit -> inventoryAt(revision, commit, env));
            Map<String, HostTarget> departed = departures.targets();
            Map<String, HostTarget> reach = new LinkedHashMap<>(Observer.targets(desired.hosts().values()));
            reach.putAll(departed);
            Plan plan;
            try (SshHostPool pool = SshHostPool.open(ssh)) {
                long poolOpened = System.nanoTime();
                // As the daemon does: instances of hosts silent for their placement.failover have stand-ins.
                DesiredState failingOver = Failover.apply(desired, deployed.silent(), Instant.now()).state();
                Function<String, Set<Runtime>> runtimes = Observer.runtimesFor(desired, failingOver);
                Observation observed = BaseInventory.withoutSilentDeparted(Observer.standard(pool, pool.commandTimeout())
                    .observe(List.copyOf(reach.values()), departures.runtimes(runtimes)), departed.keySet(),
                    u -> err.println("driftless plan: "
                    + BaseInventory.droppedNote(u, cfg.map(c -> c.intervals().departed()).orElse(Departures.GIVE_UP))));
                Instant observedAt = Instant.now();
                Failover.Result failover = Failover.apply(desired, Failover.silence(deployed.silent(),
                    observed.unreachable().stream().map(HostObservation::host)
                        .filter(desired.hosts()::containsKey).toList(), observedAt), observedAt);
                plan = new Planner(Clock.systemUTC()).plan(failover.state(), observed, deployed.held(),
                    observed.hosts().keySet().stream().filter(departed::containsKey).collect(Collectors.toSet()))
                    .withStandIns(failover.reasons())
                    .withJobsRan(deployed.jobsRan());
                // Repairs the daemon holds back after failures wait here too.
                plan = Deferrals.apply(plan, deployed.restarts(), deployed.pulls(), deployed.driftRepairs(),
                    revision.commit().map(SourceRevision::sha).orElse(""), Instant.now()).plan();
                // Restarts operators asked for (driftless restart) that the daemon would serve now.
                RestartRequests.Applied asked = RestartRequests.apply(plan, deployed.restartsAsked(),
                    deployed.failed(), revision.commit().map(SourceRevision::shortSha).orElse("of the work tree"));
                plan = asked.plan();
                asked.ended().forEach(e -> err.println("driftless plan: the daemon would end restart request #"
                    + e.request().id() + " of " + e.request().service() + " without restarting: " + e.message()));
                // Where a plan's time goes, for scripts/bench-plan.sh (DRIFTLESS_LOG_LEVEL=DEBUG);
                // a plan should open one connection per host, no more.
                LOG.debug("plan: source {} ms, load {} ms, SSH set-up {} ms, observed {} host(s) in {} ms"
                        + " over {} SSH connection(s)", millis(started, sourced), millis(sourced, loadedAt),
                    millis(loadedAt, poolOpened), observed.hosts().size(), observed.took().toMillis(),
                    pool.connectionsOpened());
            }
            PlanPrinter.Heading heading = new PlanPrinter.Heading(plan.environment(),
                revision.commit().map(SourceRevision::sha), revision.commit().map(SourceRevision::message));
            out.print(switch (format) {
                case text -> PlanPrinter.text(plan, heading, verbose);
                case markdown -> PlanPrinter.markdown(plan, heading);
                case json -> PlanPrinter.json(plan, heading);
            });
            out.flush();
            if (plan.isIncomplete()) {
                err.println("driftless plan: the plan is incomplete: "
                    + plan.hosts().stream().filter(h -> !h.reachable()).count() + " host(s) could not be observed");
                return Main.EXIT_ERROR;
            }
            return plan.hasChanges() ? Main.EXIT_CHANGES : Main.EXIT_OK;
        }
    }

    private static long millis(long fromNanos, long toNanos) {
        return (toNanos - fromNanos) / 1_000_000;
    }

    /**
     * What the daemon knows and the repo does not, which changes its plan: the inventory of the
     * commit the hosts were last deployed from (hosts that left it since are emptied) and the
     * services held because the planned commit already failed its rollout.
     *
     * @param remembered departed hosts the daemon still tries to clean up: host → the commit whose
     *                   inventory reaches it
     * @param jobsRan    the planned specs whose pre-deploy job already succeeded ({@link Plan#jobKey}):
     *                   the daemon would not run them again
     * @param restarts   the daemon's restart backoffs ({@link Deferrals#RESTARTS})
     * @param pulls      the daemon's pull backoffs ({@link Deferrals#PULLS})
     * @param driftRepairs the daemon's drift repair backoffs ({@link Deferrals#DRIFT_REPAIRS})
     * @param failed     the services of {@code held} held because the planned commit failed their rollout
     * @param restartsAsked pending {@code driftless restart} requests of services no suspension or
     *                   deploy window holds
     * @param silent     the hosts that did not answer the daemon, each with since when ({@link
     *                   HistoryStore#silentHosts}): placement.failover counts from there
     */
    private record Deployed(Optional<BaseInventory> base, Map<String, String> held, Map<String, String> remembered,
                            Set<String> jobsRan, Map<String, Backoff> restarts, Map<String, Backoff> pulls,
                            Map<String, Backoff> driftRepairs, Map<String, String> failed,
                            List<RestartRequest> restartsAsked, Map<String, Instant> silent) {
    }

    private Deployed deployed(Optional<DaemonConfig> cfg, Revision revision, DesiredState desired,
                              Optional<String> env, PrintWriter err) throws GitSourceException {
        Optional<String> baseRev = base;
        Map<String, String> held = new TreeMap<>();
        Map<String, String> remembered = new TreeMap<>();
        Set<String> jobsRan = new java.util.TreeSet<>();
        Map<String, Backoff> restarts = new java.util.HashMap<>();
        Map<String, Backoff> pulls = new java.util.HashMap<>();
        Map<String, Backoff> driftRepairs = new java.util.HashMap<>();
        if (cfg.isEmpty() && base.isEmpty()) {
            // No daemon in sight: the repo against the hosts, as documented.
            return new Deployed(Optional.empty(), held, remembered, jobsRan, restarts, pulls, driftRepairs, Map.of(),
                List.of(), Map.of());
        }
        Map<String, String> failed = new TreeMap<>();
        List<RestartRequest> restartsAsked = new ArrayList<>();
        Map<String, Instant> silent = new TreeMap<>();
        String historyNote = "";
        if (cfg.isPresent()) {
            try (HistoryStore history = HistoryStore.openExisting(cfg.get().historySettings(), desired.environment())
                    .orElse(null)) {
                if (history == null) {
                    historyNote = "the state directory " + cfg.get().stateDir() + " holds no deployment history";
                } else {
                    if (baseRev.isEmpty()) {
                        baseRev = history.lastApplied().map(EnvironmentCommit::commit);
                        historyNote = "nothing has been applied to environment " + desired.environment() + " yet";
                    }
                    Optional<String> sha = revision.commit().map(SourceRevision::sha);
                    for (String service : desired.services().keySet()) {
                        history.failedCommit(service).filter(f -> sha.isPresent() && f.equals(sha.get()))
                            .ifPresent(f -> failed.put(service, FailedCommit.heldReason(f)));
                    }
                    held.putAll(failed);
                    history.departedHosts().forEach((host, d) -> remembered.put(host, d.inventoryCommit()));
                    silent.putAll(history.silentHosts());
                    restarts.putAll(history.backoffs(Deferrals.RESTARTS));
                    pulls.putAll(history.backoffs(Deferrals.PULLS));
                    driftRepairs.putAll(history.backoffs(Deferrals.DRIFT_REPAIRS));
                    for (String service : desired.services().keySet()) {
                        desired.instancesOf(service).stream()
                            .filter(i -> i.service().rollout().preDeploy().isPresent())
                            .map(dev.driftless.model.Instance::fingerprint).distinct()
                            .filter(fp -> history.preDeployRan(service, fp))
                            .forEach(fp -> jobsRan.add(Plan.jobKey(service, fp)));
                    }
                    List<Suspension> holds = new DeployWindows(cfg.get().deployWindows())
                        .withClosures(history.suspensions(), java.time.Instant.now(), false);
                    for (Suspension s : holds) {
                        if (s.service().isPresent()) {
                            held.putIfAbsent(s.service().get(), s.describe());
                        } else {
                            err.println("driftless plan: environment " + desired.environment() + " is " + s.describe()
                                + "; the daemon applies nothing of this plan " + s.until());
                        }
                    }
                    // As the daemon does: a held service's requests wait for it.
                    Set<String> waiting = holds.stream().flatMap(x -> x.service().stream()).collect(Collectors.toSet());
                    history.pendingRestarts().stream().filter(r -> !waiting.contains(r.service()))
                        .forEach(restartsAsked::add);
                }
            } catch (HistoryException e) {
                historyNote = "the deployment history cannot be read (" + e.getMessage() + ")";
            }
        }
        if (baseRev.isEmpty()) {
            err.println("driftless plan: " + historyNote + ", so hosts that left the inventory are not planned;"
                + " pass --base REV to name the commit the hosts run");
            return new Deployed(Optional.empty(), held, remembered, jobsRan, restarts, pulls, driftRepairs, failed,
                restartsAsked, silent);
        }
        Optional<RepoTree> tree;
        try {
            tree = revision.treeAt(baseRev.get());
        } catch (GitSourceException e) {
            if (base.isPresent()) {
                throw e;
            }
            err.println("driftless plan: the last applied commit " + baseRev.get() + " is not in " + revision.describe()
                + " (" + e.getMessage() + "), so hosts that left the inventory are not planned;"
                + " fetch it or pass --base REV");
            return new Deployed(Optional.empty(), held, remembered, jobsRan, restarts, pulls, driftRepairs, failed,
                restartsAsked, silent);
        }
        if (tree.isEmpty()) {
            if (base.isPresent()) {
                throw new IllegalArgumentException(revision.describe()
                    + " is not a git repository, so --base cannot be used");
            }
            err.println("driftless plan: " + revision.describe() + " is not a git repository, so hosts that left"
                + " the inventory since the last applied commit are not planned");
            return new Deployed(Optional.empty(), held, remembered, jobsRan, restarts, pulls, driftRepairs, failed,
                restartsAsked, silent);
        }
        return new Deployed(Optional.of(BaseInventory.load(baseRev.get(), tree.get(), env)), held, remembered, jobsRan,
            restarts, pulls, driftRepairs, failed, restartsAsked, silent);
    }

    /** The inventory of a remembered departed host's commit; unknown when the repo cannot show it. */
    private static BaseInventory inventoryAt(Revision revision, String commit, Optional<String> env) {
        try {
            return revision.treeAt(commit).map(tree -> BaseInventory.load(commit, tree, env))
                .orElse(BaseInventory.unknown(commit));
        } catch (GitSourceException e) {
            return BaseInventory.unknown(commit);
        }
    }

    private SshSettings sshSettings(Optional<DaemonConfig> cfg) {
        if (cfg.isPresent() && sshKey.isEmpty()) {
            // The configured key stays, with its passphrase; --known-hosts only replaces the pins.
            SshSettings c = cfg.get().sshSettings();
            return c.withKnownHosts(knownHosts.or(c::knownHosts));
        }
        Path key = sshKey.or(() -> cfg.map(c -> c.ssh().key())).orElseThrow(() ->
            new IllegalArgumentException("no SSH key for the hosts: pass --ssh-key FILE or --config FILE"));
        Optional<Path> pins = knownHosts.or(() -> cfg.flatMap(c -> c.ssh().knownHosts()));
        SshSettings s = SshSettings.defaults(key, pins);
        return cfg.map(c -> s.withTimeouts(c.ssh().connectTimeout(), c.ssh().commandTimeout())
            .withMaxParallelHosts(c.ssh().parallelism()).withKeepAliveInterval(c.ssh().keepAlive())
            .withRevokedHostKeys(c.ssh().revokedHostKeys()).withJump(c.ssh().jump())).orElse(s);
    }

    /** The tree to plan and the commit it came from, if any. */
    private interface Revision extends AutoCloseable {
        RepoTree tree();

        Optional<SourceRevision> commit();

        /** The tree of another revision of the same repository; empty for a plain directory. */
        Optional<RepoTree> treeAt(String rev) throws GitSourceException;

        String describe();

        /** What repo.verify makes of the commit; empty for files on disk. */
        default Optional<Verdict> verify(CommitVerifier verifier) {
            return Optional.empty();
        }

        @Override
        void close();
    }

    private Revision revision(String repoText, Optional<DaemonConfig> cfg) throws GitSourceException {
        boolean url = repoText.contains("://") || repoText.matches("[^/]+@[^/]+:.*");
        Path dir = Path.of(repoText);
        if (!url && Files.isDirectory(dir)) {
            Optional<LocalRepository> local = LocalRepository.open(dir);
            if (local.isPresent() && (ref.isPresent() || local.get().isBare())) {
                LocalRepository r = local.get();
                SourceRevision rev = ref.isPresent() ? r.resolve(ref.get()) : r.head();
                return new Revision() {
                    public RepoTree tree() {
                        return new GitTree(r.repository(), rev.commit(), "");
                    }

                    public Optional<SourceRevision> commit() {
                        return Optional.of(rev);
                    }

                    public Optional<RepoTree> treeAt(String other) throws GitSourceException {
                        return Optional.of(new GitTree(r.repository(), r.resolve(other).commit(), ""));
                    }

                    public String describe() {
                        return repoText + " at " + rev.shortSha();
                    }

                    public Optional<Verdict> verify(CommitVerifier verifier) {
                        return Optional.of(verifier.verify(r.repository(), rev.commit(), Instant.now()));
                    }

                    public void close() {
                        r.close();
                    }
                };
            }
            if (ref.isPresent()) {
                throw new IllegalArgumentException(repoText + " is not a git repository, so --ref cannot be used");
            }
            // The files on disk; a work tree's history still names the base (--base, the last applied commit).
            return new Revision() {
                public RepoTree tree() {
                    return new DirectoryTree(dir);
                }

                public Optional<SourceRevision> commit() {
                    return Optional.empty();
                }

                public Optional<RepoTree> treeAt(String other) throws GitSourceException {
                    if (local.isEmpty()) {
                        return Optional.empty();
                    }
                    return Optional.of(new GitTree(local.get().repository(), local.get().resolve(other).commit(), ""));
                }

                public String describe() {
                    return repoText;
                }

                public void close() {
                    local.ifPresent(LocalRepository::close);
                }
            };
        }
        GitSourceSettings settings = cfg.filter(c -> c.repo().url().equals(repoText)).map(DaemonConfig::gitSource)
            .orElseGet(() -> GitSourceSettings.of(repoText, cfg.map(c -> c.stateDir().resolve("git"))
                .orElse(Path.of(System.getProperty("user.home"), ".cache", "driftless", "git"))));
        GitSource source = GitSource.open(settings);
        try {
            SourceRevision head = source.poll().revision();
            SourceRevision rev = ref.isPresent() ? source.resolve(ref.get()) : head;
            return new Revision() {
                public RepoTree tree() {
                    return new GitTree(source.repository(), rev.commit(), source.subdirectory());
                }

                public Optional<SourceRevision> commit() {
                    return Optional.of(rev);
                }

                public Optional<RepoTree> treeAt(String other) throws GitSourceException {
                    return Optional.of(new GitTree(source.repository(), source.resolve(other).commit(),
                        source.subdirectory()));
                }

                public String describe() {
                    return source.url().display() + " at " + rev.shortSha();
                }

                public Optional<Verdict> verify(CommitVerifier verifier) {
                    return Optional.of(verifier.verify(source.repository(), rev.commit(), Instant.now()));
                }

                public void close() {
                    source.close();
                }
            };
        } catch (GitSourceException | RuntimeException e) {
            source.close();
            throw e;
        }
    }
}
