package dev.driftless.reconciler.source;

import java.util.Objects;

/**
 * Carries a {@link SourceFailure} out of the git source; callers switch on {@link #failure()}.
 * The message is the failure's message: it never contains credentials.
 */
public final class GitSourceException extends Exception {

    private final transient SourceFailure failure;

    public GitSourceException(SourceFailure failure) {
        super(Objects.requireNonNull(failure, "failure").message());
        this.failure = failure;
    }

    public GitSourceException(SourceFailure failure, Throwable cause) {
        super(Objects.requireNonNull(failure, "failure").message(), cause);
        this.failure = failure;
    }

    public SourceFailure failure() {
        return failure;
    }

    /** Shorthand for {@code failure().isTransient()}. */
    public boolean isTransient() {
        return failure.isTransient();
    }
}
