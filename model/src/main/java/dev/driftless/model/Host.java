package dev.driftless.model;

import java.util.Objects;
import java.util.Optional;
import java.util.SortedMap;

/**
 * A machine from {@code hosts.yaml}: where to reach it over SSH, how to trust it, what labels
 * placement selects it by, and which runtime its services use unless they say otherwise.
 *
 * @param hostKey the host's public key ({@code "ssh-ed25519 AAAA..."}, no comment) to pin; when
 *     empty the daemon's known_hosts file decides
 */
public record Host(
    String name,
    String address,
    int port,
    String user,
    SortedMap<String, String> labels,
    Optional<String> hostKey,
    Runtime runtime,
    SourceLocation source) {

    /** The SSH port when hosts.yaml names none. */
    public static final int DEFAULT_PORT = 22;

    public Host {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(address, "address");
        Objects.requireNonNull(user, "user");
        labels = Immutables.sortedMap(labels);
        Objects.requireNonNull(hostKey, "hostKey");
        Objects.requireNonNull(runtime, "runtime");
        Objects.requireNonNull(source, "source");
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("port out of range: " + port);
        }
    }

    /** True when every selector label is on this host with the same value. */
    public boolean matches(SortedMap<String, String> selector) {
        return selector.entrySet().stream().allMatch(e -> e.getValue().equals(labels.get(e.getKey())));
    }
}
