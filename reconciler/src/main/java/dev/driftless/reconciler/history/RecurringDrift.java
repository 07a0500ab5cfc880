package dev.driftless.reconciler.history;

import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * An instance whose drift came back after driftless repaired it: something on the host (the
 * program itself, a configuration tool) keeps changing what driftless placed. Told once per run
 * of repairs in a row, when the drift is first found back; further repairs back off.
 *
 * @param drift      what observation found changed, e.g. {@code file /etc/api/config.yaml changed on the host}
 *                   (paths and names only, never a content)
 * @param repairs    the repairs made in a row so far
 * @param nextRepair when the next repair may run
 */
public record RecurringDrift(String environment, String service, String host, String instance, String drift,
                             int repairs, Instant nextRepair) {

    public RecurringDrift {
        Objects.requireNonNull(environment, "environment");
        Objects.requireNonNull(service, "service");
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(instance, "instance");
        Objects.requireNonNull(drift, "drift");
        Objects.requireNonNull(nextRepair, "nextRepair");
    }

    /** {@link #advice(String)} for this drift. */
    public String advice() {
        return advice(drift);
    }

    /**
     * What to do about a drift that keeps coming back, in lower case without a full stop: for a
     * file, mark it {@code drift: ignore} if something on the host owns it; for a systemd unit
     * edited or given a drop-in on the host, make that change in the repo, since the unit is
     * driftless's to write (there is no ignoring it).
     */
    public static String advice(String drift) {
        List<String> parts = List.of(drift.split("; "));
        boolean files = parts.stream().anyMatch(p -> p.startsWith("file ") || p.startsWith("files "));
        boolean unit = parts.stream().anyMatch(p -> !p.startsWith("file ") && !p.startsWith("files "));
        List<String> advice = new java.util.ArrayList<>();
        if (files) {
            advice.add("if something on the host rewrites it (the program itself, a configuration tool), set drift:"
                + " ignore on that file");
        }
        if (unit) {
            advice.add("if something on the host changes the unit (systemctl edit or set-property, a configuration"
                + " tool), make that change in the service in the repo instead");
        }
        return String.join("; ", advice);
    }
}
