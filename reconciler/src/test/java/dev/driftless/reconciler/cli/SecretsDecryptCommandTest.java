package dev.driftless.reconciler.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.driftless.secrets.Sops;
import dev.driftless.secrets.age.AgeIdentity;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SecretsDecryptCommandTest {

    private static final String PLAIN = "db:\n    user: shop\n    password: hunter2-Zq9\nport: 5432\n";

    @TempDir
    Path dir;

    private AgeIdentity key;
    private Path keyFile;
    private Path secrets;

    @BeforeEach
    void encryptAFile() throws IOException {
        key = AgeIdentity.generate(new SecureRandom());
        keyFile = dir.resolve("keys.txt");
        Files.writeString(keyFile, "# test key\n" + key.encode() + "\n");
        secrets = dir.resolve("secrets.yaml");
        Files.write(secrets, Sops.encryptor().ageRecipient(key.recipient().toString()).build()
            .encrypt("secrets.yaml", PLAIN.getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void printsThePlaintextWithTheAgeKeyFlag() {
        SecretsCliFixture.Run r = SecretsCliFixture.run(Map.of(), "secrets", "decrypt", "--age-key", keyFile.toString(),
            secrets.toString());
        assertThat(r.exitCode()).isZero();
        assertThat(r.out()).isEqualTo(PLAIN);
        assertThat(r.err()).isEmpty();
    }

    @Test
    void readsTheKeyFromSopsAgeKeyFile() {
        SecretsCliFixture.Run r = SecretsCliFixture.run(Map.of("SOPS_AGE_KEY_FILE", keyFile.toString()),
            "secrets", "decrypt", secrets.toString());
        assertThat(r.exitCode()).isZero();
        assertThat(r.out()).isEqualTo(PLAIN);
    }

    @Test
    void extractPrintsOneValueLikeSops() {
        SecretsCliFixture.Run r = SecretsCliFixture.run(Map.of("SOPS_AGE_KEY", key.encode()),
            "secrets", "decrypt", "--extract", "[\"db\"][\"password\"]", secrets.toString());
        assertThat(r.exitCode()).isZero();
        assertThat(r.out()).isEqualTo("hunter2-Zq9");
        SecretsCliFixture.Run map = SecretsCliFixture.run(Map.of("SOPS_AGE_KEY", key.encode()),
            "secrets", "decrypt", "--extract", "[\"db\"]", secrets.toString());
        assertThat(map.out()).isEqualTo("user: shop\npassword: hunter2-Zq9\n");
    }

    @Test
    void decryptsTheRealSopsExampleWithThePgpKeyFlag() throws IOException {
        SecretsCliFixture.Run r = SecretsCliFixture.run(Map.of(), "secrets", "decrypt", "--pgp-key",
            SecretsCliFixture.SOPS_INTEROP.resolve("sops_functional_tests_key.asc").toString(),
            SecretsCliFixture.SOPS_INTEROP.resolve("example.yaml").toString());
        assertThat(r.exitCode()).isZero();
        assertThat(r.out()).startsWith("myapp1: t00m4nys3cr3tzupdated\napp2:\n    db:\n        user: eve\n")
            .contains("number: 1.234568e+09\n");
        SecretsCliFixture.Run json = SecretsCliFixture.run(Map.of("DRIFTLESS_PGP_KEY_FILE",
            SecretsCliFixture.SOPS_INTEROP.resolve("sops_functional_tests_key.asc").toString()),
            "secrets", "decrypt", SecretsCliFixture.SOPS_INTEROP.resolve("example.json").toString());
        assertThat(json.out()).startsWith("{\n\t\"firstName\": \"John\",\n");
    }

    @Test
    void noMatchingKeyIsOneLineOnStderrNamingTheFile() {
        AgeIdentity other = AgeIdentity.generate(new SecureRandom());
        SecretsCliFixture.Run r = SecretsCliFixture.run(Map.of("SOPS_AGE_KEY", other.encode()),
            "secrets", "decrypt", secrets.toString());
        assertThat(r.exitCode()).isEqualTo(1);
        assertThat(r.out()).isEmpty();
        assertThat(r.err()).startsWith("driftless secrets decrypt: " + secrets + ": no key in the key ring can decrypt")
            .contains("age " + key.recipient()).doesNotContain("hunter2").hasLineCount(1);
    }

    @Test
    void aMissingFileOrBadTypeIsOneLine() {
        SecretsCliFixture.Run r = SecretsCliFixture.run(Map.of(), "secrets", "decrypt", dir.resolve("nope.yaml").toString());
        assertThat(r.exitCode()).isEqualTo(1);
        assertThat(r.err()).isEqualTo("driftless secrets decrypt: " + dir.resolve("nope.yaml") + ": no such file\n");
        SecretsCliFixture.Run t = SecretsCliFixture.run(Map.of(), "secrets", "decrypt", "--input-type", "toml",
            secrets.toString());
        assertThat(t.err()).isEqualTo("driftless secrets decrypt: " + secrets
            + ": unknown format 'toml' (yaml, json, dotenv or ini)\n");
    }

    @Test
    void theSecretsVerbWithoutASubcommandPrintsItsUsage() {
        SecretsCliFixture.Run r = SecretsCliFixture.run(Map.of(), "secrets");
        assertThat(r.exitCode()).isZero();
        assertThat(r.out()).contains("decrypt").contains("encrypt");
    }

    @Test
    void extractPathsParseLikeSops() {
        assertThat(ExtractPath.parse("[\"a\"]['b'][0]")).containsExactly("a", "b", "0");
        assertThat(ExtractPath.parse("[\"with \\\"quote\\\"\"]")).containsExactly("with \"quote\"");
    }
}
