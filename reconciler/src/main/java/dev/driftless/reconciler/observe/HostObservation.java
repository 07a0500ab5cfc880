package dev.driftless.reconciler.observe;

import dev.driftless.reconciler.ssh.HostFailure;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * What observing one host gave: the managed containers it runs, or why it could not be observed.
 * An unreachable host is never "no containers": the planner must not plan creates for it.
 */
public sealed interface HostObservation permits HostObservation.Reachable, HostObservation.Unreachable {

    /** The host's inventory name. */
    String host();

    /**
     * The host answered.
     *
     * @param containers     every managed container on it, in any state
     * @param took           how long the observation of this host took
     * @param runtimeVersion the listed runtimes' versions (Docker server version, systemd version)
     */
    record Reachable(String host, List<ObservedContainer> containers, Duration took, String runtimeVersion)
            implements HostObservation {
        public Reachable {
            Objects.requireNonNull(host, "host");
            containers = List.copyOf(containers);
            Objects.requireNonNull(took, "took");
            Objects.requireNonNull(runtimeVersion, "runtimeVersion");
        }
    }

    /**
     * The host could not be observed.
     *
     * @param reason a message naming the host and what to do
     * @param kind   the failure's kind; {@link HostFailure.Kind#isTransient()} says if a retry may help
     */
    record Unreachable(String host, String reason, HostFailure.Kind kind) implements HostObservation {
        public Unreachable {
            Objects.requireNonNull(host, "host");
            Objects.requireNonNull(reason, "reason");
            Objects.requireNonNull(kind, "kind");
        }

        public static Unreachable of(HostFailure failure) {
            return new Unreachable(failure.host(), failure.message(), failure.kind());
        }

        public boolean isTransient() {
            return kind.isTransient();
        }
    }
}
