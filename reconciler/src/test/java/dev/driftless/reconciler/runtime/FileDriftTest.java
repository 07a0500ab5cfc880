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
    void aModeOrOwnerThatDiffersIsSaidWithWhatItWasAndIsNow() {
        assertThat(FileDrift.read(List.of(
            "@@files api-1-0123abcd",
            "owner 0400 0:0 0644 0:0 /run/secrets/db",
            "owner 0444 0:0 0444 1000:1000 /etc/a b.conf",
            "changed /etc/a b.conf",
            "owner 0444 0:0 0777 1:1 /etc/c.conf",
            "owner 0444 broken",
            "@@files worker-1-89abcdef",
            "owner 0440 0:101 0440 0:0 /etc/w.conf"))).containsExactly(
                Map.entry("api-1-0123abcd", "file /etc/a b.conf changed on the host; file /run/secrets/db mode 0400"
                    + " → 0644 on the host; file /etc/a b.conf owner 0:0 → 1000:1000 on the host; file /etc/c.conf"
                    + " mode 0444 → 0777 and owner 0:0 → 1:1 on the host"),
                Map.entry("worker-1-89abcdef", "file /etc/w.conf owner 0:101 → 0:0 on the host"));
    }

    @Test
    void aContainersListLineCarriesTheModeAndOwnerTheFileWasPlacedWith() {
        byte[] content = "x".getBytes(java.nio.charset.StandardCharsets.UTF_8);
        String plain = FileDrift.line(content, "/etc/a b");
        assertThat(FileDrift.line(content, 0400, 101, 102, "/etc/a b"))
            .isEqualTo(plain.substring(0, 64) + " 0400 101:102 /etc/a b\n");
    }

    @Test
    void aSystemdInstancesFilesLineSaysTheyBelongToTheirDirectorysOwnerAndItsDriftNamesTheOwnersByName() {
        byte[] content = "x".getBytes(java.nio.charset.StandardCharsets.UTF_8);
        assertThat(FileDrift.line(content, 0400, FileDrift.DIRECTORY_OWNER, "tls/a b.key"))
            .isEqualTo(FileDrift.line(content, "tls/a b.key").substring(0, 64) + " 0400 - tls/a b.key\n");
        assertThat(FileDrift.read(List.of("@@files driftless-exporter-1-0123abcd.service",
            "owner 0400 prometheus:prometheus 0400 root:root tls/a b.key"))).containsExactly(Map.entry(
                "driftless-exporter-1-0123abcd.service", "file tls/a b.key owner prometheus:prometheus → root:root on the host"));
    }

    @Test
    void noChecksOrNoDifferencesAreNoDrift() {
        assertThat(FileDrift.read(List.of())).isEmpty();
        assertThat(FileDrift.read(List.of("@@files api-1-0123abcd"))).isEmpty();
    }
}
