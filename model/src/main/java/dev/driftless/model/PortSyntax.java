package dev.driftless.model;

import java.util.List;
import java.util.Optional;

/**
 * Reads a published port in Docker's short syntax, {@code [ip:][hostPort:]containerPort[/protocol]}:
 * {@code "8080:8080"}, {@code "127.0.0.1:9090:9090"}, {@code "[::1]:53:53/udp"}, or just
 * {@code "8080"} to let the runtime pick the host port.
 */
final class PortSyntax {

    static final List<String> PROTOCOLS = List.of("tcp", "udp", "sctp");
    static final String RULE = "write [ip:][host-port:]container-port[/tcp|udp|sctp], e.g. \"8080:8080\" or \"127.0.0.1:9090:9090/udp\"";

    private PortSyntax() {
    }

    static Parsed<PortMapping> parse(String text) {
        String rest = text;
        String protocol = "tcp";
        int slash = rest.lastIndexOf('/');
        if (slash >= 0) {
            protocol = rest.substring(slash + 1);
            rest = rest.substring(0, slash);
            if (!PROTOCOLS.contains(protocol)) {
                return Parsed.bad("unknown protocol \"" + protocol + "\"; use tcp, udp or sctp");
            }
        }
        Optional<String> ip = Optional.empty();
        if (rest.startsWith("[")) {
            int close = rest.indexOf("]:");
            if (close < 0) {
                return Parsed.bad(RULE);
            }
            ip = Optional.of(rest.substring(1, close));
            rest = rest.substring(close + 2);
            if (!rest.contains(":")) {
                return Parsed.bad("after an IP address write host-port:container-port, e.g. \"[::1]:53:53\"");
            }
        }
        if (rest.contains("-")) {
            return Parsed.bad("port ranges are not supported; list each port");
        }
        String[] parts = rest.split(":", -1);
        String host;
        String container;
        switch (parts.length) {
            case 1 -> {
                host = "";
                container = parts[0];
            }
            case 2 -> {
                host = parts[0];
                container = parts[1];
            }
            case 3 -> {
                if (ip.isPresent()) {
                    return Parsed.bad(RULE);
                }
                ip = Optional.of(parts[0]);
                host = parts[1];
                container = parts[2];
            }
            default -> {
                return Parsed.bad(rest.contains("::") || parts.length > 3
                    ? "write an IPv6 address in brackets, e.g. \"[::1]:8080:8080\"" : RULE);
            }
        }
        if (ip.isPresent() && !HostAddress.isIp(ip.get())) {
            return Parsed.bad("\"" + ip.get() + "\" is not an IP address");
        }
        Optional<Integer> containerPort = port(container, 1);
        if (containerPort.isEmpty()) {
            return Parsed.bad("container port \"" + container + "\" must be a number from 1 to 65535");
        }
        int hostPort = 0;
        if (!host.isEmpty()) {
            Optional<Integer> h = port(host, 1);
            if (h.isEmpty()) {
                return Parsed.bad("host port \"" + host + "\" must be a number from 1 to 65535");
            }
            hostPort = h.get();
        } else if (parts.length == 2 && ip.isEmpty()) {
            return Parsed.bad(RULE);
        }
        return Parsed.ok(new PortMapping(ip, hostPort, containerPort.get(), protocol));
    }

    static Optional<Integer> port(String text, int min) {
        if (!text.matches("[0-9]{1,5}")) {
            return Optional.empty();
        }
        int p = Integer.parseInt(text);
        return p >= min && p <= 65535 ? Optional.of(p) : Optional.empty();
    }
}
