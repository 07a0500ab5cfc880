package dev.driftless.model;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Golden tests of placement resolution: each case in src/test/resources/placement is a repo and
 * the instance list it must resolve to (ids, names, hosts, fingerprints, start order, digest).
 * Fingerprints are in the golden text on purpose: a change to them redeploys every instance on
 * upgrade, so it has to show up in review.
 */
class PlacementGoldenTest {

    static Stream<Path> cases() {
        return Golden.cases("placement").stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void placementResolvesToTheGoldenInstances(Path dir) throws IOException {
        Path envFile = dir.resolve("environment.txt");
        Optional<String> environment = Files.exists(envFile) ? Optional.of(Files.readString(envFile).strip()) : Optional.empty();

        Repo repo = TestRepo.ok(RepoLoader.load(new DirectoryTree(dir.resolve("repo")), environment));

        Golden.assertMatches(dir.resolve("expected.txt"), render(repo.resolve(SecretFingerprints.unresolved()), false));
    }

    @Test
    void theExampleRepoResolvesToTheGoldenInstancesAndInputs() {
        Repo repo = TestRepo.ok(RepoLoader.load(new DirectoryTree(TestRepo.EXAMPLE), Optional.empty()));

        Golden.assertMatches(Golden.RESOURCES.resolve("placement-example.txt"), render(repo.resolve(SecretFingerprints.unresolved()), true));
    }

    @Test
    void resolutionIsDeterministic() {
        Repo first = TestRepo.ok(RepoLoader.load(new DirectoryTree(TestRepo.EXAMPLE), Optional.empty()));
        Repo second = TestRepo.ok(RepoLoader.load(new DirectoryTree(TestRepo.EXAMPLE), Optional.empty()));

        assertThat(second).isEqualTo(first);
        assertThat(second.resolve(SecretFingerprints.unresolved())).isEqualTo(first.resolve(SecretFingerprints.unresolved()));
    }

    static String render(DesiredState state, boolean withInputs) {
        StringBuilder out = new StringBuilder();
        out.append("environment ").append(state.environment()).append('\n');
        out.append("start order: ").append(String.join(", ", state.serviceOrder())).append('\n');
        out.append("digest ").append(state.digest()).append('\n');
        for (Instance i : state.instances()) {
            out.append(i.id()).append("  ").append(i.name()).append("  on ").append(i.host().name())
                .append(" (").append(i.host().address()).append(':').append(i.host().port()).append(")  ")
                .append(i.service().runtime().text()).append("  ").append(i.fingerprint()).append('\n');
            if (withInputs) {
                i.inputs().values().forEach((k, v) -> out.append("    ").append(k).append(" = ").append(v).append('\n'));
            }
        }
        return out.toString();
    }
}
