package dev.driftless.secrets.format;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.OffsetDateTime;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Go's strconv/encoding/json/time text, which sops's ciphertexts, MACs and output depend on. */
class GoFormatTest {

    @ParameterizedTest(name = "FormatFloat({0}, 'f', -1) = {1}")
    @CsvSource({"1234568000, 1234568000", "25.4, 25.4", "0.1, 0.1", "100, 100", "1e21, 1000000000000000000000",
        "1e-7, 0.0000001", "-2.5, -2.5", "0, 0", "123456.789, 123456.789"})
    void formatsFloatsLikeStrconvF(double value, String expected) {
        assertThat(GoFormat.formatFloatF(value)).isEqualTo(expected);
    }

    @ParameterizedTest(name = "FormatFloat({0}, 'g', -1) = {1}")
    @CsvSource({"1234568000, 1.234568e+09", "25.4, 25.4", "1e6, 1e+06", "123456, 123456", "1e-5, 1e-05",
        "0.0001, 0.0001", "5e-324, 5e-324", "1e21, 1e+21", "0, 0", "-1234567, -1.234567e+06", "0.75, 0.75"})
    void formatsFloatsLikeStrconvG(double value, String expected) {
        assertThat(GoFormat.formatFloatG(value)).isEqualTo(expected);
    }

    @ParameterizedTest(name = "json.Marshal({0}) = {1}")
    @CsvSource({"1e21, 1e+21", "1e-7, 1e-7", "0.000001, 0.000001", "123456789, 123456789",
        "1e20, 100000000000000000000", "25.4, 25.4", "-1.5e-9, -1.5e-9"})
    void formatsFloatsLikeEncodingJson(double value, String expected) {
        assertThat(GoFormat.formatFloatJson(value)).isEqualTo(expected);
    }

    @Test
    void specialFloatsAndNegativeZero() {
        assertThat(GoFormat.formatFloatF(Double.NaN)).isEqualTo("NaN");
        assertThat(GoFormat.formatFloatF(Double.POSITIVE_INFINITY)).isEqualTo("+Inf");
        assertThat(GoFormat.formatFloatF(Double.NEGATIVE_INFINITY)).isEqualTo("-Inf");
        assertThat(GoFormat.formatFloatF(-0.0)).isEqualTo("-0");
    }

    @Test
    void parsesLikeStrconv() {
        assertThat(GoFormat.parseFloat("1234568000").getAsDouble()).isEqualTo(1.234568e9);
        assertThat(GoFormat.parseFloat("+Inf").getAsDouble()).isInfinite();
        assertThat(GoFormat.parseFloat("1e400")).isEmpty();
        assertThat(GoFormat.parseFloat("1d")).isEmpty();
        assertThat(GoFormat.parseInt("+42").getAsLong()).isEqualTo(42);
        assertThat(GoFormat.parseInt("9223372036854775808")).isEmpty();
        assertThat(GoFormat.parseBool("True")).contains(true);
        assertThat(GoFormat.parseBool("F")).contains(false);
        assertThat(GoFormat.parseBool("yes")).isEmpty();
    }

    @Test
    void timesFormatLikeRfc3339() {
        OffsetDateTime t = OffsetDateTime.parse("2024-02-03T04:05:06.120+02:00");
        assertThat(GoFormat.formatTime(t)).isEqualTo("2024-02-03T04:05:06.12+02:00");
        assertThat(GoFormat.formatTimeSeconds(t)).isEqualTo("2024-02-03T04:05:06+02:00");
        assertThat(GoFormat.formatTimeSeconds(OffsetDateTime.parse("2025-08-06T18:55:05Z"))).isEqualTo("2025-08-06T18:55:05Z");
        assertThat(GoFormat.parseTime("2025-08-06T18:55:05Z")).isPresent();
        assertThat(GoFormat.parseTime("2025-08-06 18:55:05")).isEmpty();
    }
}
