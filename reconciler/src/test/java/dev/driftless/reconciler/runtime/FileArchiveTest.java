package dev.driftless.reconciler.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.driftless.model.SecretRef;
import dev.driftless.model.Service;
import dev.driftless.model.ServiceFile;
import dev.driftless.model.SourceLocation;
import dev.driftless.secrets.SecretValue;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.junit.jupiter.api.Test;

class FileArchiveTest {

    private static final SourceLocation AT = SourceLocation.of("services/api.yaml");
    private static final Instant DEPLOYED = Instant.parse("2026-12-06T12:00:00Z");

    record Entry(String name, int mode, long uid, long gid, String text, long modified, boolean file) {
    }

    private static List<Entry> read(byte[] archive) throws IOException {
        List<Entry> out = new ArrayList<>();
        try (TarArchiveInputStream tar = new TarArchiveInputStream(new ByteArrayInputStream(archive))) {
            TarArchiveEntry e;
            while ((e = tar.getNextEntry()) != null) {
                out.add(new Entry(e.getName(), e.getMode(), e.getLongUserId(), e.getLongGroupId(),
                    new String(tar.readAllBytes(), StandardCharsets.UTF_8), e.getModTime().getTime(), e.isFile()));
            }
        }
        return out;
    }

    @Test
    void eachFileIsARegularEntryAtItsTargetWithItsModeOwnerAndTheDeployTime() throws IOException {
        String longName = "/srv/" + "deep/".repeat(40) + "file name with spaces;$(id).conf";
        Service api = Service.builder("api").image("api:1")
            .file(new ServiceFile("/etc/api/config.yaml", new ServiceFile.Plain("files/api/config.yaml",
                "listen: 8080\n".getBytes(StandardCharsets.UTF_8)), 0444, 0, 0, AT))
            .file(new ServiceFile("/run/secrets/db", new ServiceFile.Secret(SecretRef.parse("secrets/db.yaml#db.password")),
                0400, 101, 102, AT))
            .file(new ServiceFile(longName, new ServiceFile.Plain("", new byte[0]), 0640, 3_000_000_000L, 0, AT))
            .build();

        byte[] archive = FileArchive.archive(api, Map.of("/run/secrets/db",
            SecretValue.ofText("hunter2\n", List.of("db", "password"))), DEPLOYED);

        assertThat(read(archive)).containsExactly(
            new Entry("etc/api/config.yaml", 0100444, 0, 0, "listen: 8080\n", DEPLOYED.toEpochMilli(), true),
            new Entry("run/secrets/db", 0100400, 101, 102, "hunter2\n", DEPLOYED.toEpochMilli(), true),
            new Entry(longName.substring(1), 0100640, 3_000_000_000L, 0, "", DEPLOYED.toEpochMilli(), true));
    }

    @Test
    void aSystemdServicesRelativeTargetsAreEntriesInTheDirectoryItIsExtractedInto() throws IOException {
        Service exporter = Service.builder("exporter").runtime(dev.driftless.model.Runtime.SYSTEMD)
            .command(List.of("/usr/bin/exporter"))
            .file(new ServiceFile("web.yml", new ServiceFile.Plain("", "tls: {}\n".getBytes(StandardCharsets.UTF_8)),
                0444, 0, 0, AT))
            .file(new ServiceFile("tls/server.key", new ServiceFile.Plain("", "k".getBytes(StandardCharsets.UTF_8)),
                0400, 0, 0, AT))
            .build();

        assertThat(read(FileArchive.archive(exporter, Map.of(), DEPLOYED))).extracting(Entry::name, Entry::mode)
            .containsExactly(org.assertj.core.groups.Tuple.tuple("web.yml", 0100444),
                org.assertj.core.groups.Tuple.tuple("tls/server.key", 0100400));
    }

    @Test
    void aSecretFileWithoutADecryptedValueIsRefusedNamingTheTarget() {
        Service api = Service.builder("api").image("api:1").file(new ServiceFile("/run/secrets/db",
            new ServiceFile.Secret(SecretRef.parse("secrets/db.yaml#db.password")), 0400, 0, 0, AT)).build();

        assertThatThrownBy(() -> FileArchive.archive(api, Map.of(), DEPLOYED))
            .isInstanceOf(IllegalArgumentException.class)
            .hasMessage("no value was decrypted for the secret file /run/secrets/db");
        assertThat(FileArchive.any(api)).isTrue();
        assertThat(FileArchive.any(Service.builder("w").image("w:1").build())).isFalse();
    }

    @Test
    void theManifestListsEachFilesSha256AndTargetInOrderSecretsIncludedAndFailsWithoutASecretsValue() {
        Service api = Service.builder("api").image("api:1")
            .file(new ServiceFile("/etc/api/a b.yaml", new ServiceFile.Plain("files/api/config.yaml",
                "listen: 8080\n".getBytes(StandardCharsets.UTF_8)), 0444, 0, 0, AT))
            .file(new ServiceFile("/run/secrets/db", new ServiceFile.Secret(SecretRef.parse("secrets/db.yaml#db.password")),
                0400, 101, 102, AT))
            .build();
        byte[] manifest = FileArchive.manifest(api, Map.of("/run/secrets/db",
            SecretValue.ofText("hunter2\n", List.of("db", "password"))), false);
        // sha256sum of the same contents, the mode, and "-": a systemd instance's files belong to
        // whoever owns its directory.
        assertThat(new String(manifest, StandardCharsets.UTF_8)).isEqualTo(
            "7ef7b4c7b8bb62739c5556dcfaf3fc23f5256037cd8ca5e46a67d4824a8a559e 0444 - /etc/api/a b.yaml\n"
                + "46a9d5bde718bf366178313019f04a753bad00685d38e3ec81c8628f35dfcb1b 0400 - /run/secrets/db\n");
        // A container's list holds each file's numeric owner.
        assertThat(new String(FileArchive.manifest(api, Map.of("/run/secrets/db",
            SecretValue.ofText("hunter2\n", List.of("db", "password"))), true), StandardCharsets.UTF_8)).isEqualTo(
            "7ef7b4c7b8bb62739c5556dcfaf3fc23f5256037cd8ca5e46a67d4824a8a559e 0444 0:0 /etc/api/a b.yaml\n"
                + "46a9d5bde718bf366178313019f04a753bad00685d38e3ec81c8628f35dfcb1b 0400 101:102 /run/secrets/db\n");
        assertThatThrownBy(() -> FileArchive.manifest(api, Map.of(), true))
            .hasMessage("no value was decrypted for the secret file /run/secrets/db");
    }

    @Test
    void theChecksumsLeaveOutTheFilesWhoseDriftIsIgnored() {
        Service api = Service.builder("api").image("api:1")
            .file(new ServiceFile("/etc/api/config.yaml", new ServiceFile.Plain("files/api/config.yaml",
                "port: 8080\n".getBytes(StandardCharsets.UTF_8)), 0444, 0, 0, AT))
            .file(new ServiceFile("/var/lib/api/state.json", new ServiceFile.Plain("", "{}".getBytes(StandardCharsets.UTF_8)),
                0644, 0, 0, ServiceFile.Drift.IGNORE, AT))
            .build();
        assertThat(new String(FileArchive.manifest(api, Map.of(), true), StandardCharsets.UTF_8))
            .isEqualTo(FileDrift.line("port: 8080\n".getBytes(StandardCharsets.UTF_8), 0444, 0, 0, "/etc/api/config.yaml"));
        Service only = api.toBuilder().files(List.of(api.files().get(1))).build();
        assertThat(FileArchive.manifest(only, Map.of(), false)).as("nothing left to check").isEmpty();
        assertThat(FileArchive.archive(only, Map.of(), Instant.EPOCH)).as("the ignored file is placed all the same").isNotEmpty();
    }
}
