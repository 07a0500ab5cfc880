package dev.driftless.reconciler.daemon;

import dev.driftless.model.Repo;
import dev.driftless.reconciler.apply.Applier;
import dev.driftless.reconciler.apply.HealthGate;
import dev.driftless.reconciler.config.DaemonConfig;
import dev.driftless.reconciler.desired.DesiredStateLoader;
import dev.driftless.reconciler.history.HistoryStore;
import dev.driftless.reconciler.metrics.Metrics;
import dev.driftless.reconciler.observe.Observer;
import dev.driftless.reconciler.source.GitSource;
import dev.driftless.reconciler.source.GitSourceException;
import dev.driftless.reconciler.source.verify.CommitVerifier;
import dev.driftless.reconciler.source.verify.TrustFileException;
import dev.driftless.reconciler.ssh.SshHostPool;
import java.time.Clock;
import java.util.List;
import java.util.Map;

/**
 * The pipeline wired from one configuration: history, git source, keys, SSH pool, observer,
 * applier and the {@link Reconciler} over them. Closing it closes everything it opened.
 */
public final class Assembly implements AutoCloseable {

    private final HistoryStore history;
    private final GitSource source;
    private final SshHostPool pool;
    private final Reconciler reconciler;
    private final Applier applier;
    private final String environment;

    private Assembly(HistoryStore history, GitSource source, SshHostPool pool, Reconciler reconciler, Applier applier,
                     String environment) {
        this.history = history;
        this.source = source;
        this.pool = pool;
        this.reconciler = reconciler;
        this.applier = applier;
        this.environment = environment;
    }

    /** Opens every part; on failure closes what was opened and rethrows. */
    public static Assembly open(DaemonConfig config, Metrics metrics, Map<String, String> env, Clock clock)
            throws GitSourceException {
        String environment = environmentName(config);
        HistoryStore history = HistoryStore.open(config.historySettings(), environment, clock);
        GitSource source = null;
        SshHostPool pool = null;
        try {
            source = GitSource.open(config.gitSource());
            pool = SshHostPool.open(config.sshSettings());
            DesiredStateLoader loader = loader(config, env);
            Observer observer = Observer.reconciling(pool, pool.commandTimeout());
            Applier applier = new Applier(pool, HealthGate.system(pool.commandTimeout()),
                applySettings(Applier.Settings.defaults(pool.commandTimeout()), config), clock);
            Reconciler reconciler = new Reconciler(config.repo().environment(), source, verifier(config), loader,
                pool, observer, applier, history, metrics, clock, RepairBackoff.after(config.intervals().retry()),
                config.intervals().departed());
            reconciler.deployWindows(new DeployWindows(config.deployWindows()));
            reconciler.driftInterval(config.intervals().drift());
            return new Assembly(history, source, pool, reconciler, applier, environment);
        } catch (GitSourceException | RuntimeException e) {
            if (pool != null) {
                pool.close();
            }
            if (source != null) {
                source.close();
            }
            history.close();
            throw e;
        }
    }

    /** The commits' reader, with the key files of {@code secrets} (and the environment's) read now. */
    static DesiredStateLoader loader(DaemonConfig config, Map<String, String> env) {
        return new DesiredStateLoader(Keys.ring(config.secrets(), List.of(), List.of(), env));
    }

    /** {@code base} with the rollout settings of {@code config}: {@code images.keep}, {@code apply.parallel-services}. */
    static Applier.Settings applySettings(Applier.Settings base, DaemonConfig config) {
        return base.keepingImages(config.keepImages()).withParallelServices(config.parallelServices());
    }

    /** The signature policy of {@code repo.verify}, its key files read once: one that is broken stops the start. */
    public static CommitVerifier verifier(DaemonConfig config) {
        if (config.repo().verify().isEmpty()) {
            return CommitVerifier.NONE;
        }
        try {
            return CommitVerifier.open(config.repo().verify().get());
        } catch (TrustFileException e) {
            throw new IllegalStateException("repo.verify: " + e.getMessage(), e);
        }
    }

    /** The environment's name: the configured one, or the single environment of a plain repo. */
    public static String environmentName(DaemonConfig config) {
        return config.repo().environment().orElse(Repo.DEFAULT_ENVIRONMENT);
    }

    public Reconciler reconciler() {
        return reconciler;
    }

    public Applier applier() {
        return applier;
    }

    public HistoryStore history() {
        return history;
    }

    public GitSource source() {
        return source;
    }

    public SshHostPool pool() {
        return pool;
    }

    public String environment() {
        return environment;
    }

    @Override
    public void close() {
        pool.close();
        source.close();
        history.close();
    }
}
