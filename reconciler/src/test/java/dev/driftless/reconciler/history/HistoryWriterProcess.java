package dev.driftless.reconciler.history;

import java.nio.file.Path;
import java.util.Optional;

/**
 * A stand-in daemon for crash tests, run in its own JVM: opens the embedded history in the state
 * directory given as argument, begins a reconcile with one finished and one PENDING step, prints
 * {@code READY <id>} and waits to be killed.
 */
public final class HistoryWriterProcess {

    private HistoryWriterProcess() {
    }

    public static void main(String[] args) throws InterruptedException {
        HistoryStore store = HistoryStore.open(HistorySettings.embedded(Path.of(args[0])), "prod");
        ReconcileRecord r = store.begin(new ReconcileStart("f".repeat(40), "Bob", "Bump api", Trigger.POLL, "d1"));
        long first = store.beginStep(r.id(), new StepStart("api", "app-1", "api-1", StepAction.REPLACE,
            "image 1.0.0 → 1.1.0", Optional.of("f0"), Optional.of("f1"), Optional.empty(), Optional.empty()));
        store.completeStep(first, StepOutcome.SUCCEEDED, Optional.empty());
        store.beginStep(r.id(), new StepStart("api", "app-2", "api-1", StepAction.REPLACE,
            "image 1.0.0 → 1.1.0", Optional.of("f0"), Optional.of("f1"), Optional.empty(), Optional.empty()));
        System.out.println("READY " + r.id());
        System.out.flush();
        while (true) {
            Thread.sleep(60_000);
        }
    }
}
