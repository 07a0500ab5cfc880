package dev.driftless.model;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Optional;
import org.junit.jupiter.api.Test;

class DesiredStateTest {

    private final Repo example = TestRepo.ok(RepoLoader.load(new DirectoryTree(TestRepo.EXAMPLE), Optional.empty()));
    private final DesiredState state = example.resolve(SecretFingerprints.unresolved());

    @Test
    void instancesByHostAndByService() {
        assertThat(state.instancesOn("app-1")).extracting(Instance::id).containsExactly("api/app-1/1", "worker/app-1/1");
        assertThat(state.instancesOn("db-1")).extracting(Instance::name).containsExactly("store-1");
        assertThat(state.instancesOf("api")).extracting(i -> i.host().name()).containsExactly("app-1", "app-2");
        assertThat(state.instancesOn("nowhere")).isEmpty();
        assertThat(state.instance("store/db-1/1")).hasValueSatisfying(i -> assertThat(i.index()).isEqualTo(1));
        assertThat(state.instance("store/db-1/2")).isEmpty();
    }

    @Test
    void servicesStartAfterTheServicesTheyNameThenByName() {
        assertThat(state.serviceOrder()).containsExactly("store", "api", "worker");
    }

    @Test
    void instancesOfOneServiceShareItsFingerprint() {
        assertThat(state.instancesOf("api")).extracting(Instance::fingerprint).containsOnly(state.instancesOf("api").getFirst().fingerprint());
        assertThat(state.instancesOf("api").getFirst().shortFingerprint()).hasSize(16)
            .isEqualTo(state.instancesOf("api").getFirst().fingerprint().substring(7, 23));
    }

    @Test
    void digestIsStableAndFollowsWhatRuns() {
        assertThat(example.resolve(SecretFingerprints.unresolved()).digest()).isEqualTo(state.digest());
        assertThat(example.resolve(ref -> "rotated").digest()).isNotEqualTo(state.digest());
        Repo withoutWorker = new Repo(example.environment(), example.hosts(),
            new java.util.TreeMap<>(java.util.Map.of("api", example.services().get("api"), "store", example.services().get("store"))));
        assertThat(withoutWorker.resolve(SecretFingerprints.unresolved()).digest()).isNotEqualTo(state.digest());
    }

    @Test
    void secretsAreReferencedNeverResolvedByTheModel() {
        assertThat(state.instancesOf("api").getFirst().inputs().values())
            .containsEntry("secret.DB_PASSWORD", "unresolved:secrets/shop.yaml#db.password");
    }
}
