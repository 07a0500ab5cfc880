package dev.driftless.model;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ImageReferenceTest {

    @ParameterizedTest
    @ValueSource(strings = {"registry:5000/shop/api:1.0.0", "nginx:1.27", "library/nginx:latest", "ghcr.io/acme/app:v2.3.1-rc.1",
        "localhost:5000/a/b/c:x", "busybox@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
        "nginx:1.27@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", "[::1]:5000/app:1",
        "my_org/my__app:1", "a-b/c.d:e_f"})
    void validReferencesPass(String image) {
        assertThat(ImageReference.problem(image)).isEmpty();
    }

    @Test
    void aReferenceWithoutVersionIsRefusedBecauseLatestMovesWithoutACommit() {
        assertThat(ImageReference.problem("registry:5000/shop/api")).contains("image \"registry:5000/shop/api\" has no tag: "
            + "write the version to run, e.g. registry:5000/shop/api:1.0.0 (an implicit :latest would change without a commit)");
    }

    @Test
    void uppercaseRepositoryIsExplained() {
        assertThat(ImageReference.problem("registry:5000/Shop/API:1.0")).contains(
            "image \"registry:5000/Shop/API:1.0\": a repository name must be lowercase");
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "https://registry/app:1", "app:", "app:-1", "/app:1", "app//x:1", "app:1 2", "app:tag:tag2"})
    void malformedReferencesAreRefused(String image) {
        assertThat(ImageReference.problem(image)).isPresent();
    }

    @Test
    void theRegistryIsTheFirstComponentWhenItNamesAHostElseDockerHub() {
        assertThat(ImageReference.registryOf("registry:5000/shop/api:1.0.0")).isEqualTo("registry:5000");
        assertThat(ImageReference.registryOf("ghcr.io/acme/app:v2")).isEqualTo("ghcr.io");
        assertThat(ImageReference.registryOf("localhost/app:1")).isEqualTo("localhost");
        assertThat(ImageReference.registryOf("[::1]:5000/app:1")).isEqualTo("[::1]:5000");
        assertThat(ImageReference.registryOf("library/nginx:1.27")).isEqualTo("docker.io");
        assertThat(ImageReference.registryOf("nginx:1.27")).isEqualTo("docker.io");
        assertThat(ImageReference.isRegistry("registry.internal:5000")).isTrue();
        assertThat(ImageReference.isRegistry("https://ghcr.io")).isFalse();
    }
}
