package dev.driftless.model;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Bad input never throws: thousands of mangled copies of the example repo (characters replaced,
 * lines dropped, duplicated or re-indented, files cut short) all load to a {@link LoadResult},
 * and every problem names a file of the repo.
 */
class LoaderRobustnessTest {

    private static final String NASTY = ":-[]{}#&*!|>'\"%@\t ,?~0\n";
    private static final List<String> FILES = List.of("hosts.yaml", "services/api.yaml", "services/store.yaml",
        "services/worker.yaml", "secrets/shop.yaml");

    @TempDir
    Path dir;

    @Test
    void mangledReposYieldProblemsNeverExceptions() throws IOException {
        TestRepo.copy(TestRepo.EXAMPLE, dir);
        List<String> originals = new ArrayList<>();
        for (String f : FILES) {
            originals.add(Files.readString(dir.resolve(f)));
        }
        Random random = new Random(20250115);
        int withProblems = 0;
        for (int round = 0; round < 1500; round++) {
            int which = random.nextInt(FILES.size());
            String mangled = mangle(originals.get(which), random);
            Files.writeString(dir.resolve(FILES.get(which)), mangled);

            LoadResult result = RepoLoader.load(new DirectoryTree(dir), Optional.empty());

            for (Problem p : result.problems()) {
                assertThat(FILES).as("round %d: %s", round, p).contains(p.file());
            }
            result.repo().ifPresent(r -> r.resolve(SecretFingerprints.unresolved()));
            withProblems += result.ok() ? 0 : 1;
            Files.writeString(dir.resolve(FILES.get(which)), originals.get(which));
        }
        assertThat(withProblems).isGreaterThan(500);
    }

    private static String mangle(String text, Random random) {
        List<String> lines = new ArrayList<>(text.lines().toList());
        switch (random.nextInt(5)) {
            case 0 -> {
                StringBuilder s = new StringBuilder(text);
                for (int i = random.nextInt(3) + 1; i > 0 && !s.isEmpty(); i--) {
                    s.setCharAt(random.nextInt(s.length()), NASTY.charAt(random.nextInt(NASTY.length())));
                }
                return s.toString();
            }
            case 1 -> lines.remove(random.nextInt(lines.size()));
            case 2 -> {
                int i = random.nextInt(lines.size());
                lines.add(i, lines.get(i));
            }
            case 3 -> {
                int i = random.nextInt(lines.size());
                lines.set(i, (random.nextBoolean() ? " " : "") + lines.get(i).stripLeading());
            }
            default -> {
                return text.substring(0, random.nextInt(text.length()));
            }
        }
        return String.join("\n", lines) + "\n";
    }
}
