package dev.driftless.model;

import java.util.List;
import java.util.Optional;

/** Where things live in an infra repo: the fixed file and directory names of the format. */
final class RepoLayout {

    static final String HOSTS = "hosts.yaml";
    /** Fields every service inherits unless it sets its own (at the root, and per environment). */
    static final String SERVICE_DEFAULTS = "service-defaults.yaml";
    static final String SERVICES = "services/";
    static final String SECRETS = "secrets/";
    static final String ENVIRONMENTS = "environments/";

    private RepoLayout() {
    }

    /** Names of the directories under {@code environments/} that hold at least one file. */
    static List<String> environments(List<String> files) {
        return files.stream()
            .filter(f -> f.startsWith(ENVIRONMENTS))
            .map(f -> f.substring(ENVIRONMENTS.length()))
            .filter(rest -> rest.indexOf('/') > 0)
            .map(rest -> rest.substring(0, rest.indexOf('/')))
            .distinct()
            .sorted()
            .toList();
    }

    /** {@code ""} for the default environment, {@code environments/<env>/} otherwise. */
    static String root(Optional<String> environment) {
        return environment.map(e -> ENVIRONMENTS + e + "/").orElse("");
    }

    /** The service name of a file directly in a services directory, if it is a service file. */
    static Optional<String> serviceName(String fileName) {
        for (String ext : List.of(".yaml", ".yml")) {
            if (fileName.endsWith(ext) && fileName.length() > ext.length()) {
                return Optional.of(fileName.substring(0, fileName.length() - ext.length()));
            }
        }
        return Optional.empty();
    }
}
