package dev.driftless.reconciler.runtime.docker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class LabelsAndEnvFileTest {

    @Test
    void everyManagedContainerCarriesTheSameLabelSet() {
        Map<String, String> labels = ContainerLabels.forInstance("prod", "api", "api-1", "fp", "c0ffee",
            Map.of("image", "api:1", "env.A", "1"), Instant.parse("2026-03-04T05:06:07.890Z"));
        assertThat(labels).containsOnlyKeys(ContainerLabels.MANAGED, ContainerLabels.ENVIRONMENT, ContainerLabels.SERVICE,
            ContainerLabels.INSTANCE, ContainerLabels.FINGERPRINT, ContainerLabels.COMMIT, ContainerLabels.SPEC,
            ContainerLabels.DEPLOYED_AT);
        assertThat(labels).containsEntry("dev.driftless.managed", "true")
            .containsEntry("dev.driftless.spec", "{\"env.A\":\"1\",\"image\":\"api:1\"}")
            .containsEntry("dev.driftless.deployed-at", "2026-03-04T05:06:07Z");
        assertThat(ContainerLabels.isManaged(labels)).isTrue();
        assertThat(ContainerLabels.isManaged(Map.of("dev.driftless.managed", "yes"))).isFalse();
    }

    @Test
    void specLabelRoundTripsAndIsIndependentOfInsertionOrder() {
        Map<String, String> a = new LinkedHashMap<>();
        a.put("b", "2");
        a.put("a", "quote\" and \\ and \n");
        Map<String, String> b = new LinkedHashMap<>();
        b.put("a", "quote\" and \\ and \n");
        b.put("b", "2");
        assertThat(SpecLabel.encode(a)).isEqualTo(SpecLabel.encode(b));
        assertThat(SpecLabel.decode(SpecLabel.encode(a))).isEqualTo(a);
    }

    @Test
    void specLabelDecodingIsLenient() {
        assertThat(SpecLabel.decode("not json")).isEmpty();
        assertThat(SpecLabel.decode("[1,2]")).isEmpty();
        assertThat(SpecLabel.decode("{\"ports\":[80,443],\"n\":1}")).containsEntry("ports", "[80,443]").containsEntry("n", "1");
    }

    @Test
    void envFileHasOneSortedLinePerVariable() {
        byte[] file = DockerEnvFile.render(Map.of("DB_PASSWORD", "p@ss w'ord$x", "API_KEY", "k=v"));
        assertThat(new String(file, StandardCharsets.UTF_8)).isEqualTo("API_KEY=k=v\nDB_PASSWORD=p@ss w'ord$x\n");
    }

    @Test
    void envFileRefusesLineBreaksWithoutShowingTheValue() {
        assertThatThrownBy(() -> DockerEnvFile.render(Map.of("DB_PASSWORD", "s3cr3t\nINJECTED=1")))
            .isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("DB_PASSWORD")
            .hasMessageNotContaining("s3cr3t");
        assertThatThrownBy(() -> DockerEnvFile.render(Map.of("1BAD", "x"))).hasMessageContaining("1BAD");
    }
}
