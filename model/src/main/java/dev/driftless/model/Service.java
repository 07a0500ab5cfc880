package dev.driftless.model;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * One service from {@code services/<name>.yaml} (after environment overlays): what to run, with
 * which configuration, where, and how to roll out changes to it.
 *
 * @param runtime the runtime of every instance: the one the file names, else the one its hosts use
 * @param image the image reference (always present for Docker services, absent for systemd ones)
 * @param command replaces the image's entrypoint (Docker) or is the start of ExecStart (systemd)
 * @param args replaces the image's CMD (Docker) or follows the command (systemd)
 * @param secrets environment variable name to the secret value it receives
 * @param files  files placed into each container before it starts (a file of the repo, inline text
 *               or a secret's value), at most one per target
 * @param logging the containers' log driver and options; Docker's defaults on the host when empty
 * @param stop    how its instances are stopped: signal and grace period
 * @param labels extra container labels (keys under {@code dev.driftless.} are reserved)
 * @param networks the user-defined Docker networks its containers join (the first when they are
 *                 created, the others connected after), where the others on them reach them by
 *                 service and instance name; empty: Docker's default bridge
 * @param user    who the program runs as, {@code NAME[:GROUP]} (names or numeric ids): a
 *                container's {@code --user}; for systemd, a system unit with {@code User=} in
 *                place of a user unit of the SSH user
 * @param after services that start before this one (start order only, no health dependency)
 */
public record Service(
    String name,
    Runtime runtime,
    Optional<String> image,
    List<String> command,
    List<String> args,
    SortedMap<String, String> env,
    SortedMap<String, SecretRef> secrets,
    List<PortMapping> ports,
    List<VolumeMount> volumes,
    List<ServiceFile> files,
    Resources resources,
    RestartPolicy restart,
    Optional<Logging> logging,
    Stop stop,
    SortedMap<String, String> labels,
    List<String> networks,
    Optional<String> user,
    Placement placement,
    Optional<HealthCheck> health,
    Rollout rollout,
    List<String> after,
    SourceLocation source) {

    /** The restart policy when the file names none. */
    public static final RestartPolicy DEFAULT_RESTART = RestartPolicy.UNLESS_STOPPED;

    public Service {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(runtime, "runtime");
        Objects.requireNonNull(image, "image");
        command = List.copyOf(command);
        args = List.copyOf(args);
        env = Immutables.sortedMap(env);
        secrets = Immutables.sortedMap(secrets);
        ports = List.copyOf(ports);
        volumes = List.copyOf(volumes);
        files = List.copyOf(files);
        Objects.requireNonNull(resources, "resources");
        Objects.requireNonNull(restart, "restart");
        Objects.requireNonNull(logging, "logging");
        Objects.requireNonNull(stop, "stop");
        labels = Immutables.sortedMap(labels);
        networks = List.copyOf(networks);
        Objects.requireNonNull(user, "user");
        Objects.requireNonNull(placement, "placement");
        Objects.requireNonNull(health, "health");
        Objects.requireNonNull(rollout, "rollout");
        after = List.copyOf(after);
        Objects.requireNonNull(source, "source");
    }

    /** The repository of its image, without tag or digest ({@code registry:5000/shop/api}), if it has one. */
    public Optional<String> imageRepository() {
        return image.flatMap(Service::repositoryOf);
    }

    /**
     * The repository of an image reference, without tag or digest: {@code registry:5000/shop/api}
     * of {@code registry:5000/shop/api:1.4.2}; empty when the text is not a reference.
     */
    public static Optional<String> repositoryOf(String image) {
        return ImageReference.repositoryOf(image);
    }

    /** The network its containers are created on (the first of {@link #networks}), if any. */
    public Optional<String> network() {
        return networks.isEmpty() ? Optional.empty() : Optional.of(networks.getFirst());
    }

    /** A builder with the format's defaults, for code and tests that make services by hand. */
    public static Builder builder(String name) {
        return new Builder(name);
    }

    /** A builder preset with this service's fields. */
    public Builder toBuilder() {
        Builder b = new Builder(name);
        b.runtime = runtime;
        b.image = image;
        b.command = command;
        b.args = args;
        b.env = new TreeMap<>(env);
        b.secrets = new TreeMap<>(secrets);
        b.ports = new ArrayList<>(ports);
        b.volumes = new ArrayList<>(volumes);
        b.files = new ArrayList<>(files);
        b.resources = resources;
        b.restart = restart;
        b.logging = logging;
        b.stop = stop;
        b.labels = new TreeMap<>(labels);
        b.networks = networks;
        b.user = user;
        b.placement = placement;
        b.health = health;
        b.rollout = rollout;
        b.after = after;
        b.source = source;
        return b;
    }

    /** Builds a {@link Service}; every field starts at the format's default. */
    public static final class Builder {
        private final String name;
        private Runtime runtime = Runtime.DOCKER;
        private Optional<String> image = Optional.empty();
        private List<String> command = List.of();
        private List<String> args = List.of();
        private SortedMap<String, String> env = new TreeMap<>();
        private SortedMap<String, SecretRef> secrets = new TreeMap<>();
        private List<PortMapping> ports = new ArrayList<>();
        private List<VolumeMount> volumes = new ArrayList<>();
        private List<ServiceFile> files = new ArrayList<>();
        private Resources resources = Resources.NONE;
        private RestartPolicy restart = DEFAULT_RESTART;
        private Optional<Logging> logging = Optional.empty();
        private Stop stop = Stop.DEFAULT;
        private SortedMap<String, String> labels = new TreeMap<>();
        private List<String> networks = List.of();
        private Optional<String> user = Optional.empty();
        private Placement placement = Placement.nowhere();
        private Optional<HealthCheck> health = Optional.empty();
        private Rollout rollout = Rollout.DEFAULT;
        private List<String> after = List.of();
        private SourceLocation source;

        private Builder(String name) {
            this.name = name;
            this.source = SourceLocation.of("services/" + name + ".yaml");
        }

        public Builder runtime(Runtime v) {
            runtime = v;
            return this;
        }

        public Builder image(String v) {
            image = Optional.of(v);
            return this;
        }

        public Builder noImage() {
            image = Optional.empty();
            return this;
        }

        public Builder command(List<String> v) {
            command = v;
            return this;
        }

        public Builder args(List<String> v) {
            args = v;
            return this;
        }

        public Builder env(String key, String value) {
            env.put(key, value);
            return this;
        }

        public Builder secret(String envVar, SecretRef ref) {
            secrets.put(envVar, ref);
            return this;
        }

        public Builder port(PortMapping v) {
            ports.add(v);
            return this;
        }

        public Builder volume(VolumeMount v) {
            volumes.add(v);
            return this;
        }

        public Builder file(ServiceFile v) {
            files.add(v);
            return this;
        }

        public Builder files(List<ServiceFile> v) {
            files = new ArrayList<>(v);
            return this;
        }

        public Builder resources(Resources v) {
            resources = v;
            return this;
        }

        public Builder restart(RestartPolicy v) {
            restart = v;
            return this;
        }

        public Builder logging(Logging v) {
            logging = Optional.of(v);
            return this;
        }

        public Builder stop(Stop v) {
            stop = v;
            return this;
        }

        public Builder label(String key, String value) {
            labels.put(key, value);
            return this;
        }

        public Builder network(String v) {
            networks = List.of(v);
            return this;
        }

        public Builder networks(List<String> v) {
            networks = List.copyOf(v);
            return this;
        }

        public Builder user(String v) {
            user = Optional.of(v);
            return this;
        }

        public Builder placement(Placement v) {
            placement = v;
            return this;
        }

        public Builder health(HealthCheck v) {
            health = Optional.of(v);
            return this;
        }

        public Builder rollout(Rollout v) {
            rollout = v;
            return this;
        }

        public Builder after(List<String> v) {
            after = v;
            return this;
        }

        public Builder source(SourceLocation v) {
            source = v;
            return this;
        }

        public Service build() {
            return new Service(name, runtime, image, command, args, env, secrets, ports, volumes, files, resources,
                restart, logging, stop, labels, networks, user, placement, health, rollout, after, source);
        }
    }
}
