package dev.driftless.model;

import dev.driftless.model.YamlNode.YamlMap;
import dev.driftless.model.YamlNode.YamlScalar;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Deep-merges an environment overlay over a base service: mappings merge key by key, lists and
 * single values replace, and a null value ({@code ~} or nothing) deletes the key. Keys that are
 * alternatives to each other replace each other too: an overlay that sets {@code placement.hosts}
 * drops the base's {@code placement.selector} (and the other way round), one that sets
 * {@code placement.count} the base's {@code placement.replicas} (and the other way round), and an overlay that sets
 * a health probe drops the base's probe. Every node keeps its own file and line, so a problem in
 * the result points into whichever file wrote the offending value.
 */
final class YamlMerge {

    private static final Map<String, List<Set<String>>> ALTERNATIVES = Map.of(
        "placement", List.of(Set.of("hosts", "selector"), Set.of("count", "replicas")),
        "health", List.of(Set.copyOf(ServiceReader.PROBES)));

    private YamlMerge() {
    }

    static YamlMap merge(YamlMap base, YamlMap overlay) {
        return merge(base, overlay, "", false);
    }

    /**
     * A service over the {@code defaults} it inherits: merged as {@link #merge} does, but a
     * mapping both write is where the service wrote it, so that a problem with the service's own
     * part points into the service's file, and the result is where the service is.
     */
    static YamlMap underDefaults(YamlMap defaults, YamlMap service) {
        return merge(defaults, service, "", true);
    }

    private static YamlMap merge(YamlMap base, YamlMap overlay, String path, boolean overlayLocation) {
        Map<String, YamlMap.Entry> out = new LinkedHashMap<>();
        for (YamlMap.Entry e : base.entries()) {
            if (!replacedAlternative(path, e.key().text(), overlay)) {
                out.put(e.key().text(), e);
            }
        }
        for (YamlMap.Entry e : overlay.entries()) {
            String key = e.key().text();
            YamlMap.Entry existing = out.get(key);
            if (e.value() instanceof YamlScalar s && s.isNull()) {
                out.remove(key);
            } else if (existing != null && existing.value() instanceof YamlMap b && e.value() instanceof YamlMap o) {
                out.put(key, new YamlMap.Entry(e.key(), merge(b, o, path.isEmpty() ? key : path + "." + key,
                    overlayLocation)));
            } else {
                out.put(key, e);
            }
        }
        return new YamlMap(List.copyOf(out.values()), overlayLocation ? overlay.location() : base.location());
    }

    /** True when {@code key} of the base is one of a set of alternatives of which the overlay sets another. */
    private static boolean replacedAlternative(String path, String key, YamlMap overlay) {
        for (Set<String> group : ALTERNATIVES.getOrDefault(path, List.of())) {
            if (group.contains(key) && overlay.keys().stream().anyMatch(group::contains)) {
                return true;
            }
        }
        return false;
    }
}
