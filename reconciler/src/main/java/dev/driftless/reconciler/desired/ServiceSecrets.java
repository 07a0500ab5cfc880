package dev.driftless.reconciler.desired;

import dev.driftless.model.RegistryLogin;
import dev.driftless.secrets.SecretValue;
import java.util.Collections;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * The decrypted secret values of each service, by environment variable name and by the target
 * of the file they become, and the registry logins. Only apply reads them (to write a service's
 * env file on its hosts, to place its secret files, to log in before a pull);
 * {@link #toString()} never shows a value.
 */
public final class ServiceSecrets {

    private final Map<String, SortedMap<String, SecretValue>> byService;
    private final Map<String, SortedMap<String, SecretValue>> filesByService;
    private final Map<String, RegistryCredential> registries;

    ServiceSecrets(Map<String, SortedMap<String, SecretValue>> byService,
                   Map<String, SortedMap<String, SecretValue>> filesByService, Map<String, RegistryCredential> registries) {
        this.byService = frozen(byService);
        this.filesByService = frozen(filesByService);
        this.registries = Collections.unmodifiableMap(new TreeMap<>(registries));
    }

    private static Map<String, SortedMap<String, SecretValue>> frozen(Map<String, SortedMap<String, SecretValue>> m) {
        Map<String, SortedMap<String, SecretValue>> copy = new TreeMap<>();
        m.forEach((s, v) -> copy.put(s, Collections.unmodifiableSortedMap(new TreeMap<>(v))));
        return Collections.unmodifiableMap(copy);
    }

    /** No secrets at all (a repo whose services reference none and that logs in to no registry). */
    public static ServiceSecrets none() {
        return new ServiceSecrets(Map.of(), Map.of(), Map.of());
    }

    /** The login for the registry {@code image} is pulled from, if the repo has one. */
    public Optional<RegistryCredential> registryLoginFor(String image) {
        return Optional.ofNullable(registries.get(RegistryLogin.registryOf(image)));
    }

    /** The secrets of {@code service}, by env var name; empty if it has none. */
    public SortedMap<String, SecretValue> of(String service) {
        return byService.getOrDefault(service, Collections.emptySortedMap());
    }

    /** The values of {@code service}'s secret files, by target path; empty if it has none. */
    public SortedMap<String, SecretValue> filesOf(String service) {
        return filesByService.getOrDefault(service, Collections.emptySortedMap());
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("ServiceSecrets[");
        byService.forEach((s, v) -> sb.append(s).append('=').append(v.keySet()).append(' '));
        filesByService.forEach((s, v) -> sb.append(s).append(" files=").append(v.keySet()).append(' '));
        registries.values().forEach(r -> sb.append(r).append(' '));
        return sb.toString().strip() + "]";
    }
}
