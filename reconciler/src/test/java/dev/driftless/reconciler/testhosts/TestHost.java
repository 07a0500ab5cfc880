package dev.driftless.reconciler.testhosts;

import java.util.Map;

/**
 * One running test host: a container with systemd, sshd and its own dockerd. SSH is reachable at
 * {@code 127.0.0.1:sshPort}; the host key is read from the host itself so tests pin it.
 *
 * @param name            the host's name, also its DNS alias on the test network
 * @param containerId     the Docker container id (for exec, pause, removal)
 * @param sshPort         the port on 127.0.0.1 that forwards to the host's sshd
 * @param hostKey         the host's ed25519 public key as {@code ssh-ed25519 AAAA…}
 * @param networkAddress  the host's IP address on the test network
 * @param extraPorts      further container ports published on 127.0.0.1, container port → host port
 */
public record TestHost(
        String name,
        String containerId,
        int sshPort,
        String hostKey,
        String networkAddress,
        Map<Integer, Integer> extraPorts) {

    /** A known_hosts line that pins this host's key for {@code [127.0.0.1]:sshPort}. */
    public String knownHostsLine() {
        return "[127.0.0.1]:" + sshPort + " " + hostKey;
    }

    /** The host port on 127.0.0.1 that forwards to {@code containerPort}. */
    public int publishedPort(int containerPort) {
        Integer port = extraPorts.get(containerPort);
        if (port == null) {
            throw new IllegalArgumentException("port " + containerPort + " of " + name + " is not published");
        }
        return port;
    }
}
