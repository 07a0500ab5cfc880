package dev.driftless.reconciler.testhosts;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Loopback ports for tests that need one nothing listens on ("connection refused"). A port from
 * {@code new ServerSocket(0)} is an ephemeral one, which the kernel hands to the next outgoing
 * connection (Docker's proxies, Testcontainers, the daemon's own SSH) as soon as it is closed; a
 * port below the ephemeral range is only ever taken by a listener.
 */
public final class LoopbackPorts {

    private LoopbackPorts() {
    }

    /** A loopback port below the ephemeral range that nothing listened on a moment ago. */
    public static int closed() {
        int below = ephemeralLow();
        ThreadLocalRandom random = ThreadLocalRandom.current();
        for (int attempt = 0; attempt < 100; attempt++) {
            int port = random.nextInt(Math.max(1025, below - 12000), below);
            try (ServerSocket s = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
                return s.getLocalPort();
            } catch (IOException e) {
                // taken: try another
            }
        }
        throw new IllegalStateException("no free loopback port below " + below);
    }

    private static int ephemeralLow() {
        try {
            // readAllLines: Files.readString trusts the size /proc reports and returns a fragment.
            String range = Files.readAllLines(Path.of("/proc/sys/net/ipv4/ip_local_port_range")).getFirst().strip();
            int low = Integer.parseInt(range.split("\\s+")[0]);
            return low > 2048 ? low : 32768;
        } catch (IOException | RuntimeException e) {
            return 32768;
        }
    }
}
