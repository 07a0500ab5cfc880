package dev.driftless.reconciler.runtime.systemd;

import dev.driftless.reconciler.command.RemoteCommand;
import dev.driftless.reconciler.command.RemoteFiles;
import dev.driftless.reconciler.runtime.systemd.SystemdUnits.Scope;
import java.util.ArrayList;
import java.util.List;

/**
 * The remote commands of the systemd runtime. A user unit is driven with {@code systemctl --user}
 * (the SSH user's own service manager, no root needed) through a fixed {@code sh -c} script that
 * points {@code XDG_RUNTIME_DIR} at the user's runtime directory when the SSH session did not set
 * it; a system unit with {@code sudo -n systemctl}, which never waits for a password. Reading a
 * unit's state needs no root in either scope. Unit names and every other value are arguments,
 * never part of a script.
 */
public final class SystemdCommands {

    /** The properties the gate and observation read, in one {@code systemctl show}. */
    static final List<String> PROPERTIES = List.of("Id", "LoadState", "ActiveState", "SubState", "Result",
        "ExecMainCode", "ExecMainStatus", "NRestarts", "ExecMainStartTimestamp", "ExecMainExitTimestamp",
        "UnitFileState");

    private static final String LOCALE = "export LC_ALL=C TZ=UTC; ";
    private static final String ENV = LOCALE + "export XDG_RUNTIME_DIR=\"${XDG_RUNTIME_DIR:-/run/user/$(id -u)}\"; ";
    private static final String USER_SYSTEMCTL = ENV + "exec systemctl --user \"$@\"";
    private static final String SYSTEM_SYSTEMCTL = LOCALE + "exec sudo -n systemctl \"$@\"";
    private static final String SYSTEM_SHOW = LOCALE + "exec systemctl \"$@\"";
    private static final String USER_JOURNALCTL = ENV + "exec journalctl --user \"$@\"";
    private static final String SYSTEM_JOURNALCTL = LOCALE + "exec sudo -n journalctl \"$@\"";

    /**
     * Lists the managed units of both managers: for each whose directory holds a file named
     * {@code driftless-*.service} (only then: a host without them costs nothing and needs neither
     * a user manager nor D-Bus), a {@code @@scope user|system} line, the manager's version, each
     * file after a {@code @@unit NAME} line, then {@code @@show} and {@code systemctl show} of them
     * all. The user's units come first; when they cannot be listed the system's are not tried.
     */
    static final String OBSERVE = ENV
        + "list() { cd \"$2\" 2>/dev/null || return 0; set -- \"$1\" \"$3\" " + SystemdUnits.PREFIX + "*.service; "
        + "[ -e \"$3\" ] || return 0; s=$1; f=$2; shift 2; echo \"@@scope $s\"; "
        + "systemctl \"$f\" show --property=Version --value || return $?; "
        + "for u do echo \"@@unit $u\"; cat -- \"$u\"; echo; done; "
        + "echo @@show; systemctl \"$f\" show --property=" + String.join(",", PROPERTIES) + " -- \"$@\"; }; "
        + "list user \"$HOME/" + SystemdUnits.UNIT_DIR + "\" --user && list system " + SystemdUnits.SYSTEM_UNIT_DIR
        + " --system";

    private SystemdCommands() {
    }

    /** {@code systemctl ARGS…} for the manager of {@code scope}: the SSH user's, or the system's with sudo. */
    public static RemoteCommand systemctl(Scope scope, String... args) {
        return script(scope == Scope.USER ? USER_SYSTEMCTL : SYSTEM_SYSTEMCTL, "systemctl", List.of(args));
    }

    /**
     * The last {@code lines} lines of a unit's output, oldest first, with ISO times in UTC: from
     * the user's journal, or from the system's with sudo (reading it needs root or the adm group).
     */
    public static RemoteCommand logs(Scope scope, String unit, int lines) {
        if (lines < 1) {
            throw new IllegalArgumentException("lines must be positive");
        }
        return script(scope == Scope.USER ? USER_JOURNALCTL : SYSTEM_JOURNALCTL, "journalctl", List.of(
            "--unit=" + SystemdUnits.unitFile(unit), "--lines=" + lines, "--no-pager", "--output=short-iso", "--quiet"));
    }

    /** {@code sh -c SCRIPT NAME ARGS…}: the fixed script gets every value as an argument. */
    private static RemoteCommand script(String script, String name, List<String> args) {
        List<String> argv = new ArrayList<>(List.of("sh", "-c", script, name));
        argv.addAll(args);
        return RemoteCommand.of(argv);
    }

    /** The one listing command of an observation. */
    public static RemoteCommand observe() {
        return script(OBSERVE, "driftless-observe", List.of());
    }

    /** Reads the unit files of {@code scope} again and starts the unit, now and at every boot. */
    public static RemoteCommand enableNow(Scope scope, String unit) {
        String file = SystemdUnits.unitFile(unit);
        return systemctl(scope, "daemon-reload").and(resetFailed(scope, file))
            .and(systemctl(scope, "enable", "--quiet", "--now", "--", file));
    }

    /** Starts a stopped unit again (also one systemd gave up restarting). */
    public static RemoteCommand start(Scope scope, String unit) {
        String file = SystemdUnits.unitFile(unit);
        return resetFailed(scope, file).and(systemctl(scope, "enable", "--quiet", "--now", "--", file));
    }

    /** Stops a unit and keeps it from starting at boot; its files stay for a rollback. */
    public static RemoteCommand stop(Scope scope, String unit) {
        return systemctl(scope, "disable", "--quiet", "--now", "--", SystemdUnits.unitFile(unit));
    }

    /** Restarts a unit in place. */
    public static RemoteCommand restart(Scope scope, String unit) {
        String file = SystemdUnits.unitFile(unit);
        return resetFailed(scope, file).and(systemctl(scope, "restart", "--", file));
    }

    /**
     * Stops and disables a unit, deletes its files (with sudo for a system unit), and has the
     * manager forget it; succeeds when it is gone already.
     */
    public static RemoteCommand remove(Scope scope, String unit) {
        String file = SystemdUnits.unitFile(unit);
        RemoteCommand rm = RemoteCommand.of("rm", "-f", "--", SystemdUnits.unitPath(scope, unit),
            SystemdUnits.envFilePath(scope, unit));
        return systemctl(scope, "disable", "--quiet", "--now", "--", file).stdoutTo("/dev/null").stderrTo("/dev/null")
            .then(scope == Scope.USER ? rm : RemoteFiles.asRoot(rm))
            .and(systemctl(scope, "daemon-reload"))
            .and(resetFailed(scope, file));
    }

    /**
     * Clears a unit's failed state and restart counter (systemd refuses to start a unit that hit its
     * start limit until then); quiet, and never fails: a unit the manager does not know has none.
     */
    private static RemoteCommand resetFailed(Scope scope, String file) {
        return systemctl(scope, "reset-failed", "--", file).stderrTo("/dev/null").or(RemoteCommand.of("true"));
    }

    /** {@code systemctl show} of the properties the health gate reads; no root needed in either scope. */
    public static RemoteCommand state(Scope scope, String unit) {
        List<String> args = List.of("show", "--property=" + String.join(",", PROPERTIES), "--",
            SystemdUnits.unitFile(unit));
        return scope == Scope.USER ? systemctl(scope, args.toArray(String[]::new))
            : script(SYSTEM_SHOW, "systemctl", args);
    }
}
