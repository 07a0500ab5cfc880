package dev.driftless.reconciler.command;

import dev.driftless.model.HttpProbe;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Health probes run on a host against a container's address: the HTTP probe needs curl on the
 * host, the TCP probe bash (its {@code /dev/tcp}). Address, port and path come from the repo and
 * observation, so they are arguments, never part of a script.
 */
public final class ProbeCommands {

    private ProbeCommands() {
    }

    /**
     * Succeeds on a 2xx or 3xx answer to {@code GET <scheme>://address:port/path} within {@code
     * timeout}. A proxy the SSH session may export (pam_env reads /etc/environment) is bypassed: the
     * probe is for the container's own address. An https server's certificate is not verified
     * ({@code --insecure}): the probe reaches the instance by an address no certificate names. Each
     * header is one argument, never parsed by a shell.
     */
    public static RemoteCommand http(String address, HttpProbe probe, Duration timeout) {
        String host = address.indexOf(':') >= 0 ? "[" + address + "]" : address;
        List<String> args = new ArrayList<>(List.of("--silent", "--show-error", "--fail", "--noproxy", "*",
            "--output", "/dev/null", "--max-time", seconds(timeout)));
        if (probe.scheme().equals("https")) {
            args.add("--insecure");
        }
        probe.headers().forEach((name, value) -> {
            args.add("--header");
            args.add(name + ": " + value);
        });
        args.add(probe.scheme() + "://" + host + ":" + probe.port() + probe.path());
        return RemoteCommand.of("curl", args.toArray(String[]::new));
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
