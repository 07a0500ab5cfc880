package dev.driftless.reconciler.ssh;

import java.util.Objects;

/**
 * Why a host could not be used, as a value: which host, what kind of failure, and a message for
 * operators that names the host. The kind says whether retrying can help.
 *
 * @param host    the host's inventory name
 * @param kind    the failure's place in the taxonomy
 * @param message one or two sentences naming the host and saying what to do, never a secret
 */
public record HostFailure(String host, Kind kind, String message) {

    public HostFailure {
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(message, "message");
    }

    /** Whether the same attempt may succeed later without any change to driftless's configuration. */
    public boolean isTransient() {
        return kind.isTransient();
    }

    /**
     * The taxonomy. Transient kinds are retried with backoff; terminal kinds stay failed for that
     * host until its configuration (inventory, keys, known_hosts) or the host's setup changes.
     */
    public enum Kind {
        /** Connection refused, timed out, no route, unknown name, or no SSH handshake in time. */
        UNREACHABLE(true),
        /** An established connection broke while in use. */
        CONNECTION_LOST(true),
        /** A command did not finish within its timeout. */
        COMMAND_TIMEOUT(true),
        /** A command the transport itself runs (file write/read) failed on the host. */
        REMOTE_COMMAND_FAILED(true),
        /** The container runtime is installed but not running. */
        RUNTIME_UNAVAILABLE(true),
        /** The runtime answered with something driftless cannot read. */
        RUNTIME_PROTOCOL(true),
        /** No key for this host is pinned: refused, never trusted on first use. */
        HOST_KEY_UNKNOWN(false),
        /** The host offered a key other than the pinned one. */
        HOST_KEY_CHANGED(false),
        /** The host offered a key marked {@code @revoked} in known_hosts. */
        HOST_KEY_REVOKED(false),
        /** The host refused driftless's key for the user. */
        AUTH_FAILED(false),
        /** The SSH user may not use the runtime (for Docker: not in the docker group). */
        RUNTIME_PERMISSION_DENIED(false),
        /** The container runtime is not installed. */
        RUNTIME_MISSING(false);

        private final boolean isTransient;

        Kind(boolean isTransient) {
            this.isTransient = isTransient;
        }

        public boolean isTransient() {
            return isTransient;
        }

        /** Whether the host's SSH host key was refused: unknown, changed or revoked. */
        public boolean isHostKeyRefusal() {
            return this == HOST_KEY_UNKNOWN || this == HOST_KEY_CHANGED || this == HOST_KEY_REVOKED;
        }
    }
}
