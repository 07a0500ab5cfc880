package dev.driftless.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

class SecretRefTest {

    @Test
    void pathSegmentsSplitOnDotsAndDigitsIndexLists() {
        SecretRef ref = SecretRef.parse("secrets/shop.yaml#db.replicas.0.password");
        assertThat(ref.file()).isEqualTo("secrets/shop.yaml");
        assertThat(ref.path()).containsExactly("db", "replicas", "0", "password");
        assertThat(ref).hasToString("secrets/shop.yaml#db.replicas.0.password");
        assertThat(ref.keyPath()).isEqualTo("db.replicas.0.password");
    }

    @Test
    void equalReferencesAreEqualValues() {
        assertThat(SecretRef.parse("secrets/a.env#TOKEN")).isEqualTo(new SecretRef("secrets/a.env", List.of("TOKEN")));
    }

    @ParameterizedTest(name = "{0}: {1}")
    @CsvSource(delimiter = '|', value = {
        "secrets/shop.yaml|a secret reference is file#key.path, e.g. secrets/shop.yaml#db.password; \"#\" is missing",
        "#db.password|the file before \"#\" is missing",
        "secrets/shop.yaml#|the key path after \"#\" is missing",
        "secrets/shop.yaml#db..password|the key path \"db..password\" has an empty segment",
        "secrets/a#b#c|a secret reference has exactly one \"#\"",
        "../secrets/shop.yaml#a|the file must be a plain relative path like secrets/shop.yaml",
        "/etc/shadow#root|the file must be a plain relative path like secrets/shop.yaml"})
    void malformedReferencesSayWhy(String text, String message) {
        assertThatThrownBy(() -> SecretRef.parse(text)).isInstanceOf(IllegalArgumentException.class).hasMessage(message);
    }
}
