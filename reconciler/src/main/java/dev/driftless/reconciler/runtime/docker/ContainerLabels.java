package dev.driftless.reconciler.runtime.docker;

import dev.driftless.model.Runtime;
import dev.driftless.reconciler.observe.ContainerState;
import dev.driftless.reconciler.observe.HealthStatus;
import dev.driftless.reconciler.observe.ObservedContainer;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The labels every container driftless manages carries. They are how the observer finds its own
 * containers (only {@code dev.driftless.managed=true} ones are ever reported or touched) and how
 * the planner knows what each one runs and why it differs.
 */
public final class ContainerLabels {

    /** {@code true} on every managed container; everything without it is left alone. */
    public static final String MANAGED = "dev.driftless.managed";
    /** The driftless environment (e.g. production) that deployed it. */
    public static final String ENVIRONMENT = "dev.driftless.environment";
    /** The service it is an instance of. */
    public static final String SERVICE = "dev.driftless.service";
    /** The instance it is, e.g. {@code api-1}. */
    public static final String INSTANCE = "dev.driftless.instance";
    /** Digest of everything that determines what runs; a different one means "replace". */
    public static final String FINGERPRINT = "dev.driftless.fingerprint";
    /** The infra repo commit it was deployed from. */
    public static final String COMMIT = "dev.driftless.commit";
    /** Compact JSON object of the fingerprint's inputs, so a plan can say what changed. */
    public static final String SPEC = "dev.driftless.spec";
    /** When driftless started it, ISO-8601 UTC. */
    public static final String DEPLOYED_AT = "dev.driftless.deployed-at";

    /**
     * On a one-off job container (never {@link #MANAGED}, so the observer and pruning never see
     * it): which job it runs, e.g. {@code pre-deploy}.
     */
    public static final String JOB = "dev.driftless.job";

    /** The value of {@link #MANAGED} on managed containers. */
    public static final String MANAGED_VALUE = "true";

    private ContainerLabels() {
    }

    /**
     * The labels for one instance.
     *
     * @param spec the fingerprint inputs, each already rendered to a string by the planner
     */
    public static Map<String, String> forInstance(String environment, String service, String instance,
                                                  String fingerprint, String commit, Map<String, String> spec,
                                                  Instant deployedAt) {
        Map<String, String> labels = new LinkedHashMap<>();
        labels.put(MANAGED, MANAGED_VALUE);
        labels.put(ENVIRONMENT, Objects.requireNonNull(environment, "environment"));
        labels.put(SERVICE, Objects.requireNonNull(service, "service"));
        labels.put(INSTANCE, Objects.requireNonNull(instance, "instance"));
        labels.put(FINGERPRINT, Objects.requireNonNull(fingerprint, "fingerprint"));
        labels.put(COMMIT, Objects.requireNonNull(commit, "commit"));
        labels.put(SPEC, SpecLabel.encode(spec));
        labels.put(DEPLOYED_AT, deployedAt.truncatedTo(ChronoUnit.SECONDS).toString());
        return Map.copyOf(labels);
    }

    /** The labels of a one-off {@code job} container of a service, deployed from {@code commit}. */
    public static Map<String, String> forJob(String environment, String service, String job, String fingerprint,
                                             String commit) {
        Map<String, String> labels = new LinkedHashMap<>();
        labels.put(JOB, Objects.requireNonNull(job, "job"));
        labels.put(ENVIRONMENT, Objects.requireNonNull(environment, "environment"));
        labels.put(SERVICE, Objects.requireNonNull(service, "service"));
        labels.put(FINGERPRINT, Objects.requireNonNull(fingerprint, "fingerprint"));
        labels.put(COMMIT, Objects.requireNonNull(commit, "commit"));
        return Map.copyOf(labels);
    }

    /** Whether a container's labels mark it as driftless's. */
    public static boolean isManaged(Map<String, String> labels) {
        return MANAGED_VALUE.equals(labels.get(MANAGED));
    }

    /**
     * A managed container or unit as observed: what its {@code labels} say it is, with the state
     * its runtime reported.
     */
    public static ObservedContainer observed(String id, String name, String image, String imageId,
                                             Map<String, String> labels, State state, Runtime runtime) {
        return new ObservedContainer(id, name, image, imageId, labels,
            label(labels, ENVIRONMENT), label(labels, SERVICE), label(labels, INSTANCE), label(labels, FINGERPRINT),
            label(labels, COMMIT), label(labels, SPEC).map(SpecLabel::decode).orElse(Map.of()),
            label(labels, DEPLOYED_AT).flatMap(ContainerLabels::instant), state.state(), state.exitCode(),
            state.startedAt(), state.finishedAt(), state.health(), state.healthOutput(), state.restartCount(),
            state.ipAddress(), runtime);
    }

    /** What a runtime reports of an instance's state (see {@link ObservedContainer} for each field). */
    public record State(ContainerState state, int exitCode, Optional<Instant> startedAt, Optional<Instant> finishedAt,
                        HealthStatus health, Optional<String> healthOutput, int restartCount,
                        Optional<String> ipAddress) {
    }

    private static Optional<String> label(Map<String, String> labels, String key) {
        return Optional.ofNullable(labels.get(key)).filter(v -> !v.isEmpty());
    }

    private static Optional<Instant> instant(String text) {
        try {
            return Optional.of(Instant.parse(text));
        } catch (java.time.format.DateTimeParseException e) {
            return Optional.empty();
        }
    }
}
