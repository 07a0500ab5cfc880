package dev.driftless.reconciler.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.driftless.reconciler.config.ConfigLoader;
import dev.driftless.reconciler.history.DepartedHost;
import dev.driftless.reconciler.history.HistoryStore;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code driftless forget-host} through the command line, against the embedded history a daemon of
 * the configuration reads (the daemon's side of a host forgotten mid-reconcile: the store contract).
 */
class ForgetHostCommandTest {

    private static final String COMMIT = "3f9a2c1e".repeat(5);

    @TempDir
    Path tmp;

    private HistoryStore history(Path config) throws Exception {
        return HistoryStore.open(ConfigLoader.load(config).historySettings(), "default");
    }

    @Test
    void aRememberedDepartedHostIsForgottenAndTheOthersStay() throws Exception {
        Path config = Cli.daemonConfig(tmp, "127.0.0.1:" + Cli.closedPort());
        try (HistoryStore h = history(config)) {
            h.replaceDepartedHosts(Map.of(
                "app-9", new DepartedHost(COMMIT, Instant.parse("2026-11-30T08:00:00.5Z"), Optional.of("connection refused")),
                "app-8", new DepartedHost(COMMIT, Instant.parse("2026-12-01T08:00:00Z"), Optional.empty())));
        }

        Cli.Run run = Cli.run("forget-host", "--config", config.toString(), "app-9");

        assertThat(run.exit()).as(run.err()).isZero();
        assertThat(run.out()).isEqualTo("Forgot departed host app-9 of environment default (reached through the"
            + " inventory of commit 3f9a2c1, not cleaned up since 2026-11-30T08:00:00Z). The daemon no longer tries it;"
            + " should the host come back, remove what default still runs there by hand.\n");
        try (HistoryStore h = history(config)) {
            assertThat(h.departedHosts()).containsOnlyKeys("app-8");
        }

        Cli.Run again = Cli.run("forget-host", "--config", config.toString(), "app-9");
        assertThat(again.exit()).isEqualTo(1);
        assertThat(again.err()).isEqualTo("driftless forget-host: environment default remembers no departed host app-9"
            + " (it remembers app-8)\n");
    }

    @Test
    void withoutAHistoryNothingIsRememberedAndNoneIsCreated() {
        Path config = Cli.daemonConfig(tmp, "127.0.0.1:" + Cli.closedPort());

        Cli.Run run = Cli.run("forget-host", "--config", config.toString(), "app-9");

        assertThat(run.exit()).isEqualTo(1);
        assertThat(run.err()).isEqualTo("driftless forget-host: the state directory " + tmp.resolve("state")
            + " holds no deployment history, so no departed host is remembered\n");
        assertThat(tmp.resolve("state").resolve("history.mv.db")).doesNotExist();
    }

    @Test
    void theHostIsRequired() {
        Path config = Cli.daemonConfig(tmp, "127.0.0.1:" + Cli.closedPort());

        Cli.Run run = Cli.run("forget-host", "--config", config.toString());

        assertThat(run.exit()).isEqualTo(1);
        assertThat(run.err()).startsWith("Missing required parameter: 'HOST'");
    }
}
