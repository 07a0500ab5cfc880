package dev.driftless.reconciler.sshkeys;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** OpenSSH's {@code *} and {@code ?} patterns. */
class SshPatternsTest {

    @Test
    void globMatchesLikeOpenSsh() {
        assertThat(SshPatterns.glob("*", "")).isTrue();
        assertThat(SshPatterns.glob("a*c", "abbbc")).isTrue();
        assertThat(SshPatterns.glob("a*c", "abbbd")).isFalse();
        assertThat(SshPatterns.glob("[10.0.0.*]:2222", "[10.0.0.7]:2222")).isTrue();
        assertThat(SshPatterns.glob("a?c", "ac")).isFalse();
        assertThat(SshPatterns.glob("*.example.org", "git.example.org")).isTrue();
    }

    @Test
    void aPatternAHostChoseCannotStallTheMatch() {
        // A host certificate's principals are the host's to choose; with naive backtracking this
        // pattern against this name takes billions of steps.
        String hostile = "*a".repeat(14) + "b";
        String name = "a".repeat(60);
        assertTimeoutPreemptively(Duration.ofSeconds(5), () -> assertThat(SshPatterns.glob(hostile, name)).isFalse());
    }
}
