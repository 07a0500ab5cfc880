package dev.driftless.secrets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.driftless.secrets.age.AgeIdentity;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code .sops.yaml} creation rules, read as sops reads them. */
class SopsConfigTest {

    private static final SecureRandom RANDOM = new SecureRandom();
    private final AgeIdentity prod = AgeIdentity.generate(RANDOM);
    private final AgeIdentity dev = AgeIdentity.generate(RANDOM);
    private final AgeIdentity ops = AgeIdentity.generate(RANDOM);

    @TempDir
    Path repo;

    private SopsConfig write(String yaml) throws IOException {
        Path file = repo.resolve(SopsConfig.FILE_NAME);
        Files.writeString(file, yaml);
        return SopsConfig.read(file);
    }

    @Test
    void theFirstRuleWhosePathRegexMatchesThePathBelowTheConfigurationWins() throws IOException {
        SopsConfig config = write("""
            keys:
              - &ops %s
            creation_rules:
              - path_regex: ^environments/prod/.*\\.yaml$
                encrypted_regex: ^(password|token)$
                age: [%s, *ops]
              - path_regex: \\.env$
                age: "%s, %s,"
                mac_only_encrypted: true
              - age: %s
            """.formatted(ops.recipient(), prod.recipient(), dev.recipient(), ops.recipient(), dev.recipient()));
        Files.createDirectories(repo.resolve("environments/prod/secrets"));
        SopsConfig.CreationRule prodRule = config.ruleFor(repo.resolve("environments/prod/secrets/db.yaml"));
        assertThat(prodRule.groups()).containsExactly(new SopsConfig.Group(List.of(prod.recipient().toString(),
            ops.recipient().toString()), List.of()));
        assertThat(prodRule.rule()).isEqualTo(new EncryptionRule.EncryptedRegex("^(password|token)$"));
        SopsConfig.CreationRule env = config.ruleFor(repo.resolve("app.env"));
        assertThat(env.groups().getFirst().age()).containsExactly(dev.recipient().toString(), ops.recipient().toString());
        assertThat(env.macOnlyEncrypted()).isTrue();
        assertThat(env.rule()).isEqualTo(EncryptionRule.DEFAULT);
        assertThat(config.ruleFor(repo.resolve("secrets/shop.yaml")).groups().getFirst().age())
            .containsExactly(dev.recipient().toString());

        // Encrypted as the rule says: to its recipients, its values only, readable by either key.
        byte[] file = config.encryptor(prodRule, fp -> Optional.empty()).build().encrypt("db.yaml",
            "password: hunter2\nuser: shop\n".getBytes(StandardCharsets.UTF_8));
        assertThat(new String(file, StandardCharsets.UTF_8)).contains("user: shop\n").doesNotContain("hunter2")
            .contains("encrypted_regex: ^(password|token)$");
        for (AgeIdentity key : List.of(prod, ops)) {
            assertThat(Sops.decrypt("db.yaml", file, KeyRing.builder().ageIdentity(key.encode()).build())
                .lookup(List.of("password")).orElseThrow().reveal()).isEqualTo("hunter2");
        }
        assertThatThrownBy(() -> Sops.decrypt("db.yaml", file, KeyRing.builder().ageIdentity(dev.encode()).build()))
            .isInstanceOf(SopsException.class);
    }

    @Test
    void keyGroupsAndTheirMergesSplitTheDataKeyWithTheThreshold() throws IOException {
        SopsConfig config = write("""
            creation_rules:
              - shamir_threshold: 2
                key_groups:
                  - age: [%s]
                  - merge:
                      - age: [%s]
                  - age: [%s]
            """.formatted(prod.recipient(), dev.recipient(), ops.recipient()));
        SopsConfig.CreationRule rule = config.ruleFor(repo.resolve("any.yaml"));
        assertThat(rule.groups()).hasSize(3);
        assertThat(rule.groups().get(1).age()).containsExactly(dev.recipient().toString());
        byte[] file = config.encryptor(rule, fp -> Optional.empty()).build().encrypt("any.yaml",
            "a: b\n".getBytes(StandardCharsets.UTF_8));
        assertThat(Sops.metadata("any.yaml", file, Format.YAML).shamirThreshold()).isEqualTo(2);
        KeyRing two = KeyRing.builder().ageIdentity(dev.encode()).ageIdentity(ops.encode()).build();
        assertThat(Sops.decrypt("any.yaml", file, two).lookup(List.of("a")).orElseThrow().reveal()).isEqualTo("b");
    }

    @Test
    void aRuleDriftlessCannotFollowIsRefusedNamingTheConfiguration() throws IOException {
        String name = repo.resolve(SopsConfig.FILE_NAME).toString();
        SopsConfig kms = write("creation_rules:\n  - kms: arn:aws:kms:eu-west-1:1:key/x\n    age: "
            + prod.recipient() + "\n");
        assertThatThrownBy(() -> kms.ruleFor(repo.resolve("a.yaml"))).isInstanceOf(SopsException.class)
            .hasMessage(name + ": creation_rules[0] names kms keys, which driftless cannot encrypt to; encrypt this file"
                + " with sops");
        SopsConfig none = write("creation_rules:\n  - path_regex: ^prod/\n    age: " + prod.recipient() + "\n");
        assertThatThrownBy(() -> none.ruleFor(repo.resolve("dev/a.yaml")))
            .hasMessage(name + ": no creation rule matches dev/a.yaml");
        SopsConfig two = write("creation_rules:\n  - encrypted_regex: x\n    unencrypted_suffix: _u\n    age: "
            + prod.recipient() + "\n");
        assertThatThrownBy(() -> two.ruleFor(repo.resolve("a.yaml"))).hasMessage(name + ": creation_rules[0] sets"
            + " unencrypted_suffix and encrypted_regex; only one encryption rule may be used");
        SopsConfig pgp = write("creation_rules:\n  - pgp: FBC7B9E2A4F9289AC0C1D4843D16CEE4A27381B4\n");
        SopsConfig.CreationRule rule = pgp.ruleFor(repo.resolve("a.yaml"));
        assertThatThrownBy(() -> pgp.encryptor(rule, fp -> Optional.empty())).hasMessage(name + ": the creation rule"
            + " names PGP FBC7B9E2A4F9289AC0C1D4843D16CEE4A27381B4: give the public key with --pgp-public-keys (gpg"
            + " --export -a FINGERPRINT)");
        SopsConfig list = write("creation_rules:\n  - path_regex: [a]\n    age: " + prod.recipient() + "\n");
        assertThatThrownBy(() -> list.ruleFor(repo.resolve("a.yaml")))
            .hasMessage(name + ": creation_rules[0].path_regex must be text");
        SopsConfig empty = write("destination_rules: []\n");
        assertThatThrownBy(() -> empty.ruleFor(repo.resolve("a.yaml"))).hasMessage(name + ": it has no creation_rules");
    }

    @Test
    void theConfigurationIsFoundInTheDirectoryOrItsNearestParent() throws IOException {
        write("creation_rules: [{age: " + prod.recipient() + "}]\n");
        Path deep = Files.createDirectories(repo.resolve("environments/prod/secrets"));
        assertThat(SopsConfig.find(deep)).contains(repo.resolve(SopsConfig.FILE_NAME).toAbsolutePath());
        Path nested = Files.writeString(repo.resolve("environments/" + SopsConfig.FILE_NAME), "creation_rules: []\n");
        assertThat(SopsConfig.find(deep)).contains(nested.toAbsolutePath());
    }
}
