package dev.driftless.reconciler.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.driftless.secrets.Format;
import dev.driftless.secrets.Sops;
import dev.driftless.secrets.SopsMetadata;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code secrets set} and {@code secrets rotate} on the file the real sops wrote, with keys the
 * real {@code age-keygen} made, whose data key the real {@code age} opens afterwards.
 */
class SecretsEditCommandsTest {

    static final String PASSWORD = "[\"app2\"][\"db\"][\"password\"]";
    static final String DROP = "D7229043384BCC60326C6FB9D8720D957C3D3074";

    @TempDir
    Path dir;

    private Path file;
    private Path pgpKeys;

    @BeforeEach
    void copyTheSopsFile() throws IOException {
        file = dir.resolve("example.yaml");
        Files.copy(SecretsCliFixture.SOPS_INTEROP.resolve("example.yaml"), file);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r-----"));
        pgpKeys = SecretsCliFixture.SOPS_INTEROP.resolve("sops_functional_tests_key.asc");
    }

    @Test
    void setTakesTheValueFromStdinOrAFileNeverFromTheCommandLine() throws IOException {
        SecretsCliFixture.Run r = SecretsCliFixture.run(Map.of(), "s3cr3t 'x' $(y)\n".getBytes(StandardCharsets.UTF_8),
            "secrets", "set", "--pgp-key", pgpKeys.toString(), file.toString(), PASSWORD);
        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(r.out()).isEqualTo(file + ": " + PASSWORD + " set\n");
        assertThat(extract(PASSWORD)).as("one trailing newline dropped").isEqualTo("s3cr3t 'x' $(y)");
        assertThat(Files.readString(file)).doesNotContain("s3cr3t");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-r-----");

        Path pem = dir.resolve("key.pem");
        Files.writeString(pem, "-----BEGIN KEY-----\nabc\n-----END KEY-----\n");
        r = SecretsCliFixture.run(Map.of(), "secrets", "set", "--pgp-key", pgpKeys.toString(), "--value-file",
            pem.toString(), file.toString(), "[\"tls\"][\"key\"]");
        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(extract("[\"tls\"][\"key\"]")).as("a file's value exactly").isEqualTo(Files.readString(pem));

        r = SecretsCliFixture.run(Map.of(), "2\n".getBytes(StandardCharsets.UTF_8), "secrets", "set", "--type", "int",
            "--pgp-key", pgpKeys.toString(), file.toString(), "[\"an_array\"][1]");
        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(extract("[\"an_array\"][1]")).as("an int, printed as YAML").startsWith("2\n");
    }

    @Test
    void setRefusesABadPathTypeOrKeyInOneLineAndLeavesTheFileAsItWas() throws IOException {
        byte[] before = Files.readAllBytes(file);
        SecretsCliFixture.Run r = SecretsCliFixture.run(Map.of(), "hunter2\n".getBytes(StandardCharsets.UTF_8),
            "secrets", "set", "--type", "int", "--pgp-key", pgpKeys.toString(), file.toString(), "[\"port\"]");
        assertThat(r.exitCode()).isEqualTo(1);
        assertThat(r.err()).isEqualTo("driftless secrets set: " + file + ": the value is not a int\n");
        r = SecretsCliFixture.run(Map.of(), "v".getBytes(StandardCharsets.UTF_8), "secrets", "set", "--pgp-key",
            pgpKeys.toString(), file.toString(), "app2.db");
        assertThat(r.err()).isEqualTo("driftless secrets set: " + file + ": PATH must look like [\"key\"][0]: app2.db\n");
        r = SecretsCliFixture.run(Map.of(), "v".getBytes(StandardCharsets.UTF_8), "secrets", "set", file.toString(),
            "[\"myapp1\"]");
        assertThat(r.exitCode()).isEqualTo(1);
        assertThat(r.err()).startsWith("driftless secrets set: " + file + ": no key in the key ring can decrypt");
        assertThat(Files.readAllBytes(file)).isEqualTo(before);
    }

    @Test
    void rotateLetsANewAgeKeyInAndLocksARemovedPgpKeyOut() throws Exception {
        Path ageKey = dir.resolve("keys.txt");
        run("age-keygen", "-o", ageKey.toString());
        String recipient = Files.readAllLines(ageKey).stream().filter(l -> l.startsWith("# public key: "))
            .findFirst().orElseThrow().substring("# public key: ".length());
        String before = extract(PASSWORD);

        SecretsCliFixture.Run r = SecretsCliFixture.run(Map.of(), "secrets", "rotate", "--pgp-key", pgpKeys.toString(),
            "--add-age", recipient, "--rm-pgp", DROP, "-i", file.toString());
        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(r.out()).isEqualTo(file + ": a new data key, for age " + recipient
            + ", PGP FBC7B9E2A4F9289AC0C1D4843D16CEE4A27381B4\n");

        SopsMetadata meta = Sops.metadata("example.yaml", Files.readAllBytes(file), Format.YAML);
        assertThat(meta.keyGroups().getFirst().describe()).containsExactly("age " + recipient,
            "PGP FBC7B9E2A4F9289AC0C1D4843D16CEE4A27381B4");
        // The real age opens the new data key entry with the key age-keygen made.
        Path enc = dir.resolve("datakey.age");
        Files.writeString(enc, meta.keyGroups().getFirst().age().getFirst().enc());
        assertThat(run("age", "--decrypt", "-i", ageKey.toString(), enc.toString())).hasSize(32);
        r = SecretsCliFixture.run(Map.of(), "secrets", "decrypt", "--age-key", ageKey.toString(), "--extract", PASSWORD,
            file.toString());
        assertThat(r.out()).isEqualTo(before);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-r-----");

        // Removing an age key that is not there, or the last key, is refused.
        r = SecretsCliFixture.run(Map.of(), "secrets", "rotate", "--age-key", ageKey.toString(), "--rm-age",
            "age1qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqq", file.toString());
        assertThat(r.exitCode()).isEqualTo(1);
        assertThat(r.err()).startsWith("driftless secrets rotate: " + file + ": the file is not encrypted to age age1qqq");
        r = SecretsCliFixture.run(Map.of(), "secrets", "rotate", "--age-key", ageKey.toString(), file.toString());
        assertThat(r.err()).as("the PGP key it keeps needs its public key").isEqualTo("driftless secrets rotate: " + file
            + ": the file is encrypted to PGP FBC7B9E2A4F9289AC0C1D4843D16CEE4A27381B4 and the file holds only the"
            + " fingerprint: give the public key with --pgp-public-keys (gpg --export -a FINGERPRINT), or remove it"
            + " (--rm-pgp)\n");
    }

    @Test
    void rotateFromConfigGivesEachFileTheRecipientsItsCreationRuleNames() throws Exception {
        Path ageKey = dir.resolve("keys.txt");
        run("age-keygen", "-o", ageKey.toString());
        String recipient = Files.readAllLines(ageKey).stream().filter(l -> l.startsWith("# public key: "))
            .findFirst().orElseThrow().substring("# public key: ".length());
        Path json = dir.resolve("example.json");
        Files.copy(SecretsCliFixture.SOPS_INTEROP.resolve("example.json"), json);
        Path config = dir.resolve(".sops.yaml");
        Files.writeString(config, "creation_rules:\n  - path_regex: \\.json$\n    age: " + recipient + "\n"
            + "  - age: " + recipient + "\n    pgp: FBC7B9E2A4F9289AC0C1D4843D16CEE4A27381B4\n");
        String before = extract(PASSWORD);

        SecretsCliFixture.Run r = SecretsCliFixture.run(Map.of(), "secrets", "rotate", "--pgp-key", pgpKeys.toString(),
            "--config", config.toString(), "-i", file.toString(), json.toString());
        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(r.out()).isEqualTo(file + ": a new data key, for age " + recipient
            + ", PGP FBC7B9E2A4F9289AC0C1D4843D16CEE4A27381B4\n" + json + ": a new data key, for age " + recipient + "\n");
        r = SecretsCliFixture.run(Map.of(), "secrets", "decrypt", "--age-key", ageKey.toString(), "--extract",
            "[\"firstName\"]", json.toString());
        assertThat(r.out()).isEqualTo("John");
        assertThat(extract(PASSWORD)).isEqualTo(before);
        // The file's own encryption rule stays, as sops updatekeys keeps it.
        assertThat(Files.readString(file)).contains("unencrypted_suffix: _unencrypted");

        r = SecretsCliFixture.run(Map.of(), "secrets", "rotate", "--config", config.toString(), "--add-age", recipient,
            file.toString());
        assertThat(r.err()).isEqualTo("driftless secrets rotate: " + file + ": --from-config takes the recipients from"
            + " the configuration; drop --add-age, --rm-age, --add-pgp and --rm-pgp (or --from-config)\n");
        r = SecretsCliFixture.run(Map.of(), "secrets", "rotate", "--age-key", ageKey.toString(), file.toString(),
            json.toString());
        assertThat(r.err()).isEqualTo("driftless secrets rotate: " + file + ": several files are rotated in place only:"
            + " add -i\n");
    }

    @Test
    void editSavesWhatTheEditorChangedUnderTheSameDataKeyAndLeavesNoPlaintextBehind() throws Exception {
        Path seen = dir.resolve("seen");
        Path editor = dir.resolve("editor.sh");
        Files.writeString(editor, "#!/bin/sh\nprintf '%s\\n' \"$1\" > " + seen + "\nstat -c %a \"$1\" \"${1%/*}\" >> " + seen
            + "\nsed -i 's/c4r1b0u/n3w-p4ss/' \"$1\"\n");
        Files.setPosixFilePermissions(editor, PosixFilePermissions.fromString("rwx------"));
        List<String> entries = pgpEntries();

        SecretsCliFixture.Run r = SecretsCliFixture.run(Map.of("EDITOR", editor.toString()), "secrets", "edit",
            "--pgp-key", pgpKeys.toString(), file.toString());
        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(r.out()).isEqualTo(file + ": saved\n");
        assertThat(extract(PASSWORD)).isEqualTo("n3w-p4ss");
        assertThat(pgpEntries()).as("the same data key, for the same keys").isEqualTo(entries);
        List<String> lines = Files.readAllLines(seen);
        Path plain = Path.of(lines.get(0));
        assertThat(plain.getFileName().toString()).isEqualTo("example.yaml");
        assertThat(lines.subList(1, 3)).as("the copy and its directory are the user's alone").containsExactly("600", "700");
        assertThat(plain).doesNotExist();
        assertThat(plain.getParent()).doesNotExist();

        // No change, no write; $VISUAL wins over $EDITOR.
        byte[] before = Files.readAllBytes(file);
        r = SecretsCliFixture.run(Map.of("VISUAL", "true", "EDITOR", editor.toString()), "secrets", "edit", "--pgp-key",
            pgpKeys.toString(), file.toString());
        assertThat(r.out()).isEqualTo(file + ": not changed\n");
        assertThat(Files.readAllBytes(file)).isEqualTo(before);
    }

    @Test
    void anEditThatBreaksTheFileOrAnEditorThatFailsSavesNothing() throws Exception {
        byte[] before = Files.readAllBytes(file);
        SecretsCliFixture.Run r = SecretsCliFixture.run(Map.of("EDITOR", "sed -i $a\\broken:[ "), "secrets", "edit",
            "--pgp-key", pgpKeys.toString(), file.toString());
        assertThat(r.exitCode()).isEqualTo(1);
        assertThat(r.err()).startsWith("driftless secrets edit: " + file + ": invalid YAML at line ")
            .doesNotContain("c4r1b0u");
        r = SecretsCliFixture.run(Map.of("EDITOR", "false"), "secrets", "edit", "--pgp-key", pgpKeys.toString(),
            file.toString());
        assertThat(r.err()).isEqualTo("driftless secrets edit: " + file + ": the editor (false) exited with code 1;"
            + " nothing saved\n");
        assertThat(Files.readAllBytes(file)).isEqualTo(before);
    }

    private List<String> pgpEntries() throws IOException {
        return Sops.metadata("example.yaml", Files.readAllBytes(file), Format.YAML).keyGroups().stream()
            .flatMap(g -> g.pgp().stream()).map(SopsMetadata.PgpKey::enc).toList();
    }

    private String extract(String path) {
        SecretsCliFixture.Run r = SecretsCliFixture.run(Map.of(), "secrets", "decrypt", "--pgp-key", pgpKeys.toString(),
            "--extract", path, file.toString());
        assertThat(r.exitCode()).as(r.err()).isZero();
        return r.out();
    }

    private static byte[] run(String... command) throws Exception {
        Process p = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        byte[] out = p.getInputStream().readAllBytes();
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(String.join(" ", command)).isZero();
        return out;
    }
}
