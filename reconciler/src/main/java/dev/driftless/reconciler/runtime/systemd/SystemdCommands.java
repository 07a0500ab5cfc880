package dev.driftless.reconciler.runtime.systemd;

import dev.driftless.reconciler.command.RemoteCommand;
import java.util.ArrayList;
import java.util.List;

/**
 * The remote commands of the systemd runtime: {@code systemctl --user} for the SSH user's own
 * service manager, so no root is needed. Each goes through a fixed {@code sh -c} script that
 * points {@code XDG_RUNTIME_DIR} at the user's runtime directory when the SSH session did not set
 * it; unit names and every other value are its arguments, never part of the script.
 */
public final class SystemdCommands {

    /** The properties the gate and observation read, in one {@code systemctl show}. */
    static final List<String> PROPERTIES = List.of("Id", "LoadState", "ActiveState", "SubState", "Result",
        "ExecMainCode", "ExecMainStatus", "NRestarts", "ExecMainStartTimestamp", "ExecMainExitTimestamp",
        "UnitFileState");

    private static final String SYSTEMCTL = "export LC_ALL=C TZ=UTC; "
        + "export XDG_RUNTIME_DIR=\"${XDG_RUNTIME_DIR:-/run/user/$(id -u)}\"; exec systemctl --user \"$@\"";

    /**
     * Lists the managed units: nothing at all when the user has no unit file named
     * {@code driftless-*.service} (so a host without systemd units, or without systemd, costs
     * nothing and fails nothing); else the manager's version, each file after a {@code @@unit NAME}
     * line, then {@code @@show} and {@code systemctl show} of them all.
     */
    static final String OBSERVE = "export LC_ALL=C TZ=UTC; "
        + "export XDG_RUNTIME_DIR=\"${XDG_RUNTIME_DIR:-/run/user/$(id -u)}\"; "
        + "cd \"$HOME/" + SystemdUnits.UNIT_DIR + "\" 2>/dev/null || exit 0; "
        + "set -- " + SystemdUnits.PREFIX + "*.service; [ -e \"$1\" ] || exit 0; "
        + "systemctl --user show --property=Version --value || exit $?; "
        + "for u do echo \"@@unit $u\"; cat -- \"$u\"; echo; done; "
        + "echo @@show; exec systemctl --user show --property=" + String.join(",", PROPERTIES) + " -- \"$@\"";

    private SystemdCommands() {
    }

    /** {@code systemctl --user ARGS…} for the SSH user's manager. */
    public static RemoteCommand systemctl(String... args) {
        List<String> argv = new ArrayList<>(List.of("sh", "-c", SYSTEMCTL, "systemctl"));
        argv.addAll(List.of(args));
        return RemoteCommand.of(argv);
    }

    /**
     * The last {@code lines} lines of a unit's output from the user's journal, oldest first, with
     * ISO times in UTC.
     */
    public static RemoteCommand logs(String unit, int lines) {
        if (lines < 1) {
            throw new IllegalArgumentException("lines must be positive");
        }
        return RemoteCommand.of("sh", "-c", JOURNALCTL, "journalctl", "--unit=" + SystemdUnits.unitFile(unit),
            "--lines=" + lines, "--no-pager", "--output=short-iso", "--quiet");
    }

    private static final String JOURNALCTL = "export LC_ALL=C TZ=UTC; "
        + "export XDG_RUNTIME_DIR=\"${XDG_RUNTIME_DIR:-/run/user/$(id -u)}\"; exec journalctl --user \"$@\"";

    /** The one listing command of an observation. */
    public static RemoteCommand observe() {
        return RemoteCommand.of("sh", "-c", OBSERVE, "driftless-observe");
    }

    /** Reads the unit files again and starts the unit, now and at every boot. */
    public static RemoteCommand enableNow(String unit) {
        String file = SystemdUnits.unitFile(unit);
        return systemctl("daemon-reload").and(resetFailed(file)).and(systemctl("enable", "--quiet", "--now", "--", file));
    }

    /** Starts a stopped unit again (also one systemd gave up restarting). */
    public static RemoteCommand start(String unit) {
        String file = SystemdUnits.unitFile(unit);
        return resetFailed(file).and(systemctl("enable", "--quiet", "--now", "--", file));
    }

    /** Stops a unit and keeps it from starting at boot; its files stay for a rollback. */
    public static RemoteCommand stop(String unit) {
        return systemctl("disable", "--quiet", "--now", "--", SystemdUnits.unitFile(unit));
    }

    /** Restarts a unit in place. */
    public static RemoteCommand restart(String unit) {
        String file = SystemdUnits.unitFile(unit);
        return resetFailed(file).and(systemctl("restart", "--", file));
    }

    /** Stops and disables a unit, deletes its files, and has the manager forget it; succeeds when it is gone already. */
    public static RemoteCommand remove(String unit) {
        String file = SystemdUnits.unitFile(unit);
        return systemctl("disable", "--quiet", "--now", "--", file).stdoutTo("/dev/null").stderrTo("/dev/null")
            .then(RemoteCommand.of("rm", "-f", "--", SystemdUnits.unitPath(unit), SystemdUnits.envFilePath(unit)))
            .and(systemctl("daemon-reload"))
            .and(resetFailed(file));
    }

    /**
     * Clears a unit's failed state and restart counter (systemd refuses to start a unit that hit its
     * start limit until then); quiet, and never fails: a unit the manager does not know has none.
     */
    private static RemoteCommand resetFailed(String file) {
        return systemctl("reset-failed", "--", file).stderrTo("/dev/null").or(RemoteCommand.of("true"));
    }

    /** {@code systemctl show} of the properties the health gate reads. */
    public static RemoteCommand state(String unit) {
        return systemctl("show", "--property=" + String.join(",", PROPERTIES), "--", SystemdUnits.unitFile(unit));
    }
}
