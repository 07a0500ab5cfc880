package dev.driftless.reconciler.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.driftless.reconciler.testhosts.TestHosts;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One container as a test host's own dockerd reports it ({@code docker inspect}, run as root on
 * the host through docker exec, not through driftless): what the tests assert convergence on.
 *
 * @param startedAt  Docker's {@code State.StartedAt}: changes when the container is (re)started
 * @param address    the container's address on its network, for probing it from the host
 */
record HostContainer(String host, String id, String name, String image, String state, String startedAt,
                     int restartCount, Map<String, String> labels, List<String> env, Optional<String> address) {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** Every container on {@code host}, running or not. */
    static List<HostContainer> all(TestHosts hosts, String host) {
        String ids = hosts.exec(host, "docker", "ps", "-aq", "--no-trunc").strip();
        if (ids.isEmpty()) {
            return List.of();
        }
        List<String> argv = new ArrayList<>(List.of("docker", "inspect"));
        argv.addAll(ids.lines().toList());
        String json;
        try {
            json = hosts.exec(host, argv.toArray(String[]::new));
        } catch (IllegalStateException raced) {
            // a container went away between ps and inspect (the daemon is working): look again
            return all(hosts, host);
        }
        List<HostContainer> out = new ArrayList<>();
        try {
            for (JsonNode c : JSON.readTree(json)) {
                Map<String, String> labels = new LinkedHashMap<>();
                c.path("Config").path("Labels").properties().forEach(e -> labels.put(e.getKey(), e.getValue().asText()));
                List<String> env = new ArrayList<>();
                c.path("Config").path("Env").forEach(e -> env.add(e.asText()));
                Optional<String> address = Optional.empty();
                for (JsonNode n : c.path("NetworkSettings").path("Networks")) {
                    if (!n.path("IPAddress").asText().isBlank()) {
                        address = Optional.of(n.path("IPAddress").asText());
                    }
                }
                out.add(new HostContainer(host, c.path("Id").asText(), c.path("Name").asText().replaceFirst("^/", ""),
                    c.path("Config").path("Image").asText(), c.path("State").path("Status").asText(),
                    c.path("State").path("StartedAt").asText(), c.path("RestartCount").asInt(),
                    Map.copyOf(labels), List.copyOf(env), address));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out;
    }

    /** The containers driftless manages on {@code host} ({@code dev.driftless.managed=true}). */
    static List<HostContainer> managed(TestHosts hosts, String host) {
        return all(hosts, host).stream().filter(HostContainer::isManaged).toList();
    }

    boolean isManaged() {
        return "true".equals(labels.get("dev.driftless.managed"));
    }

    boolean isRunning() {
        return state.equals("running");
    }

    String service() {
        return labels.getOrDefault("dev.driftless.service", "");
    }

    String commit() {
        return labels.getOrDefault("dev.driftless.commit", "");
    }

    /** The tag of the image, e.g. 1.1.0. */
    String version() {
        return image.substring(image.lastIndexOf(':') + 1);
    }

    /** What identifies this container in this state: a different value means it was replaced or restarted. */
    String identity() {
        return name + " " + id.substring(0, 12) + " " + state + " since " + startedAt;
    }

    /** GETs {@code path} from the container's port 8080, from its host (curl), or empty when it does not answer. */
    Optional<String> get(TestHosts hosts, String path) {
        if (address.isEmpty()) {
            return Optional.empty();
        }
        var r = hosts.execResult(host, "curl", "-sf", "--max-time", "3", "http://" + address.get() + ":8080" + path);
        return r.getExitCode() == 0 ? Optional.of(r.getStdout().strip()) : Optional.empty();
    }
}
