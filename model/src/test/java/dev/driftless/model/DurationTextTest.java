package dev.driftless.model;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class DurationTextTest {

    @ParameterizedTest(name = "{0} = {1} ms")
    @CsvSource({"2s,2000", "500ms,500", "1m30s,90000", "1h,3600000", "1h2m3s4ms,3723004", "1.5s,1500",
        "0.5m,30000", "0s,0", "90s,90000"})
    void durationsParse(String text, long millis) {
        assertThat(DurationText.parse(text)).contains(Duration.ofMillis(millis));
    }

    @ParameterizedTest(name = "\"{0}\" is not a duration")
    @ValueSource(strings = {"", "30", "2x", "s", "1s1m", "1s1s", "1 s", "-1s", "1.5ms", "1e3s", "1m 30s", "PT2S", "87600h1ms"})
    void nonDurationsAreRefused(String text) {
        assertThat(DurationText.parse(text)).isEmpty();
    }

    @ParameterizedTest(name = "{0} ms formats as {1}")
    @CsvSource({"0,0s", "500,500ms", "2000,2s", "90000,1m30s", "3723004,1h2m3s4ms"})
    void formatIsTheShortestTextThatParsesBack(long millis, String text) {
        assertThat(DurationText.format(Duration.ofMillis(millis))).isEqualTo(text);
        assertThat(DurationText.parse(text)).contains(Duration.ofMillis(millis));
    }
}
