package dev.driftless.reconciler.daemon;

import dev.driftless.reconciler.config.DaemonConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * What a reload of {@code driftless.yaml} changes in a running daemon: the keys whose new values it
 * takes at once ({@link #applied}), and those that only a restart can change ({@link
 * #needRestart}: what the daemon opened at start — the repo and its cache, the SSH pool, the
 * history database, the scheduler's store, the metrics port, the log format). Keys are named as in
 * the file; values never appear, since some name secret files.
 *
 * <p>The secrets' key files and {@code repo.verify}'s trust files are read again at every reload
 * whether their paths changed or not: rotating a key means replacing a file, not renaming it.
 */
public record ConfigReload(List<String> applied, List<String> needRestart) {

    public ConfigReload {
        applied = List.copyOf(applied);
        needRestart = List.copyOf(needRestart);
    }

    /** The difference between the configuration the daemon runs with and the one just read. */
    public static ConfigReload between(DaemonConfig running, DaemonConfig read) {
        List<String> applied = new ArrayList<>();
        List<String> restart = new ArrayList<>();
        DaemonConfig.Intervals a = running.intervals();
        DaemonConfig.Intervals b = read.intervals();
        changed(applied, "intervals.poll", a.poll(), b.poll());
        changed(applied, "intervals.drift", a.drift(), b.drift());
        changed(applied, "intervals.retry", a.retry(), b.retry());
        changed(restart, "intervals.departed", a.departed(), b.departed());
        changed(applied, "deploy-windows", running.deployWindows(), read.deployWindows());
        changed(applied, "notifications", running.notifications(), read.notifications());
        changed(applied, "apply.parallel-services", running.parallelServices(), read.parallelServices());
        changed(applied, "images.keep", running.keepImages(), read.keepImages());
        changed(applied, "history.retention", running.history().retention(), read.history().retention());
        changed(applied, "metrics.reconcile-token-file", running.reconcileTokenFile(), read.reconcileTokenFile());
        changed(applied, "secrets", running.secrets(), read.secrets());
        changed(applied, "repo.verify", running.repo().verify(), read.repo().verify());

        changed(restart, "repo", withoutVerify(running.repo()), withoutVerify(read.repo()));
        changed(restart, "ssh", running.ssh(), read.ssh());
        changed(restart, "state-dir", running.stateDir(), read.stateDir());
        changed(restart, "history", withoutRetention(running.history()), withoutRetention(read.history()));
        changed(restart, "cluster", running.cluster(), read.cluster());
        changed(restart, "metrics.listen", running.metricsListen(), read.metricsListen());
        changed(restart, "log.format", running.logFormat(), read.logFormat());
        return new ConfigReload(applied, restart);
    }

    private static void changed(List<String> into, String key, Object before, Object after) {
        if (!Objects.equals(before, after)) {
            into.add(key);
        }
    }

    private static DaemonConfig.Repo withoutVerify(DaemonConfig.Repo r) {
        return new DaemonConfig.Repo(r.url(), r.branch(), r.path(), r.environment(), r.sshKey(), r.knownHosts(),
            r.tokenFile(), r.tokenEnv(), r.caFile(), r.allowForcePush(), r.timeout(), Optional.empty(), r.jump());
    }

    private static DaemonConfig.History withoutRetention(DaemonConfig.History h) {
        return new DaemonConfig.History(h.jdbcUrl(), h.user(), h.passwordFile(), Optional.empty(), h.abandonAfter());
    }

    /**
     * The log line of a reload: what took effect, and that the key files were read again, e.g.
     * {@code configuration reloaded from /etc/driftless/driftless.yaml: intervals.poll, deploy-windows
     * changed; key files read again}.
     */
    public String describe(String file) {
        return "configuration reloaded from " + file + ": " + (applied.isEmpty() ? "no setting the daemon can change"
            + " while it runs changed" : String.join(", ", applied) + " changed") + "; key files read again";
    }

    /** The warning about keys that changed but keep their old values until a restart; empty when none did. */
    public Optional<String> restartWarning() {
        return needRestart.isEmpty() ? Optional.empty() : Optional.of("changed in the configuration but kept until"
            + " the daemon restarts: " + String.join(", ", needRestart));
    }
}
