package dev.driftless.model;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class SizeTextTest {

    @ParameterizedTest(name = "{0} = {1} bytes")
    @CsvSource({"512M,536870912", "512Mi,536870912", "512MiB,536870912", "512MB,536870912", "512m,536870912",
        "1G,1073741824", "64Mi,67108864", "1K,1024", "1k,1024", "1T,1099511627776", "1.5G,1610612736",
        "1024,1024", "100B,100", "0.3K,307"})
    void sizesAreBinaryLikeDocker(String text, long bytes) {
        assertThat(SizeText.parse(text)).contains(bytes);
    }

    @ParameterizedTest(name = "\"{0}\" is not a size")
    @ValueSource(strings = {"", "M", "512X", "512 M", "-1M", "1P", "1e3", "9999999999999T", "512Mb2"})
    void nonSizesAreRefused(String text) {
        assertThat(SizeText.parse(text)).isEmpty();
    }

    @ParameterizedTest(name = "{0} bytes formats as {1}")
    @CsvSource({"536870912,512M", "1073741824,1G", "1572864,1536K", "100,100", "0,0"})
    void formatUsesTheLargestExactUnit(long bytes, String text) {
        assertThat(SizeText.format(bytes)).isEqualTo(text);
    }
}
