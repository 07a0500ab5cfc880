package dev.driftless.reconciler.cli;

import dev.driftless.model.Repo;
import dev.driftless.reconciler.config.DaemonConfig;
import dev.driftless.reconciler.daemon.Assembly;
import dev.driftless.reconciler.history.HistoryStore;
import dev.driftless.reconciler.observe.HostObservation;
import dev.driftless.reconciler.observe.Observation;
import dev.driftless.reconciler.observe.ObservedContainer;
import dev.driftless.reconciler.observe.Observer;
import dev.driftless.reconciler.runtime.InstanceRuntime;
import dev.driftless.reconciler.source.GitSource;
import dev.driftless.reconciler.ssh.CommandResult;
import dev.driftless.reconciler.ssh.HostException;
import dev.driftless.reconciler.ssh.HostTarget;
import dev.driftless.reconciler.ssh.SshHostPool;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import java.util.function.Supplier;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code driftless logs SERVICE}: what the service's instances wrote lately, from every host of the
 * environment that runs one: {@code docker logs} of a container, the user journal of a systemd
 * unit. Read-only; the hosts are found as {@code driftless status} finds them.
 */
@Command(name = "logs", mixinStandardHelpOptions = true,
    description = "Print the latest output of a service's instances, from every host that runs one.",
    footer = {"", "Exit status: 0 printed, 1 error (no such instance, a host that could not be read)."})
final class LogsCommand implements Callable<Integer> {

    static final int MAX_LINES = 10_000;
    /** How often {@code --follow} looks at the hosts again for instances that started meanwhile. */
    static final Duration LOOK_AGAIN = Duration.ofSeconds(5);

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Mixin
    ConfigOption config;

    @Parameters(index = "0", paramLabel = "SERVICE", description = "The service, as in services/<name>.yaml.")
    String service;

    @Option(names = "--host", paramLabel = "HOST", description = "Only the instances on this host.")
    Optional<String> host = Optional.empty();

    @Option(names = "--instance", paramLabel = "INSTANCE", description = "Only this instance, e.g. api-2.")
    Optional<String> instance = Optional.empty();

    @Option(names = {"-n", "--lines"}, paramLabel = "N", defaultValue = "100",
        description = "The last N lines of each instance (default: ${DEFAULT-VALUE}).")
    int lines;

    @Option(names = {"-f", "--follow"}, description = "Then keep printing what the instances write, each line"
        + " prefixed with its instance and host, also of instances that start meanwhile (a rollout, a restart),"
        + " until interrupted (Ctrl-C) or none is left running.")
    boolean follow;

    @Override
    public Integer call() throws Exception {
        DaemonConfig cfg = config.require("logs");
        SuspendCommand.serviceName(Optional.of(service));
        if (lines < 1 || lines > MAX_LINES) {
            throw new IllegalArgumentException("--lines must be from 1 to " + MAX_LINES);
        }
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        String environment = Assembly.environmentName(cfg);
        Repo inventory;
        try (HistoryStore history = HistoryStore.open(cfg.historySettings(), environment);
             GitSource source = GitSource.open(cfg.gitSource())) {
            inventory = StatusCommand.inventory(source, history.lastApplied(), cfg.repo().environment())
                .orElseThrow(() -> new IllegalStateException("no revision of the repo with a valid inventory has been"
                    + " fetched yet, so the hosts are unknown: run the daemon (driftless run) first"));
        }
        Map<String, HostTarget> targets = Observer.targets(inventory.hosts().values());
        if (host.isPresent()) {
            if (!targets.containsKey(host.get())) {
                throw new IllegalArgumentException("--host: no host " + host.get() + " in the inventory (hosts: "
                    + String.join(", ", targets.keySet()) + ")");
            }
            targets.keySet().retainAll(List.of(host.get()));
        }
        int shown = 0;
        int failures = 0;
        try (SshHostPool pool = SshHostPool.open(cfg.sshSettings())) {
            Observer observer = Observer.listing(pool, pool.commandTimeout());
            Observation observed = observer.observe(List.copyOf(targets.values()), Observer.runtimesFor(inventory));
            if (follow) {
                // Later looks ask only the hosts the service may run on, or ran on: not a whole estate every 5 s.
                Set<String> lookAt = lookAt(inventory, targets.keySet(), observed, environment);
                Supplier<Observation> look = () -> observer.observe(targets.values().stream()
                    .filter(t -> lookAt.contains(t.name())).toList(), Observer.runtimesFor(inventory));
                return follow(pool, targets, observed, environment, look, out, err);
            }
            for (HostObservation h : observed.hosts().values()) {
                if (h instanceof HostObservation.Unreachable u) {
                    err.println("driftless logs: " + u.reason());
                    failures++;
                    continue;
                }
                for (ObservedContainer c : mine((HostObservation.Reachable) h, environment)) {
                    InstanceRuntime runtime = InstanceRuntime.of(c);
                    out.println("==> " + c.instance().orElseThrow() + " on " + h.host() + " (" + runtime.noun() + " "
                        + c.name() + ", " + c.state().label() + ") <==");
                    try {
                        CommandResult r = pool.session(targets.get(h.host()))
                            .run(runtime.logs(c.name(), lines), pool.commandTimeout());
                        out.print(r.stdout().endsWith("\n") || r.stdout().isEmpty() ? r.stdout() : r.stdout() + "\n");
                        if (!r.succeeded()) {
                            err.println("driftless logs: reading the output of " + c.name() + " on " + h.host()
                                + " failed (exit " + r.exitCode() + "): " + r.firstErrorLine());
                            failures++;
                        }
                    } catch (HostException e) {
                        err.println("driftless logs: " + e.getMessage());
                        failures++;
                    }
                    shown++;
                    out.flush();
                }
            }
        }
        if (shown == 0 && failures == 0) {
            err.println(noInstance(environment));
            return Main.EXIT_ERROR;
        }
        return failures == 0 ? Main.EXIT_OK : Main.EXIT_ERROR;
    }

    private String noInstance(String environment) {
        return "driftless logs: no instance of " + service + instance.map(i -> " named " + i).orElse("")
            + " runs on " + host.orElse("any host of environment " + environment);
    }

    /**
     * Follows the instances found, and those that start while it runs (see {@link LogFollower}),
     * until Ctrl-C or nothing is left to follow; the shutdown hook of Ctrl-C waits a moment for
     * every remote reader to stop with its channel.
     */
    private int follow(SshHostPool pool, Map<String, HostTarget> targets, Observation observed, String environment,
                       Supplier<Observation> look, PrintWriter out, PrintWriter err) throws InterruptedException {
        Thread caller = Thread.currentThread();
        java.util.concurrent.CountDownLatch stopped = new java.util.concurrent.CountDownLatch(1);
        Thread onExit = new Thread(() -> {
            caller.interrupt();
            try {
                // A moment for the readers to stop their remote commands and close their channels.
                stopped.await(2, java.util.concurrent.TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "driftless-logs-stop");
        Runtime.getRuntime().addShutdownHook(onExit);
        try {
            LogFollower follower = new LogFollower(pool, targets, look, h -> mine(h, environment), lines,
                LOOK_AGAIN, out, err);
            boolean anything = observed.hosts().values().stream().anyMatch(h -> h instanceof HostObservation.Reachable r
                && !mine(r, environment).isEmpty());
            boolean ok = follower.follow(observed);
            if (!anything && observed.unreachable().isEmpty()) {
                err.println(noInstance(environment));
            }
            return ok ? Main.EXIT_OK : Main.EXIT_ERROR;
        } finally {
            stopped.countDown();
            try {
                Runtime.getRuntime().removeShutdownHook(onExit);
            } catch (IllegalStateException shuttingDown) {
                // the JVM is stopping: the hook has run
            }
        }
    }

    /**
     * The hosts {@code --follow} looks at again: those the service's placement selects in {@code
     * inventory} (instances may come and go there: a rollout, a failover), and those the first
     * look found running one of its instances.
     */
    private Set<String> lookAt(Repo inventory, Set<String> hosts, Observation first, String environment) {
        Set<String> lookAt = new TreeSet<>();
        Optional.ofNullable(inventory.services().get(service)).ifPresent(s -> hosts.stream()
            .filter(h -> inventory.hosts().containsKey(h) && s.placement().selects(inventory.hosts().get(h)))
            .forEach(lookAt::add));
        first.hosts().values().stream().filter(h -> h instanceof HostObservation.Reachable r
            && !mine(r, environment).isEmpty()).forEach(h -> lookAt.add(h.host()));
        // A host that did not answer at first may run one too.
        first.unreachable().forEach(u -> lookAt.add(u.host()));
        return lookAt;
    }

    /** The instances of the service (and instance) asked for, of this environment, on one host. */
    private List<ObservedContainer> mine(HostObservation.Reachable h, String environment) {
        List<ObservedContainer> mine = new ArrayList<>();
        for (ObservedContainer c : h.containers()) {
            if (c.environment().orElse("").equals(environment) && c.service().orElse("").equals(service)
                    && instance.map(i -> c.instance().orElse("").equals(i)).orElse(true)) {
                mine.add(c);
            }
        }
        mine.sort(java.util.Comparator.comparing(c -> c.instance().orElse("")));
        return mine;
    }
}
