package dev.driftless.reconciler.history;

import dev.driftless.reconciler.ChildJvm;
import java.nio.file.Path;
import java.util.Optional;

/**
 * A stand-in daemon for crash tests, run in its own JVM. With a state directory as argument it
 * opens the embedded history there, begins a reconcile with one finished and one PENDING step,
 * prints {@code READY <id>} and waits to be killed. With {@code --lease URL STATE_DIR USER
 * PASSWORD_FILE} it takes the environment's reconcile lease on that database instead, prints
 * {@code READY 0} and waits; with {@code --h2-lease STATE_DIR} the same on the embedded history.
 */
public final class HistoryWriterProcess {

    private HistoryWriterProcess() {
    }

    public static void main(String[] args) throws InterruptedException {
        if (args[0].equals("--lease")) {
            HistoryStore store = HistoryStore.open(new HistorySettings(Optional.of(args[1]), Path.of(args[2]),
                Optional.of(args[3]), Optional.of(Path.of(args[4]))), "prod");
            store.tryLease().orElseThrow(() -> new IllegalStateException("the lease is taken"));
            ChildJvm.ready(0);
        }
        if (args[0].equals("--h2-lease")) {
            HistoryStore store = HistoryStore.open(HistorySettings.embedded(Path.of(args[1])), "prod");
            store.tryLease().orElseThrow(() -> new IllegalStateException("the lease is taken"));
            ChildJvm.ready(0);
        }
        HistoryStore store = HistoryStore.open(HistorySettings.embedded(Path.of(args[0])), "prod");
        ReconcileRecord r = store.begin(new ReconcileStart("f".repeat(40), "Bob", "Bump api", Trigger.POLL, "d1"));
        long first = store.beginStep(r.id(), new StepStart("api", "app-1", "api-1", StepAction.REPLACE,
            "image 1.0.0 → 1.1.0", Optional.of("f0"), Optional.of("f1"), Optional.empty(), Optional.empty()));
        store.completeStep(first, StepOutcome.SUCCEEDED, Optional.empty());
        store.beginStep(r.id(), new StepStart("api", "app-2", "api-1", StepAction.REPLACE,
            "image 1.0.0 → 1.1.0", Optional.of("f0"), Optional.of("f1"), Optional.empty(), Optional.empty()));
        ChildJvm.ready(r.id());
    }
}
