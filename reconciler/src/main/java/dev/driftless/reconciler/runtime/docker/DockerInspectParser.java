package dev.driftless.reconciler.runtime.docker;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.driftless.reconciler.observe.ContainerState;
import dev.driftless.reconciler.observe.HealthStatus;
import dev.driftless.reconciler.observe.ObservedContainer;
import java.io.IOException;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Reads {@code docker inspect} JSON into {@link ObservedContainer}s, keeping only containers
 * labelled {@code dev.driftless.managed=true}. Accepts several arrays in a row (xargs may split a
 * long id list over several inspect calls) and empty input (no managed containers).
 */
public final class DockerInspectParser {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int MAX_HEALTH_OUTPUT = 300;

    private DockerInspectParser() {
    }

    /**
     * @throws IllegalArgumentException when the text is not docker inspect output
     */
    public static List<ObservedContainer> parse(String json) {
        List<ObservedContainer> out = new ArrayList<>();
        if (json.isBlank()) {
            return out;
        }
        try (JsonParser parser = JSON.createParser(json);
             MappingIterator<JsonNode> arrays = JSON.readValues(parser, JsonNode.class)) {
            while (arrays.hasNextValue()) {
                JsonNode array = arrays.nextValue();
                if (!array.isArray()) {
                    throw new IllegalArgumentException("expected a JSON array of containers");
                }
                for (JsonNode c : array) {
                    Map<String, String> labels = labels(c.path("Config").path("Labels"));
                    if (ContainerLabels.isManaged(labels)) {
                        out.add(container(c, labels));
                    }
                }
            }
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("not JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new IllegalArgumentException(e.getMessage());
        } catch (RuntimeException e) {
            if (e.getCause() instanceof JsonProcessingException j) {
                throw new IllegalArgumentException("not JSON: " + j.getOriginalMessage());
            }
            throw e;
        }
        return out;
    }

    private static ObservedContainer container(JsonNode c, Map<String, String> own) {
        Map<String, String> labels = new LinkedHashMap<>(own);
        // The drift label is observation's word, never a container's own.
        labels.remove(ObservedContainer.DRIFT);
        Optional<Map<String, String>> spec = Optional.ofNullable(own.get(ContainerLabels.SPEC)).map(SpecLabel::decode);
        List<String> drift = new java.util.ArrayList<>();
        networkDrift(c, spec.map(ObservedContainer::networksIn).orElse(List.of())).ifPresent(drift::add);
        spec.flatMap(s -> updateDrift(c, s)).ifPresent(drift::add);
        if (!drift.isEmpty()) {
            labels.put(ObservedContainer.DRIFT, String.join("; ", drift));
        }
        JsonNode state = c.path("State");
        JsonNode health = state.path("Health");
        String name = c.path("Name").asText("");
        return ContainerLabels.observed(
            c.path("Id").asText(""),
            name.startsWith("/") ? name.substring(1) : name,
            c.path("Config").path("Image").asText(""),
            c.path("Image").asText(""),
            labels,
            new ContainerLabels.State(
                ContainerState.fromDocker(state.path("Status").asText("")),
                state.path("ExitCode").asInt(0),
                instant(state.path("StartedAt").asText("")),
                instant(state.path("FinishedAt").asText("")),
                health.isObject() ? HealthStatus.fromDocker(health.path("Status").asText("")) : HealthStatus.NONE,
                lastHealthOutput(health),
                c.path("RestartCount").asInt(0),
                ipAddress(c)),
            dev.driftless.model.Runtime.DOCKER);
    }

    private static Map<String, String> labels(JsonNode node) {
        Map<String, String> labels = new LinkedHashMap<>();
        if (node.isObject()) {
            node.properties().forEach(e -> labels.put(e.getKey(), e.getValue().asText("")));
        }
        return labels;
    }

    /** Docker writes "0001-01-01T00:00:00Z" for "never". */
    private static Optional<Instant> instant(String text) {
        if (text.isEmpty() || text.startsWith("0001-01-01")) {
            return Optional.empty();
        }
        try {
            return Optional.of(Instant.parse(text));
        } catch (DateTimeParseException e) {
            return Optional.empty();
        }
    }

    private static Optional<String> lastHealthOutput(JsonNode health) {
        JsonNode log = health.path("Log");
        if (!log.isArray() || log.isEmpty()) {
            return Optional.empty();
        }
        String output = log.get(log.size() - 1).path("Output").asText("").strip().replaceAll("\\s+", " ");
        if (output.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(output.length() <= MAX_HEALTH_OUTPUT ? output : output.substring(0, MAX_HEALTH_OUTPUT) + "…");
    }

    /**
     * A container taken off a network it was deployed on ({@code docker network disconnect}):
     * {@code HostConfig.NetworkMode} still names the one it was created on, and its recorded spec
     * the others it was connected to, but {@code NetworkSettings.Networks} no longer has one of
     * them. The container runs, but neither reaches nor is reached by its peers there (or, off
     * the default bridge, by its published ports). Networks attached by hand besides them are not
     * drift.
     *
     * @param deployed the networks its recorded spec names
     */
    static Optional<String> networkDrift(JsonNode c, List<String> deployed) {
        JsonNode networks = c.path("NetworkSettings").path("Networks");
        if (!networks.isObject()) {
            return Optional.empty();
        }
        String mode = c.path("HostConfig").path("NetworkMode").asText("");
        java.util.List<String> expected = new java.util.ArrayList<>();
        if (!mode.isEmpty() && !mode.equals("host") && !mode.equals("none") && !mode.startsWith("container:")) {
            expected.add(mode.equals("default") ? "bridge" : mode);
        }
        deployed.stream().filter(n -> !expected.contains(n)).forEach(expected::add);
        return expected.stream().filter(n -> !networks.has(n)).findFirst()
            .map(n -> "disconnected from network " + n);
    }

    /**
     * A container whose limits or restart policy were changed in place ({@code docker update}):
     * its {@code HostConfig} no longer has the memory limit, CPUs or restart policy its recorded
     * spec says. A limit the container has none of (0) is not compared: a Docker that cannot
     * enforce one discards it, and that is no change anyone made.
     *
     * @param spec the container's recorded spec ({@code dev.driftless.spec})
     */
    static Optional<String> updateDrift(JsonNode c, Map<String, String> spec) {
        JsonNode host = c.path("HostConfig");
        if (!host.isObject()) {
            return Optional.empty();
        }
        List<String> changed = new java.util.ArrayList<>();
        long memory = host.path("Memory").asLong(0);
        long wantMemory = parseLong(spec.get("resources.memory"));
        if (memory != 0 && memory != wantMemory) {
            changed.add("memory " + dev.driftless.model.SizeText.format(memory) + " (the repo says "
                + (wantMemory == 0 ? "no limit" : dev.driftless.model.SizeText.format(wantMemory)) + ")");
        }
        long nanoCpus = host.path("NanoCpus").asLong(0);
        long wantNanoCpus = Optional.ofNullable(spec.get("resources.cpus")).map(v -> {
            try {
                return new java.math.BigDecimal(v).movePointRight(9).longValue();
            } catch (NumberFormatException e) {
                return 0L;
            }
        }).orElse(0L);
        if (nanoCpus != 0 && nanoCpus != wantNanoCpus) {
            changed.add("cpus " + cpus(nanoCpus) + " (the repo says " + (wantNanoCpus == 0 ? "no limit"
                : cpus(wantNanoCpus)) + ")");
        }
        String restart = host.path("RestartPolicy").path("Name").asText("");
        String wantRestart = spec.get("restart");
        // Docker always reports a policy ("no", or "" before 23.0); without one there is nothing to compare.
        if (wantRestart != null && host.has("RestartPolicy") && !(restart.isEmpty() ? "no" : restart).equals(wantRestart)) {
            changed.add("restart policy " + (restart.isEmpty() ? "no" : restart) + " (the repo says " + wantRestart + ")");
        }
        return changed.isEmpty() ? Optional.empty()
            : Optional.of("changed on the host (docker update): " + String.join(", ", changed));
    }

    private static long parseLong(String text) {
        try {
            return text == null ? 0 : Long.parseLong(text);
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    private static String cpus(long nanoCpus) {
        return java.math.BigDecimal.valueOf(nanoCpus).movePointLeft(9).stripTrailingZeros().toPlainString();
    }

    /** The address on the network the container was attached to by name, else the first one it has. */
    private static Optional<String> ipAddress(JsonNode c) {
        JsonNode networks = c.path("NetworkSettings").path("Networks");
        String mode = c.path("HostConfig").path("NetworkMode").asText("");
        String ip = networks.path(mode).path("IPAddress").asText("");
        if (!ip.isEmpty()) {
            return Optional.of(ip);
        }
        if (networks.isObject()) {
            for (Map.Entry<String, JsonNode> e : networks.properties()) {
                String candidate = e.getValue().path("IPAddress").asText("");
                if (!candidate.isEmpty()) {
                    return Optional.of(candidate);
                }
            }
        }
        return Optional.empty();
    }
}
