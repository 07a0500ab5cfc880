package dev.driftless.reconciler.desired;

import dev.driftless.model.DesiredState;
import dev.driftless.model.Problem;
import dev.driftless.model.Repo;
import java.util.List;

/** The outcome of turning one revision of the infra repo into desired state. */
public sealed interface LoadedState {

    /** The revision cannot be applied: nothing may touch a host. Each problem names file and line. */
    record Invalid(List<Problem> problems) implements LoadedState {
        public Invalid {
            problems = List.copyOf(problems);
        }
    }

    /** The revision is valid and its secrets decrypted: ready to plan and apply. */
    record Ready(Repo repo, DesiredState state, ServiceSecrets secrets) implements LoadedState {
    }
}
