package dev.driftless.model;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The YAML blocks of docs/repo-format.md marked {@code <!-- example: <repo> <path> -->} are
 * complete examples: each named repo is written out and must load without problems, and each
 * file must pass its JSON Schema, so the documentation cannot drift from the code.
 */
class DocsExamplesTest {

    private static final Path DOC = Path.of("../docs/repo-format.md");
    private static final Pattern MARKER = Pattern.compile("<!-- example: (\\S+) (\\S+) -->");

    private static Map<String, Map<String, String>> examples;

    @TempDir
    Path dir;

    @BeforeAll
    static void readExamples() throws IOException {
        examples = new TreeMap<>();
        List<String> lines = Files.readAllLines(DOC);
        for (int i = 0; i < lines.size(); i++) {
            Matcher m = MARKER.matcher(lines.get(i).strip());
            if (!m.matches()) {
                continue;
            }
            assertThat(lines.get(i + 1)).as("line %d: a marked example is followed by a ```yaml block", i + 2).isEqualTo("```yaml");
            StringBuilder text = new StringBuilder();
            int j = i + 2;
            while (!lines.get(j).equals("```")) {
                text.append(lines.get(j++)).append('\n');
            }
            examples.computeIfAbsent(m.group(1), k -> new LinkedHashMap<>()).put(m.group(2), text.toString());
        }
    }

    private Path write(String repo) {
        Path root = dir.resolve(repo);
        TestRepo files = new TestRepo(root);
        examples.get(repo).forEach(files::file);
        return root;
    }

    @Test
    void theDocumentHasCompleteExamples() {
        assertThat(examples).containsOnlyKeys("basic", "defaults", "environments", "files", "systemd",
            "systemd-files");
    }

    @Test
    void theFilesExampleLoads() {
        Repo repo = TestRepo.ok(RepoLoader.load(new DirectoryTree(write("files")), Optional.empty()));

        assertThat(repo.services().get("api").files()).extracting(ServiceFile::target)
            .containsExactly("/etc/api/config.yaml", "/etc/api/motd", "/run/secrets/tls.key", "/var/lib/api/peers.json");
        assertThat(repo.services().get("api").files()).extracting(ServiceFile::checked)
            .containsExactly(true, true, true, false);
        assertThat(repo.services().get("api").files().getFirst().content()).isInstanceOf(ServiceFile.Plain.class);
    }

    @Test
    void theSystemdFilesExampleLoads() {
        Repo repo = TestRepo.ok(RepoLoader.load(new DirectoryTree(write("systemd-files")), Optional.empty()));

        assertThat(repo.services().get("node-exporter").files()).extracting(ServiceFile::target, ServiceFile::modeText)
            .containsExactly(org.assertj.core.groups.Tuple.tuple("web.yml", "0444"),
                org.assertj.core.groups.Tuple.tuple("tls/server.key", "0400"));
    }

    @Test
    void theDefaultsExampleLoads() {
        Service api = TestRepo.ok(RepoLoader.load(new DirectoryTree(write("defaults")), Optional.empty())).services()
            .get("api");

        assertThat(api.env()).containsOnlyKeys("LOG_FORMAT", "LOG_LEVEL");
        assertThat(api.stop()).isEqualTo(new Stop(Optional.of("SIGINT"), Optional.of(java.time.Duration.ofSeconds(30))));
        assertThat(api.logging()).isEmpty();
        assertThat(api.labels()).containsOnlyKeys("team");
    }

    @Test
    void everyExampleFilePassesItsSchema() {
        examples.forEach((repo, files) -> files.forEach((path, text) -> Schemas.kindOf(path).ifPresent(kind ->
            assertThat(Schemas.validate(kind, path, text)).as(repo + ": " + path).isEmpty())));
    }

    @Test
    void theBasicExampleLoads() {
        Repo repo = TestRepo.ok(RepoLoader.load(new DirectoryTree(write("basic")), Optional.empty()));

        assertThat(repo.services()).containsOnlyKeys("api", "db");
        assertThat(repo.hosts().get("app-2").hostKey()).isPresent();
        assertThat(repo.resolve(SecretFingerprints.unresolved()).serviceOrder()).containsExactly("db", "api");
    }

    @Test
    void theSystemdExampleLoads() {
        Repo repo = TestRepo.ok(RepoLoader.load(new DirectoryTree(write("systemd")), Optional.empty()));

        assertThat(repo.services().get("node-exporter").runtime()).isEqualTo(Runtime.SYSTEMD);
    }

    @Test
    void theEnvironmentsExampleLoadsAsTheDocumentSays() throws IOException {
        Path root = write("environments");
        assertThat(RepoLoader.environments(new DirectoryTree(root))).containsExactly("prod", "staging");

        DesiredState prod = TestRepo.ok(RepoLoader.load(new DirectoryTree(root), Optional.of("prod")))
            .resolve(SecretFingerprints.unresolved());
        DesiredState staging = TestRepo.ok(RepoLoader.load(new DirectoryTree(root), Optional.of("staging")))
            .resolve(SecretFingerprints.unresolved());

        // "prod runs api twice on each of three hosts with LOG_LEVEL=warn and 1G of memory"
        assertThat(prod.instancesOf("api")).hasSize(6);
        assertThat(prod.services().get("api").env()).containsEntry("LOG_LEVEL", "warn");
        assertThat(prod.services().get("api").resources().memoryBytes()).contains(1L << 30);
        assertThat(prod.services()).doesNotContainKey("debug-console");
        // "staging runs one api and the debug-console on stage-1"
        assertThat(staging.instancesOf("api")).hasSize(1);
        assertThat(staging.instancesOf("debug-console")).extracting(i -> i.host().name()).containsExactly("stage-1");
        assertThat(staging.services().get("api").resources().cpus()).isEmpty();
    }
}
