package dev.driftless.reconciler.runtime.docker;

import dev.driftless.model.Instance;
import dev.driftless.model.PortMapping;
import dev.driftless.model.Service;
import dev.driftless.model.VolumeMount;
import dev.driftless.reconciler.runtime.FileDrift;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * Maps a desired instance of the model onto the {@link ContainerSpec} that runs it: the one place
 * where repo values become Docker options. The container's name carries the start of the
 * fingerprint, so an old and a new version of an instance can exist side by side during a
 * start-first rollout and a rollback.
 */
public final class InstanceContainers {

    /** Where secret env files live on hosts, relative to the SSH user's home (a 0700 directory). */
    public static final String ENV_DIR = ".driftless/env";

    private InstanceContainers() {
    }

    /** {@code api-1-3f9a2c1b}: the instance name and 8 hex digits of its fingerprint. */
    public static String containerName(Instance instance) {
        return instance.name() + "-" + instance.shortFingerprint().substring(0, 8);
    }

    /**
     * Where the checksums of the files placed into containers live on hosts, relative to the SSH
     * user's home (a 0700 directory); see {@link FileDrift}.
     */
    public static final String FILE_SUMS_DIR = ".driftless/container-files";

    /** The remote path of the checksums of the files placed into container {@code name}. */
    public static String fileSumsPath(String name) {
        return FILE_SUMS_DIR + "/" + name + FileDrift.SUFFIX;
    }

    /** The remote path of the env file holding the secrets of container {@code name}. */
    public static String envFilePath(String name) {
        return ENV_DIR + "/" + name + ".env";
    }

    /**
     * The container for {@code instance} of {@code environment}, deployed from {@code commit}, under
     * its {@link #containerName}.
     *
     * @param withEnvFile whether the instance has secrets, written to {@link #envFilePath} first
     */
    public static ContainerSpec spec(Instance instance, String environment, String commit, boolean withEnvFile,
                                     Instant deployedAt) {
        return spec(instance, containerName(instance), environment, commit, withEnvFile, deployedAt);
    }

    /**
     * {@link #spec(Instance, String, String, boolean, Instant)} under {@code name}: the container
     * name, or the second name of the same spec a start-first restart starts beside it.
     */
    public static ContainerSpec spec(Instance instance, String name, String environment, String commit,
                                     boolean withEnvFile, Instant deployedAt) {
        Service s = instance.service();
        String image = s.image().orElseThrow(() ->
            new IllegalArgumentException("service " + s.name() + " has no image: it is not a docker service"));
        ContainerSpec.Builder b = ContainerSpec.builder(name, image)
            .command(s.command())
            .args(s.args())
            .plainEnv(s.env())
            .restart(restart(s))
            .resources(resources(s));
        if (withEnvFile) {
            b.envFile(envFilePath(name));
        }
        for (PortMapping p : s.ports()) {
            b.port(new Port(p.hostPort(), p.containerPort(),
                p.protocol().equalsIgnoreCase("udp") ? Port.Protocol.UDP : Port.Protocol.TCP, p.hostIp()));
        }
        volumes(s, b);
        logging(s, b);
        s.stop().signal().ifPresent(b::stopSignal);
        s.stop().gracePeriod().ifPresent(b::stopTimeout);
        // On the service's network the others reach it as "api" (every instance that runs on
        // this host, old and new alike during a start-first rollout) or as "api-1" (one instance).
        s.network().ifPresent(n -> b.network(n).alias(s.name()).alias(instance.name()));
        s.networks().stream().skip(1).forEach(b::connect);
        s.user().ifPresent(b::user);
        b.labels(s.labels());
        b.labels(ContainerLabels.forInstance(environment, s.name(), instance.name(), instance.fingerprint(), commit,
            instance.inputs().values(), deployedAt));
        return b.build();
    }

    /** {@code api-pre-deploy-3f9a2c1b}: a service's pre-deploy job for one spec. */
    public static String preDeployName(Instance instance) {
        return instance.service().name() + "-pre-deploy-" + instance.shortFingerprint().substring(0, 8);
    }

    /**
     * The one-off container of a service's pre-deploy job: the image, env, secrets (from the env
     * file at {@code envFile}), volumes, resources, network and user of {@code instance}, running
     * {@code command} instead of the image's entrypoint. No published ports (the running
     * instances hold them), no network aliases (it must not answer for the service), no restart
     * policy, no health check, and not labelled managed: the observer and pruning never see it.
     */
    public static ContainerSpec jobSpec(Instance instance, String environment, String commit, List<String> command,
                                        Optional<String> envFile) {
        Service s = instance.service();
        String image = s.image().orElseThrow(() ->
            new IllegalArgumentException("service " + s.name() + " has no image: it is not a docker service"));
        ContainerSpec.Builder b = ContainerSpec.builder(preDeployName(instance), image)
            .command(command)
            .plainEnv(s.env())
            .restart(new RestartPolicy(RestartPolicy.Mode.NO, 0))
            .resources(resources(s));
        envFile.ifPresent(b::envFile);
        volumes(s, b);
        logging(s, b);
        s.network().ifPresent(b::network);
        s.networks().stream().skip(1).forEach(b::connect);
        s.user().ifPresent(b::user);
        // A job stopped at its timeout gets the service's signal and grace period, as its instances do.
        s.stop().signal().ifPresent(b::stopSignal);
        s.stop().gracePeriod().ifPresent(b::stopTimeout);
        b.labels(ContainerLabels.forJob(environment, s.name(), "pre-deploy", instance.fingerprint(), commit));
        return b.build();
    }

    private static Resources resources(Service s) {
        return new Resources(
            s.resources().memoryBytes().map(OptionalLong::of).orElse(OptionalLong.empty()),
            s.resources().cpus().map(BigDecimal::valueOf),
            s.resources().nofile().map(OptionalLong::of).orElse(OptionalLong.empty()));
    }

    private static void volumes(Service s, ContainerSpec.Builder b) {
        for (VolumeMount v : s.volumes()) {
            b.volume(v.named() ? new Mount(Mount.Type.VOLUME, v.source(), v.target(), v.readOnly())
                : Mount.bind(v.source(), v.target(), v.readOnly()));
        }
    }

    private static void logging(Service s, ContainerSpec.Builder b) {
        s.logging().ifPresent(l -> {
            l.driver().ifPresent(b::logDriver);
            l.options().forEach(b::logOption);
        });
    }

    private static RestartPolicy restart(Service s) {
        return switch (s.restart()) {
            case NO -> new RestartPolicy(RestartPolicy.Mode.NO, 0);
            case ALWAYS -> new RestartPolicy(RestartPolicy.Mode.ALWAYS, 0);
            case ON_FAILURE -> new RestartPolicy(RestartPolicy.Mode.ON_FAILURE, 0);
            case UNLESS_STOPPED -> RestartPolicy.unlessStopped();
        };
    }

    /** Whether an instance has secrets, and so an env file. */
    public static boolean needsEnvFile(Instance instance) {
        return !instance.service().secrets().isEmpty();
    }
}
