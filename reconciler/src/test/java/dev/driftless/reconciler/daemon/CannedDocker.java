package dev.driftless.reconciler.daemon;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.driftless.model.DesiredState;
import dev.driftless.model.Instance;
import dev.driftless.reconciler.runtime.docker.ContainerLabels;
import dev.driftless.reconciler.runtime.docker.DockerCommands;
import dev.driftless.reconciler.runtime.docker.InstanceContainers;
import dev.driftless.reconciler.ssh.CommandResult;
import dev.driftless.reconciler.ssh.RecordingHostSession;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Map;

/**
 * Canned Docker answers for fake hosts: {@code docker inspect} JSON (the format DockerInspectParser
 * reads, as in its fixture) of the containers driftless would have started for given instances,
 * and a gate that sees every container running and healthy.
 */
final class CannedDocker {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String OBSERVE = DockerCommands.observe().render();

    private CannedDocker() {
    }

    /** Every container runs, has an address, and passes its probe; commands succeed. */
    static void healthyHosts(RecordingHostSession.Fleet fleet, Collection<String> hosts) {
        for (String h : hosts) {
            fleet.host(h).reply(c -> c.render().startsWith("docker inspect --type container --format "),
                new CommandResult(0, "running 0 0 - 172.17.0.5\n", "", Duration.ofMillis(1)));
        }
    }

    /** From now on each host of {@code desired} reports its instances as running containers deployed from {@code commit}. */
    static void running(RecordingHostSession.Fleet fleet, DesiredState desired, String commit) {
        for (String h : desired.hosts().keySet()) {
            observes(fleet.host(h), desired.instancesOn(h), commit, "running");
        }
    }

    /** From now on the host reports exactly these containers. */
    static void observes(RecordingHostSession host, List<Instance> instances, String commit, String status) {
        host.reply(c -> c.render().equals(OBSERVE),
            new CommandResult(0, "20.10.24+dfsg1\n" + inspect(instances, commit, status), "", Duration.ofMillis(2)));
    }

    static String inspect(List<Instance> instances, String commit, String status) {
        if (instances.isEmpty()) {
            return "";
        }
        ArrayNode all = JSON.createArrayNode();
        for (Instance i : instances) {
            String name = InstanceContainers.containerName(i);
            ObjectNode c = all.addObject();
            c.put("Id", Integer.toHexString(name.hashCode()) + "0000000000000000000000000000000000000000000000000000000");
            c.put("Created", "2026-11-21T10:00:00.000000000Z");
            c.put("Name", "/" + name);
            c.put("Image", "sha256:550f60d36d0972d9373b3df7a055ea306acbea66c0cf4c06529cb310900de9f1");
            c.put("RestartCount", 0);
            ObjectNode state = c.putObject("State");
            state.put("Status", status);
            state.put("Running", status.equals("running"));
            state.put("ExitCode", status.equals("exited") ? 1 : 0);
            state.put("StartedAt", "2026-11-21T10:00:01.000000000Z");
            state.put("FinishedAt", status.equals("exited") ? "2026-11-21T11:00:00.000000000Z" : "0001-01-01T00:00:00Z");
            ObjectNode config = c.putObject("Config");
            config.put("Image", i.service().image().orElseThrow());
            ObjectNode labels = config.putObject("Labels");
            Map<String, String> ours = ContainerLabels.forInstance("default", i.service().name(), i.name(), i.fingerprint(),
                commit, i.inputs().values(), Instant.parse("2026-11-21T10:00:00Z"));
            ours.forEach(labels::put);
            ObjectNode host = c.putObject("HostConfig");
            host.put("NetworkMode", "default");
            // As docker run set them from the spec: memory and CPUs (0 when none), the restart policy.
            host.put("Memory", i.service().resources().memoryBytes().orElse(0L));
            host.put("NanoCpus", i.service().resources().cpus()
                .map(cpus -> java.math.BigDecimal.valueOf(cpus).movePointRight(9).longValue()).orElse(0L));
            host.putObject("RestartPolicy").put("Name", i.service().restart().text());
            c.putObject("NetworkSettings").putObject("Networks").putObject("bridge").put("IPAddress", "172.17.0.5");
        }
        return all.toString();
    }
}
