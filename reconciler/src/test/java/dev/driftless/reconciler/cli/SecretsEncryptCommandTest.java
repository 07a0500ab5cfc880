package dev.driftless.reconciler.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.driftless.secrets.age.AgeIdentity;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SecretsEncryptCommandTest {

    private static final String PLAIN = "db:\n    user: shop\n    password: hunter2-Zq9\n";
    private static final String SOPS_FP = "FBC7B9E2A4F9289AC0C1D4843D16CEE4A27381B4";

    @TempDir
    Path dir;

    private AgeIdentity key;
    private Path keyFile;
    private Path plain;

    @BeforeEach
    void writePlaintext() throws IOException {
        key = AgeIdentity.generate(new SecureRandom());
        keyFile = dir.resolve("keys.txt");
        Files.writeString(keyFile, key.encode() + "\n");
        plain = dir.resolve("secrets.yaml");
        Files.writeString(plain, PLAIN);
    }

    @Test
    void encryptsToStdoutAndTheResultDecrypts() throws IOException {
        SecretsCliFixture.Run enc = SecretsCliFixture.run(Map.of(), "secrets", "encrypt", "--age",
            key.recipient().toString(), plain.toString());
        assertThat(enc.exitCode()).isZero();
        assertThat(enc.out()).contains("password: ENC[AES256_GCM,data:").contains("recipient: " + key.recipient())
            .contains("    version: 3.10.2\n").doesNotContain("hunter2");
        Path encrypted = dir.resolve("enc.yaml");
        Files.writeString(encrypted, enc.out());
        SecretsCliFixture.Run dec = SecretsCliFixture.run(Map.of(), "secrets", "decrypt", "--age-key", keyFile.toString(),
            encrypted.toString());
        assertThat(dec.out()).isEqualTo(PLAIN);
    }

    @Test
    void inPlaceReplacesTheFileKeepingItsPermissions() throws IOException {
        Files.setPosixFilePermissions(plain, PosixFilePermissions.fromString("rw-------"));
        SecretsCliFixture.Run enc = SecretsCliFixture.run(Map.of("SOPS_AGE_RECIPIENTS", key.recipient().toString()),
            "secrets", "encrypt", "--in-place", plain.toString());
        assertThat(enc.exitCode()).isZero();
        assertThat(enc.out()).isEmpty();
        assertThat(Files.readString(plain)).contains("sops:\n").doesNotContain("hunter2");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(plain))).isEqualTo("rw-------");
        SecretsCliFixture.Run again = SecretsCliFixture.run(Map.of("SOPS_AGE_RECIPIENTS", key.recipient().toString()),
            "secrets", "encrypt", "--in-place", plain.toString());
        assertThat(again.exitCode()).isEqualTo(1);
        assertThat(again.err()).isEqualTo("driftless secrets encrypt: " + plain
            + ": the file already has sops metadata (it is encrypted already)\n");
    }

    @Test
    void aSopsConfigurationsCreationRuleNamesTheRecipientsAndRuleWhenNoFlagDoes() throws IOException {
        Path keys = SecretsCliFixture.SOPS_INTEROP.resolve("sops_functional_tests_key.asc");
        Path config = dir.resolve(".sops.yaml");
        Files.writeString(config, "creation_rules:\n"
            + "  - path_regex: other\\.yaml$\n    age: age1qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqq\n"
            + "  - path_regex: secrets\\.yaml$\n    encrypted_regex: ^password$\n"
            + "    age: " + key.recipient() + "\n    pgp: " + SOPS_FP + "\n");
        SecretsCliFixture.Run enc = SecretsCliFixture.run(Map.of(), "secrets", "encrypt", "--config", config.toString(),
            "--pgp-public-keys", keys.toString(), plain.toString());
        assertThat(enc.exitCode()).as(enc.err()).isZero();
        assertThat(enc.out()).contains("recipient: " + key.recipient()).contains("fp: " + SOPS_FP)
            .contains("encrypted_regex: ^password$").doesNotContain("hunter2");
        Path encrypted = dir.resolve("enc.yaml");
        Files.writeString(encrypted, enc.out());
        for (String[] k : List.of(new String[] {"--age-key", keyFile.toString()}, new String[] {"--pgp-key", keys.toString()})) {
            SecretsCliFixture.Run dec = SecretsCliFixture.run(Map.of(), "secrets", "decrypt", k[0], k[1],
                encrypted.toString());
            assertThat(dec.out()).isEqualTo(PLAIN);
        }
        SecretsCliFixture.Run noKey = SecretsCliFixture.run(Map.of(), "secrets", "encrypt", "--config", config.toString(),
            plain.toString());
        assertThat(noKey.err()).isEqualTo("driftless secrets encrypt: " + config + ": the creation rule names PGP "
            + SOPS_FP + ": give the public key with --pgp-public-keys (gpg --export -a FINGERPRINT)\n");
        SecretsCliFixture.Run both = SecretsCliFixture.run(Map.of(), "secrets", "encrypt", "--config", config.toString(),
            "--age", key.recipient().toString(), plain.toString());
        assertThat(both.err()).isEqualTo("driftless secrets encrypt: " + plain + ": --config names the recipients; give"
            + " either it or --age, --pgp (or SOPS_AGE_RECIPIENTS)\n");
    }

    @Test
    void pgpFingerprintsAreLookedUpInThePublicKeyFile() throws IOException {
        Path keys = SecretsCliFixture.SOPS_INTEROP.resolve("sops_functional_tests_key.asc");
        SecretsCliFixture.Run enc = SecretsCliFixture.run(Map.of(), "secrets", "encrypt", "--pgp", SOPS_FP,
            "--pgp-public-keys", keys.toString(), "--age", key.recipient().toString(), plain.toString());
        assertThat(enc.exitCode()).isZero();
        assertThat(enc.out()).contains("fp: " + SOPS_FP).contains("-----BEGIN PGP MESSAGE-----");
        Path encrypted = dir.resolve("enc.yaml");
        Files.writeString(encrypted, enc.out());
        SecretsCliFixture.Run dec = SecretsCliFixture.run(Map.of(), "secrets", "decrypt", "--pgp-key", keys.toString(),
            encrypted.toString());
        assertThat(dec.out()).isEqualTo(PLAIN);
    }

    @Test
    void encryptedRegexEncryptsOnlyMatchingKeys() {
        SecretsCliFixture.Run enc = SecretsCliFixture.run(Map.of(), "secrets", "encrypt", "--age",
            key.recipient().toString(), "--encrypted-regex", "^password$", plain.toString());
        assertThat(enc.out()).contains("    user: shop\n").contains("    password: ENC[")
            .contains("    encrypted_regex: ^password$\n");
    }

    @Test
    void twoRulesOrNoRecipientsAreOneLineErrors() {
        SecretsCliFixture.Run two = SecretsCliFixture.run(Map.of(), "secrets", "encrypt", "--age", key.recipient().toString(),
            "--encrypted-regex", "x", "--unencrypted-suffix", "_clear", plain.toString());
        assertThat(two.exitCode()).isEqualTo(1);
        assertThat(two.err()).isEqualTo("driftless secrets encrypt: " + plain
            + ": only one encryption rule may be given, not --unencrypted-suffix and --encrypted-regex\n");
        SecretsCliFixture.Run none = SecretsCliFixture.run(Map.of(), "secrets", "encrypt", plain.toString());
        assertThat(none.err()).isEqualTo("driftless secrets encrypt: " + plain
            + ": no recipients: give --age (or set SOPS_AGE_RECIPIENTS) and/or --pgp, or a .sops.yaml with"
            + " creation_rules\n");
        SecretsCliFixture.Run bad = SecretsCliFixture.run(Map.of(), "secrets", "encrypt", "--age", "age1nope", plain.toString());
        assertThat(bad.exitCode()).isEqualTo(1);
        assertThat(bad.err()).startsWith("driftless secrets encrypt: " + plain + ": age recipient age1nope: not an age recipient");
    }

    @Test
    void dotenvAndJsonAreEncryptedInTheirOwnFormat() throws IOException {
        Path env = dir.resolve("app.env");
        Files.writeString(env, "# app\nTOKEN=abc\n");
        SecretsCliFixture.Run enc = SecretsCliFixture.run(Map.of(), "secrets", "encrypt", "--age", key.recipient().toString(),
            env.toString());
        assertThat(enc.out()).startsWith("#ENC[AES256_GCM,").contains("\nTOKEN=ENC[AES256_GCM,").contains("\nsops_version=3.10.2\n");
        Path json = dir.resolve("app.json");
        Files.writeString(json, "{\"token\": \"abc\"}");
        SecretsCliFixture.Run jenc = SecretsCliFixture.run(Map.of(), "secrets", "encrypt", "--age", key.recipient().toString(),
            json.toString());
        assertThat(jenc.out()).startsWith("{\n\t\"token\": \"ENC[AES256_GCM,").contains("\t\"sops\": {\n");
    }
}
