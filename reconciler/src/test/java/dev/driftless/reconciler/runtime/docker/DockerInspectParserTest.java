package dev.driftless.reconciler.runtime.docker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.driftless.reconciler.observe.ContainerState;
import dev.driftless.reconciler.observe.HealthStatus;
import dev.driftless.reconciler.observe.ObservedContainer;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Fixture: real {@code docker inspect} output of a healthy, an unhealthy, an exited and an unmanaged container. */
class DockerInspectParserTest {

    static String fixture(String name) throws IOException {
        try (InputStream in = DockerInspectParserTest.class.getResourceAsStream(name)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    @Test
    void managedContainersAreReportedAndUnmanagedOnesAreNot() throws IOException {
        List<ObservedContainer> containers = DockerInspectParser.parse(fixture("inspect-mixed.json"));
        assertThat(containers).extracting(ObservedContainer::name).containsExactly("fx-api-1", "fx-api-2", "fx-worker-1");
    }

    @Test
    void labelsBecomeIdentityFingerprintCommitAndSpec() throws IOException {
        ObservedContainer api1 = DockerInspectParser.parse(fixture("inspect-mixed.json")).get(0);
        assertThat(api1.id()).hasSize(64);
        assertThat(api1.image()).isEqualTo("driftless/sample-svc:1.0.0");
        assertThat(api1.version()).isEqualTo("1.0.0");
        assertThat(api1.imageId()).startsWith("sha256:");
        assertThat(api1.environment()).contains("production");
        assertThat(api1.service()).contains("api");
        assertThat(api1.instance()).contains("api-1");
        assertThat(api1.fingerprint()).contains("fp1");
        assertThat(api1.commit()).contains("c0ffee1");
        assertThat(api1.spec()).isEqualTo(Map.of("image", "driftless/sample-svc:1.0.0", "env.LOG_LEVEL", "info"));
        assertThat(api1.deployedAt()).contains(Instant.parse("2026-01-02T03:04:05Z"));
        assertThat(api1.labels()).containsEntry("org.opencontainers.image.version", "1.0.0");
    }

    @Test
    void stateHealthAndAddressAreRead() throws IOException {
        List<ObservedContainer> c = DockerInspectParser.parse(fixture("inspect-mixed.json"));
        ObservedContainer healthy = c.get(0);
        assertThat(healthy.state()).isEqualTo(ContainerState.RUNNING);
        assertThat(healthy.isRunning()).isTrue();
        assertThat(healthy.health()).isEqualTo(HealthStatus.HEALTHY);
        assertThat(healthy.startedAt()).isPresent();
        assertThat(healthy.finishedAt()).isEmpty();
        assertThat(healthy.ipAddress()).contains("172.17.0.2");

        ObservedContainer unhealthy = c.get(1);
        assertThat(unhealthy.health()).isEqualTo(HealthStatus.UNHEALTHY);
        assertThat(unhealthy.healthOutput()).contains("wget: server returned error: HTTP/1.1 404 Not Found");

        ObservedContainer exited = c.get(2);
        assertThat(exited.state()).isEqualTo(ContainerState.EXITED);
        assertThat(exited.exitCode()).isEqualTo(3);
        assertThat(exited.finishedAt()).isPresent();
        assertThat(exited.health()).isEqualTo(HealthStatus.NONE);
        assertThat(exited.healthOutput()).isEmpty();
        assertThat(exited.ipAddress()).isEmpty();
        assertThat(exited.fingerprint()).isEmpty();
        assertThat(exited.spec()).isEmpty();
    }

    @Test
    void aContainerOnItsNetworksIsNoDrift() throws IOException {
        assertThat(DockerInspectParser.parse(fixture("inspect-mixed.json")))
            .allSatisfy(c -> assertThat(c.drift()).isEmpty());
    }

    /**
     * inspect-disconnected.json: real docker inspect output (Docker 20.10, Debian bookworm) of a
     * container started with {@code --network fx-shop}, then {@code docker network disconnect
     * fx-shop fx-web-1}: it runs on, attached to nothing.
     */
    @Test
    void aContainerTakenOffItsNetworkIsDrift() throws IOException {
        ObservedContainer web = DockerInspectParser.parse(fixture("inspect-disconnected.json")).getFirst();

        assertThat(web.state()).isEqualTo(ContainerState.RUNNING);
        assertThat(web.drift()).contains("disconnected from network fx-shop");
        assertThat(web.ipAddress()).isEmpty();
    }

    @Test
    void theDefaultBridgeCountsAndHostNoneAndSharedNamespacesAreNeverDrift() {
        assertThat(DockerInspectParser.networkDrift(inspect("default", "{}"), List.of())).contains("disconnected from network bridge");
        assertThat(DockerInspectParser.networkDrift(inspect("default", "{\"bridge\": {}}"), List.of())).isEmpty();
        assertThat(DockerInspectParser.networkDrift(inspect("shop", "{\"shop\": {}, \"debug\": {}}"), List.of()))
            .as("a network attached by hand besides is not drift").isEmpty();
        assertThat(DockerInspectParser.networkDrift(inspect("shop", "{\"debug\": {}}"), List.of()))
            .contains("disconnected from network shop");
        for (String mode : List.of("host", "none", "container:0123abcd", "")) {
            assertThat(DockerInspectParser.networkDrift(inspect(mode, "{}"), List.of())).as(mode).isEmpty();
        }
        // Connected after creation to a second network of its spec: leaving that one is drift too.
        assertThat(DockerInspectParser.networkDrift(inspect("shop", "{\"shop\": {}, \"backend\": {}}"), List.of("shop", "backend")))
            .isEmpty();
        assertThat(DockerInspectParser.networkDrift(inspect("shop", "{\"shop\": {}}"), List.of("shop", "backend")))
            .contains("disconnected from network backend");
    }

    @Test
    void limitsOrARestartPolicyUnlikeTheRecordedSpecAreDriftButALimitDockerDiscardedIsNot() throws IOException {
        Map<String, String> spec = Map.of("resources.memory", "134217728", "resources.cpus", "0.5",
            "restart", "unless-stopped");
        assertThat(DockerInspectParser.updateDrift(hostConfig(134217728, 500000000, "unless-stopped"), spec)).isEmpty();
        assertThat(DockerInspectParser.updateDrift(hostConfig(0, 0, "unless-stopped"), spec))
            .as("a Docker that cannot enforce limits discards them: no one changed anything").isEmpty();
        assertThat(DockerInspectParser.updateDrift(hostConfig(1L << 30, 2000000000, "always"), spec)).contains(
            "changed on the host (docker update): memory 1G (the repo says 128M), cpus 2 (the repo says 0.5),"
                + " restart policy always (the repo says unless-stopped)");
        assertThat(DockerInspectParser.updateDrift(hostConfig(1L << 30, 0, ""), Map.of("restart", "no")))
            .contains("changed on the host (docker update): memory 1G (the repo says no limit)");
        assertThat(DockerInspectParser.updateDrift(hostConfig(0, 0, "always"), Map.of()))
            .as("a spec recorded before restart was part of it").isEmpty();
        assertThat(DockerInspectParser.updateDrift(new com.fasterxml.jackson.databind.ObjectMapper()
            .readTree("{\"HostConfig\": {\"Memory\": 0}}"), Map.of("restart", "always")))
            .as("no policy reported: nothing to compare").isEmpty();
    }

    private static com.fasterxml.jackson.databind.JsonNode hostConfig(long memory, long nanoCpus, String restart)
            throws IOException {
        return new com.fasterxml.jackson.databind.ObjectMapper().readTree("{\"HostConfig\": {\"Memory\": " + memory
            + ", \"NanoCpus\": " + nanoCpus + ", \"RestartPolicy\": {\"Name\": \"" + restart + "\"}}}");
    }

    @Test
    void aDriftLabelSetOnTheContainerItselfIsIgnored() {
        String json = "[{\"Id\": \"x\", \"Name\": \"/fx-api-1\", \"Config\": {\"Labels\": {\"dev.driftless.managed\":"
            + " \"true\", \"dev.driftless.drift\": \"forged\"}}, \"HostConfig\": {\"NetworkMode\": \"default\"},"
            + " \"NetworkSettings\": {\"Networks\": {\"bridge\": {}}}}]";
        assertThat(DockerInspectParser.parse(json).getFirst().drift()).isEmpty();
    }

    private static com.fasterxml.jackson.databind.JsonNode inspect(String mode, String networks) {
        try {
            return new com.fasterxml.jackson.databind.ObjectMapper().readTree("{\"HostConfig\": {\"NetworkMode\": \""
                + mode + "\"}, \"NetworkSettings\": {\"Networks\": " + networks + "}}");
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void noOutputMeansNoContainers() {
        assertThat(DockerInspectParser.parse("")).isEmpty();
        assertThat(DockerInspectParser.parse("\n")).isEmpty();
        assertThat(DockerInspectParser.parse("[]\n")).isEmpty();
    }

    @Test
    void severalArraysInARowAreAllRead() throws IOException {
        String one = fixture("inspect-mixed.json");
        assertThat(DockerInspectParser.parse(one + one)).hasSize(6);
    }

    @Test
    void somethingElseIsRefused() {
        assertThatThrownBy(() -> DockerInspectParser.parse("Error: oops")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> DockerInspectParser.parse("{\"a\":1}")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void missingFieldsDoNotBreakParsing() {
        List<ObservedContainer> c = DockerInspectParser.parse(
            "[{\"Id\":\"x\",\"Name\":\"/n\",\"Config\":{\"Labels\":{\"dev.driftless.managed\":\"true\"}},"
                + "\"State\":{\"Status\":\"brand-new\",\"StartedAt\":\"0001-01-01T00:00:00Z\"}}]");
        assertThat(c).singleElement().satisfies(o -> {
            assertThat(o.state()).isEqualTo(ContainerState.UNKNOWN);
            assertThat(o.startedAt()).isEmpty();
            assertThat(o.service()).isEmpty();
            assertThat(o.version()).isEqualTo("latest");
        });
    }

    @Test
    void versionIsTheTagNotTheRegistryPort() {
        assertThat(ObservedContainer.imageVersion("registry:5000/team/api:1.4.2")).isEqualTo("1.4.2");
        assertThat(ObservedContainer.imageVersion("registry:5000/team/api")).isEqualTo("latest");
        assertThat(ObservedContainer.imageVersion("api:2@sha256:abc")).isEqualTo("2");
        assertThat(ObservedContainer.imageVersion("api@sha256:abc")).isEqualTo("sha256:abc");
        assertThat(Optional.of(ObservedContainer.imageVersion("api"))).contains("latest");
    }
}
