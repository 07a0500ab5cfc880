package dev.driftless.reconciler.ssh;

import java.util.Collections;
import java.util.Objects;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * One host as the transport sees it: where to connect, as whom, and optionally the host key the
 * inventory pins. The model's hosts are mapped onto this by the reconciler.
 *
 * @param name    the inventory name; every message about the host uses it
 * @param address DNS name or IP address to connect to
 * @param port    sshd's port
 * @param user    the SSH user (it must be in the docker group)
 * @param hostKey the pinned host key, {@code ssh-ed25519 AAAA…}; when empty, known_hosts decides
 * @param labels  the inventory's labels, by which {@code ssh.jump} rules choose a jump host
 */
public record HostTarget(String name, String address, int port, String user, Optional<String> hostKey,
                         SortedMap<String, String> labels) {

    /** A host without labels. */
    public HostTarget(String name, String address, int port, String user, Optional<String> hostKey) {
        this(name, address, port, user, hostKey, new TreeMap<>());
    }

    public HostTarget {
        labels = Collections.unmodifiableSortedMap(new TreeMap<>(labels));
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(address, "address");
        Objects.requireNonNull(user, "user");
        Objects.requireNonNull(hostKey, "hostKey");
        if (name.isBlank()) {
            throw new IllegalArgumentException("a host needs a name");
        }
        if (address.isBlank()) {
            throw new IllegalArgumentException("host " + name + ": address is empty");
        }
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("host " + name + ": port " + port + " is not between 1 and 65535");
        }
        if (user.isBlank()) {
            throw new IllegalArgumentException("host " + name + ": user is empty");
        }
        hostKey.ifPresent(k -> {
            try {
                HostKey.parse(k);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("host " + name + ": hostKey: " + e.getMessage(), e);
            }
        });
    }

    /** A host on port 22 whose key known_hosts pins. */
    public static HostTarget of(String name, String address, String user) {
        return new HostTarget(name, address, 22, user, Optional.empty());
    }

    /** This host with its key pinned. */
    public HostTarget withHostKey(String key) {
        return new HostTarget(name, address, port, user, Optional.of(key), labels);
    }

    /** The pinned key, parsed. */
    public Optional<HostKey> pinnedKey() {
        return hostKey.map(HostKey::parse);
    }

    /** {@code user@address:port}, for messages. */
    public String endpoint() {
        String host = address.indexOf(':') >= 0 ? "[" + address + "]" : address;
        return user + "@" + host + ":" + port;
    }
}
