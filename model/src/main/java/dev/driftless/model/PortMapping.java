package dev.driftless.model;

import java.util.Objects;
import java.util.Optional;

/**
 * A published port: traffic to {@code hostIp:hostPort} on the host reaches {@code containerPort}
 * of the instance. {@code hostPort} 0 publishes on a port the runtime picks (written as just
 * {@code "8080"}), which lets two instances of one service run side by side on a host.
 *
 * @param hostIp the address to bind on the host; empty means every address
 * @param protocol {@code tcp}, {@code udp} or {@code sctp}
 */
public record PortMapping(Optional<String> hostIp, int hostPort, int containerPort, String protocol) {

    public PortMapping {
        Objects.requireNonNull(hostIp, "hostIp");
        Objects.requireNonNull(protocol, "protocol");
        if (hostPort < 0 || hostPort > 65535 || containerPort < 1 || containerPort > 65535) {
            throw new IllegalArgumentException("port out of range");
        }
    }

    /** True when the runtime picks the host port. */
    public boolean ephemeral() {
        return hostPort == 0;
    }

    /** {@code 8080/tcp}: the container side, as Docker names exposed ports. */
    public String containerKey() {
        return containerPort + "/" + protocol;
    }

    /** In {@code docker run -p} syntax: {@code [ip:][hostPort:]containerPort/protocol}. */
    @Override
    public String toString() {
        String ip = hostIp.map(a -> a.contains(":") ? "[" + a + "]:" : a + ":").orElse("");
        String host = hostPort == 0 ? (ip.isEmpty() ? "" : ":") : hostPort + ":";
        return ip + host + containerPort + "/" + protocol;
    }
}
