package dev.driftless.reconciler.runtime.systemd;

import static org.assertj.core.api.Assertions.assertThat;

import dev.driftless.reconciler.command.ShellQuote;
import dev.driftless.reconciler.runtime.systemd.SystemdUnits.Scope;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The systemd commands as the exact strings the remote shell gets. */
class SystemdCommandsTest {

    static final String SYSTEMCTL = "sh -c 'export LC_ALL=C TZ=UTC; export XDG_RUNTIME_DIR=\"${XDG_RUNTIME_DIR:-/run/user/"
        + "$(id -u)}\"; exec systemctl --user \"$@\"' systemctl";
    static final String UNIT = "driftless-api-1-0123abcd";

    @Test
    void systemctlTalksToTheUsersOwnManagerWithValuesAsArgumentsOfAFixedScript() {
        assertThat(SystemdCommands.systemctl(Scope.USER, "daemon-reload").render()).isEqualTo(SYSTEMCTL + " daemon-reload");
        assertThat(SystemdCommands.systemctl(Scope.USER, "show", "it's; $(x)").render())
            .isEqualTo(SYSTEMCTL + " show 'it'\\''s; $(x)'");
    }

    @Test
    void logsReadTheUnitsLinesFromTheUsersJournalAsWrittenByTheFixedScriptAndTheRuntimeJoinsStderr() {
        String journal = "sh -c 'export LC_ALL=C TZ=UTC; export XDG_RUNTIME_DIR=\"${XDG_RUNTIME_DIR:-/run/user/"
            + "$(id -u)}\"; exec journalctl --user \"$@\"' journalctl --unit=" + UNIT + ".service --lines=50 --no-pager"
            + " --output=short-iso --quiet";
        assertThat(SystemdCommands.logs(Scope.USER, UNIT, 50, false).render()).isEqualTo(journal);
        assertThat(SystemdRuntime.USER.logs(UNIT, 50).render()).isEqualTo(journal + " 2>&1");
        assertThat(SystemdCommands.logs(Scope.USER, UNIT, 50, true).render()).isEqualTo(journal + " --follow");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> SystemdCommands.logs(Scope.USER, UNIT, 0, false))
            .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void startingReloadsClearsTheFailedStateAndEnablesForBoot() {
        String reset = "{ " + SYSTEMCTL + " reset-failed -- " + UNIT + ".service 2> /dev/null || true; }";
        assertThat(SystemdCommands.enableNow(Scope.USER, UNIT).render()).isEqualTo(SYSTEMCTL + " daemon-reload && " + reset
            + " && " + SYSTEMCTL + " enable --quiet --now -- " + UNIT + ".service");
        assertThat(SystemdCommands.stop(Scope.USER, UNIT).render()).isEqualTo(SYSTEMCTL + " disable --quiet --now -- " + UNIT
            + ".service");
    }

    @Test
    void removingDeletesTheUnitItsOverridesAndItsSecretsFileAndSucceedsWhenTheyAreGone() {
        assertThat(SystemdCommands.remove(Scope.USER, UNIT + ".service").render()).isEqualTo("{ " + SYSTEMCTL
            + " disable --quiet --now -- " + UNIT + ".service > /dev/null 2> /dev/null; rm -rf --"
            + " .config/systemd/user/" + UNIT + ".service .config/systemd/user/" + UNIT + ".service.d"
            + " .config/systemd/user.control/" + UNIT + ".service.d .driftless/units/" + UNIT + ".env .driftless/files/" + UNIT
            + " .driftless/files/" + UNIT + ".sha256; } && " + SYSTEMCTL
            + " daemon-reload && { " + SYSTEMCTL + " reset-failed -- " + UNIT + ".service 2> /dev/null || true; }");
    }

    @Test
    void theObservationListsOnlyDriftlessUnitFilesOfBothManagersAndAsksAManagerOnlyWhenItHasSome() {
        String script = SystemdCommands.OBSERVE;
        assertThat(script).contains("list() { cd \"$2\" 2>/dev/null || return 0; set -- \"$1\" \"$3\" driftless-*.service;"
            + " [ -e \"$3\" ] || return 0; ");
        assertThat(script).endsWith("list user \"$HOME/.config/systemd/user\" --user && list system /etc/systemd/system"
            + " --system");
        assertThat(script).contains("if [ -z \"$c\" ]; then :; elif [ \"$s\" = user ]; then sh -c \"$c\" driftless-files \"$HOME/.driftless/files\""
            + " \"$@\"; elif ls /etc/driftless-files/*.sha256 >/dev/null 2>&1; then sudo -n sh -c \"$c\" driftless-files"
            + " /etc/driftless-files \"$@\" 2>/dev/null; fi; echo @@show;");
        assertThat(SystemdCommands.observe().render()).startsWith("sh -c '")
            .endsWith("' driftless-observe " + ShellQuote.quote(SystemdCommands.FILES_CHECK));
        // status and logs list without checking files: an empty script, run nowhere.
        assertThat(SystemdCommands.observe(false).render()).endsWith("' driftless-observe ''");
    }

    /**
     * The file check as a host runs it, here on this machine's sh and sha256sum: a directory per
     * unit and its checksum list beside it, files with spaces and shell characters in their names.
     */
    @Test
    void theFileCheckNamesFilesChangedOrDeletedSinceTheirChecksumsWereWrittenAndSkipsUnitsWithoutAList(
            @org.junit.jupiter.api.io.TempDir java.nio.file.Path root) throws Exception {
        java.nio.file.Path dir = root.resolve(UNIT);
        java.nio.file.Files.createDirectories(dir.resolve("tls"));
        List<String> names = List.of("web.yml", "tls/key.pem", "we ird;$(touch pwned) 'x'.conf", "same.txt");
        StringBuilder sums = new StringBuilder();
        for (String n : names) {
            byte[] content = ("content of " + n + "\n").getBytes(java.nio.charset.StandardCharsets.UTF_8);
            java.nio.file.Files.write(dir.resolve(n), content);
            sums.append(java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256")
                .digest(content))).append(' ').append(n).append('\n');
        }
        // Its env file: in the home directory (a user unit's), or by its absolute path (a system unit's).
        java.nio.file.Path home = root.resolve("home");
        java.nio.file.Files.createDirectories(home.resolve(".driftless/units"));
        java.nio.file.Files.writeString(home.resolve(".driftless/units/" + UNIT + ".env"), "DB_PASSWORD=pw\n");
        java.nio.file.Files.writeString(root.resolve("system.env"), "DB_PASSWORD=pw\n");
        byte[] env = "DB_PASSWORD=pw\n".getBytes(java.nio.charset.StandardCharsets.UTF_8);
        sums.append(dev.driftless.reconciler.runtime.FileDrift.line(env, "~/.driftless/units/" + UNIT + ".env"))
            .append(dev.driftless.reconciler.runtime.FileDrift.line(env, root.resolve("system.env").toString()));
        java.nio.file.Files.writeString(root.resolve(UNIT + ".sha256"), sums);
        java.nio.file.Files.createDirectories(root.resolve("driftless-other-1-00000000"));
        assertThat(check(root)).isEqualTo("@@files " + UNIT + ".service\n");
        java.nio.file.Files.writeString(home.resolve(".driftless/units/" + UNIT + ".env"), "DB_PASSWORD=other\n");
        java.nio.file.Files.delete(root.resolve("system.env"));
        assertThat(check(root)).isEqualTo("@@files " + UNIT + ".service\nchanged ~/.driftless/units/" + UNIT
            + ".env\nmissing " + root.resolve("system.env") + "\n");
        java.nio.file.Files.writeString(home.resolve(".driftless/units/" + UNIT + ".env"), "DB_PASSWORD=pw\n");
        java.nio.file.Files.writeString(root.resolve("system.env"), "DB_PASSWORD=pw\n");

        java.nio.file.Files.writeString(dir.resolve("web.yml"), "edited\n");
        java.nio.file.Files.delete(dir.resolve("tls/key.pem"));
        java.nio.file.Files.writeString(dir.resolve(names.get(2)), "content of something else\n");
        java.nio.file.Files.writeString(dir.resolve("added-by-the-program.log"), "its own\n");
        assertThat(check(root)).isEqualTo("@@files " + UNIT + ".service\nchanged web.yml\nmissing tls/key.pem\n"
            + "changed " + names.get(2) + "\n");
        assertThat(root.resolve(UNIT).resolve("pwned")).doesNotExist();
        assertThat(java.nio.file.Paths.get("pwned")).doesNotExist();
    }

    /**
     * Lists written since modes are compared: each line holds the mode the file was placed with,
     * and its owner is its directory's (the env file's, the list's). A mode changed by hand is
     * drift, so is an owner changed by hand where this machine lets the test change one (as root).
     */
    @Test
    void theFileCheckComparesModesAndOwnersWithTheDirectorysWhereTheListHoldsThem(
            @org.junit.jupiter.api.io.TempDir java.nio.file.Path root) throws Exception {
        java.nio.file.Path dir = root.resolve(UNIT);
        java.nio.file.Files.createDirectories(dir.resolve("tls"));
        java.nio.file.Path home = root.resolve("home");
        java.nio.file.Files.createDirectories(home.resolve(".driftless/units"));
        String odd = "0644 - odd 'name'.conf";
        Map<String, Integer> modes = new java.util.LinkedHashMap<>();
        modes.put("web.yml", 0444);
        modes.put("tls/key.pem", 0400);
        modes.put(odd, 0640);
        StringBuilder sums = new StringBuilder();
        for (var e : modes.entrySet()) {
            byte[] content = ("content of " + e.getKey() + "\n").getBytes(java.nio.charset.StandardCharsets.UTF_8);
            java.nio.file.Files.write(dir.resolve(e.getKey()), content);
            chmod(dir.resolve(e.getKey()), e.getValue());
            sums.append(dev.driftless.reconciler.runtime.FileDrift.line(content, e.getValue(),
                dev.driftless.reconciler.runtime.FileDrift.DIRECTORY_OWNER, e.getKey()));
        }
        java.nio.file.Path env = home.resolve(".driftless/units/" + UNIT + ".env");
        java.nio.file.Files.writeString(env, "DB_PASSWORD=pw\n");
        chmod(env, 0600);
        sums.append(dev.driftless.reconciler.runtime.FileDrift.line("DB_PASSWORD=pw\n".getBytes(
            java.nio.charset.StandardCharsets.UTF_8), 0600, dev.driftless.reconciler.runtime.FileDrift.DIRECTORY_OWNER,
            "~/.driftless/units/" + UNIT + ".env"));
        java.nio.file.Files.writeString(root.resolve(UNIT + ".sha256"), sums);
        assertThat(check(root)).isEqualTo("@@files " + UNIT + ".service\n");

        chmod(dir.resolve("tls/key.pem"), 0644);
        chmod(env, 0644);
        chmod(dir.resolve(odd), 04640);
        String me = owner(dir);
        assertThat(check(root)).isEqualTo("@@files " + UNIT + ".service\nowner 0400 " + me + " 0644 " + me
            + " tls/key.pem\nowner 0640 " + me + " 4640 " + me + " " + odd + "\nowner 0600 " + me + " 0644 " + me
            + " ~/.driftless/units/" + UNIT + ".env\n");
        chmod(dir.resolve("tls/key.pem"), 0400);
        chmod(env, 0600);
        chmod(dir.resolve(odd), 0640);
        if ("root".equals(System.getProperty("user.name"))) {
            java.nio.file.Files.setOwner(dir.resolve("web.yml"), root.getFileSystem().getUserPrincipalLookupService()
                .lookupPrincipalByName("nobody"));
            String now = owner(dir.resolve("web.yml"));
            assertThat(now).isNotEqualTo(me);
            assertThat(check(root)).isEqualTo("@@files " + UNIT + ".service\nowner 0444 " + me + " 0444 " + now
                + " web.yml\n");
        }
    }

    private static void chmod(java.nio.file.Path file, int mode) throws Exception {
        ProcessBuilder b = new ProcessBuilder("chmod", String.format("%04o", mode), file.toString());
        assertThat(b.start().waitFor()).isZero();
    }

    private static String owner(java.nio.file.Path file) throws Exception {
        Process p = new ProcessBuilder("stat", "-c", "%U:%G", file.toString()).start();
        String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8).strip();
        assertThat(p.waitFor()).isZero();
        return out;
    }

    private static String check(java.nio.file.Path root) throws Exception {
        ProcessBuilder b = new ProcessBuilder("sh", "-c", SystemdCommands.FILES_CHECK, "driftless-files",
            root.toString(), UNIT + ".service", "driftless-other-1-00000000.service").redirectErrorStream(true);
        b.environment().put("HOME", root.resolve("home").toString());
        Process p = b.start();
        String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        assertThat(p.waitFor()).as(out).isZero();
        return out;
    }

    static final String SUDO_SYSTEMCTL = "sh -c 'export LC_ALL=C TZ=UTC; exec sudo -n systemctl \"$@\"' systemctl";

    @Test
    void aSystemUnitIsDrivenWithSudoThatNeverAsksForAPasswordAndReadWithout() {
        assertThat(SystemdCommands.systemctl(Scope.SYSTEM, "restart", "it's; $(x)").render())
            .isEqualTo(SUDO_SYSTEMCTL + " restart 'it'\\''s; $(x)'");
        String reset = "{ " + SUDO_SYSTEMCTL + " reset-failed -- " + UNIT + ".service 2> /dev/null || true; }";
        assertThat(SystemdCommands.enableNow(Scope.SYSTEM, UNIT).render()).isEqualTo(SUDO_SYSTEMCTL + " daemon-reload && "
            + reset + " && " + SUDO_SYSTEMCTL + " enable --quiet --now -- " + UNIT + ".service");
        assertThat(SystemdCommands.stop(Scope.SYSTEM, UNIT).render()).isEqualTo(SUDO_SYSTEMCTL
            + " disable --quiet --now -- " + UNIT + ".service");
        assertThat(SystemdCommands.state(Scope.SYSTEM, UNIT).render()).isEqualTo("sh -c 'export LC_ALL=C TZ=UTC;"
            + " exec systemctl \"$@\"' systemctl show --property=" + String.join(",", SystemdCommands.PROPERTIES)
            + " -- " + UNIT + ".service");
        assertThat(SystemdCommands.logs(Scope.SYSTEM, UNIT, 5, false).render()).isEqualTo("sh -c 'export LC_ALL=C TZ=UTC;"
            + " exec sudo -n journalctl \"$@\"' journalctl --unit=" + UNIT + ".service --lines=5 --no-pager"
            + " --output=short-iso --quiet");
    }

    @Test
    void removingASystemUnitDeletesItsRootOwnedFilesWithSudo() {
        assertThat(SystemdCommands.remove(Scope.SYSTEM, UNIT).render()).isEqualTo("{ " + SUDO_SYSTEMCTL
            + " disable --quiet --now -- " + UNIT + ".service > /dev/null 2> /dev/null; sudo -n sh -c 'rm -rf --"
            + " /etc/systemd/system/" + UNIT + ".service /etc/systemd/system/" + UNIT + ".service.d"
            + " /etc/systemd/system.control/" + UNIT + ".service.d /etc/driftless/units/" + UNIT + ".env /etc/driftless-files/"
            + UNIT + " /etc/driftless-files/" + UNIT + ".sha256'; } && " + SUDO_SYSTEMCTL
            + " daemon-reload && { " + SUDO_SYSTEMCTL + " reset-failed -- " + UNIT + ".service 2> /dev/null || true; }");
    }

    static final String JOB = "driftless-api-pre-deploy-0123abcd";

    @Test
    void aJobRunsAsATransientUnitThroughAFixedScriptThatGetsEveryValueAsAnArgument() {
        String user = SystemdCommands.runJob(Scope.USER, JOB, Optional.of(".driftless/units/" + JOB + ".env"),
            Optional.of(".driftless/files/" + JOB), List.of("-p", "RuntimeMaxSec=300", "--", "/app/migrate", "it's; $$(x)")).render();
        assertThat(user).startsWith("sh -c 'export LC_ALL=C TZ=UTC; export XDG_RUNTIME_DIR=")
            .endsWith("' driftless-job " + JOB + ".service .driftless/units/" + JOB + ".out .driftless/units/" + JOB
                + ".env .driftless/files/" + JOB + " -p RuntimeMaxSec=300 -- /app/migrate 'it'\\''s; $$(x)'");
        // Output and secrets stay in the deploy user's 0700 directory; the unit stays loaded
        // after its program ended, so how it ended can be read without a session bus.
        assertThat(SystemdCommands.jobScript(Scope.USER)).contains("u=$1; out=$HOME/$2; env=$3; files=$4; shift 4; ")
            .contains("set -- -p \"EnvironmentFile=$HOME/$env\" \"$@\"")
            .contains("[ -z \"$files\" ] || set -- -p \"WorkingDirectory=$HOME/$files\" \"$@\"")
            .contains("umask 077; mkdir -p -m 700 -- \"${out%/*}\" || exit 125; ")
            .contains("systemd-run --user --quiet --unit=\"$u\" -p RemainAfterExit=yes -p \"StandardOutput=truncate:$out\""
                + " -p StandardError=inherit -p StandardInput=null \"$@\" || exit 125;; esac; ")
            // A run an interrupted reconcile left going is waited for, not stopped and started again.
            .contains("case $(systemctl --user show --property=ActiveState,SubState -- \"$u\" 2>/dev/null) in"
                + " *ActiveState=activating*|*ActiveState=deactivating*|*SubState=running*) echo Adopted=yes >&2;;"
                + " *) systemctl --user stop -- \"$u\"")
            .contains("tail -c 65536 -- \"$out\"")
            .endsWith("systemctl --user show --property=LoadState,Result,ExecMainCode,ExecMainStatus -- \"$u\" >&2");
        // A system unit's job: started, read and cleaned up with sudo, its state read without.
        assertThat(SystemdCommands.jobScript(Scope.SYSTEM)).contains("u=$1; out=$2; env=$3; files=$4; shift 4; ")
            .contains("sudo -n mkdir -p -m 700 -- ").contains("sudo -n systemctl stop -- \"$u\"")
            .contains("sudo -n systemd-run --quiet --unit=").contains("sudo -n tail -c 65536")
            .endsWith("; systemctl show --property=LoadState,Result,ExecMainCode,ExecMainStatus -- \"$u\" >&2");
        assertThat(SystemdCommands.runJob(Scope.SYSTEM, JOB, Optional.empty(), Optional.empty(),
            List.of("--", "/bin/true")).render())
            .endsWith("' driftless-job " + JOB + ".service /etc/driftless/units/" + JOB + ".out '' '' -- /bin/true");
    }

    @Test
    void forgettingAJobUnloadsItsUnitAndDeletesItsFilesAndNeverFails() {
        assertThat(SystemdCommands.forgetJob(Scope.SYSTEM, JOB).render()).isEqualTo("{ " + SUDO_SYSTEMCTL + " stop -- "
            + JOB + ".service > /dev/null 2> /dev/null; " + SUDO_SYSTEMCTL + " reset-failed -- " + JOB
            + ".service 2> /dev/null || true; sudo -n sh -c 'rm -rf -- /etc/driftless/units/" + JOB
            + ".out /etc/driftless/units/" + JOB + ".env /etc/driftless-files/" + JOB + "'; } || true");
    }

    @Test
    void filesAreExtractedFromStdinIntoAFreshDirectoryRenamedOverTheUnitsOneAndASystemUnitsGoToItsUser() {
        assertThat(SystemdCommands.writeFiles(Scope.USER, UNIT, Optional.empty()).render()).isEqualTo("sh -c "
            + ShellQuote.quote(SystemdCommands.WRITE_FILES) + " driftless-files .driftless/files/" + UNIT + " ''");
        assertThat(SystemdCommands.writeFiles(Scope.SYSTEM, UNIT, Optional.of("app")).render()).isEqualTo("sudo -n sh -c "
            + ShellQuote.quote(SystemdCommands.WRITE_FILES) + " driftless-files /etc/driftless-files/" + UNIT + " app:");
        assertThat(SystemdCommands.writeFiles(Scope.SYSTEM, UNIT, Optional.of("app:www-data")).render())
            .endsWith(" app:www-data");
        assertThat(SystemdCommands.writeFiles(Scope.SYSTEM, UNIT, Optional.of("1000")).render()).endsWith(" 1000");
        // Values are arguments; the script extracts into $d.new, owns it to $o, and renames it over $d.
        assertThat(SystemdCommands.WRITE_FILES).contains("d=$1; o=$2; t=$d.new; umask 022; mkdir -p -- \"${d%/*}\"")
            .contains("tar -x -p --no-same-owner -f - -C \"$t\"").contains("chown -R -- \"$o\" \"$t\"")
            .contains("chmod 700 -- \"$t\"").contains("mv -- \"$t\" \"$d\"").endsWith("rm -rf -- \"$t\"; exit $s; }");
    }
}
