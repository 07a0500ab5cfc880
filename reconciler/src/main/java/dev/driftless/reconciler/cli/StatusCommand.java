package dev.driftless.reconciler.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.driftless.model.GitTree;
import dev.driftless.model.LoadResult;
import dev.driftless.model.Repo;
import dev.driftless.model.RepoLoader;
import dev.driftless.reconciler.config.DaemonConfig;
import dev.driftless.reconciler.daemon.Assembly;
import dev.driftless.reconciler.daemon.DeployWindows;
import dev.driftless.reconciler.history.ClusterMember;
import dev.driftless.reconciler.history.EnvironmentCommit;
import dev.driftless.reconciler.history.FailedCommit;
import dev.driftless.reconciler.history.HistoryFormatter;
import dev.driftless.reconciler.history.HistoryQuery;
import dev.driftless.reconciler.history.DepartedHost;
import dev.driftless.reconciler.history.HistoryStore;
import dev.driftless.reconciler.history.RestartRequest;
import dev.driftless.reconciler.history.Suspension;
import dev.driftless.reconciler.history.ReconcileRecord;
import dev.driftless.reconciler.observe.HealthStatus;
import dev.driftless.reconciler.observe.HostObservation;
import dev.driftless.reconciler.observe.Observation;
import dev.driftless.reconciler.observe.ObservedContainer;
import dev.driftless.reconciler.observe.Observer;
import dev.driftless.reconciler.source.GitSource;
import dev.driftless.reconciler.source.GitSourceException;
import dev.driftless.reconciler.source.SourceRevision;
import dev.driftless.reconciler.ssh.SshHostPool;
import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code driftless status}: where the environment stands (last applied and last attempted commit,
 * failed services, the problems of an invalid commit) and what every host runs right now, observed
 * live: service, instance, version, state, health, and the commit each instance came from.
 */
@Command(name = "status", mixinStandardHelpOptions = true,
    description = "Show what each host runs now, the last applied and attempted commit, and failures.")
final class StatusCommand implements Callable<Integer> {

    enum Format { text, json }

    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss");

    /** How many recent records are searched for the refusal of the head. */
    private static final int REFUSAL_LOOKBACK = 200;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Mixin
    ConfigOption config;

    @Option(names = "--format", defaultValue = "text", description = "text or json (default: ${DEFAULT-VALUE}).")
    Format format;

    @Override
    public Integer call() throws Exception {
        DaemonConfig cfg = config.require("status");
        PrintWriter out = spec.commandLine().getOut();
        ZoneId zone = ZoneId.systemDefault();
        try (HistoryStore history = HistoryStore.open(cfg.historySettings(), Assembly.environmentName(cfg));
             GitSource source = GitSource.open(cfg.gitSource())) {
            Optional<EnvironmentCommit> applied = history.lastApplied();
            Optional<EnvironmentCommit> attempted = history.lastAttempted();
            List<FailedCommit> failed = history.failedCommits();
            List<Suspension> suspensions = new DeployWindows(cfg.deployWindows())
                .withClosures(history.suspensions(), java.time.Instant.now(), false);
            List<RestartRequest> restarts = history.pendingRestarts();
            Map<String, DepartedHost> departed = history.departedHosts();
            Map<String, Instant> silent = history.silentHosts();
            Optional<String> leaseHolder = history.leaseHolder();
            // The problems of the head while it is the refused commit: drift repairs against the
            // last valid commit may have been recorded since, and an apply failure is no refusal.
            Optional<String> head = source.current().map(SourceRevision::sha);
            Optional<ReconcileRecord> refused = head.flatMap(sha -> history.list(HistoryQuery.latest(REFUSAL_LOOKBACK))
                .stream().filter(r -> r.commit().equals(sha) && r.isRefusal()).findFirst());
            Optional<String> problems = refused.flatMap(ReconcileRecord::error);
            Optional<List<ClusterMember>> cluster = cfg.cluster() ? Optional.of(history.clusterMembers())
                : Optional.empty();

            Optional<Repo> inventory = inventory(source, applied, cfg.repo().environment());
            Observation observed = null;
            if (inventory.isPresent()) {
                try (SshHostPool pool = SshHostPool.open(cfg.sshSettings())) {
                    observed = Observer.listing(pool, pool.commandTimeout()).observe(
                        List.copyOf(Observer.targets(inventory.get().hosts().values()).values()),
                        Observer.runtimesFor(inventory.get()));
                }
            }
            String environment = Assembly.environmentName(cfg);
            HistoryFormatter formatter = new HistoryFormatter(zone);
            // What only the daemon knows (backoffs, holds, what it is doing now): its /healthz line.
            Optional<Optional<String>> daemon = cfg.metricsListen().isPresent()
                ? Optional.of(DaemonEndpoint.status(cfg.metricsListen().get())) : Optional.empty();
            if (format == Format.json) {
                ObjectNode deployment = formatter.deploymentStatusJson(applied, attempted, failed);
                deployment.set("suspensions", formatter.suspensionsJson(suspensions));
                deployment.set("restartRequests", formatter.restartRequestsJson(restarts));
                leaseHolder.ifPresent(h -> deployment.put("reconcilingNow", h));
                ArrayNode gone = deployment.putArray("departedHosts");
                departed.forEach((host, d) -> {
                    ObjectNode n = gone.addObject().put("host", host).put("inventoryCommit", d.inventoryCommit())
                        .put("since", d.since().toString());
                    d.lastError().ifPresent(e -> n.put("lastError", e));
                });
                out.print(json(environment, deployment, problems, silent, cluster, daemon, observed));
            } else {
                out.println("Environment " + environment + ": " + source.url().display() + " (" + cfg.repo().branch() + ")");
                daemon.ifPresent(d -> out.println("Daemon: " + d.orElse("not answering on "
                    + DaemonEndpoint.uri(cfg.metricsListen().get(), "").getAuthority() + " (metrics.listen)")));
                out.print(formatter.deploymentStatus(applied, attempted, failed));
                out.print(formatter.suspensions(suspensions, environment));
                out.print(formatter.restartRequests(restarts));
                out.print(departedText(departed, zone));
                cluster.ifPresent(members -> out.println(clusterLine(members, Instant.now())));
                leaseHolder.ifPresent(h -> out.println("Reconciling now: " + h + " (it holds the reconcile lease)"));
                problems.ifPresent(p -> {
                    out.println();
                    out.println("Commit " + refused.get().shortCommit() + " was refused; nothing of it was applied:");
                    p.lines().forEach(l -> out.println("  " + l));
                });
                out.println();
                if (observed == null && source.current().isPresent()) {
                    out.println("No commit fetched so far has a valid inventory, so no host can be shown: "
                        + "fix the repo (driftless validate) and let the daemon fetch the fix.");
                } else if (observed == null) {
                    out.println("No revision of the repo has been fetched yet: run the daemon (driftless run) first.");
                } else {
                    out.print(table(observed, environment, silent, zone));
                }
            }
            out.flush();
            boolean unreachable = observed != null && !observed.unreachable().isEmpty();
            return unreachable ? Main.EXIT_ERROR : Main.EXIT_OK;
        }
    }

    /** The inventory of the cached head, or of the last applied commit when the head is invalid. */
    static Optional<Repo> inventory(GitSource source, Optional<EnvironmentCommit> applied,
                                            Optional<String> environment) throws GitSourceException {
        List<SourceRevision> candidates = new ArrayList<>();
        source.current().ifPresent(candidates::add);
        if (applied.isPresent()) {
            try {
                candidates.add(source.resolve(applied.get().commit()));
            } catch (GitSourceException gone) {
                // the applied commit is no longer in the cache (force-push): the head will do
            }
        }
        for (SourceRevision r : candidates) {
            LoadResult loaded = RepoLoader.load(new GitTree(source.repository(), r.commit(), source.subdirectory()),
                environment);
            if (loaded.repo().isPresent()) {
                return loaded.repo();
            }
        }
        return Optional.empty();
    }

    private static String table(Observation observed, String environment, Map<String, Instant> silent, ZoneId zone) {
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"HOST", "SERVICE", "INSTANCE", "VERSION", "STATE", "DOCKER HEALTH", "COMMIT", "SINCE"});
        Instant now = Instant.now();
        for (HostObservation h : observed.hosts().values()) {
            switch (h) {
                case HostObservation.Unreachable u -> rows.add(new String[] {h.host(), "(unreachable: " + u.reason()
                    + Optional.ofNullable(silent.get(h.host())).map(t -> "; the daemon has had no answer since "
                        + TIME.format(t.atZone(zone))).orElse("") + ")", "", "", "", "", "", ""});
                case HostObservation.Reachable r -> {
                    List<ObservedContainer> ours = r.containers().stream()
                        .filter(c -> c.environment().orElse("").equals(environment)).toList();
                    if (ours.isEmpty()) {
                        rows.add(new String[] {h.host(), "(nothing of environment " + environment + ")", "", "", "", "",
                            "", ""});
                    }
                    ours.stream()
                        .sorted(Comparator.comparing((ObservedContainer c) -> c.service().orElse(""))
                            .thenComparing(c -> c.instance().orElse("")))
                        .forEach(c -> rows.add(new String[] {h.host(), c.service().orElse("?"),
                            c.instance().orElse("?"), (c.runtime() == dev.driftless.model.Runtime.SYSTEMD ? "unit "
                                : "") + c.version(), c.state().label()
                                + (c.isRunning() ? "" : " (exit " + c.exitCode() + ")"),
                            c.health() == HealthStatus.NONE ? "-" : c.health().label(), c.commit().map(s -> s.length() > 7 ? s.substring(0, 7) : s).orElse("?"),
                            c.deployedAt().or(c::startedAt).map(t -> TIME.format(t.atZone(zone)) + " ("
                                + ago(Duration.between(t, now)) + ")").orElse("")}));
                }
            }
        }
        int[] width = new int[8];
        rows.forEach(r -> {
            for (int i = 0; i < 8; i++) {
                width[i] = Math.max(width[i], r[i].length());
            }
        });
        StringBuilder sb = new StringBuilder();
        for (String[] r : rows) {
            StringBuilder line = new StringBuilder();
            for (int i = 0; i < 8; i++) {
                line.append(r[i]).append(" ".repeat(width[i] - r[i].length() + 2));
            }
            sb.append(line.toString().stripTrailing()).append('\n');
        }
        return sb.toString();
    }

    private static String ago(Duration d) {
        if (d.toMinutes() < 1) {
            return Math.max(0, d.toSeconds()) + " s ago";
        }
        if (d.toHours() < 2) {
            return d.toMinutes() + " min ago";
        }
        return d.toDays() < 2 ? d.toHours() + " h ago" : d.toDays() + " days ago";
    }

    /** The hosts that left the inventory with something of this environment maybe still on them. */
    static String departedText(Map<String, DepartedHost> departed, ZoneId zone) {
        if (departed.isEmpty()) {
            return "";
        }
        StringBuilder b = new StringBuilder("Departed hosts not cleaned up yet (they left the inventory; the daemon removes"
            + " what this environment runs there once they answer; driftless forget-host HOST stops that):\n");
        departed.forEach((host, d) -> b.append("  ").append(host).append("  since ")
            .append(TIME.format(d.since().atZone(zone))).append("  ")
            .append(d.lastError().map(e -> "last try: " + e).orElse("answering; cleanup under way")).append('\n'));
        return b.toString();
    }

    /** "Cluster: 2 daemons checked in: a (3 s ago), b (41 s ago, late: the others take over its work)". */
    static String clusterLine(List<ClusterMember> members, Instant now) {
        if (members.isEmpty()) {
            return "Cluster: no daemon checked in (none runs, or none has started yet)";
        }
        return "Cluster: " + members.size() + (members.size() == 1 ? " daemon" : " daemons") + " checked in: "
            + members.stream().map(m -> m.instance() + " (" + ago(Duration.between(m.lastCheckin(), now))
                + (m.late(now) ? ", late: the others take over its work" : "") + ")")
            .collect(java.util.stream.Collectors.joining(", "));
    }

    /**
     * @param silent the hosts the daemon had no answer from, since when ({@link HistoryStore#silentHosts})
     * @param daemon the daemon's status line: absent without metrics.listen, empty when it did not answer
     */
    private static String json(String environment, ObjectNode deployment, Optional<String> problems,
                               Map<String, Instant> silent,
                               Optional<List<ClusterMember>> cluster, Optional<Optional<String>> daemon,
                               Observation observed) throws Exception {
        ObjectMapper mapper = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
        ObjectNode root = mapper.createObjectNode();
        root.put("environment", environment);
        root.set("deployment", deployment);
        daemon.ifPresent(d -> {
            ObjectNode n = root.putObject("daemon").put("answering", d.isPresent());
            d.ifPresent(line -> n.put("status", line));
        });
        cluster.ifPresent(members -> {
            Instant now = Instant.now();
            ArrayNode list = root.putArray("cluster");
            members.forEach(m -> list.addObject().put("instance", m.instance())
                .put("lastCheckin", m.lastCheckin().toString()).put("late", m.late(now)));
        });
        problems.ifPresent(p -> {
            ArrayNode list = root.putArray("problems");
            p.lines().forEach(list::add);
        });
        ArrayNode hosts = root.putArray("hosts");
        if (observed != null) {
            for (HostObservation h : observed.hosts().values()) {
                ObjectNode n = hosts.addObject().put("host", h.host());
                switch (h) {
                    case HostObservation.Unreachable u -> {
                        n.put("reachable", false).put("problem", u.reason());
                        Optional.ofNullable(silent.get(h.host())).ifPresent(t -> n.put("silentSince", t.toString()));
                    }
                    case HostObservation.Reachable r -> {
                        n.put("reachable", true);
                        ArrayNode cs = n.putArray("instances");
                        for (ObservedContainer c : r.containers()) {
                            ObjectNode o = cs.addObject().put("service", c.service().orElse(""))
                                .put("instance", c.instance().orElse("")).put("container", c.name())
                                .put("runtime", c.runtime().text())
                                .put("image", c.image()).put("version", c.version()).put("state", c.state().label())
                                .put("health", c.health().label()).put("environment", c.environment().orElse(""))
                                .put("commit", c.commit().orElse("")).put("fingerprint", c.fingerprint().orElse(""));
                            c.deployedAt().or(c::startedAt).ifPresent(t -> o.put("since", t.toString()));
                        }
                    }
                }
            }
        }
        return mapper.writeValueAsString(root) + "\n";
    }
}
