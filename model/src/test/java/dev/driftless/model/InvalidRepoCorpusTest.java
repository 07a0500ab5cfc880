package dev.driftless.model;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The corpus of broken repos in src/test/resources/invalid: each case is a complete repo with
 * exactly one defect ({@code repo/}), the environment to load if any ({@code environment.txt})
 * and the exact problem lines expected ({@code expected.txt}).
 */
class InvalidRepoCorpusTest {

    static Stream<Path> cases() {
        return Golden.cases("invalid").stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void eachDefectIsReportedWithExactMessageAndPosition(Path dir) throws IOException {
        Path envFile = dir.resolve("environment.txt");
        Optional<String> environment = Files.exists(envFile) ? Optional.of(Files.readString(envFile).strip()) : Optional.empty();

        LoadResult result = RepoLoader.load(new DirectoryTree(dir.resolve("repo")), environment);

        assertThat(result.repo()).isEmpty();
        String actual = result.problems().stream().map(Problem::toString).collect(Collectors.joining("\n", "", "\n"));
        Golden.assertMatches(dir.resolve("expected.txt"), actual);
    }

    @Test
    void corpusHasAtLeastThirtyCasesWithOneProblemEach() throws IOException {
        List<Path> cases = cases().toList();
        assertThat(cases).hasSizeGreaterThanOrEqualTo(30);
        for (Path dir : cases) {
            assertThat(Files.readAllLines(dir.resolve("expected.txt"))).as(dir.getFileName().toString()).hasSize(1);
        }
    }
}
