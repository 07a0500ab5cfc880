package dev.driftless.reconciler.cli;

import dev.driftless.reconciler.observe.HostObservation;
import dev.driftless.reconciler.observe.Observation;
import dev.driftless.reconciler.observe.ObservedContainer;
import dev.driftless.reconciler.runtime.InstanceRuntime;
import dev.driftless.reconciler.ssh.HostException;
import dev.driftless.reconciler.ssh.HostSessions;
import dev.driftless.reconciler.ssh.HostTarget;
import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * {@code driftless logs -f}: follows every instance found, one SSH channel each, printing {@code
 * api-1 app-2 | line} as lines come, and looks at the hosts again every few seconds (and as soon
 * as a reader ends) to follow what runs since: the fresh container of a rollout or of a
 * start-first restart (from its last lines, as at the start), and a container started again in
 * place (from its new start, so nothing is printed twice). Ends when the calling thread is
 * interrupted (Ctrl-C), or once no reader runs and two looks in a row found nothing new to follow
 * and every host answered.
 */
final class LogFollower {

    private final HostSessions sessions;
    private final Map<String, HostTarget> targets;
    private final Supplier<Observation> look;
    private final Function<HostObservation.Reachable, List<ObservedContainer>> mine;
    private final int lines;
    private final Duration every;
    private final PrintWriter out;
    private final PrintWriter err;

    /** Readers that ended, by key: wakes the loop to look again at once. */
    private final LinkedBlockingQueue<String> ended = new LinkedBlockingQueue<>();
    /** The readers running now, by {@link #key}. */
    private final Map<String, java.util.concurrent.Future<?>> running = new HashMap<>();
    /** When each container followed so far had started when its reader began. */
    private final Map<String, Optional<Instant>> followedStart = new HashMap<>();
    /** Hosts the last look could not reach, told once until they answer again. */
    private final Set<String> silent = new HashSet<>();
    private final AtomicInteger failed = new AtomicInteger();
    private int width;

    /**
     * @param look    observes the hosts again (the same hosts and runtimes as the first look)
     * @param mine    the instances to follow among what a host runs
     * @param every   how long between two looks when no reader ended
     */
    LogFollower(HostSessions sessions, Map<String, HostTarget> targets, Supplier<Observation> look,
                Function<HostObservation.Reachable, List<ObservedContainer>> mine, int lines, Duration every,
                PrintWriter out, PrintWriter err) {
        this.sessions = sessions;
        this.targets = Map.copyOf(targets);
        this.look = look;
        this.mine = mine;
        this.lines = lines;
        this.every = every;
        this.out = out;
        this.err = err;
    }

    /**
     * Follows what {@code first} found, then what later looks find, until interrupted or nothing
     * is left to follow.
     *
     * @return whether every reader ended well and every host of the first look answered; false
     *     also when the first look found nothing to follow
     */
    boolean follow(Observation first) throws InterruptedException {
        List<HostObservation.Reachable> reachable = new ArrayList<>();
        for (HostObservation h : first.hosts().values()) {
            if (h instanceof HostObservation.Unreachable u) {
                tell(u.reason());
                silent.add(h.host());
                failed.incrementAndGet();
            } else {
                reachable.add((HostObservation.Reachable) h);
            }
        }
        Map<String, ObservedContainer> found = new LinkedHashMap<>();
        reachable.forEach(h -> mine.apply(h).forEach(c -> found.put(key(h.host(), c), c)));
        if (found.isEmpty()) {
            return false;
        }
        found.forEach((k, c) -> width = Math.max(width, label(c, host(k)).length()));
        tell("following " + String.join(", ", found.entrySet().stream().map(e -> label(e.getValue(), host(e.getKey()))
            .replace(" ", " on ")).toList()) + "; Ctrl-C to stop");
        try (ExecutorService readers = Executors.newVirtualThreadPerTaskExecutor()) {
            found.forEach((k, c) -> start(readers, host(k), c, Optional.empty()));
            try {
                int emptyLooks = 0;
                while (true) {
                    String done = ended.poll(every.toMillis(), TimeUnit.MILLISECONDS);
                    if (done != null) {
                        List<String> all = new ArrayList<>(List.of(done));
                        ended.drainTo(all);
                        all.forEach(running::remove);
                    }
                    boolean started = lookAgain(readers);
                    // A host that does not answer may still run an instance: wait for it.
                    if (!running.isEmpty() || started || !silent.isEmpty()) {
                        emptyLooks = 0;
                    } else if (++emptyLooks >= 2) {
                        return failed.get() == 0;
                    }
                }
            } catch (InterruptedException interrupted) {
                // Ctrl-C (or the caller): every reader stops its remote command with its channel,
                // and closing the executor waits for them to.
                readers.shutdownNow();
                return failed.get() == 0;
            }
        }
    }

    /** Looks at the hosts and follows what runs now and is not followed; true when it started any. */
    private boolean lookAgain(ExecutorService readers) {
        boolean started = false;
        for (HostObservation h : look.get().hosts().values()) {
            if (h instanceof HostObservation.Unreachable u) {
                if (silent.add(h.host())) {
                    tell(u.reason());
                }
                continue;
            }
            if (silent.remove(h.host())) {
                tell("host " + h.host() + " answers again");
            }
            for (ObservedContainer c : mine.apply((HostObservation.Reachable) h)) {
                String k = key(h.host(), c);
                if (!c.isRunning() || running.containsKey(k)) {
                    continue;
                }
                Optional<Instant> before = followedStart.get(k);
                if (before == null) {
                    width = Math.max(width, label(c, h.host()).length());
                    tell("now following " + label(c, h.host()).replace(" ", " on ") + " (" + InstanceRuntime.of(c)
                        .noun() + " " + c.name() + ")");
                    start(readers, h.host(), c, Optional.empty());
                    started = true;
                } else if (c.startedAt().isPresent() && (before.isEmpty() || c.startedAt().get().isAfter(before.get()))) {
                    tell("following " + label(c, h.host()).replace(" ", " on ") + " again (" + InstanceRuntime.of(c)
                        .noun() + " " + c.name() + " started again)");
                    start(readers, h.host(), c, c.startedAt());
                    started = true;
                }
            }
        }
        return started;
    }

    /** Starts a reader of {@code c}: its last lines, or what it wrote since {@code since}, then on. */
    private void start(ExecutorService readers, String host, ObservedContainer c, Optional<Instant> since) {
        String k = key(host, c);
        followedStart.put(k, c.startedAt());
        String prefix = String.format("%-" + width + "s | ", label(c, host));
        running.put(k, readers.submit(() -> {
            InstanceRuntime runtime = InstanceRuntime.of(c);
            try {
                int exit = sessions.session(targets.get(host)).follow(since.isPresent()
                    ? runtime.followLogsSince(c.name(), since.get()) : runtime.followLogs(c.name(), lines), line -> {
                        synchronized (out) {
                            out.println(prefix + line);
                            out.flush();
                        }
                    });
                tell(label(c, host).replace(" ", " on ") + " stopped writing (" + runtime.noun() + " " + c.name()
                    + (exit == 0 ? "" : ", exit " + exit) + ")");
                if (exit != 0) {
                    failed.incrementAndGet();
                }
            } catch (HostException e) {
                tell(e.getMessage());
                failed.incrementAndGet();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                ended.add(k);
            }
            return null;
        }));
    }

    private void tell(String message) {
        synchronized (out) {
            err.println("driftless logs: " + message);
            err.flush();
        }
    }

    private static String label(ObservedContainer c, String host) {
        return c.instance().orElseThrow() + " " + host;
    }

    private static String key(String host, ObservedContainer c) {
        return host + "/" + c.name();
    }

    private static String host(String key) {
        return key.substring(0, key.indexOf('/'));
    }
}
