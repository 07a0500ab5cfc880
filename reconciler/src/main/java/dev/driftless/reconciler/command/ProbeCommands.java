package dev.driftless.reconciler.command;

import java.time.Duration;

/**
 * Health probes run on a host against a container's address: the HTTP probe needs curl on the
 * host, the TCP probe bash (its {@code /dev/tcp}). Address, port and path come from the repo and
 * observation, so they are arguments, never part of a script.
 */
public final class ProbeCommands {

    private ProbeCommands() {
    }

    /**
     * Succeeds on a 2xx or 3xx answer to {@code GET http://address:port/path} within {@code timeout}.
     * A proxy the SSH session may export (pam_env reads /etc/environment) is bypassed: the probe is
     * for the container's own address.
     */
    public static RemoteCommand http(String address, int port, String path, Duration timeout) {
        String host = address.indexOf(':') >= 0 ? "[" + address + "]" : address;
        return RemoteCommand.of("curl", "--silent", "--show-error", "--fail", "--noproxy", "*", "--output", "/dev/null",
            "--max-time", seconds(timeout), "http://" + host + ":" + port + path);
    }

    /** Succeeds when a TCP connection to {@code address:port} opens within {@code timeout}. */
    public static RemoteCommand tcp(String address, int port, Duration timeout) {
        return RemoteCommand.of("timeout", seconds(timeout), "bash", "-c", "exec 3<>\"/dev/tcp/$0/$1\"",
            address, Integer.toString(port));
    }

    private static String seconds(Duration d) {
        long ms = Math.max(1, d.toMillis());
        return ms % 1000 == 0 ? Long.toString(ms / 1000) : String.format(java.util.Locale.ROOT, "%.3f", ms / 1000.0);
    }
}
