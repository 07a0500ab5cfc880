package dev.driftless.reconciler.cli;

import dev.driftless.reconciler.config.ConfigException;
import dev.driftless.reconciler.config.ConfigLoader;
import dev.driftless.reconciler.config.DaemonConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import picocli.CommandLine.Option;

/**
 * {@code --config FILE}, shared by the verbs that read the daemon configuration. Without the
 * option: {@code $DRIFTLESS_CONFIG}, else {@code ./driftless.yaml}, else
 * {@code /etc/driftless/driftless.yaml}, whichever exists first.
 */
final class ConfigOption {

    static final Path SYSTEM_CONFIG = Path.of("/etc/driftless/driftless.yaml");

    @Option(names = {"-c", "--config"}, paramLabel = "FILE",
        description = "The daemon configuration (default: $DRIFTLESS_CONFIG, ./driftless.yaml or "
            + "/etc/driftless/driftless.yaml).")
    Optional<Path> file = Optional.empty();

    /** The configuration file to use, if one is given or found. */
    Optional<Path> path() {
        if (file.isPresent()) {
            return file;
        }
        String env = System.getenv("DRIFTLESS_CONFIG");
        if (env != null && !env.isBlank()) {
            return Optional.of(Path.of(env));
        }
        for (Path p : new Path[] {Path.of("driftless.yaml"), SYSTEM_CONFIG}) {
            if (Files.isRegularFile(p)) {
                return Optional.of(p);
            }
        }
        return Optional.empty();
    }

    /** The loaded configuration, or empty when none is given or found. */
    Optional<DaemonConfig> load() throws ConfigException {
        Optional<Path> p = path();
        return p.isEmpty() ? Optional.empty() : Optional.of(ConfigLoader.load(p.get()));
    }

    /** The loaded configuration; fails with a clear message when there is none. */
    DaemonConfig require(String verb) throws ConfigException {
        return load().orElseThrow(() -> new IllegalArgumentException(
            "no configuration: pass --config FILE (see docs/configuration.md); " + verb
                + " needs the repo, SSH and state settings"));
    }
}
