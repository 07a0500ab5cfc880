package dev.driftless.reconciler.runtime.systemd;

import dev.driftless.reconciler.command.RemoteCommand;
import dev.driftless.reconciler.command.RemoteFiles;
import dev.driftless.reconciler.runtime.FileDrift;
import dev.driftless.reconciler.runtime.systemd.SystemdUnits.Scope;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

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
        "UnitFileState", "DropInPaths");

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
        + "c=$1; list() { cd \"$2\" 2>/dev/null || return 0; set -- \"$1\" \"$3\" " + SystemdUnits.PREFIX + "*.service; "
        + "[ -e \"$3\" ] || return 0; s=$1; f=$2; shift 2; echo \"@@scope $s\"; "
        + "systemctl \"$f\" show --property=Version --value || return $?; "
        + "for u do echo \"@@unit $u\"; cat -- \"$u\"; echo; done; "
        + "if [ -z \"$c\" ]; then :; elif [ \"$s\" = user ]; then sh -c \"$c\" driftless-files \"$HOME/" + SystemdUnits.FILES_DIR + "\" \"$@\"; "
        + "elif ls " + SystemdUnits.SYSTEM_FILES_DIR + "/*" + FileDrift.SUFFIX + " >/dev/null 2>&1; then "
        + "sudo -n sh -c \"$c\" driftless-files " + SystemdUnits.SYSTEM_FILES_DIR + " \"$@\" 2>/dev/null; fi; "
        + "echo @@show; systemctl \"$f\" show --property=" + String.join(",", PROPERTIES) + " -- \"$@\"; }; "
        + "list user \"$HOME/" + SystemdUnits.UNIT_DIR + "\" --user && list system " + SystemdUnits.SYSTEM_UNIT_DIR
        + " --system";

    /**
     * The script {@link #OBSERVE} runs for each manager's units ({@code $1} the directory of their
     * files directories, then the unit files): for each unit whose files directory has its
     * checksum list beside it ({@link SystemdUnits#fileSumsPath}), an {@code @@files UNIT} line,
     * then {@code changed PATH} or {@code missing PATH} for each file listed that now has another
     * SHA-256 or is gone, and {@code owner WANT_MODE WANT_OWNER NOW_MODE NOW_OWNER PATH} for one
     * whose mode, or owner and group, differ (see {@link FileDrift}): the unit's files, by their
     * path in its directory, and its env file, by its path in the home directory ({@code ~/…}) or
     * its absolute one. A file is to belong to whoever owns the unit's files directory, an env
     * file to whoever owns the checksum list ({@link FileDrift#DIRECTORY_OWNER}); owners are
     * compared by the names the host gives them. Lists written before modes were compared hold
     * no modes, and only content is compared. For system units it runs with {@code sudo -n}, only
     * on a host that has such lists (their files belong to the services' users); where sudo asks
     * for a password the files are not checked.
     */
    static final String FILES_CHECK = LOCALE + "r=$1; shift; for u do d=$r/${u%.service}; m=$d" + FileDrift.SUFFIX
        + "; [ -f \"$m\" ] || continue; echo \"@@files $u\"; "
        + "while IFS= read -r l; do h=${l%% *}; p=${l#* }; w=; "
        + "case $p in [0-7][0-7][0-7][0-7]\" " + FileDrift.DIRECTORY_OWNER + " \"*) w=${p%% *}; p=${p#* "
        + FileDrift.DIRECTORY_OWNER + " };; esac; "
        + "case $p in /*) f=$p; q=$m;; \"" + FileDrift.HOME + "\"*) f=$HOME/${p#\"" + FileDrift.HOME + "\"}; q=$m;; "
        + "*) f=$d/$p; q=$d;; esac; "
        + "if [ -f \"$f\" ] && a=$(sha256sum < \"$f\" 2>/dev/null); "
        + "then [ \"${a%% *}\" = \"$h\" ] || echo \"changed $p\"; "
        // One stat for the file and what it should belong to: "MODE USER:GROUP", a line each.
        + "[ -z \"$w\" ] || { s=$(stat -c '%a %U:%G' -- \"$f\" \"$q\") && { o=${s#*\"\n\"}; o=${o#* }; "
        + "s=${s%%\"\n\"*}; x=${s%% *}; while [ ${#x} -lt 4 ]; do x=0$x; done; "
        + "[ \"$w $o\" = \"$x ${s#* }\" ] || echo \"owner $w $o $x ${s#* } $p\"; }; }; "
        + "else echo \"missing $p\"; fi; "
        + "done < \"$m\"; done";

    /** How much of the end of a job's output {@link #runJob} prints. */
    static final int JOB_OUTPUT_BYTES = 64 * 1024;
    /** The properties {@link #runJob} prints on stderr once the job ended. */
    static final List<String> JOB_PROPERTIES = List.of("LoadState", "Result", "ExecMainCode", "ExecMainStatus");
    /** {@link #runJob}'s exit code when the job's unit could not be started; stderr says why. */
    static final int JOB_NOT_STARTED = 125;
    private static final String USER_JOB = jobScript(Scope.USER);
    private static final String SYSTEM_JOB = jobScript(Scope.SYSTEM);

    private SystemdCommands() {
    }

    /** What {@link #runJob} prints on stderr, as {@code Adopted=yes}, when it waited for a run already going. */
    public static final String ADOPTED = "Adopted";

    /**
     * The script of {@link #runJob}: if a run of the same job (same unit name, so same spec) that
     * an interrupted reconcile started is still going, wait for it rather than kill it (and say
     * {@code Adopted=yes} on stderr); else clear what an earlier run left and
     * start the job as a transient service that stays loaded when its program ends (so how it
     * ended can be read, without D-Bus: systemd-run's {@code --wait} needs a user session bus
     * many hosts lack), its output into a file in a 0700 directory, wait for the program to end,
     * then print the end of the output and, on stderr, the properties that say how it ended.
     */
    static String jobScript(Scope scope) {
        boolean user = scope == Scope.USER;
        String act = user ? "systemctl --user" : "sudo -n systemctl";
        String show = user ? "systemctl --user" : "systemctl";
        String root = user ? "" : "sudo -n ";
        String home = user ? "$HOME/" : "";
        return (user ? ENV : LOCALE)
            + "u=$1; out=" + home + "$2; env=$3; files=$4; shift 4; "
            + "[ -z \"$env\" ] || set -- -p \"EnvironmentFile=" + home + "$env\" \"$@\"; "
            + "[ -z \"$files\" ] || set -- -p \"WorkingDirectory=" + home + "$files\" \"$@\"; "
            + "umask 077; " + root + "mkdir -p -m 700 -- \"${out%/*}\" || exit " + JOB_NOT_STARTED + "; "
            + "case $(" + show + " show --property=ActiveState,SubState -- \"$u\" 2>/dev/null) in"
            + " *ActiveState=activating*|*ActiveState=deactivating*|*SubState=running*) echo " + ADOPTED + "=yes >&2;;"
            + " *) " + act + " stop -- \"$u\" 2>/dev/null; " + act + " reset-failed -- \"$u\" 2>/dev/null; "
            + (user ? "systemd-run --user" : "sudo -n systemd-run") + " --quiet --unit=\"$u\" -p RemainAfterExit=yes"
            + " -p \"StandardOutput=truncate:$out\" -p StandardError=inherit -p StandardInput=null \"$@\" || exit "
            + JOB_NOT_STARTED + ";; esac; "
            + "while s=$(" + show + " show --property=ActiveState,SubState -- \"$u\") && case $s in"
            + " *ActiveState=failed*|*ActiveState=inactive*|*SubState=exited*) false;; *) true;; esac; do sleep 0.5; done; "
            + root + "tail -c " + JOB_OUTPUT_BYTES + " -- \"$out\" 2>/dev/null; "
            + show + " show --property=" + String.join(",", JOB_PROPERTIES) + " -- \"$u\" >&2";
    }

    /**
     * Runs a one-off job as the transient unit {@code unit} and waits for it to end. Its stdout is
     * the end of what the job printed (stderr joined to stdout); its stderr the {@link
     * #JOB_PROPERTIES} of the ended unit; exit {@link #JOB_NOT_STARTED} with the reason on stderr
     * when the unit could not be started. {@link #forgetJob} removes what it leaves.
     *
     * @param envFile    the job's secrets ({@code EnvironmentFile=}), written before, if any
     * @param filesDir   the directory holding the job's files ({@code WorkingDirectory=}), written before, if any
     * @param properties {@code -p NAME=VALUE} settings of the unit, then {@code --} and the command
     */
    public static RemoteCommand runJob(Scope scope, String unit, Optional<String> envFile, Optional<String> filesDir,
                                       List<String> properties) {
        List<String> args = new ArrayList<>(List.of(SystemdUnits.unitFile(unit), SystemdUnits.jobOutputPath(scope, unit),
            envFile.orElse(""), filesDir.orElse("")));
        args.addAll(properties);
        return script(scope == Scope.USER ? USER_JOB : SYSTEM_JOB, "driftless-job", args);
    }

    /** Stops and unloads a job's unit and deletes its output, env file and files; never fails. */
    public static RemoteCommand forgetJob(Scope scope, String unit) {
        String file = SystemdUnits.unitFile(unit);
        RemoteCommand rm = RemoteCommand.of("rm", "-rf", "--", SystemdUnits.jobOutputPath(scope, unit),
            SystemdUnits.envFilePath(scope, unit), SystemdUnits.filesDir(scope, unit));
        return systemctl(scope, "stop", "--", file).stdoutTo("/dev/null").stderrTo("/dev/null")
            .then(resetFailed(scope, file))
            .then(scope == Scope.USER ? rm : RemoteFiles.asRoot(rm)).or(RemoteCommand.of("true"));
    }

    /** {@code systemctl ARGS…} for the manager of {@code scope}: the SSH user's, or the system's with sudo. */
    public static RemoteCommand systemctl(Scope scope, String... args) {
        return script(scope == Scope.USER ? USER_SYSTEMCTL : SYSTEM_SYSTEMCTL, "systemctl", List.of(args));
    }

    /**
     * The last {@code lines} lines of a unit's output, oldest first, with ISO times in UTC: from
     * the user's journal, or from the system's with sudo (reading it needs root or the adm group);
     * with {@code follow}, and what it writes from then on.
     */
    public static RemoteCommand logs(Scope scope, String unit, int lines, boolean follow) {
        if (lines < 1) {
            throw new IllegalArgumentException("lines must be positive");
        }
        return journal(scope, unit, "--lines=" + lines, follow);
    }

    /** {@code journalctl} of a unit's output from {@code from} ({@code --lines=N} or {@code --since=…}) on. */
    private static RemoteCommand journal(Scope scope, String unit, String from, boolean follow) {
        List<String> args = new ArrayList<>(List.of("--unit=" + SystemdUnits.unitFile(unit), from, "--no-pager",
            "--output=short-iso", "--quiet"));
        if (follow) {
            args.add("--follow");
        }
        return script(scope == Scope.USER ? USER_JOURNALCTL : SYSTEM_JOURNALCTL, "journalctl", args);
    }

    /**
     * {@code journalctl --follow} of what {@code unit} wrote since {@code since} (as seconds since
     * the epoch, so no time zone is involved), in the format of {@link #logs}.
     */
    public static RemoteCommand followLogsSince(Scope scope, String unit, java.time.Instant since) {
        return journal(scope, unit, "--since=@" + since.getEpochSecond(), true);
    }

    /**
     * The script of {@link #writeFiles}: a fresh directory beside the target gets the archive on
     * stdin (modes as archived, owned by whoever extracts), is given to {@code $2} when set, made
     * 0700 and renamed over the instance's directory; on failure it is removed and the old one kept.
     * The parent is created under umask 022, so the program's user can reach its own directory.
     */
    static final String WRITE_FILES = LOCALE
        + "d=$1; o=$2; t=$d.new; umask 022; mkdir -p -- \"${d%/*}\" || exit 1; umask 077; "
        + "{ rm -rf -- \"$t\" && mkdir -- \"$t\" && tar -x -p --no-same-owner -f - -C \"$t\" "
        + "&& { [ -z \"$o\" ] || chown -R -- \"$o\" \"$t\"; } && chmod 700 -- \"$t\" "
        + "&& rm -rf -- \"$d\" && mv -- \"$t\" \"$d\"; } || { s=$?; rm -rf -- \"$t\"; exit $s; }";

    /**
     * Writes the tar archive on stdin ({@link dev.driftless.reconciler.runtime.FileArchive}) as the
     * files directory of {@code unit} ({@link SystemdUnits#filesDir}), replacing the one there: as
     * the SSH user for a user unit; as root for a system unit, owned then by {@code owner} (the
     * service's {@code user}, with its login group unless it names a group).
     */
    public static RemoteCommand writeFiles(Scope scope, String unit, Optional<String> owner) {
        String dir = SystemdUnits.filesDir(scope, unit);
        if (scope == Scope.USER) {
            return script(WRITE_FILES, "driftless-files", List.of(dir, ""));
        }
        String chown = owner.map(o -> o.contains(":") || o.chars().allMatch(Character::isDigit) ? o : o + ":").orElse("");
        return RemoteCommand.of("sudo", "-n", "sh", "-c", WRITE_FILES, "driftless-files", dir, chown);
    }

    /** {@code sh -c SCRIPT NAME ARGS…}: the fixed script gets every value as an argument. */
    private static RemoteCommand script(String script, String name, List<String> args) {
        List<String> argv = new ArrayList<>(List.of("sh", "-c", script, name));
        argv.addAll(args);
        return RemoteCommand.of(argv);
    }

    /** The one listing command of an observation. */
    public static RemoteCommand observe() {
        return observe(true);
    }

    /** {@link #observe()}, with the file checks or without them (then its argument is empty). */
    public static RemoteCommand observe(boolean checkFiles) {
        return script(OBSERVE, "driftless-observe", List.of(checkFiles ? FILES_CHECK : ""));
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
     * Stops and disables a unit, deletes its unit file, its drop-in directory (overrides made on
     * the host with {@code systemctl edit} or {@code set-property}), env file, files directory and
     * their checksums (with sudo for a system unit), and has the manager forget it; succeeds when it is gone already.
     */
    public static RemoteCommand remove(Scope scope, String unit) {
        String file = SystemdUnits.unitFile(unit);
        List<String> paths = new ArrayList<>(List.of("rm", "-rf", "--", SystemdUnits.unitPath(scope, unit)));
        paths.addAll(SystemdUnits.dropInDirs(scope, unit));
        paths.addAll(List.of(SystemdUnits.envFilePath(scope, unit), SystemdUnits.filesDir(scope, unit),
            SystemdUnits.fileSumsPath(scope, unit)));
        RemoteCommand rm = RemoteCommand.of(paths);
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
