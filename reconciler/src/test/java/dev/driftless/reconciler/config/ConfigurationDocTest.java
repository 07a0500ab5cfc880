package dev.driftless.reconciler.config;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.driftless.model.DurationText;
import java.io.IOException;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * docs/configuration.md cannot rot: its examples load with {@link ConfigLoader}, its tables name
 * exactly the keys the loader knows, and the defaults they state are the loader's.
 */
class ConfigurationDocTest {

    private static final Path DOC = Path.of("../docs/configuration.md");
    private static final Pattern EXAMPLE = Pattern.compile("<!-- example: ([a-z-]+) -->\\n```yaml\\n(.*?)```",
        Pattern.DOTALL);
    private static final Pattern ROW = Pattern.compile("^\\| `([a-z.-]+)` \\| (.*?) \\| .*\\|$", Pattern.MULTILINE);
    private static final Path BASE = Path.of("/etc/driftless");

    private static String doc() throws IOException {
        return Files.readString(DOC, StandardCharsets.UTF_8);
    }

    private static Map<String, String> examples() throws IOException {
        Map<String, String> out = new LinkedHashMap<>();
        Matcher m = EXAMPLE.matcher(doc());
        while (m.find()) {
            out.put(m.group(1), m.group(2));
        }
        return out;
    }

    private static DaemonConfig load(String name, String yaml) throws ConfigException {
        return ConfigLoader.parse("docs/configuration.md#" + name, yaml.getBytes(StandardCharsets.UTF_8), BASE);
    }

    /** Every key ConfigLoader accepts, dotted: its private key lists, read by reflection so a new key cannot hide. */
    private static Set<String> loaderKeys() throws Exception {
        Map<String, List<String>> lists = new LinkedHashMap<>();
        for (Field f : ConfigLoader.class.getDeclaredFields()) {
            if (Modifier.isStatic(f.getModifiers()) && f.getType() == List.class) {
                f.setAccessible(true);
                @SuppressWarnings("unchecked")
                List<String> keys = (List<String>) f.get(null);
                lists.put(f.getName().toLowerCase(Locale.ROOT), keys);
            }
        }
        Set<String> keys = new TreeSet<>();
        for (String top : lists.get("top")) {
            List<String> section = lists.get(top);
            if (section == null) {
                keys.add(top);
            } else {
                // A key that is itself a section (repo.verify) contributes its own keys.
                section.forEach(k -> lists.getOrDefault(k, List.of(k)).stream()
                    .map(sub -> sub.equals(k) ? top + "." + k : top + "." + k + "." + sub).forEach(keys::add));
            }
        }
        return keys;
    }

    private static Set<String> keysIn(String yaml) throws IOException {
        Set<String> keys = new TreeSet<>();
        collect("", new ObjectMapper(new YAMLFactory()).readTree(yaml), keys);
        return keys;
    }

    private static void collect(String prefix, JsonNode node, Set<String> keys) {
        node.properties().forEach(e -> {
            String key = prefix.isEmpty() ? e.getKey() : prefix + "." + e.getKey();
            if (e.getValue().isObject()) {
                collect(key, e.getValue(), keys);
            } else {
                keys.add(key);
            }
        });
    }

    @Test
    void everyExampleLoads() throws Exception {
        Map<String, String> examples = examples();
        assertThat(examples.keySet()).containsExactly("minimal", "complete", "bastions", "https");
        for (var e : examples.entrySet()) {
            DaemonConfig c = load(e.getKey(), e.getValue());
            assertThat(c.gitSource()).as("git source settings of example %s", e.getKey()).isNotNull();
        }
    }

    @Test
    void theBastionsExampleChoosesAJumpHostByLabelOrName() throws Exception {
        var rules = load("bastions", examples().get("bastions")).sshSettings().jump();
        var eu = new dev.driftless.reconciler.ssh.HostTarget("app-1", "10.1.0.11", 22, "deploy", Optional.empty(),
            new java.util.TreeMap<>(Map.of("region", "eu")));
        assertThat(rules.jumpFor(eu)).map(Object::toString).contains("deploy@bastion-eu.example.org");
        assertThat(rules.jumpFor(dev.driftless.reconciler.ssh.HostTarget.of("monitor-1", "10.9.0.1", "deploy")))
            .isEmpty();
        assertThat(rules.rules()).hasSize(3);
    }

    @Test
    void theCompleteExampleSetsEveryKeyButTheHttpsAlternatives() throws Exception {
        Set<String> expected = new TreeSet<>(loaderKeys());
        // An SSH URL takes no token or CA; they are in the complete example as comments and set in the https one.
        expected.removeAll(Set.of("repo.token-file", "repo.token-env", "repo.ca-file"));

        assertThat(keysIn(examples().get("complete"))).containsExactlyElementsOf(expected);
        assertThat(keysIn(examples().get("https"))).contains("repo.token-env", "repo.ca-file");
        assertThat(examples().get("complete")).contains("# token-file: ", "(or token-env: VARIABLE)", "# ca-file: ");
    }

    @Test
    void theCompleteExampleMeansWhatItsCommentsSay() throws Exception {
        DaemonConfig c = load("complete", examples().get("complete"));

        assertThat(c.repo().url()).isEqualTo("ssh://git@git.example.org:2222/ops/infra.git");
        assertThat(c.repo().sshKey()).contains(BASE.resolve("keys/git_deploy_key"));
        assertThat(c.gitSource().subdirectory()).contains("deploy/infra");
        assertThat(c.repo().environment()).contains("prod");
        assertThat(c.repo().verify()).hasValueSatisfying(v -> {
            assertThat(v.pgpKeys()).containsExactly(BASE.resolve("keys/grace.asc"), BASE.resolve("keys/github.asc"));
            assertThat(v.sshAllowedSigners()).contains(BASE.resolve("keys/allowed_signers"));
        });
        assertThat(c.secrets().pgpKeyFiles()).containsExactly(BASE.resolve("keys/ops-secret.asc"));
        assertThat(c.history().retention()).contains(Duration.ofDays(90));
        assertThat(c.cluster()).isTrue();
        assertThat(c.logFormat()).isEqualTo(DaemonConfig.LogFormat.TEXT);
    }

    @Test
    void theTablesDocumentExactlyTheKeysTheLoaderKnows() throws Exception {
        Set<String> documented = new TreeSet<>();
        Matcher m = ROW.matcher(doc());
        while (m.find()) {
            documented.add(m.group(1));
        }
        // Rows of other tables (environment variables, flags) are not lower-case keys, so they do not match.
        assertThat(documented).containsExactlyElementsOf(loaderKeys());
    }

    @Test
    void theDefaultsTheTablesStateAreTheLoaders() throws Exception {
        DaemonConfig defaults = load("minimal", examples().get("minimal"));
        Map<String, Function<DaemonConfig, Object>> values = new LinkedHashMap<>();
        values.put("repo.branch", c -> c.repo().branch());
        values.put("repo.allow-force-push", c -> c.repo().allowForcePush());
        values.put("repo.timeout", c -> c.repo().timeout());
        values.put("ssh.connect-timeout", c -> c.ssh().connectTimeout());
        values.put("ssh.command-timeout", c -> c.ssh().commandTimeout());
        values.put("ssh.parallelism", c -> c.ssh().parallelism());
        values.put("state-dir", c -> c.stateDir().toString());
        values.put("intervals.poll", c -> c.intervals().poll());
        values.put("intervals.drift", c -> c.intervals().drift());
        values.put("intervals.retry", c -> c.intervals().retry());
        values.put("cluster", DaemonConfig::cluster);
        values.put("history.abandon-after", c -> c.history().abandonAfter());
        values.put("metrics.listen", c -> c.metricsListen().map(a -> a.getHostString() + ":" + a.getPort()).orElse("off"));
        values.put("log.format", c -> c.logFormat().name().toLowerCase(Locale.ROOT));

        Map<String, String> stated = new LinkedHashMap<>();
        Matcher m = ROW.matcher(doc());
        while (m.find()) {
            Matcher literal = Pattern.compile("^`([^`]+)`$").matcher(m.group(2).strip());
            if (literal.matches()) {
                stated.put(m.group(1), literal.group(1));
            }
        }
        assertThat(stated.keySet()).as("every default stated as a literal is checked").containsAll(values.keySet());
        for (var e : values.entrySet()) {
            Object actual = e.getValue().apply(defaults);
            String text = stated.get(e.getKey());
            Object documented = actual instanceof Duration
                ? DurationText.parse(text).orElseThrow(() -> new AssertionError(text + " is not a duration"))
                : text;
            assertThat(documented).as("documented default of %s", e.getKey())
                .isEqualTo(actual instanceof Duration ? actual : String.valueOf(actual));
        }
        assertThat(Optional.of(defaults.ssh().key())).contains(Path.of("/etc/driftless/id_ed25519"));
    }
}
