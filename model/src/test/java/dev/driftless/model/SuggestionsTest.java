package dev.driftless.model;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class SuggestionsTest {

    private static final List<String> FIELDS = ServiceReader.FIELDS;

    @Test
    void typosWithinTwoEditsAreSuggested() {
        assertThat(Suggestions.closest("imgae", FIELDS)).contains("image");
        assertThat(Suggestions.closest("imag", FIELDS)).contains("image");
        assertThat(Suggestions.closest("envv", FIELDS)).contains("env");
        assertThat(Suggestions.closest("secret", FIELDS)).contains("secrets");
        assertThat(Suggestions.closest("Placement", FIELDS)).contains("placement");
        assertThat(Suggestions.closest("auto_rollback", ServiceReader.ROLLOUT_FIELDS)).contains("auto-rollback");
    }

    @Test
    void farOffWordsGetNoSuggestion() {
        assertThat(Suggestions.closest("owner", FIELDS)).isEmpty();
        assertThat(Suggestions.closest("xyz", FIELDS)).isEmpty();
        assertThat(Suggestions.hint("owner", FIELDS)).isEmpty();
    }

    @Test
    void shortWordsNeedACloserMatch() {
        assertThat(Suggestions.closest("ab", List.of("cd"))).isEmpty();
        assertThat(Suggestions.closest("ab", List.of("ac"))).contains("ac");
    }

    @Test
    void swappedLettersCountAsOneEdit() {
        assertThat(Suggestions.distance("imgae", "image")).isEqualTo(1);
        assertThat(Suggestions.distance("kitten", "sitting")).isEqualTo(3);
    }
}
