package dev.driftless.reconciler.history;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HistoryDatabaseTest {

    @TempDir
    Path dir;

    @Test
    void defaultIsAnAutoServerH2FileInTheStateDirectoryThatWritesEveryCommit() {
        String url = HistoryDatabase.url(HistorySettings.embedded(Path.of("/var/lib/driftless")));
        assertThat(url).isEqualTo("jdbc:h2:file:/var/lib/driftless/history;AUTO_SERVER=TRUE;WRITE_DELAY=0");
    }

    @Test
    void losingTheRaceForAnH2FilesAutoServerLockIsWaitedOutButOtherFailuresAreNot() {
        java.util.function.Function<String, RuntimeException> hikari = message -> new RuntimeException(
            "Failed to initialize pool", org.h2.message.DbException.get(org.h2.api.ErrorCode.ERROR_OPENING_DATABASE_1,
                message).getSQLException());

        assertThat(HistoryDatabase.lockedForAMoment(hikari.apply("Another process was faster"))).isTrue();
        assertThat(HistoryDatabase.lockedForAMoment(new RuntimeException(org.h2.message.DbException.get(
            org.h2.api.ErrorCode.DATABASE_ALREADY_OPEN_1, "Locked by another process: /x/history.mv.db")
            .getSQLException()))).isTrue();
        assertThat(HistoryDatabase.lockedForAMoment(hikari.apply("Wrong user name or password"))).isFalse();
        assertThat(HistoryDatabase.lockedForAMoment(new RuntimeException("disk full"))).isFalse();
    }

    @Test
    void explicitUrlWins() {
        HistorySettings s = new HistorySettings(Optional.of("jdbc:postgresql://db:5432/driftless"), dir,
            Optional.of("driftless"), Optional.empty());
        assertThat(HistoryDatabase.url(s)).isEqualTo("jdbc:postgresql://db:5432/driftless");
        assertThat(HistoryDatabase.Kind.of(HistoryDatabase.url(s))).isEqualTo(HistoryDatabase.Kind.POSTGRESQL);
    }

    @Test
    void unsupportedDatabaseIsRefusedByName() {
        assertThatThrownBy(() -> HistoryDatabase.Kind.of("jdbc:mysql://db/x?password=hunter2"))
            .isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("jdbc:mysql://db/x?password=***")
            .hasMessageContaining("H2 (jdbc:h2:…) or PostgreSQL (jdbc:postgresql:…)")
            .satisfies(e -> assertThat(e.getMessage()).doesNotContain("hunter2"));
    }

    @Test
    void passwordsInUrlsAreBlankedForMessages() {
        assertThat(HistoryDatabase.display("jdbc:postgresql://db/x?user=a&password=s3cret&ssl=true"))
            .isEqualTo("jdbc:postgresql://db/x?user=a&password=***&ssl=true");
        assertThat(HistoryDatabase.display("jdbc:h2:file:/x;PASSWORD=s3cret;AUTO_SERVER=TRUE"))
            .isEqualTo("jdbc:h2:file:/x;PASSWORD=***;AUTO_SERVER=TRUE");
    }

    @Test
    void passwordIsTheFirstLineOfTheFile() throws Exception {
        Path file = dir.resolve("pw");
        Files.writeString(file, "s3cret\nignored\n");
        HistorySettings s = new HistorySettings(Optional.of("jdbc:postgresql://db/x"), dir, Optional.empty(),
            Optional.of(file));
        assertThat(HistoryDatabase.password(s)).contains("s3cret");
    }

    @Test
    void missingOrEmptyPasswordFileIsNamedNeverRead() throws Exception {
        Path missing = dir.resolve("missing");
        assertThatThrownBy(() -> HistoryDatabase.password(new HistorySettings(Optional.empty(), dir,
            Optional.empty(), Optional.of(missing))))
            .isInstanceOf(HistoryException.class)
            .hasMessage("cannot read the history database password file " + missing + ": NoSuchFileException");
        Path empty = dir.resolve("empty");
        Files.writeString(empty, "");
        assertThatThrownBy(() -> HistoryDatabase.password(new HistorySettings(Optional.empty(), dir,
            Optional.empty(), Optional.of(empty))))
            .hasMessage("the history database password file " + empty + " is empty");
    }

    @Test
    void aStateDirectoryH2CannotNameIsRefused() {
        assertThatThrownBy(() -> HistoryDatabase.url(HistorySettings.embedded(Path.of("/tmp/a;b"))))
            .isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("contains ';'");
    }

    @Test
    void unreachableDatabaseGivesAClearMessage() {
        HistorySettings s = new HistorySettings(Optional.of("jdbc:postgresql://127.0.0.1:1/none"), dir,
            Optional.of("x"), Optional.empty());
        assertThatThrownBy(() -> HistoryStore.open(s, "prod"))
            .isInstanceOf(HistoryException.class)
            .hasMessageStartingWith("cannot open the history database jdbc:postgresql://127.0.0.1:1/none: ");
    }

    @Test
    void theFileOfAnEmbeddedH2UrlIsWhereItsLeaseLives() {
        assertThat(HistoryDatabase.h2File("jdbc:h2:file:/var/lib/driftless/history;AUTO_SERVER=TRUE"))
            .contains(Path.of("/var/lib/driftless/history"));
        assertThat(HistoryDatabase.h2File("jdbc:h2:/srv/shared/history")).contains(Path.of("/srv/shared/history"));
        assertThat(HistoryDatabase.h2File("jdbc:h2:~/driftless/history;WRITE_DELAY=0"))
            .contains(Path.of(System.getProperty("user.home"), "driftless", "history"));
        assertThat(HistoryDatabase.h2File(HistoryDatabase.url(HistorySettings.embedded(dir))))
            .contains(dir.toAbsolutePath().normalize().resolve("history"));
        assertThat(HistoryDatabase.h2File("jdbc:h2:mem:test;DB_CLOSE_DELAY=-1")).isEmpty();
        assertThat(HistoryDatabase.h2File("jdbc:h2:tcp://db.example.org/history")).isEmpty();
        assertThat(HistoryDatabase.h2File("jdbc:postgresql://db.example.org/driftless")).isEmpty();
    }
}
