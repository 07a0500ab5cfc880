package dev.driftless.reconciler.observe;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import java.util.Collections;

/**
 * One managed container as observed on a host: what it is (from driftless's labels), what it runs
 * and in what state. The planner pairs these with desired instances by {@link #instance}.
 *
 * @param id            full container id
 * @param name          container name (without Docker's leading slash)
 * @param image         the image reference it was started from
 * @param imageId       the image's content id ({@code sha256:…})
 * @param labels        all labels (driftless's and the image's)
 * @param environment   {@code dev.driftless.environment}
 * @param service       {@code dev.driftless.service}
 * @param instance      {@code dev.driftless.instance}, e.g. api-1
 * @param fingerprint   {@code dev.driftless.fingerprint}
 * @param commit        {@code dev.driftless.commit}
 * @param spec          the decoded {@code dev.driftless.spec} label (empty if absent or unreadable)
 * @param deployedAt    {@code dev.driftless.deployed-at}
 * @param state         lifecycle state
 * @param exitCode      last exit code (0 while running and never exited)
 * @param startedAt     when it last started
 * @param finishedAt    when it last exited
 * @param health        runtime health check status
 * @param healthOutput  the last health check's output, trimmed to one line, when it has a check
 * @param restartCount  restarts by the restart policy
 * @param ipAddress     its address on its network
 * @param runtime       Docker for a container, systemd for a unit (whose image fields are empty)
 */
public record ObservedContainer(
        String id,
        String name,
        String image,
        String imageId,
        Map<String, String> labels,
        Optional<String> environment,
        Optional<String> service,
        Optional<String> instance,
        Optional<String> fingerprint,
        Optional<String> commit,
        Map<String, String> spec,
        Optional<Instant> deployedAt,
        ContainerState state,
        int exitCode,
        Optional<Instant> startedAt,
        Optional<Instant> finishedAt,
        HealthStatus health,
        Optional<String> healthOutput,
        int restartCount,
        Optional<String> ipAddress,
        dev.driftless.model.Runtime runtime) {

    /**
     * A label observation adds (never a runtime's own) when it sees that an instance no longer
     * runs what its labels say, e.g. a unit file edited by hand; its value says what happened.
     */
    public static final String DRIFT = "dev.driftless.drift";

    public ObservedContainer {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(image, "image");
        Objects.requireNonNull(imageId, "imageId");
        labels = Collections.unmodifiableMap(new TreeMap<>(labels));
        Objects.requireNonNull(environment, "environment");
        Objects.requireNonNull(service, "service");
        Objects.requireNonNull(instance, "instance");
        Objects.requireNonNull(fingerprint, "fingerprint");
        Objects.requireNonNull(commit, "commit");
        spec = Collections.unmodifiableMap(new TreeMap<>(spec));
        Objects.requireNonNull(deployedAt, "deployedAt");
        Objects.requireNonNull(state, "state");
        Objects.requireNonNull(startedAt, "startedAt");
        Objects.requireNonNull(finishedAt, "finishedAt");
        Objects.requireNonNull(health, "health");
        Objects.requireNonNull(healthOutput, "healthOutput");
        Objects.requireNonNull(ipAddress, "ipAddress");
        Objects.requireNonNull(runtime, "runtime");
    }

    /** A Docker container. */
    public ObservedContainer(String id, String name, String image, String imageId, Map<String, String> labels,
                             Optional<String> environment, Optional<String> service, Optional<String> instance,
                             Optional<String> fingerprint, Optional<String> commit, Map<String, String> spec,
                             Optional<Instant> deployedAt, ContainerState state, int exitCode,
                             Optional<Instant> startedAt, Optional<Instant> finishedAt, HealthStatus health,
                             Optional<String> healthOutput, int restartCount, Optional<String> ipAddress) {
        this(id, name, image, imageId, labels, environment, service, instance, fingerprint, commit, spec, deployedAt,
            state, exitCode, startedAt, finishedAt, health, healthOutput, restartCount, ipAddress,
            dev.driftless.model.Runtime.DOCKER);
    }

    /** This container with {@code reason} added to what observation found changed behind driftless's back. */
    public ObservedContainer withDrift(String reason) {
        Map<String, String> more = new TreeMap<>(labels);
        more.merge(DRIFT, reason, (a, b) -> a + "; " + b);
        return new ObservedContainer(id, name, image, imageId, more, environment, service, instance, fingerprint,
            commit, spec, deployedAt, state, exitCode, startedAt, finishedAt, health, healthOutput, restartCount,
            ipAddress, runtime);
    }

    /** What observation found changed behind driftless's back, if anything ({@link #DRIFT}). */
    public Optional<String> drift() {
        return Optional.ofNullable(labels.get(DRIFT));
    }

    /**
     * How long it gets to exit when it is stopped: the {@code stop.grace-period} its service had
     * when it was deployed (from its recorded spec), else the default 10 s, as it was created with.
     */
    public java.time.Duration stopGrace() {
        return dev.driftless.model.Stop.graceOf(spec);
    }

    /** The user-defined Docker networks a container was deployed on, from its recorded spec (none for a unit). */
    public List<String> networks() {
        return runtime == dev.driftless.model.Runtime.DOCKER ? networksIn(spec) : List.of();
    }

    /** The networks a recorded spec names: its {@code network} input, comma-separated, in order. */
    public static List<String> networksIn(Map<String, String> spec) {
        return java.util.Arrays.stream(spec.getOrDefault("network", "").split(",")).filter(n -> !n.isBlank()).toList();
    }

    /** The image it runs; empty for a systemd unit. */
    public Optional<String> imageRef() {
        return image.isEmpty() ? Optional.empty() : Optional.of(image);
    }

    /** "container" or "unit", for messages. */
    public String noun() {
        return runtime.instanceNoun();
    }

    /**
     * The image tag ({@code 1.4.2} of {@code registry:5000/api:1.4.2}); the digest when pinned by
     * digest only; else "latest". For a unit, the start of its fingerprint.
     */
    public String version() {
        if (runtime == dev.driftless.model.Runtime.SYSTEMD) {
            // A unit runs a command, not a tagged image: its spec's fingerprint says which one.
            return fingerprintVersion(fingerprint.orElse("-"));
        }
        return imageVersion(image);
    }

    /** The version of something without an image tag: the first 8 hex digits of its fingerprint. */
    public static String fingerprintVersion(String fingerprint) {
        String hex = fingerprint.startsWith("sha256:") ? fingerprint.substring(7) : fingerprint;
        return hex.length() > 8 ? hex.substring(0, 8) : hex;
    }

    public boolean isRunning() {
        return state == ContainerState.RUNNING;
    }

    /** Tag of an image reference, ignoring a registry port; digest if there is no tag; "latest" if neither. */
    public static String imageVersion(String image) {
        String ref = image;
        String digest = "";
        int at = ref.indexOf('@');
        if (at >= 0) {
            digest = ref.substring(at + 1);
            ref = ref.substring(0, at);
        }
        int slash = ref.lastIndexOf('/');
        int colon = ref.lastIndexOf(':');
        if (colon > slash) {
            return ref.substring(colon + 1);
        }
        return digest.isEmpty() ? "latest" : digest;
    }
}
