package dev.driftless.reconciler.runtime.docker;

import dev.driftless.reconciler.command.RemoteFiles;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * Everything {@code docker run} needs to start one instance, independent of the model (the
 * reconciler maps desired instances onto it). Plain env values are not secret and go on the
 * command line; secret values only ever reach the container through {@link #envFile}.
 *
 * @param name      container name (Docker's rule: {@code [a-zA-Z0-9][a-zA-Z0-9_.-]+})
 * @param image     image reference, e.g. {@code registry:5000/api:1.4.2}
 * @param command   replaces the image's entrypoint when not empty (first word {@code --entrypoint},
 *                  the rest before {@code args})
 * @param args      replaces the image's default command when not empty
 * @param plainEnv  non-secret environment, {@code --env NAME=value}
 * @param envFile   remote path of the env file carrying the secrets ({@code --env-file})
 * @param ports     published ports
 * @param volumes   mounts
 * @param labels    labels, including driftless's own ({@link ContainerLabels})
 * @param resources limits
 * @param restart   restart policy
 * @param network   user-defined network to attach to
 * @param aliases   names other containers on {@code network} resolve to this one (only with a network)
 * @param health    Docker health check
 * @param user      who the container's process runs as ({@code --user NAME[:GROUP]}); the image's user when empty
 * @param moreNetworks networks it is connected to after it is created on {@code network}, with the same aliases
 * @param logDriver the log driver ({@code --log-driver}); dockerd's default when empty
 * @param logOptions the log driver's options ({@code --log-opt KEY=VALUE})
 * @param stopSignal the signal {@code docker stop} sends ({@code --stop-signal}); the image's when empty
 * @param stopTimeout how long {@code docker stop} waits before it kills, whole seconds
 *                   ({@code --stop-timeout}); Docker's default (10 s) when empty
 */
public record ContainerSpec(
        String name,
        String image,
        List<String> command,
        List<String> args,
        Map<String, String> plainEnv,
        Optional<String> envFile,
        List<Port> ports,
        List<Mount> volumes,
        Map<String, String> labels,
        Resources resources,
        RestartPolicy restart,
        Optional<String> network,
        List<String> aliases,
        Optional<HealthCheck> health,
        Optional<String> user,
        List<String> moreNetworks,
        Optional<String> logDriver,
        Map<String, String> logOptions,
        Optional<String> stopSignal,
        Optional<Duration> stopTimeout) {

    /** Docker's rule for container names. */
    public static final Pattern NAME = Pattern.compile("[a-zA-Z0-9][a-zA-Z0-9_.-]+");
    private static final Pattern ENV_NAME = Pattern.compile("[^=\\s]+");

    public ContainerSpec {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(image, "image");
        if (!NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("container name '" + name
                + "' is not valid for Docker: use letters, digits, _ . - (starting with a letter or digit)");
        }
        if (image.isBlank() || image.chars().anyMatch(Character::isWhitespace) || image.startsWith("-")) {
            throw new IllegalArgumentException("container " + name + ": image reference '" + image + "' is not valid");
        }
        command = List.copyOf(command);
        args = List.copyOf(args);
        plainEnv = sorted(plainEnv);
        plainEnv.keySet().forEach(k -> {
            if (!ENV_NAME.matcher(k).matches()) {
                throw new IllegalArgumentException("container " + name + ": environment variable name '" + k
                    + "' must not be empty or contain '=' or whitespace");
            }
        });
        Objects.requireNonNull(envFile, "envFile").ifPresent(RemoteFiles::checkPath);
        ports = List.copyOf(ports);
        volumes = List.copyOf(volumes);
        labels = sorted(labels);
        labels.keySet().forEach(k -> {
            if (k.isEmpty() || k.contains("=")) {
                throw new IllegalArgumentException("container " + name + ": label name '" + k
                    + "' must not be empty or contain '='");
            }
        });
        Objects.requireNonNull(resources, "resources");
        Objects.requireNonNull(restart, "restart");
        Objects.requireNonNull(network, "network").ifPresent(n -> {
            if (!NAME.matcher(n).matches()) {
                throw new IllegalArgumentException("container " + name + ": network name '" + n + "' is not valid");
            }
        });
        aliases = List.copyOf(aliases);
        if (!aliases.isEmpty() && network.isEmpty()) {
            throw new IllegalArgumentException("container " + name + ": network aliases need a network");
        }
        aliases.forEach(a -> {
            if (!NAME.matcher(a).matches()) {
                throw new IllegalArgumentException("container " + name + ": network alias '" + a + "' is not valid");
            }
        });
        moreNetworks = List.copyOf(moreNetworks);
        if (!moreNetworks.isEmpty() && network.isEmpty()) {
            throw new IllegalArgumentException("container " + name + ": more networks need a first one");
        }
        moreNetworks.forEach(n -> {
            if (!NAME.matcher(n).matches() || network.get().equals(n)) {
                throw new IllegalArgumentException("container " + name + ": network name '" + n + "' is not valid here");
            }
        });
        Objects.requireNonNull(health, "health");
        Objects.requireNonNull(logDriver, "logDriver").ifPresent(d -> {
            if (d.isEmpty() || d.startsWith("-") || d.chars().anyMatch(Character::isWhitespace)) {
                throw new IllegalArgumentException("container " + name + ": log driver '" + d + "' is not valid");
            }
        });
        logOptions = sorted(logOptions);
        logOptions.keySet().forEach(k -> {
            if (!ENV_NAME.matcher(k).matches()) {
                throw new IllegalArgumentException("container " + name + ": log option '" + k + "' is not valid");
            }
        });
        Objects.requireNonNull(stopSignal, "stopSignal").ifPresent(sig -> {
            if (!sig.matches("SIG[A-Z0-9+]+")) {
                throw new IllegalArgumentException("container " + name + ": stop signal '" + sig + "' is not valid");
            }
        });
        Objects.requireNonNull(stopTimeout, "stopTimeout").ifPresent(t -> {
            if (t.isNegative() || t.getNano() != 0) {
                throw new IllegalArgumentException("container " + name + ": stop timeout " + t + " is not whole seconds");
            }
        });
        Objects.requireNonNull(user, "user").ifPresent(u -> {
            if (u.isEmpty() || u.startsWith("-") || u.chars().anyMatch(Character::isWhitespace)) {
                throw new IllegalArgumentException("container " + name + ": user '" + u + "' is not valid");
            }
        });
    }

    /** A spec with only a name and image; the builder sets the rest. */
    public static Builder builder(String name, String image) {
        return new Builder(name, image);
    }

    /** A builder starting from this spec. */
    public Builder toBuilder() {
        Builder b = new Builder(name, image);
        b.command = new ArrayList<>(command);
        b.args = new ArrayList<>(args);
        b.plainEnv = new LinkedHashMap<>(plainEnv);
        b.envFile = envFile;
        b.ports = new ArrayList<>(ports);
        b.volumes = new ArrayList<>(volumes);
        b.labels = new LinkedHashMap<>(labels);
        b.resources = resources;
        b.restart = restart;
        b.network = network;
        b.aliases = new ArrayList<>(aliases);
        b.health = health;
        b.user = user;
        b.moreNetworks = new ArrayList<>(moreNetworks);
        b.logDriver = logDriver;
        b.logOptions = new LinkedHashMap<>(logOptions);
        b.stopSignal = stopSignal;
        b.stopTimeout = stopTimeout;
        return b;
    }

    private static Map<String, String> sorted(Map<String, String> map) {
        return Collections.unmodifiableMap(new TreeMap<>(Objects.requireNonNull(map)));
    }

    /** Builds a {@link ContainerSpec}; defaults: no overrides, no limits, restart unless-stopped. */
    public static final class Builder {
        private final String name;
        private final String image;
        private List<String> command = new ArrayList<>();
        private List<String> args = new ArrayList<>();
        private Map<String, String> plainEnv = new LinkedHashMap<>();
        private Optional<String> envFile = Optional.empty();
        private List<Port> ports = new ArrayList<>();
        private List<Mount> volumes = new ArrayList<>();
        private Map<String, String> labels = new LinkedHashMap<>();
        private Resources resources = Resources.none();
        private RestartPolicy restart = RestartPolicy.unlessStopped();
        private Optional<String> network = Optional.empty();
        private List<String> aliases = new ArrayList<>();
        private List<String> moreNetworks = new ArrayList<>();
        private Optional<HealthCheck> health = Optional.empty();
        private Optional<String> user = Optional.empty();
        private Optional<String> logDriver = Optional.empty();
        private Map<String, String> logOptions = new LinkedHashMap<>();
        private Optional<String> stopSignal = Optional.empty();
        private Optional<Duration> stopTimeout = Optional.empty();

        private Builder(String name, String image) {
            this.name = name;
            this.image = image;
        }

        public Builder command(List<String> value) {
            command = new ArrayList<>(value);
            return this;
        }

        public Builder args(List<String> value) {
            args = new ArrayList<>(value);
            return this;
        }

        public Builder env(String key, String value) {
            plainEnv.put(key, value);
            return this;
        }

        public Builder plainEnv(Map<String, String> value) {
            plainEnv = new LinkedHashMap<>(value);
            return this;
        }

        public Builder envFile(String remotePath) {
            envFile = Optional.of(remotePath);
            return this;
        }

        public Builder port(Port port) {
            ports.add(port);
            return this;
        }

        public Builder volume(Mount mount) {
            volumes.add(mount);
            return this;
        }

        public Builder label(String key, String value) {
            labels.put(key, value);
            return this;
        }

        public Builder labels(Map<String, String> value) {
            labels.putAll(value);
            return this;
        }

        public Builder resources(Resources value) {
            resources = value;
            return this;
        }

        public Builder restart(RestartPolicy value) {
            restart = value;
            return this;
        }

        public Builder network(String value) {
            network = Optional.of(value);
            return this;
        }

        /** Another network to connect the container to once it is created (with the same aliases). */
        public Builder connect(String value) {
            moreNetworks.add(value);
            return this;
        }

        /** A name other containers on the network resolve to this one ({@code --network-alias}). */
        public Builder alias(String value) {
            aliases.add(value);
            return this;
        }

        public Builder health(HealthCheck value) {
            health = Optional.of(value);
            return this;
        }

        /** Who the process runs as, {@code NAME[:GROUP]} ({@code --user}). */
        public Builder user(String value) {
            user = Optional.of(value);
            return this;
        }

        /** The log driver ({@code --log-driver}). */
        public Builder logDriver(String value) {
            logDriver = Optional.of(value);
            return this;
        }

        /** One option of the log driver ({@code --log-opt KEY=VALUE}). */
        public Builder logOption(String key, String value) {
            logOptions.put(key, value);
            return this;
        }

        /** The signal {@code docker stop} sends ({@code --stop-signal SIGINT}). */
        public Builder stopSignal(String value) {
            stopSignal = Optional.of(value);
            return this;
        }

        /** How long {@code docker stop} waits before it kills ({@code --stop-timeout}). */
        public Builder stopTimeout(Duration value) {
            stopTimeout = Optional.of(value);
            return this;
        }

        public ContainerSpec build() {
            return new ContainerSpec(name, image, command, args, plainEnv, envFile, ports, volumes, labels,
                resources, restart, network, aliases, health, user, moreNetworks, logDriver, logOptions, stopSignal,
                stopTimeout);
        }
    }
}
