package dev.driftless.model;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * A service as read from its file(s), before the checks that need the whole repo (hosts,
 * secrets, other services). Holds only values that read without problems, plus the position of
 * each so that cross-checks can point at the right line. Internal to one load, hence mutable.
 */
final class ServiceSpec {

    final String name;
    final SourceLocation source;

    /** True when reading the file reported a problem; cross-checks then only use what is here. */
    boolean broken;
    /** Fields it inherits from service-defaults.yaml and does not write itself. */
    java.util.Set<String> inherited = java.util.Set.of();
    /** Fields an unknown field probably meant (see {@link FieldReader#misspelled()}). */
    java.util.Set<String> misspelled = java.util.Set.of();

    Optional<Runtime> runtime = Optional.empty();
    SourceLocation runtimeAt;
    Optional<String> image = Optional.empty();
    SourceLocation imageAt;
    /** Where command's first element is, when there is one. */
    SourceLocation commandAt;
    List<String> command = List.of();
    List<String> args = List.of();
    final SortedMap<String, String> env = new TreeMap<>();
    final Map<String, SourceLocation> envAt = new LinkedHashMap<>();
    /** Secret references as written (not yet resolved to a file of this environment). */
    final SortedMap<String, SecretRef> secrets = new TreeMap<>();
    final Map<String, SourceLocation> secretAt = new LinkedHashMap<>();
    final List<PortMapping> ports = new ArrayList<>();
    final List<SourceLocation> portAt = new ArrayList<>();
    final List<VolumeMount> volumes = new ArrayList<>();
    final List<SourceLocation> volumeAt = new ArrayList<>();
    /** Files as written: a repo file's path not yet resolved for the environment, nor read. */
    final List<FileSpec> files = new ArrayList<>();
    Resources resources = Resources.NONE;
    RestartPolicy restart = Service.DEFAULT_RESTART;
    Optional<Logging> logging = Optional.empty();
    SourceLocation loggingAt;
    Stop stop = Stop.DEFAULT;
    final SortedMap<String, String> labels = new TreeMap<>();
    SourceLocation labelsAt;
    List<String> networks = List.of();
    SourceLocation networkAt;
    Optional<String> user = Optional.empty();
    SourceLocation userAt;
    SourceLocation preDeployAt;
    /** Empty when the placement is missing or unreadable. */
    Optional<Placement> placement = Optional.empty();
    SourceLocation placementAt;
    final List<SourceLocation> placementHostAt = new ArrayList<>();
    SourceLocation selectorAt;
    SourceLocation countAt;
    SourceLocation spreadAt;
    Optional<HealthCheck> health = Optional.empty();
    SourceLocation probeAt;
    Rollout rollout = Rollout.DEFAULT;
    SourceLocation rolloutOrderAt;
    final List<String> after = new ArrayList<>();
    final List<SourceLocation> afterAt = new ArrayList<>();

    /**
     * One entry of {@code files:} as read: exactly one of {@code source} (a repo path),
     * {@code inline} (text) and {@code secret} is present; {@code field} is {@code files[i]}.
     */
    record FileSpec(String field, String target, Optional<String> source, Optional<String> inline, Optional<SecretRef> secret,
                    int mode, long uid, long gid, ServiceFile.Drift drift, SourceLocation at, SourceLocation contentAt,
                    SourceLocation targetAt, Optional<SourceLocation> ownerAt) {
    }

    ServiceSpec(String name, SourceLocation source) {
        this.name = name;
        this.source = source;
    }

    /** The record, once the loader has settled the runtime and resolved the secrets. */
    Service toService(Runtime effectiveRuntime, SortedMap<String, SecretRef> resolvedSecrets,
                      List<ServiceFile> resolvedFiles) {
        return new Service(name, effectiveRuntime, image, command, args, env, resolvedSecrets, ports, volumes, resolvedFiles,
            resources, restart, logging, stop, labels, networks, user, placement.orElseThrow(), health, rollout, after, source);
    }
}
