package dev.driftless.reconciler.runtime.systemd;

import dev.driftless.model.Instance;
import dev.driftless.model.Service;
import dev.driftless.reconciler.runtime.FileArchive;
import dev.driftless.reconciler.runtime.docker.ContainerLabels;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Maps a desired instance onto the systemd unit that runs it: its name, where its files live on
 * the host, and the unit file itself. A service without {@code user} runs as a user unit of the
 * SSH user; one with {@code user} as a system unit ({@code User=}), installed with sudo. Like a container name, the unit name carries the start of
 * the fingerprint, so the old and the new version of an instance can exist side by side during a
 * rollout and a rollback.
 *
 * <p>What driftless knows of the instance (environment, service, instance, fingerprint, commit,
 * spec, time of deployment) is written into an {@code [X-Driftless]} section, which systemd
 * ignores, under the same keys as a container's labels, so observation reads units and containers
 * alike.
 */
public final class SystemdUnits {

    /** Where user units live, relative to the SSH user's home. */
    public static final String UNIT_DIR = ".config/systemd/user";
    /** Where the secrets of units live, relative to the SSH user's home (a 0700 directory). */
    public static final String ENV_DIR = ".driftless/units";
    /** Where system units live. */
    public static final String SYSTEM_UNIT_DIR = "/etc/systemd/system";
    /** Where the secrets of system units live (a root-only 0700 directory). */
    public static final String SYSTEM_ENV_DIR = "/etc/driftless/units";
    /** Where the files of user units' instances live, relative to the SSH user's home (0700 directories). */
    public static final String FILES_DIR = ".driftless/files";
    /**
     * Where the files of system units' instances live: a directory of root's, each instance's own
     * directory in it owned by the user its program runs as. Not under {@code /etc/driftless}, which
     * holds the secrets of system units and, on the daemon's own host, its configuration.
     */
    public static final String SYSTEM_FILES_DIR = "/etc/driftless-files";
    /**
     * The label observation puts on a system unit (from where it found the file, never from the
     * file itself), so acting on it goes to the system manager.
     */
    public static final String SCOPE_LABEL = "dev.driftless.unit-scope";
    /** Every managed unit's name starts with this. */
    public static final String PREFIX = "driftless-";
    /** The unit-file section holding driftless's labels. */
    public static final String SECTION = "X-Driftless";
    /** The label holding the digest of everything in the unit file above driftless's section. */
    public static final String DIGEST = "dev.driftless.unit-digest";
    private static final String SUFFIX = ".service";

    private SystemdUnits() {
    }

    /** Which service manager holds a unit. */
    public enum Scope {
        /** The SSH user's own manager ({@code systemctl --user}): no root needed. */
        USER,
        /** The host's manager ({@code sudo -n systemctl}): for services that name a {@code user}. */
        SYSTEM;

        /** {@code user} or {@code system}, as in messages and the observation's listing. */
        public String word() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /** The manager that runs {@code instance}: the system's when its service names a {@code user}. */
    public static Scope scopeOf(Instance instance) {
        return instance.service().user().isPresent() ? Scope.SYSTEM : Scope.USER;
    }

    /** The manager that holds an observed unit, from the label observation gave it. */
    public static Scope scopeOf(Map<String, String> observedLabels) {
        return Scope.SYSTEM.word().equals(observedLabels.get(SCOPE_LABEL)) ? Scope.SYSTEM : Scope.USER;
    }

    /** {@code driftless-api-1-3f9a2c1b}: the prefix, the instance name and 8 hex digits of its fingerprint. */
    public static String unitName(Instance instance) {
        return PREFIX + instance.name() + "-" + instance.shortFingerprint().substring(0, 8);
    }

    /**
     * {@code driftless-api-pre-deploy-3f9a2c1b}: the transient unit of a service's pre-deploy job
     * for one spec. No instance's unit can have it (their names end in a replica number before
     * the fingerprint), and it has no unit file, so observation never lists it.
     */
    public static String jobName(Instance instance) {
        return PREFIX + instance.service().name() + "-pre-deploy-" + instance.shortFingerprint().substring(0, 8);
    }

    /** Where a job's output goes while it runs: beside the secrets of units, readable by no one else. */
    public static String jobOutputPath(Scope scope, String unit) {
        return (scope == Scope.SYSTEM ? SYSTEM_ENV_DIR : ENV_DIR) + "/" + withoutSuffix(unitFile(unit)) + ".out";
    }

    /** {@code driftless-api-1-3f9a2c1b.service} for a unit name with or without the suffix. */
    public static String unitFile(String unit) {
        checkName(unit);
        return unit.endsWith(SUFFIX) ? unit : unit + SUFFIX;
    }

    /** The unit name without {@code .service}. */
    public static String withoutSuffix(String unit) {
        return unit.endsWith(SUFFIX) ? unit.substring(0, unit.length() - SUFFIX.length()) : unit;
    }

    /** The remote path of a unit's file: relative to the SSH user's home for a user unit. */
    public static String unitPath(Scope scope, String unit) {
        return (scope == Scope.SYSTEM ? SYSTEM_UNIT_DIR : UNIT_DIR) + "/" + unitFile(unit);
    }

    /**
     * The remote paths of a unit's own drop-in directories, where overrides made on the host go:
     * {@code driftless-api-1-3f9a2c1b.service.d} beside its file ({@code systemctl edit}) and in
     * the {@code .control} directory beside the units' ({@code systemctl set-property}). Relative
     * to the SSH user's home for a user unit. driftless writes none.
     */
    public static List<String> dropInDirs(Scope scope, String unit) {
        String base = scope == Scope.SYSTEM ? SYSTEM_UNIT_DIR : UNIT_DIR;
        return List.of(base + "/" + unitFile(unit) + ".d", base + ".control/" + unitFile(unit) + ".d");
    }

    /**
     * The drop-ins among {@code dropInPaths} (systemd's {@code DropInPaths}, absolute paths
     * separated by spaces) that sit in one of the unit's own drop-in directories ({@link
     * #dropInDirs}), by file name: overrides made on the host, which change what the unit runs.
     * Drop-ins for every service of the host ({@code service.d}), and those in runtime or vendor
     * directories, are the host's policy, not drift, and are ignored.
     */
    public static List<String> ownDropIns(Scope scope, String unit, String dropInPaths) {
        List<String> own = new java.util.ArrayList<>();
        for (String path : dropInPaths.strip().split("\\s+")) {
            int slash = path.lastIndexOf('/');
            if (slash < 0) {
                continue;
            }
            String dir = path.substring(0, slash);
            boolean ours = dropInDirs(scope, unit).stream().anyMatch(d -> scope == Scope.SYSTEM ? dir.equals(d)
                : dir.endsWith("/" + d));
            if (ours) {
                own.add(path.substring(slash + 1));
            }
        }
        return List.copyOf(own);
    }

    /** The remote path of the environment file holding a unit's secrets. */
    public static String envFilePath(Scope scope, String unit) {
        return (scope == Scope.SYSTEM ? SYSTEM_ENV_DIR : ENV_DIR) + "/" + withoutSuffix(unitFile(unit)) + ".env";
    }

    /**
     * The directory holding the {@code files} of a unit's instance (or job), which is its program's
     * working directory: relative to the SSH user's home for a user unit.
     */
    public static String filesDir(Scope scope, String unit) {
        return (scope == Scope.SYSTEM ? SYSTEM_FILES_DIR : FILES_DIR) + "/" + withoutSuffix(unitFile(unit));
    }

    /**
     * The checksums of the files in {@link #filesDir}, beside it (see {@link
     * dev.driftless.reconciler.runtime.FileDrift}): 0600, the SSH user's for a user unit, root's for
     * a system unit.
     */
    public static String fileSumsPath(Scope scope, String unit) {
        return filesDir(scope, unit) + dev.driftless.reconciler.runtime.FileDrift.SUFFIX;
    }

    /** Whether {@code name} is a name this class gives (so it is safe on a command line and as a file name). */
    public static boolean isUnitName(String name) {
        return name.startsWith(PREFIX) && name.matches("[A-Za-z0-9][A-Za-z0-9_.-]*") && !name.contains("..");
    }

    private static void checkName(String unit) {
        if (!isUnitName(unit)) {
            throw new IllegalArgumentException("'" + unit + "' is not the name of a driftless unit");
        }
    }

    /** Whether the instance has secrets, and so an environment file. */
    public static boolean needsEnvFile(Instance instance) {
        return !instance.service().secrets().isEmpty();
    }

    /**
     * The unit file for {@code instance} of {@code environment}, deployed from {@code commit}.
     *
     * @throws IllegalArgumentException when a value cannot be written into a unit file (a NUL)
     */
    public static String render(Instance instance, String environment, String commit, Instant deployedAt) {
        return render(instance, unitName(instance), environment, commit, deployedAt);
    }

    /**
     * {@link #render(Instance, String, String, Instant)} for the unit named {@code unit}: the
     * instance's {@link #unitName}, or the second name of the same spec a start-first restart
     * starts beside it (the unit's env file and files directory follow its name).
     */
    public static String render(Instance instance, String unit, String environment, String commit,
                                Instant deployedAt) {
        Service s = instance.service();
        Scope scope = scopeOf(instance);
        StringBuilder b = new StringBuilder();
        b.append("# Managed by driftless: changes made here are drift and are replaced.\n");
        b.append("[Unit]\n");
        b.append("Description=").append(UnitFileSyntax.plainText("driftless " + environment + " " + instance.name()
            + " (service " + s.name() + ")")).append('\n');
        b.append('\n').append("[Service]\n");
        b.append("Type=exec\n");
        runAs(s).forEach((k, v) -> b.append(k).append('=').append(UnitFileSyntax.plainText(v)).append('\n'));
        List<String> words = new java.util.ArrayList<>(s.command());
        words.addAll(s.args());
        b.append("ExecStart=").append(String.join(" ", words.stream().map(UnitFileSyntax::execWord).toList()))
            .append('\n');
        s.env().forEach((k, v) -> b.append("Environment=").append(UnitFileSyntax.environment(k, v)).append('\n'));
        if (FileArchive.any(s)) {
            b.append("WorkingDirectory=").append(scope == Scope.USER ? "%h/" : "").append(filesDir(scope, unit))
                .append('\n');
        }
        if (needsEnvFile(instance)) {
            b.append("EnvironmentFile=").append(scope == Scope.USER ? "%h/" : "").append(envFilePath(scope, unit))
                .append('\n');
        }
        b.append("Restart=").append(switch (s.restart()) {
            case NO -> "no";
            case ON_FAILURE -> "on-failure";
            case ALWAYS, UNLESS_STOPPED -> "always";
        }).append('\n');
        b.append("RestartSec=1s\n");
        s.stop().signal().ifPresent(sig -> b.append("KillSignal=").append(sig).append('\n'));
        b.append("TimeoutStopSec=").append(s.stop().grace().toSeconds()).append("s\n");
        limits(s).forEach((k, v) -> b.append(k).append('=').append(v).append('\n'));
        b.append('\n').append("[Install]\n");
        // A user manager reaches default.target at boot (with lingering); the system's is multi-user.
        b.append("WantedBy=").append(scope == Scope.USER ? "default.target" : "multi-user.target").append('\n');
        String digest = digest(b.toString());
        b.append('\n').append('[').append(SECTION).append("]\n");
        Map<String, String> labels = new LinkedHashMap<>(ContainerLabels.forInstance(environment, s.name(),
            instance.name(), instance.fingerprint(), commit, instance.inputs().values(), deployedAt));
        for (String key : List.of(ContainerLabels.MANAGED, ContainerLabels.ENVIRONMENT, ContainerLabels.SERVICE,
                ContainerLabels.INSTANCE, ContainerLabels.FINGERPRINT, ContainerLabels.COMMIT,
                ContainerLabels.DEPLOYED_AT, ContainerLabels.SPEC)) {
            b.append(key).append('=').append(labels.get(key)).append('\n');
        }
        b.append(DIGEST).append('=').append(digest).append('\n');
        return b.toString();
    }

    /** {@code MemoryMax=}, {@code CPUQuota=} and {@code LimitNOFILE=}, for the resources the service sets. */
    static Map<String, String> limits(Service s) {
        Map<String, String> settings = new LinkedHashMap<>();
        s.resources().memoryBytes().ifPresent(m -> settings.put("MemoryMax", Long.toString(m)));
        s.resources().cpus().ifPresent(c -> settings.put("CPUQuota", cpuQuota(c)));
        s.resources().nofile().ifPresent(n -> settings.put("LimitNOFILE", Long.toString(n)));
        return settings;
    }

    /** {@code User=} and, when the service names one, {@code Group=}: empty for a service without {@code user}. */
    static Map<String, String> runAs(Service s) {
        Map<String, String> settings = new LinkedHashMap<>();
        s.user().ifPresent(u -> {
            int colon = u.indexOf(':');
            settings.put("User", colon < 0 ? u : u.substring(0, colon));
            if (colon >= 0) {
                settings.put("Group", u.substring(colon + 1));
            }
        });
        return settings;
    }

    /**
     * Whether someone changed the unit file since driftless wrote it: the digest of what is above
     * its {@code [X-Driftless]} section no longer matches the one written into it. A file without a
     * digest is taken as it is.
     */
    public static boolean edited(String unitFile) {
        String written = labels(unitFile).get(DIGEST);
        int section = unitFile.indexOf("\n[" + SECTION + "]");
        return written != null && !written.equals(digest(section < 0 ? unitFile : unitFile.substring(0, section + 1)));
    }

    /** SHA-256 of the lines of {@code text} without trailing blank lines, as {@code sha256:<hex>}. */
    private static String digest(String text) {
        List<String> lines = new java.util.ArrayList<>(text.lines().toList());
        while (!lines.isEmpty() && lines.getLast().isBlank()) {
            lines.removeLast();
        }
        try {
            return "sha256:" + java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256")
                .digest(String.join("\n", lines).getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** {@code CPUQuota=} for a share of cores: {@code 0.5} is {@code 50%}, at least {@code 1%}. */
    static String cpuQuota(double cpus) {
        BigDecimal percent = BigDecimal.valueOf(cpus).multiply(BigDecimal.valueOf(100)).setScale(0, RoundingMode.UP);
        return percent.max(BigDecimal.ONE).toPlainString() + "%";
    }

    /**
     * The labels in a unit file's {@code [X-Driftless]} section; empty when it has none (not ours).
     * Only that section is read: nothing else in the file can pose as a label.
     */
    public static Map<String, String> labels(String unitFile) {
        Map<String, String> labels = new LinkedHashMap<>();
        boolean inSection = false;
        for (String raw : unitFile.lines().toList()) {
            String line = raw.strip();
            if (line.startsWith("[") && line.endsWith("]")) {
                inSection = line.equals("[" + SECTION + "]");
                continue;
            }
            int eq = line.indexOf('=');
            if (inSection && eq > 0 && !line.startsWith("#") && !line.startsWith(";")) {
                labels.put(line.substring(0, eq).strip(), line.substring(eq + 1).strip());
            }
        }
        return labels;
    }
}
