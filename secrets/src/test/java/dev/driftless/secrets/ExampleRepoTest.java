package dev.driftless.secrets;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The example infra repo's secrets decrypt with the published demo key (examples/keys/demo-age.txt). */
class ExampleRepoTest {

    private static final Path EXAMPLES = Path.of("..", "examples");

    @Test
    void shopSecretsDecryptWithTheDemoKey() throws IOException {
        Path file = EXAMPLES.resolve("infra-repo/secrets/shop.yaml");
        KeyRing demo = KeyRing.builder().ageIdentityFile(EXAMPLES.resolve("keys/demo-age.txt")).build();
        DecryptedDocument doc = Sops.decrypt(file.toString(), Files.readAllBytes(file), demo);
        assertThat(doc.lookup(List.of("db", "user")).orElseThrow().reveal()).isEqualTo("shop");
        assertThat(doc.lookup(List.of("db", "password")).orElseThrow().reveal()).matches("[A-Za-z0-9]{24}");
        assertThat(doc.lookup(List.of("api", "token")).orElseThrow().reveal()).matches("[A-Za-z0-9]{40}");
        assertThat(doc.values()).hasSize(3);
        assertThat(doc.metadata().keyGroups().get(0).age()).extracting(SopsMetadata.AgeKey::recipient)
            .containsExactlyElementsOf(demo.ageRecipients());
    }

    @Test
    void theExamplesSopsConfigurationEncryptsEverySecretsFileToTheDemoKey() throws IOException {
        KeyRing demo = KeyRing.builder().ageIdentityFile(EXAMPLES.resolve("keys/demo-age.txt")).build();
        SopsConfig config = SopsConfig.read(SopsConfig.find(EXAMPLES.resolve("infra-repo/secrets")).orElseThrow());
        for (String file : List.of("secrets/shop.yaml", "environments/staging/secrets/new.yaml")) {
            SopsConfig.CreationRule rule = config.ruleFor(EXAMPLES.resolve("infra-repo").resolve(file));
            assertThat(rule.groups()).singleElement().satisfies(g ->
                assertThat(g.age()).containsExactlyElementsOf(demo.ageRecipients()));
        }
    }

    @Test
    void theDemoKeyFileSaysItIsForDemosOnly() throws IOException {
        assertThat(Files.readString(EXAMPLES.resolve("keys/demo-age.txt")))
            .startsWith("# DEMO ONLY - NOT A SECRET.").contains("# public key: age1");
    }
}
