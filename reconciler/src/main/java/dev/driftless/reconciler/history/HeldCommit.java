package dev.driftless.reconciler.history;

import java.util.Objects;

/**
 * A new commit the daemon does not deploy (yet) because the whole environment is held, or does
 * not deploy to one service because that service is: suspended by an operator or outside its
 * deploy windows. What a merge's author wants to hear, told once per commit, scope and hold.
 *
 * @param hold why, as {@link Suspension#describe()} says it ("held by deploy window … since …:
 *             deploys resume at …"); its {@link Suspension#service() service} is the one held,
 *             none when the whole environment is
 */
public record HeldCommit(String environment, String commit, String author, String message, Suspension hold) {

    public HeldCommit {
        Objects.requireNonNull(environment, "environment");
        Objects.requireNonNull(commit, "commit");
        Objects.requireNonNull(author, "author");
        Objects.requireNonNull(message, "message");
        Objects.requireNonNull(hold, "hold");
    }

    /** The message's first line. */
    public String subject() {
        return message.lines().findFirst().orElse("");
    }
}
