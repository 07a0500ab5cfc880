package dev.driftless.reconciler.apply;

import static org.assertj.core.api.Assertions.assertThat;

import dev.driftless.secrets.SecretValue;
import java.util.List;
import org.junit.jupiter.api.Test;

class JobOutputTest {

    private static SecretValue secret(String value) {
        return SecretValue.ofText(value, List.of("db", "password"));
    }

    @Test
    void keepsTheLastThreeNonBlankLines() {
        assertThat(JobOutput.tail("one\n\ntwo\n  three  \nfour\n\n", List.of())).isEqualTo("two / three / four");
        assertThat(JobOutput.tail("", List.of())).isEmpty();
    }

    @Test
    void masksEverySecretValueAlsoInsideWordsAndLongestFirst() {
        List<SecretValue> secrets = List.of(secret("hunter2"), secret("hunter2-and-more"), secret(""));

        assertThat(JobOutput.tail("url=postgres://shop:hunter2-and-more@db/shop token=xhunter2x", secrets))
            .isEqualTo("url=postgres://shop:***@db/shop token=x***x");
    }

    @Test
    void masksTheLinesOfAMultiLineSecretOneByOne() {
        List<SecretValue> secrets = List.of(secret("-----BEGIN KEY-----\nMIIEvQIBADANBg\n-----END KEY-----\n"));

        assertThat(JobOutput.tail("read key\nMIIEvQIBADANBg\ndone", secrets)).isEqualTo("read key / *** / done");
    }

    @Test
    void boundsALongTailKeepingItsEnd() {
        String tail = JobOutput.tail("x".repeat(1000) + "END", List.of());

        assertThat(tail).hasSize(JobOutput.MAX).startsWith("…").endsWith("END");
    }
}
