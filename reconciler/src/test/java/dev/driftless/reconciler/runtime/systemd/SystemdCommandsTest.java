package dev.driftless.reconciler.runtime.systemd;

import static org.assertj.core.api.Assertions.assertThat;

import dev.driftless.reconciler.runtime.systemd.SystemdUnits.Scope;
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
        assertThat(SystemdCommands.logs(Scope.USER, UNIT, 50).render()).isEqualTo(journal);
        assertThat(SystemdRuntime.USER.logs(UNIT, 50).render()).isEqualTo(journal + " 2>&1");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> SystemdCommands.logs(Scope.USER, UNIT, 0))
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
    void removingDeletesTheUnitAndItsSecretsFileAndSucceedsWhenTheyAreGone() {
        assertThat(SystemdCommands.remove(Scope.USER, UNIT + ".service").render()).isEqualTo("{ " + SYSTEMCTL
            + " disable --quiet --now -- " + UNIT + ".service > /dev/null 2> /dev/null; rm -f --"
            + " .config/systemd/user/" + UNIT + ".service .driftless/units/" + UNIT + ".env; } && " + SYSTEMCTL
            + " daemon-reload && { " + SYSTEMCTL + " reset-failed -- " + UNIT + ".service 2> /dev/null || true; }");
    }

    @Test
    void theObservationListsOnlyDriftlessUnitFilesOfBothManagersAndAsksAManagerOnlyWhenItHasSome() {
        String script = SystemdCommands.OBSERVE;
        assertThat(script).contains("list() { cd \"$2\" 2>/dev/null || return 0; set -- \"$1\" \"$3\" driftless-*.service;"
            + " [ -e \"$3\" ] || return 0; ");
        assertThat(script).endsWith("list user \"$HOME/.config/systemd/user\" --user && list system /etc/systemd/system"
            + " --system");
        assertThat(SystemdCommands.observe().render()).startsWith("sh -c '").endsWith("' driftless-observe");
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
        assertThat(SystemdCommands.logs(Scope.SYSTEM, UNIT, 5).render()).isEqualTo("sh -c 'export LC_ALL=C TZ=UTC;"
            + " exec sudo -n journalctl \"$@\"' journalctl --unit=" + UNIT + ".service --lines=5 --no-pager"
            + " --output=short-iso --quiet");
    }

    @Test
    void removingASystemUnitDeletesItsRootOwnedFilesWithSudo() {
        assertThat(SystemdCommands.remove(Scope.SYSTEM, UNIT).render()).isEqualTo("{ " + SUDO_SYSTEMCTL
            + " disable --quiet --now -- " + UNIT + ".service > /dev/null 2> /dev/null; sudo -n sh -c 'rm -f --"
            + " /etc/systemd/system/" + UNIT + ".service /etc/driftless/units/" + UNIT + ".env'; } && " + SUDO_SYSTEMCTL
            + " daemon-reload && { " + SUDO_SYSTEMCTL + " reset-failed -- " + UNIT + ".service 2> /dev/null || true; }");
    }
}
