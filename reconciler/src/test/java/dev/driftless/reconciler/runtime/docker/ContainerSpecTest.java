package dev.driftless.reconciler.runtime.docker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

class ContainerSpecTest {

    @Test
    void containerNamesFollowDockersRule() {
        assertThatThrownBy(() -> ContainerSpec.builder("$(touch /tmp/pwned)", "img").build())
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not valid for Docker");
        assertThatThrownBy(() -> ContainerSpec.builder("-x", "img").build()).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> ContainerSpec.builder("a", "img").build()).isInstanceOf(IllegalArgumentException.class);
        assertThat(ContainerSpec.builder("api-1.blue_2", "img").build().name()).isEqualTo("api-1.blue_2");
    }

    @Test
    void imageReferencesWithWhitespaceOrLeadingDashAreRefused() {
        assertThatThrownBy(() -> ContainerSpec.builder("api-1", "img; rm").build()).hasMessageContaining("image reference");
        assertThatThrownBy(() -> ContainerSpec.builder("api-1", "--privileged").build()).hasMessageContaining("image reference");
    }

    @Test
    void envNamesMustNotContainEqualsOrWhitespace() {
        assertThatThrownBy(() -> ContainerSpec.builder("api-1", "img").env("A=B", "x").build())
            .hasMessageContaining("environment variable name");
        assertThatThrownBy(() -> ContainerSpec.builder("api-1", "img").env("A B", "x").build())
            .hasMessageContaining("environment variable name");
    }

    @Test
    void labelsAndEnvAreSortedForAStableRendering() {
        ContainerSpec spec = ContainerSpec.builder("api-1", "img").env("B", "2").env("A", "1")
            .label("z", "1").label("a", "2").build();
        assertThat(spec.plainEnv().keySet()).containsExactly("A", "B");
        assertThat(spec.labels().keySet()).containsExactly("a", "z");
    }

    @Test
    void toBuilderCopiesEverything() {
        ContainerSpec spec = ContainerSpec.builder("api-1", "img").env("A", "1").port(Port.tcp(1, 2))
            .network("net-1").alias("api").envFile("d/e.env").build();
        assertThat(spec.toBuilder().build()).isEqualTo(spec);
    }

    @Test
    void networkAliasesNeedANetworkAndValidNames() {
        assertThatThrownBy(() -> ContainerSpec.builder("api-1", "img").alias("api").build())
            .hasMessageContaining("network aliases need a network");
        assertThatThrownBy(() -> ContainerSpec.builder("api-1", "img").network("shop").alias("a b").build())
            .hasMessageContaining("network alias 'a b' is not valid");
    }

    @Test
    void partsValidateThemselves() {
        assertThatThrownBy(() -> Port.tcp(70000, 80)).hasMessageContaining("host port");
        assertThatThrownBy(() -> Port.tcp(80, 0)).hasMessageContaining("container port");
        assertThat(Port.tcp(0, 80).render()).as("host port 0: Docker picks one").isEqualTo("80");
        assertThat(new Port(0, 80, Port.Protocol.TCP, Optional.of("127.0.0.1")).render()).isEqualTo("127.0.0.1::80");
        assertThatThrownBy(() -> new Port(80, 80, Port.Protocol.TCP, Optional.of("0.0.0.0; x"))).hasMessageContaining("host IP");
        assertThatThrownBy(() -> Mount.bind("relative", "/x", false)).hasMessageContaining("absolute host path");
        assertThatThrownBy(() -> Mount.volume("a/b", "/x")).hasMessageContaining("volume name");
        assertThatThrownBy(() -> Mount.volume("data", "x")).hasMessageContaining("absolute path in the container");
        assertThatThrownBy(() -> new Resources(OptionalLong.of(1024), Optional.empty(), OptionalLong.empty()))
            .hasMessageContaining("6 MiB");
        assertThatThrownBy(() -> new Resources(OptionalLong.empty(), Optional.of(BigDecimal.ZERO), OptionalLong.empty()))
            .hasMessageContaining("cpus");
        assertThatThrownBy(() -> new RestartPolicy(RestartPolicy.Mode.ALWAYS, 3)).hasMessageContaining("on-failure");
        assertThatThrownBy(() -> new HealthCheck(new HealthCheck.Exec(List.of("true")), Duration.ZERO,
            Duration.ofSeconds(1), 1, Duration.ZERO)).hasMessageContaining("interval");
    }

    @Test
    void bindMountPathsWithCommasAreCsvQuoted() {
        assertThat(Mount.bind("/srv/a,b", "/data \"x\"", false).render())
            .isEqualTo("type=bind,\"source=/srv/a,b\",\"target=/data \"\"x\"\"\"");
    }
}
