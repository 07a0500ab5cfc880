package dev.driftless.reconciler.observe;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * A host of the inventory that stopped answering the daemon ({@code answeredAt} empty, {@code
 * reason} why), or that answers again after a silence ({@code answeredAt} when).
 *
 * @param since when it stopped answering: the first observation it missed
 */
public record HostSilence(String host, Instant since, Optional<Instant> answeredAt, Optional<String> reason) {

    public HostSilence {
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(since, "since");
        Objects.requireNonNull(answeredAt, "answeredAt");
        Objects.requireNonNull(reason, "reason");
    }

    /** The host stopped answering at {@code since}, for {@code reason}. */
    public static HostSilence began(String host, Instant since, String reason) {
        return new HostSilence(host, since, Optional.empty(), Optional.of(reason));
    }

    /** The host, silent since {@code since}, answered at {@code at}. */
    public static HostSilence ended(String host, Instant since, Instant at) {
        return new HostSilence(host, since, Optional.of(at), Optional.empty());
    }

    public boolean isOver() {
        return answeredAt.isPresent();
    }
}
