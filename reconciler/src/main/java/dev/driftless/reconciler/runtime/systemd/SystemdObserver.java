package dev.driftless.reconciler.runtime.systemd;

import dev.driftless.model.Runtime;
import dev.driftless.reconciler.command.RemoteCommand;
import dev.driftless.reconciler.observe.ContainerState;
import dev.driftless.reconciler.observe.HealthStatus;
import dev.driftless.reconciler.observe.ObservedContainer;
import dev.driftless.reconciler.observe.RuntimeListing;
import dev.driftless.reconciler.observe.RuntimeObserver;
import dev.driftless.reconciler.runtime.FileDrift;
import dev.driftless.reconciler.runtime.docker.ContainerLabels;
import dev.driftless.reconciler.runtime.systemd.SystemdUnits.Scope;
import dev.driftless.reconciler.ssh.CommandResult;
import dev.driftless.reconciler.ssh.HostException;
import dev.driftless.reconciler.ssh.HostFailure;
import dev.driftless.reconciler.ssh.HostTarget;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Observes the systemd units driftless manages on a host, user units of the SSH user and system
 * units alike, with {@link SystemdCommands#observe()}: each {@code driftless-*.service} file (its
 * {@code [X-Driftless]} labels), the files of its own directory that changed on the host ({@link
 * FileDrift}) and its state as {@code systemctl show} reports it. A host without
 * such files answers with nothing and costs one short command; only a host that has units but
 * whose manager does not answer is a problem. A system unit is labelled
 * {@link SystemdUnits#SCOPE_LABEL} so that apply drives it through the system's manager.
 */
public final class SystemdObserver implements RuntimeObserver {

    private static final String SCOPE = "@@scope ";
    private static final Pattern TIMESTAMP = Pattern.compile("(\\d{4}-\\d{2}-\\d{2}) (\\d{2}:\\d{2}:\\d{2})");

    private final boolean checkFiles;

    /** An observer that checks the units' files and env files too. */
    public SystemdObserver() {
        this(true);
    }

    /** @param checkFiles whether the units' files and env files are checked ({@link FileDrift}) */
    public SystemdObserver(boolean checkFiles) {
        this.checkFiles = checkFiles;
    }

    @Override
    public RemoteCommand command() {
        return SystemdCommands.observe(checkFiles);
    }

    @Override
    public RuntimeListing interpret(HostTarget host, CommandResult result) throws HostException {
        String stdout = result.stdout();
        String lower = result.stderr().toLowerCase(Locale.ROOT);
        if (!result.succeeded()) {
            // The listing says which manager it was reading when it failed: the last @@scope line.
            boolean system = stdout.lines().filter(l -> l.startsWith(SCOPE)).reduce((a, b) -> b)
                .map(l -> l.equals(SCOPE + Scope.SYSTEM.word())).orElse(false);
            if (result.exitCode() == 127 || lower.contains("systemctl: not found")) {
                throw failure(host, HostFailure.Kind.RUNTIME_MISSING, "host " + host.name() + " has driftless units"
                    + " but no systemctl for user " + host.user());
            }
            if (system) {
                throw failure(host, HostFailure.Kind.RUNTIME_UNAVAILABLE, "user " + host.user() + " cannot read the"
                    + " state of the system units of host " + host.name() + " (" + result.firstErrorLine()
                    + "): systemctl needs D-Bus there (the dbus package)");
            }
            if (lower.contains("failed to connect to bus") || lower.contains("no medium found")
                    || lower.contains("xdg_runtime_dir")) {
                throw failure(host, HostFailure.Kind.RUNTIME_UNAVAILABLE, "the systemd user manager of "
                    + host.user() + " is not running on host " + host.name() + " (" + result.firstErrorLine()
                    + "): let it run without a login with: loginctl enable-linger " + host.user());
            }
            throw failure(host, HostFailure.Kind.RUNTIME_PROTOCOL, "observing systemd units on host " + host.name()
                + " failed (exit " + result.exitCode() + "): " + result.firstErrorLine());
        }
        if (stdout.isBlank()) {
            return new RuntimeListing("", List.of());
        }
        try {
            return parse(stdout);
        } catch (IllegalArgumentException e) {
            throw failure(host, HostFailure.Kind.RUNTIME_PROTOCOL, "could not read the systemd units of host "
                + host.name() + ": " + e.getMessage());
        }
    }

    /**
     * Reads what {@link SystemdCommands#observe()} printed when there were unit files: a section
     * per manager, each starting with a {@code @@scope} line.
     */
    static RuntimeListing parse(String stdout) {
        List<String> lines = stdout.lines().toList();
        if (lines.isEmpty() || !lines.getFirst().startsWith(SCOPE)) {
            throw new IllegalArgumentException("the listing does not start with " + SCOPE.strip());
        }
        String version = null;
        List<ObservedContainer> units = new ArrayList<>();
        int start = 0;
        while (start < lines.size()) {
            int end = start + 1;
            while (end < lines.size() && !lines.get(end).startsWith(SCOPE)) {
                end++;
            }
            String word = lines.get(start).substring(SCOPE.length()).strip();
            Scope scope = switch (word) {
                case "user" -> Scope.USER;
                case "system" -> Scope.SYSTEM;
                default -> throw new IllegalArgumentException("unknown scope '" + word + "'");
            };
            List<String> section = lines.subList(start + 1, end);
            if (section.isEmpty()) {
                throw new IllegalArgumentException("the " + word + " units' listing is empty");
            }
            if (version == null) {
                version = "systemd " + section.getFirst().strip();
            }
            units.addAll(section(scope, section));
            start = end;
        }
        return new RuntimeListing(version, units);
    }

    /** One manager's part of the listing: its version, its unit files, then their states. */
    private static List<ObservedContainer> section(Scope scope, List<String> lines) {
        Map<String, StringBuilder> files = new LinkedHashMap<>();
        List<String> checks = new ArrayList<>();
        StringBuilder current = null;
        int i = 1;
        for (; i < lines.size(); i++) {
            String line = lines.get(i);
            if (line.equals("@@show")) {
                break;
            }
            if (line.startsWith("@@unit ")) {
                current = new StringBuilder();
                files.put(line.substring("@@unit ".length()).strip(), current);
            } else if (line.startsWith(FileDrift.MARK) || !checks.isEmpty()) {
                // The file checks come after the last unit file.
                checks.add(line);
            } else if (current != null) {
                current.append(line).append('\n');
            }
        }
        Map<String, String> changedFiles = FileDrift.read(checks);
        if (i >= lines.size()) {
            throw new IllegalArgumentException("the listing ended before the units' states");
        }
        // systemctl show prints one block of properties per unit, blank lines between them.
        Map<String, Map<String, String>> states = new LinkedHashMap<>();
        for (String block : String.join("\n", lines.subList(i + 1, lines.size())).split("\n\\s*\n")) {
            Map<String, String> show = properties(block);
            if (show.containsKey("Id")) {
                states.put(show.get("Id"), show);
            }
        }
        List<ObservedContainer> units = new ArrayList<>();
        for (var e : files.entrySet()) {
            Map<String, String> labels = new LinkedHashMap<>(SystemdUnits.labels(e.getValue().toString()));
            if (!ContainerLabels.isManaged(labels)) {
                continue;
            }
            // Where the file is says which manager holds it, whatever the file says.
            labels.remove(SystemdUnits.SCOPE_LABEL);
            if (scope == Scope.SYSTEM) {
                labels.put(SystemdUnits.SCOPE_LABEL, scope.word());
            }
            Map<String, String> show = states.getOrDefault(e.getKey(), Map.of());
            List<String> drift = new ArrayList<>();
            if (SystemdUnits.edited(e.getValue().toString())) {
                drift.add("unit file edited on the host");
            }
            List<String> dropIns = SystemdUnits.ownDropIns(scope, SystemdUnits.withoutSuffix(e.getKey()),
                show.getOrDefault("DropInPaths", ""));
            if (!dropIns.isEmpty()) {
                drift.add("drop-in " + String.join(", ", dropIns) + " added on the host");
            }
            if (changedFiles.containsKey(e.getKey())) {
                drift.add(changedFiles.get(e.getKey()));
            }
            if (!drift.isEmpty()) {
                labels.put(ObservedContainer.DRIFT, String.join("; ", drift));
            }
            units.add(unit(e.getKey(), labels, show));
        }
        return units;
    }

    private static ObservedContainer unit(String file, Map<String, String> labels, Map<String, String> show) {
        return ContainerLabels.observed(file, SystemdUnits.withoutSuffix(file), "", "", labels,
            new ContainerLabels.State(state(show), parseInt(show.get("ExecMainStatus")),
                timestamp(show.get("ExecMainStartTimestamp")), timestamp(show.get("ExecMainExitTimestamp")),
                HealthStatus.NONE, Optional.empty(), parseInt(show.get("NRestarts")), Optional.empty()),
            Runtime.SYSTEMD);
    }

    /** A unit's lifecycle in the words observation uses for containers. */
    static ContainerState state(Map<String, String> show) {
        String load = show.getOrDefault("LoadState", "");
        String active = show.getOrDefault("ActiveState", "");
        String sub = show.getOrDefault("SubState", "");
        if (load.equals("not-found") || load.isEmpty()) {
            // The file is there but the manager has not read it: written, never started.
            return ContainerState.CREATED;
        }
        return switch (active) {
            case "active", "reloading" -> ContainerState.RUNNING;
            case "activating" -> sub.equals("auto-restart") ? ContainerState.RESTARTING : ContainerState.RUNNING;
            // Stopped: by driftless (a unit kept for a rollback), by someone, or by its program.
            case "inactive", "failed", "deactivating" -> ContainerState.EXITED;
            default -> ContainerState.UNKNOWN;
        };
    }

    /** What the health gate reads of a unit, from {@link SystemdCommands#state}'s output. */
    static String gateStatus(Map<String, String> show) {
        if (show.getOrDefault("LoadState", "").equals("not-found")) {
            return "missing";
        }
        return switch (state(show)) {
            case RUNNING -> show.getOrDefault("ActiveState", "").equals("activating") ? "activating" : "running";
            case RESTARTING -> "restarting";
            case EXITED, DEAD -> "exited";
            case CREATED -> "created";
            default -> show.getOrDefault("ActiveState", "unknown");
        };
    }

    /** {@code key=value} lines into a map. */
    static Map<String, String> properties(String text) {
        Map<String, String> map = new LinkedHashMap<>();
        text.lines().forEach(l -> {
            int eq = l.indexOf('=');
            if (eq > 0) {
                map.put(l.substring(0, eq), l.substring(eq + 1));
            }
        });
        return map;
    }

    /** systemctl's timestamps, printed in UTC (the command sets TZ): {@code Sun 2026-11-22 04:39:22 UTC}. */
    static Optional<Instant> timestamp(String text) {
        if (text == null || text.isBlank()) {
            return Optional.empty();
        }
        Matcher m = TIMESTAMP.matcher(text);
        if (!m.find()) {
            return Optional.empty();
        }
        try {
            return Optional.of(LocalDateTime.parse(m.group(1) + "T" + m.group(2)).toInstant(ZoneOffset.UTC));
        } catch (DateTimeParseException e) {
            return Optional.empty();
        }
    }

    static int parseInt(String s) {
        try {
            return s == null ? 0 : Integer.parseInt(s.strip());
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    private static HostException failure(HostTarget host, HostFailure.Kind kind, String message) {
        return new HostException(new HostFailure(host.name(), kind, message));
    }
}
