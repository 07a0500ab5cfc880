package dev.driftless.reconciler.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class FileDriftTest {

    @Test
    void eachInstanceWithFilesThatDifferGetsOneReasonNamingThem() {
        Map<String, String> read = FileDrift.read(List.of(
            "noise before the first mark",
            "@@files api-1-0123abcd",
            "changed /etc/api/config.yaml",
            "missing /etc/api/tls/key pem",
            "changed /etc/api/other.yaml",
            "@@files api-2-0123abcd",
            "@@files worker-1-89abcdef",
            "missing /etc/worker.conf",
            "something else"));
        assertThat(read).containsExactly(
            Map.entry("api-1-0123abcd", "files /etc/api/config.yaml, /etc/api/other.yaml changed on the host;"
                + " file /etc/api/tls/key pem deleted on the host"),
            Map.entry("worker-1-89abcdef", "file /etc/worker.conf deleted on the host"));
    }

    @Test
    void noChecksOrNoDifferencesAreNoDrift() {
        assertThat(FileDrift.read(List.of())).isEmpty();
        assertThat(FileDrift.read(List.of("@@files api-1-0123abcd"))).isEmpty();
    }
}
