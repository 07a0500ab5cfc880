package dev.driftless.reconciler.desired;

import dev.driftless.secrets.SecretValue;
import java.util.Collections;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * The decrypted secret values of each service, by environment variable name. Only apply reads
 * them (to write a service's env file on its hosts); {@link #toString()} never shows a value.
 */
public final class ServiceSecrets {

    private final Map<String, SortedMap<String, SecretValue>> byService;

    ServiceSecrets(Map<String, SortedMap<String, SecretValue>> byService) {
        Map<String, SortedMap<String, SecretValue>> copy = new TreeMap<>();
        byService.forEach((s, v) -> copy.put(s, Collections.unmodifiableSortedMap(new TreeMap<>(v))));
        this.byService = Collections.unmodifiableMap(copy);
    }

    /** No secrets at all (a repo whose services reference none). */
    public static ServiceSecrets none() {
        return new ServiceSecrets(Map.of());
    }

    /** The secrets of {@code service}, by env var name; empty if it has none. */
    public SortedMap<String, SecretValue> of(String service) {
        return byService.getOrDefault(service, Collections.emptySortedMap());
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("ServiceSecrets[");
        byService.forEach((s, v) -> sb.append(s).append('=').append(v.keySet()).append(' '));
        return sb.toString().strip() + "]";
    }
}
