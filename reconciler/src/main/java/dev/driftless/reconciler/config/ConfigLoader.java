package dev.driftless.reconciler.config;

import dev.driftless.model.FieldReader;
import dev.driftless.model.ProblemList;
import dev.driftless.model.SourceLocation;
import dev.driftless.model.YamlNode;
import dev.driftless.model.YamlNode.YamlMap;
import dev.driftless.model.YamlNode.YamlScalar;
import dev.driftless.model.YamlReader;
import dev.driftless.reconciler.apply.Applier;
import dev.driftless.reconciler.config.DaemonConfig.LogFormat;
import dev.driftless.reconciler.daemon.DeployWindows;
import dev.driftless.reconciler.history.HistorySettings;
import dev.driftless.reconciler.history.ReconcileResult;
import dev.driftless.reconciler.plan.Departures;
import dev.driftless.reconciler.source.GitSourceSettings;
import dev.driftless.reconciler.source.RepoUrl;
import dev.driftless.reconciler.source.verify.CommitVerifier;
import dev.driftless.reconciler.ssh.JumpRoute;
import dev.driftless.reconciler.ssh.JumpRules;
import dev.driftless.reconciler.ssh.SshSettings;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * Reads {@code driftless.yaml} into a {@link DaemonConfig}. Like the repo loader it reports every
 * problem at once as {@code file:line:column: message}, with "did you mean" for misspelt keys.
 * Relative paths are resolved against the directory of the configuration file.
 */
public final class ConfigLoader {

    public static final Duration DEFAULT_POLL = Duration.ofSeconds(30);
    public static final Duration DEFAULT_DRIFT = Duration.ofMinutes(5);
    public static final Duration DEFAULT_RETRY = Duration.ofSeconds(30);
    public static final Path DEFAULT_STATE_DIR = Path.of("/var/lib/driftless");
    public static final String DEFAULT_METRICS = "127.0.0.1:9464";
    public static final Duration DEFAULT_COMMAND_TIMEOUT = Duration.ofMinutes(5);

    private static final List<String> TOP = List.of("repo", "ssh", "secrets", "state-dir", "intervals", "history",
        "cluster", "metrics", "log", "notifications", "images", "deploy-windows", "apply");
    private static final List<String> IMAGES = List.of("keep");
    private static final List<String> APPLY = List.of("parallel-services");
    /** The fields of each item of the {@code deploy-windows} list. */
    private static final List<String> WINDOW_FIELDS = List.of("kind", "schedule", "duration", "timezone", "services",
        "manual");
    private static final List<String> REPO = List.of("url", "branch", "path", "environment", "ssh-key", "known-hosts",
        "token-file", "token-env", "ca-file", "allow-force-push", "timeout", "verify", "jump");
    private static final List<String> VERIFY = List.of("pgp-keys", "ssh-allowed-signers", "ssh-revoked-keys");
    private static final List<String> SSH = List.of("key", "key-passphrase-file", "known-hosts", "connect-timeout",
        "command-timeout", "parallelism", "keep-alive", "revoked-host-keys", "idle-timeout", "jump");
    /** The fields of each rule of an {@code ssh.jump} list. */
    private static final List<String> JUMP_RULE = List.of("via", "labels", "hosts");
    /** {@code via} of a rule for hosts reached without a jump host. */
    private static final String DIRECT = "direct";
    private static final List<String> SECRETS = List.of("age-key-file", "pgp-key-file", "passphrase-file");
    private static final List<String> INTERVALS = List.of("poll", "drift", "retry", "departed");
    private static final List<String> HISTORY = List.of("jdbc-url", "user", "password-file", "retention",
        "abandon-after");
    private static final List<String> METRICS = List.of("listen", "reconcile-token-file");
    private static final List<String> LOG = List.of("format");
    /** The fields of each item of the {@code notifications} list. */
    private static final List<String> NOTIFICATION_FIELDS = List.of("url", "url-file", "format", "events", "token-file",
        "signing-secret-file");

    /** The results a notification can be about (every final one), in the order messages list them. */
    private static final Set<ReconcileResult> EVENT_RESULTS = EnumSet.complementOf(EnumSet.of(ReconcileResult.RUNNING));
    private static final String EVENTS = java.util.stream.Stream.concat(EVENT_RESULTS.stream().map(Enum::name),
            java.util.Arrays.stream(DaemonConfig.NoticeEvent.values()).map(Enum::name))
        .map(n -> n.toLowerCase(Locale.ROOT)).collect(Collectors.joining(", "));

    private ConfigLoader() {
    }

    /** True for an http:// or https:// URL that parses and names a host. */
    private static boolean isWebUrl(String url) {
        if (!url.startsWith("https://") && !url.startsWith("http://")) {
            return false;
        }
        try {
            return URI.create(url).getHost() != null;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    private static Optional<ReconcileResult> event(String name) {
        return EVENT_RESULTS.stream().filter(r -> r.name().toLowerCase(Locale.ROOT).equals(name)).findFirst();
    }

    private static Optional<DaemonConfig.NoticeEvent> noticeEvent(String name) {
        return java.util.Arrays.stream(DaemonConfig.NoticeEvent.values())
            .filter(r -> r.name().toLowerCase(Locale.ROOT).equals(name)).findFirst();
    }

    /** Reads and checks {@code file}; every problem is in the exception. */
    public static DaemonConfig load(Path file) throws ConfigException {
        String name = file.toString();
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw single(name, "configuration file not found");
        } catch (IOException e) {
            throw single(name, "cannot read the configuration file: " + e.getClass().getSimpleName());
        }
        Path base = file.toAbsolutePath().getParent();
        return parse(name, bytes, base);
    }

    /** Parses configuration text; {@code baseDir} anchors relative paths. */
    public static DaemonConfig parse(String name, byte[] bytes, Path baseDir) throws ConfigException {
        ProblemList problems = new ProblemList();
        Optional<YamlNode> root = YamlReader.read(name, bytes, problems);
        if (root.isEmpty()) {
            throw new ConfigException(problems.sorted());
        }
        if (root.get() instanceof YamlScalar s && s.isNull()) {
            problems.add(root.get().location(), "the configuration file is empty: it needs at least repo.url and ssh.key");
            throw new ConfigException(problems.sorted());
        }
        if (!(root.get() instanceof YamlMap top)) {
            problems.add(root.get().location(), "the configuration must be a mapping of \"key: value\" lines, not "
                + root.get().describe());
            throw new ConfigException(problems.sorted());
        }
        Reader r = new Reader(name, baseDir, problems);
        DaemonConfig config = r.read(top);
        if (!problems.isEmpty()) {
            throw new ConfigException(problems.sorted());
        }
        return config;
    }

    private static ConfigException single(String file, String message) {
        ProblemList p = new ProblemList();
        p.addFile(file, message);
        return new ConfigException(p.sorted());
    }

    /** One pass over the document; fields that fail are reported and replaced by defaults. */
    private record Reader(String name, Path base, ProblemList problems) {

        DaemonConfig read(YamlMap top) {
            FieldReader f = new FieldReader(top, "", TOP, problems);
            f.require("repo", ": the infra repo to follow (url, branch)");
            f.require("ssh", ": how to reach hosts (at least ssh.key)");
            YamlMap empty = new YamlMap(List.of(), top.location());

            FieldReader repo = new FieldReader(f.mapping("repo").orElse(empty), "repo", REPO, problems);
            if (f.has("repo")) {
                repo.require("url", ": a git URL (ssh://, https://) or a local path");
            }
            DaemonConfig.Repo repoConfig = new DaemonConfig.Repo(
                named(repo, "url").map(this::urlOrPath).orElse(""),
                repo.text("branch").orElse("main"),
                repo.text("path"),
                repo.text("environment"),
                path(repo, "ssh-key"),
                path(repo, "known-hosts"),
                path(repo, "token-file"),
                repo.text("token-env"),
                path(repo, "ca-file"),
                repo.bool("allow-force-push").orElse(false),
                positive(repo, "timeout").orElse(Duration.ofSeconds(60)),
                repo.mapping("verify").flatMap(v -> verify(v, repo)),
                repo.text("jump").flatMap(t -> jumpRoute(t, repo.node("jump").orElseThrow(), repo.path("jump"))));
            checkGitSource(repo, repoConfig);

            FieldReader ssh = new FieldReader(f.mapping("ssh").orElse(empty), "ssh", SSH, problems);
            if (f.has("ssh")) {
                ssh.require("key", ": the private key driftless logs in to hosts with");
            }
            DaemonConfig.Ssh sshConfig = new DaemonConfig.Ssh(
                path(ssh, "key").orElse(Path.of("")),
                path(ssh, "key-passphrase-file"),
                path(ssh, "known-hosts"),
                positive(ssh, "connect-timeout").orElse(Duration.ofSeconds(10)),
                positive(ssh, "command-timeout").orElse(DEFAULT_COMMAND_TIMEOUT),
                (int) (long) ssh.whole("parallelism", 1, 256).orElse(8L),
                keepAlive(ssh),
                path(ssh, "revoked-host-keys"),
                idleTimeout(ssh),
                jump(ssh));

            FieldReader secrets = new FieldReader(f.mapping("secrets").orElse(empty), "secrets", SECRETS, problems);
            DaemonConfig.Secrets secretsConfig = new DaemonConfig.Secrets(
                paths(secrets, "age-key-file"), paths(secrets, "pgp-key-file"), path(secrets, "passphrase-file"));

            FieldReader intervals = new FieldReader(f.mapping("intervals").orElse(empty), "intervals", INTERVALS,
                problems);
            DaemonConfig.Intervals intervalsConfig = new DaemonConfig.Intervals(
                positive(intervals, "poll").orElse(DEFAULT_POLL),
                positive(intervals, "drift").orElse(DEFAULT_DRIFT),
                positive(intervals, "retry").orElse(DEFAULT_RETRY),
                positive(intervals, "departed").orElse(Departures.GIVE_UP));

            FieldReader history = new FieldReader(f.mapping("history").orElse(empty), "history", HISTORY, problems);
            history.text("jdbc-url").filter(u -> !u.regionMatches(true, 0, "jdbc:postgresql:", 0, 16)
                && !u.regionMatches(true, 0, "jdbc:h2:", 0, 8)).ifPresent(u -> problems.add(
                    history.node("jdbc-url").orElseThrow().location(),
                    // not echoed: a JDBC URL can carry a password
                    "history.jdbc-url must be jdbc:postgresql://… or jdbc:h2:…"));
            Duration abandonAfter = positive(history, "abandon-after")
                .filter(d -> {
                    if (d.compareTo(HistorySettings.MIN_ABANDON_AFTER) >= 0) {
                        return true;
                    }
                    problems.add(history.node("abandon-after").orElseThrow().location(),
                        "history.abandon-after must be at least " + HistorySettings.MIN_ABANDON_AFTER.toSeconds()
                            + "s: a daemon beats six times within it");
                    return false;
                }).orElse(HistorySettings.DEFAULT_ABANDON_AFTER);
            DaemonConfig.History historyConfig = new DaemonConfig.History(history.text("jdbc-url"),
                history.text("user"), path(history, "password-file"), positive(history, "retention"), abandonAfter);
            boolean cluster = f.bool("cluster").orElse(false);
            if (cluster && !historyConfig.jdbcUrl().map(u -> u.startsWith("jdbc:postgresql:")).orElse(false)) {
                problems.add(f.node("cluster").orElseThrow().location(),
                    "cluster: true needs the history in PostgreSQL (history.jdbc-url: jdbc:postgresql://…): "
                        + "the daemons of a cluster share its Quartz tables");
            }

            FieldReader metrics = new FieldReader(f.mapping("metrics").orElse(empty), "metrics", METRICS, problems);
            Optional<InetSocketAddress> listen = listen(metrics);
            Optional<Path> reconcileTokenFile = path(metrics, "reconcile-token-file");

            FieldReader log = new FieldReader(f.mapping("log").orElse(empty), "log", LOG, problems);
            LogFormat format = log.text("format").flatMap(t -> logFormat(t, log)).orElse(LogFormat.TEXT);

            Path stateDir = named(f, "state-dir").map(this::resolve).orElse(DEFAULT_STATE_DIR);
            List<DaemonConfig.Notification> notifications = f.list("notifications").map(this::notifications)
                .orElse(List.of());
            FieldReader images = new FieldReader(f.mapping("images").orElse(empty), "images", IMAGES, problems);
            int keepImages = (int) (long) images.whole("keep", 0, 1000).orElse((long) Applier.Settings.DEFAULT_KEEP_IMAGES);
            FieldReader apply = new FieldReader(f.mapping("apply").orElse(empty), "apply", APPLY, problems);
            int parallelServices = (int) (long) apply.whole("parallel-services", 1, 64)
                .orElse((long) Applier.Settings.DEFAULT_PARALLEL_SERVICES);
            List<DeployWindows.Window> windows = f.list("deploy-windows").map(this::deployWindows).orElse(List.of());
            return new DaemonConfig(Path.of(name), repoConfig, sshConfig, secretsConfig, stateDir, intervalsConfig,
                historyConfig, cluster, listen, reconcileTokenFile, format, notifications, keepImages, windows,
                parallelServices);
        }

        /** {@code repo.verify}: the keys whose signatures make a commit trusted. */
        private Optional<CommitVerifier.Policy> verify(YamlMap map, FieldReader repo) {
            FieldReader v = new FieldReader(map, "repo.verify", VERIFY, problems);
            List<Path> pgp = paths(v, "pgp-keys");
            Optional<Path> signers = path(v, "ssh-allowed-signers");
            if (pgp.isEmpty() && signers.isEmpty()) {
                problems.add(repo.node("verify").orElseThrow().location(), "repo.verify needs pgp-keys (OpenPGP"
                    + " public key files) or ssh-allowed-signers (an allowed signers file), or both");
                return Optional.empty();
            }
            Optional<Path> revoked = path(v, "ssh-revoked-keys");
            if (revoked.isPresent() && signers.isEmpty()) {
                problems.add(v.node("ssh-revoked-keys").orElseThrow().location(), "repo.verify.ssh-revoked-keys"
                    + " revokes SSH keys, and no SSH key is trusted (ssh-allowed-signers is not set)");
            }
            return Optional.of(new CommitVerifier.Policy(pgp, signers, revoked));
        }

        private List<DeployWindows.Window> deployWindows(YamlNode.YamlList list) {
            List<DeployWindows.Window> out = new ArrayList<>();
            for (int i = 0; i < list.items().size(); i++) {
                String path = "deploy-windows[" + i + "]";
                YamlNode item = list.items().get(i);
                if (!(item instanceof YamlMap map)) {
                    problems.add(item.location(), path + " must be a mapping, e.g. {kind: deny, schedule: \"0 16 * * FRI\","
                        + " duration: 64h}");
                    continue;
                }
                int before = problems.mark();
                FieldReader w = new FieldReader(map, path, WINDOW_FIELDS, problems);
                w.require("kind", ": allow or deny");
                w.require("schedule", ": when it opens, as a cron line, e.g. \"0 16 * * FRI\"");
                w.require("duration", ": how long it stays open, e.g. 64h");
                Optional<DeployWindows.Kind> kind = w.text("kind").flatMap(t -> switch (t) {
                    case "allow" -> Optional.of(DeployWindows.Kind.ALLOW);
                    case "deny" -> Optional.of(DeployWindows.Kind.DENY);
                    default -> {
                        problems.add(w.node("kind").orElseThrow().location(), path + ".kind must be allow or deny, got \""
                            + t + "\"");
                        yield Optional.empty();
                    }
                });
                Optional<String> schedule = w.text("schedule").filter(c -> {
                    if (DeployWindows.quartz(c).isPresent()) {
                        return true;
                    }
                    problems.add(w.node("schedule").orElseThrow().location(), path + ".schedule \"" + c + "\" is not a"
                        + " cron line this reads: five fields (minute hour day-of-month month day-of-week, e.g."
                        + " \"0 16 * * FRI\" or \"30 8 * * 1-5\"), days of the week 0-7 or SUN-SAT, and not both day"
                        + " fields restricted");
                    return false;
                });
                Optional<Duration> duration = positive(w, "duration");
                ZoneId zone = w.text("timezone").flatMap(z -> {
                    try {
                        return Optional.of(ZoneId.of(z));
                    } catch (java.time.DateTimeException e) {
                        problems.add(w.node("timezone").orElseThrow().location(), path + ".timezone \"" + z + "\" is"
                            + " not a time zone; write a region such as Europe/Berlin, or UTC");
                        return Optional.empty();
                    }
                }).orElse(ZoneId.of("UTC"));
                List<String> services = w.texts("services").orElse(List.of());
                boolean manual = w.bool("manual").orElse(false);
                if (!problems.addedSince(before)) {
                    out.add(new DeployWindows.Window(path, kind.orElseThrow(), schedule.orElseThrow(), duration.orElseThrow(),
                        zone, services, manual));
                }
            }
            return out;
        }

        private List<DaemonConfig.Notification> notifications(YamlNode.YamlList list) {
            List<DaemonConfig.Notification> out = new ArrayList<>();
            for (int i = 0; i < list.items().size(); i++) {
                String path = "notifications[" + i + "]";
                YamlNode item = list.items().get(i);
                if (!(item instanceof YamlMap map)) {
                    problems.add(item.location(), path + " must be a mapping with url (or url-file), e.g. "
                        + "{url: https://hooks.example.org/driftless}");
                    continue;
                }
                int before = problems.mark();
                FieldReader n = new FieldReader(map, path, NOTIFICATION_FIELDS, problems);
                Optional<String> url = n.text("url");
                Optional<Path> urlFile = path(n, "url-file");
                if (url.isPresent() == urlFile.isPresent()) {
                    problems.add(map.location(), path + " needs exactly one of url and url-file");
                }
                url.filter(u -> !isWebUrl(u))
                    // not echoed: webhook URLs often carry their secret in the path
                    .ifPresent(u -> problems.add(n.node("url").orElseThrow().location(),
                        path + ".url must be an http:// or https:// URL"));
                DaemonConfig.NotificationFormat fmt = n.text("format").flatMap(t -> {
                    try {
                        return Optional.of(DaemonConfig.NotificationFormat.valueOf(t.toUpperCase(Locale.ROOT)));
                    } catch (IllegalArgumentException e) {
                        problems.add(n.node("format").orElseThrow().location(),
                            path + ".format must be json, slack, teams or discord, got \"" + t + "\"");
                        return Optional.empty();
                    }
                }).orElse(DaemonConfig.NotificationFormat.JSON);
                Set<ReconcileResult> events = EnumSet.noneOf(ReconcileResult.class);
                Set<DaemonConfig.NoticeEvent> suspensions = EnumSet.noneOf(DaemonConfig.NoticeEvent.class);
                n.texts("events").ifPresentOrElse(names -> names.forEach(e -> {
                    Optional<ReconcileResult> result = event(e);
                    Optional<DaemonConfig.NoticeEvent> act = noticeEvent(e);
                    result.ifPresent(events::add);
                    act.ifPresent(suspensions::add);
                    if (result.isEmpty() && act.isEmpty()) {
                        problems.add(n.node("events").orElseThrow().location(), path + ".events: \"" + e
                            + "\" is not an event; use " + EVENTS);
                    }
                }), () -> {
                    events.addAll(EVENT_RESULTS);
                    suspensions.addAll(EnumSet.allOf(DaemonConfig.NoticeEvent.class));
                });
                if (!problems.addedSince(before)) {
                    out.add(new DaemonConfig.Notification(url, urlFile, fmt, events, path(n, "token-file"),
                        path(n, "signing-secret-file"), suspensions));
                }
            }
            return out;
        }

        /**
         * What the git source would refuse when the daemon opens it, reported now at the line
         * that asks for it: the same rules, from {@link GitSourceSettings}.
         */
        private void checkGitSource(FieldReader repo, DaemonConfig.Repo r) {
            GitSourceSettings probe = GitSourceSettings.of("-", base);
            gitRule(repo, "branch", () -> probe.withBranch(r.branch()));
            r.path().ifPresent(p -> gitRule(repo, "path", () -> probe.withSubdirectory(p)));
            if (r.jump().isPresent() && !r.url().isEmpty() && !isSshUrl(r.url())) {
                problems.add(repo.node("jump").orElseThrow().location(), "repo.jump: only an SSH URL (ssh://… or"
                    + " user@host:path) is reached through jump hosts; " + r.url() + " is not one");
            }
            if (r.tokenFile().isPresent() && r.tokenEnv().filter(t -> !t.isBlank()).isPresent()) {
                problems.add(repo.node("token-env").orElseThrow().location(),
                    "repo.token-file and repo.token-env are both set; choose one");
            }
        }

        private static boolean isSshUrl(String url) {
            try {
                return RepoUrl.parse(url).kind() == RepoUrl.Kind.SSH;
            } catch (dev.driftless.reconciler.source.GitSourceException e) {
                return false;
            }
        }

        private void gitRule(FieldReader repo, String key, Runnable check) {
            try {
                check.run();
            } catch (IllegalArgumentException e) {
                problems.add(repo.node(key).orElseThrow().location(), repo.path(key) + ": " + e.getMessage());
            }
        }

        /** A local repo path is resolved like any other path; URLs are kept as written. */
        private String urlOrPath(String url) {
            boolean isUrl = url.contains("://") || url.matches("[^/]+@[^/]+:.*");
            return isUrl ? url : resolve(url).toString();
        }

        private Optional<Path> path(FieldReader f, String key) {
            return named(f, key).map(this::resolve);
        }

        /** A file, directory or URL: blank is refused, as it would silently resolve to the configuration's directory. */
        private Optional<String> named(FieldReader f, String key) {
            Optional<String> text = f.text(key);
            if (text.isPresent() && text.get().isBlank()) {
                problems.add(f.node(key).orElseThrow().location(), f.path(key) + " is empty");
                return Optional.empty();
            }
            return text;
        }

        private List<Path> paths(FieldReader f, String key) {
            Optional<YamlNode> node = f.node(key);
            if (node.isEmpty()) {
                return List.of();
            }
            if (node.get() instanceof YamlScalar) {
                return path(f, key).map(List::of).orElse(List.of());
            }
            List<Path> out = new ArrayList<>();
            f.texts(key).ifPresent(list -> {
                for (int i = 0; i < list.size(); i++) {
                    if (list.get(i).isBlank()) {
                        problems.add(node.get().location(), f.path(key) + "[" + i + "] is empty");
                    } else {
                        out.add(resolve(list.get(i)));
                    }
                }
            });
            return out;
        }

        private Path resolve(String text) {
            Path p = Path.of(text.startsWith("~/") ? System.getProperty("user.home") + text.substring(1) : text);
            return p.isAbsolute() ? p.normalize() : base.resolve(p).normalize();
        }

        /**
         * {@code ssh.jump}: {@code user@host[:port]} (or a chain, {@code user@a,user@b}) every host is reached through;
         * or a list of rules, {@code {via, labels, hosts}}, the first matching a host choosing its jump
         * host ({@code via: direct} for none).
         */
        private JumpRules jump(FieldReader ssh) {
            Optional<YamlNode> node = ssh.node("jump");
            if (node.isPresent() && node.get() instanceof YamlNode.YamlList list) {
                return jumpRules(list);
            }
            return ssh.text("jump").flatMap(t -> jumpRoute(t, ssh.node("jump").orElseThrow(), ssh.path("jump")))
                .map(JumpRules::every).orElse(JumpRules.none());
        }

        private Optional<JumpRoute> jumpRoute(String text, YamlNode at, String path) {
            try {
                return Optional.of(JumpRoute.parse(text));
            } catch (IllegalArgumentException e) {
                problems.add(at.location(), path + ": " + e.getMessage());
                return Optional.empty();
            }
        }

        private JumpRules jumpRules(YamlNode.YamlList list) {
            List<JumpRules.Rule> rules = new ArrayList<>();
            String catchAll = null;
            for (int i = 0; i < list.items().size(); i++) {
                String path = "ssh.jump[" + i + "]";
                YamlNode item = list.items().get(i);
                if (!(item instanceof YamlMap map)) {
                    problems.add(item.location(), path + " must be a mapping: {via: user@host, labels: {…}} or"
                        + " {via: user@host, hosts: [pattern, …]}");
                    continue;
                }
                int before = problems.mark();
                FieldReader r = new FieldReader(map, path, JUMP_RULE, problems);
                r.require("via", ": the jump host (user@host[:port]), or direct");
                Optional<YamlNode> viaNode = r.node("via");
                Optional<JumpRoute> via = r.text("via").filter(t -> !t.equals(DIRECT))
                    .flatMap(t -> jumpRoute(t, viaNode.orElseThrow(), r.path("via")));
                SortedMap<String, String> labels = r.labels("labels").orElse(new TreeMap<>());
                List<String> hostPatterns = r.node("hosts").flatMap(h -> h instanceof YamlScalar
                    ? r.text("hosts").map(List::of) : r.texts("hosts")).orElse(List.of());
                if (problems.addedSince(before)) {
                    continue;
                }
                if (catchAll != null) {
                    problems.add(map.location(), path + " is never used: " + catchAll + " already matches every host");
                }
                JumpRules.Rule rule = new JumpRules.Rule(via, labels, hostPatterns);
                if (rule.matchesEveryHost()) {
                    catchAll = path;
                }
                rules.add(rule);
            }
            return new JumpRules(rules);
        }

        /** {@code ssh.idle-timeout}: 0 (the default) keeps connections open, else at least a second. */
        private Duration idleTimeout(FieldReader ssh) {
            return zeroOrASecond(ssh, "idle-timeout", "connections stay open", Duration.ZERO);
        }

        /** {@code ssh.keep-alive}: 0 turns keep-alives off, else at least a second. */
        private Duration keepAlive(FieldReader ssh) {
            return zeroOrASecond(ssh, "keep-alive", "off", SshSettings.DEFAULT_KEEP_ALIVE);
        }

        /** A duration that is 0s (meaning {@code zero}) or at least a second; {@code otherwise} when absent or wrong. */
        private Duration zeroOrASecond(FieldReader f, String key, String zero, Duration otherwise) {
            Optional<Duration> d = f.duration(key);
            if (d.isPresent() && !d.get().isZero() && d.get().compareTo(Duration.ofSeconds(1)) < 0) {
                problems.add(f.node(key).orElseThrow().location(), f.path(key) + " must be 0s (" + zero
                    + ") or at least 1s, got " + d.get().toMillis() + "ms");
                return otherwise;
            }
            return d.orElse(otherwise);
        }

        private Optional<Duration> positive(FieldReader f, String key) {
            Optional<Duration> d = f.duration(key);
            if (d.isPresent() && (d.get().isZero() || d.get().isNegative())) {
                problems.add(f.node(key).orElseThrow().location(), f.path(key) + " must be longer than zero");
                return Optional.empty();
            }
            return d;
        }

        private Optional<InetSocketAddress> listen(FieldReader metrics) {
            String text = metrics.text("listen").orElse(DEFAULT_METRICS);
            if (text.equals("off")) {
                return Optional.empty();
            }
            SourceLocation at = metrics.node("listen").map(YamlNode::location).orElse(SourceLocation.of(name));
            int colon = text.lastIndexOf(':');
            try {
                String host = colon <= 0 ? "0.0.0.0" : text.substring(0, colon).replaceAll("^\\[|]$", "");
                int port = Integer.parseInt(text.substring(colon + 1));
                if (port < 0 || port > 65535) {
                    throw new NumberFormatException();
                }
                return Optional.of(InetSocketAddress.createUnresolved(host, port));
            } catch (NumberFormatException | StringIndexOutOfBoundsException e) {
                problems.add(at, "metrics.listen must be \"address:port\" (e.g. 127.0.0.1:9464) or \"off\", got \""
                    + text + "\"");
                return Optional.empty();
            }
        }

        private Optional<LogFormat> logFormat(String text, FieldReader log) {
            try {
                return Optional.of(LogFormat.valueOf(text.toUpperCase(Locale.ROOT)));
            } catch (IllegalArgumentException e) {
                problems.add(log.node("format").orElseThrow().location(),
                    "log.format must be text or json, got \"" + text + "\"");
                return Optional.empty();
            }
        }
    }
}
