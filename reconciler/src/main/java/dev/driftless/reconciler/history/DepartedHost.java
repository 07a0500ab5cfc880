package dev.driftless.reconciler.history;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * A host that left the inventory while what this environment ran there could not be removed (it
 * did not answer): the daemon tries it again at each drift check.
 *
 * @param inventoryCommit the last applied commit whose inventory still had the host: how to reach it
 * @param since           when it was first found departed and not cleaned up
 * @param lastError       why the last attempt could not reach it (display-safe), if it failed
 */
public record DepartedHost(String inventoryCommit, Instant since, Optional<String> lastError) {

    public DepartedHost {
        Objects.requireNonNull(inventoryCommit, "inventoryCommit");
        Objects.requireNonNull(since, "since");
        Objects.requireNonNull(lastError, "lastError");
    }

    /** The same departure after another attempt that ended with {@code error} (or none). */
    public DepartedHost attempted(Optional<String> error) {
        return new DepartedHost(inventoryCommit, since, error);
    }
}
