package dev.driftless.reconciler.ssh;

import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A bastion every host is reached through ({@code ssh.jump}, OpenSSH's {@code ProxyJump}): driftless
 * logs in to it with its own key, then opens a TCP channel from it to each host's sshd and runs
 * the SSH session to the host inside that channel, end to end. The jump host's key is pinned like
 * any host's (known_hosts, by its address and port); it sees only encrypted traffic.
 *
 * @param user    the user driftless logs in to the jump host as
 * @param address its DNS name or IP address
 * @param port    its sshd's port
 */
public record JumpHost(String user, String address, int port) {

    private static final Pattern FORM = Pattern.compile("([^@\\s]+)@(\\[[^\\]]+]|[^:\\s\\[\\]@]+)(?::(\\d{1,5}))?");

    /**
     * Reads {@code user@host[:port]} ({@code [v6]:port} for an IPv6 address).
     *
     * @throws IllegalArgumentException saying what is wrong
     */
    public static JumpHost parse(String text) {
        if (text.contains(",")) {
            throw new IllegalArgumentException("one jump host, got \"" + text + "\" (a chain is a JumpRoute)");
        }
        Matcher m = FORM.matcher(text.strip());
        if (!m.matches()) {
            throw new IllegalArgumentException("expected user@host or user@host:port, got \"" + text + "\"");
        }
        String host = m.group(2).startsWith("[") ? m.group(2).substring(1, m.group(2).length() - 1) : m.group(2);
        int port = Optional.ofNullable(m.group(3)).map(Integer::parseInt).orElse(22);
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("port " + port + " is not between 1 and 65535");
        }
        return new JumpHost(m.group(1), host, port);
    }

    /** The jump host as a target of its own, named by its address: its key is checked as any host's. */
    HostTarget target() {
        return new HostTarget(address, address, port, user, Optional.empty());
    }

    @Override
    public String toString() {
        return user + "@" + (address.contains(":") ? "[" + address + "]" : address) + (port == 22 ? "" : ":" + port);
    }
}
