package dev.driftless.reconciler.ssh;

/**
 * Thrown by a {@link HostSession} when the host could not be used; carries the {@link HostFailure}
 * value, whose message names the host.
 */
public final class HostException extends Exception {

    private static final long serialVersionUID = 1L;

    private final transient HostFailure failure;

    public HostException(HostFailure failure) {
        super(failure.message());
        this.failure = failure;
    }

    public HostException(HostFailure failure, Throwable cause) {
        super(failure.message(), cause);
        this.failure = failure;
    }

    public HostException(String host, HostFailure.Kind kind, String message) {
        this(new HostFailure(host, kind, message));
    }

    public HostFailure failure() {
        return failure;
    }

    public HostFailure.Kind kind() {
        return failure.kind();
    }
}
