package dev.driftless.reconciler.daemon;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * SIGHUP asks the daemon to read its configuration again, as nginx, sshd or Prometheus do (and
 * {@code systemctl reload driftless}, whose unit sends it). Without this handler the JVM would
 * take SIGHUP as a request to exit.
 */
public final class ReloadSignal {

    private static final Logger LOG = LoggerFactory.getLogger(ReloadSignal.class);

    private ReloadSignal() {
    }

    /**
     * Runs {@code reload} on a thread of its own at each SIGHUP (the signal's thread returns at
     * once). Where the JVM does not let the signal be handled, the daemon runs on without it and
     * says so.
     */
    public static void install(Runnable reload) {
        try {
            sun.misc.Signal.handle(new sun.misc.Signal("HUP"), signal -> Thread.ofVirtual()
                .name("driftless-reload").start(reload));
        } catch (IllegalArgumentException e) {
            LOG.warn("SIGHUP cannot be handled in this JVM ({}): restart the daemon to read a changed configuration",
                e.getMessage());
        }
    }
}
