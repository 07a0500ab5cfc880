package dev.driftless.model;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/**
 * Golden files under src/test/resources: compares, or rewrites them when the build runs with
 * {@code -Ddriftless.golden.update=true} (then review the diff before committing).
 */
final class Golden {

    static final Path RESOURCES = Path.of("src/test/resources");

    private Golden() {
    }

    static void assertMatches(Path golden, String actual) {
        try {
            if (Boolean.getBoolean("driftless.golden.update")) {
                Files.writeString(golden, actual);
                return;
            }
            assertThat(Files.exists(golden)).as("golden file %s exists (create it with -Ddriftless.golden.update=true)", golden)
                .isTrue();
            assertThat(actual).as("golden file %s", golden).isEqualTo(Files.readString(golden));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The sub-directories of a resource directory, by name. */
    static List<Path> cases(String dir) {
        try (Stream<Path> s = Files.list(RESOURCES.resolve(dir))) {
            return s.filter(Files::isDirectory).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
