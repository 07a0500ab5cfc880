package dev.driftless.reconciler.runtime.systemd;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The systemd commands as the exact strings the remote shell gets. */
class SystemdCommandsTest {

    static final String SYSTEMCTL = "sh -c 'export LC_ALL=C TZ=UTC; export XDG_RUNTIME_DIR=\"${XDG_RUNTIME_DIR:-/run/user/"
        + "$(id -u)}\"; exec systemctl --user \"$@\"' systemctl";
    static final String UNIT = "driftless-api-1-0123abcd";

    @Test
    void systemctlTalksToTheUsersOwnManagerWithValuesAsArgumentsOfAFixedScript() {
        assertThat(SystemdCommands.systemctl("daemon-reload").render()).isEqualTo(SYSTEMCTL + " daemon-reload");
        assertThat(SystemdCommands.systemctl("show", "it's; $(x)").render())
            .isEqualTo(SYSTEMCTL + " show 'it'\\''s; $(x)'");
    }

    @Test
    void logsReadTheUnitsLinesFromTheUsersJournalAsWrittenByTheFixedScriptAndTheRuntimeJoinsStderr() {
        String journal = "sh -c 'export LC_ALL=C TZ=UTC; export XDG_RUNTIME_DIR=\"${XDG_RUNTIME_DIR:-/run/user/"
            + "$(id -u)}\"; exec journalctl --user \"$@\"' journalctl --unit=" + UNIT + ".service --lines=50 --no-pager"
            + " --output=short-iso --quiet";
        assertThat(SystemdCommands.logs(UNIT, 50).render()).isEqualTo(journal);
        assertThat(SystemdRuntime.INSTANCE.logs(UNIT, 50).render()).isEqualTo(journal + " 2>&1");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> SystemdCommands.logs(UNIT, 0))
            .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void startingReloadsClearsTheFailedStateAndEnablesForBoot() {
        String reset = "{ " + SYSTEMCTL + " reset-failed -- " + UNIT + ".service 2> /dev/null || true; }";
        assertThat(SystemdCommands.enableNow(UNIT).render()).isEqualTo(SYSTEMCTL + " daemon-reload && " + reset
            + " && " + SYSTEMCTL + " enable --quiet --now -- " + UNIT + ".service");
        assertThat(SystemdCommands.stop(UNIT).render()).isEqualTo(SYSTEMCTL + " disable --quiet --now -- " + UNIT
            + ".service");
    }

    @Test
    void removingDeletesTheUnitAndItsSecretsFileAndSucceedsWhenTheyAreGone() {
        assertThat(SystemdCommands.remove(UNIT + ".service").render()).isEqualTo("{ " + SYSTEMCTL
            + " disable --quiet --now -- " + UNIT + ".service > /dev/null 2> /dev/null; rm -f --"
            + " .config/systemd/user/" + UNIT + ".service .driftless/units/" + UNIT + ".env; } && " + SYSTEMCTL
            + " daemon-reload && { " + SYSTEMCTL + " reset-failed -- " + UNIT + ".service 2> /dev/null || true; }");
    }

    @Test
    void theObservationListsOnlyDriftlessUnitFilesAndAsksTheManagerOnlyWhenThereAreSome() {
        String script = SystemdCommands.OBSERVE;
        assertThat(script).contains("cd \"$HOME/.config/systemd/user\" 2>/dev/null || exit 0; set -- driftless-*.service;"
            + " [ -e \"$1\" ] || exit 0; ");
        assertThat(SystemdCommands.observe().render()).startsWith("sh -c '").endsWith("' driftless-observe");
    }
}
