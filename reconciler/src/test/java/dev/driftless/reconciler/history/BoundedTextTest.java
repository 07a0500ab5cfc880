package dev.driftless.reconciler.history;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class BoundedTextTest {

    @Test
    void shortTextIsKept() {
        assertThat(BoundedText.fit("hello", 5)).isEqualTo("hello");
    }

    @Test
    void longTextIsCutWithAnEllipsisWithinTheBound() {
        assertThat(BoundedText.fit("abcdefgh", 5)).isEqualTo("abcd…").hasSize(5);
    }

    @Test
    void aSurrogatePairIsNeverSplit() {
        String text = "abc\uD83D\uDE80def"; // abc🚀def
        assertThat(BoundedText.fit(text, 5)).isEqualTo("abc…");
    }

    @Test
    void nulCharactersAreDroppedBecausePostgresRefusesThem() {
        assertThat(BoundedText.fit("a\0b", 10)).isEqualTo("ab");
    }

    @Test
    void firstLineOfACommitMessage() {
        assertThat(BoundedText.firstLine("  Subject line \r\n\nbody")).isEqualTo("Subject line");
        assertThat(BoundedText.firstLine("only")).isEqualTo("only");
    }
}
