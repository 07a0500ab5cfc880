package dev.driftless.reconciler.history;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class RecurringDriftTest {

    static final String IGNORE = "if something on the host rewrites it (the program itself, a configuration tool), set"
        + " drift: ignore on that file";
    static final String REPO = "if something on the host changes the unit (systemctl edit or set-property, a"
        + " configuration tool), make that change in the service in the repo instead";

    @Test
    void aFileThatKeepsChangingCanBeLeftToTheProgramButAUnitsChangesBelongInTheRepo() {
        assertThat(RecurringDrift.advice("file /etc/api/config.yaml changed on the host")).isEqualTo(IGNORE);
        assertThat(RecurringDrift.advice("files a, b changed on the host; file tls/k mode 0400 → 0644 on the host"))
            .isEqualTo(IGNORE);
        // A unit file or drop-in is driftless's to write: there is no ignoring it.
        assertThat(RecurringDrift.advice("unit file edited on the host")).isEqualTo(REPO);
        assertThat(RecurringDrift.advice("drop-in override.conf added on the host")).isEqualTo(REPO);
        assertThat(RecurringDrift.advice("drop-in override.conf added on the host; file web.yml changed on the host"))
            .isEqualTo(IGNORE + "; " + REPO);
    }
}
