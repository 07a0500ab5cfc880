package dev.driftless.reconciler.runtime.docker;

import java.util.Objects;
import java.util.Optional;

/**
 * A published port of a container: {@code --publish [hostIp:]hostPort:containerPort[/udp]}.
 *
 * @param hostPort      the port on the host
 * @param containerPort the port inside the container
 * @param protocol      TCP or UDP
 * @param hostIp        the host address to bind, all addresses when empty
 */
public record Port(int hostPort, int containerPort, Protocol protocol, Optional<String> hostIp) {

    /** Transport protocol of a published port. */
    public enum Protocol { TCP, UDP }

    public Port {
        Objects.requireNonNull(protocol, "protocol");
        Objects.requireNonNull(hostIp, "hostIp");
        if (hostPort != 0) {
            checkPort(hostPort, "host port");
        }
        checkPort(containerPort, "container port");
        hostIp.ifPresent(ip -> {
            if (!ip.matches("[0-9A-Fa-f.:]+")) {
                throw new IllegalArgumentException("host IP '" + ip + "' is not an IPv4 or IPv6 address");
            }
        });
    }

    /** {@code hostPort:containerPort} over TCP on all addresses. */
    public static Port tcp(int hostPort, int containerPort) {
        return new Port(hostPort, containerPort, Protocol.TCP, Optional.empty());
    }

    /** The value of {@code --publish}; host port 0 lets Docker pick a free one. */
    public String render() {
        String ip = hostIp.map(a -> (a.indexOf(':') >= 0 ? "[" + a + "]" : a) + ":").orElse("");
        String host = hostPort == 0 ? (ip.isEmpty() ? "" : ip + ":") : ip + hostPort + ":";
        return host + containerPort + (protocol == Protocol.UDP ? "/udp" : "");
    }

    private static void checkPort(int port, String what) {
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException(what + " " + port + " is not between 1 and 65535");
        }
    }
}
