package dev.driftless.reconciler.history;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * A stand-in daemon for crash tests, run in its own JVM. With a state directory as argument it
 * opens the embedded history there, begins a reconcile with one finished and one PENDING step,
 * prints {@code READY <id>} and waits to be killed. With {@code --lease URL STATE_DIR USER
 * PASSWORD_FILE} it takes the environment's reconcile lease on that database instead, prints
 * {@code READY 0} and waits.
 */
public final class HistoryWriterProcess {

    private HistoryWriterProcess() {
    }

    public static void main(String[] args) throws InterruptedException {
        if (args[0].equals("--lease")) {
            HistoryStore store = HistoryStore.open(new HistorySettings(Optional.of(args[1]), Path.of(args[2]),
                Optional.of(args[3]), Optional.of(Path.of(args[4]))), "prod");
            store.tryLease().orElseThrow(() -> new IllegalStateException("the lease is taken"));
            ready(0);
        }
        HistoryStore store = HistoryStore.open(HistorySettings.embedded(Path.of(args[0])), "prod");
        ReconcileRecord r = store.begin(new ReconcileStart("f".repeat(40), "Bob", "Bump api", Trigger.POLL, "d1"));
        long first = store.beginStep(r.id(), new StepStart("api", "app-1", "api-1", StepAction.REPLACE,
            "image 1.0.0 → 1.1.0", Optional.of("f0"), Optional.of("f1"), Optional.empty(), Optional.empty()));
        store.completeStep(first, StepOutcome.SUCCEEDED, Optional.empty());
        store.beginStep(r.id(), new StepStart("api", "app-2", "api-1", StepAction.REPLACE,
            "image 1.0.0 → 1.1.0", Optional.of("f0"), Optional.of("f1"), Optional.empty(), Optional.empty()));
        ready(r.id());
    }

    private static void ready(long id) throws InterruptedException {
        System.out.println("READY " + id);
        System.out.flush();
        while (true) {
            Thread.sleep(60_000);
        }
    }

    /** A running writer JVM and the id it printed. */
    record Handle(Process process, long reconcileId) {
        /** SIGKILL on Linux: no shutdown hook, no close. */
        void kill() throws InterruptedException {
            process.destroyForcibly();
            assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
        }
    }

    /** Starts a writer JVM with {@code args} and waits (at most a minute) for its READY line. */
    static Handle launch(String... args) throws Exception {
        String classpath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
            "-cp", classpath, HistoryWriterProcess.class.getName()));
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
            long id = CompletableFuture.supplyAsync(() -> readyId(out)).get(60, TimeUnit.SECONDS);
            return new Handle(process, id);
        } catch (Exception e) {
            process.destroyForcibly();
            throw e;
        }
    }

    private static long readyId(BufferedReader out) {
        try {
            StringBuilder seen = new StringBuilder();
            String line;
            while ((line = out.readLine()) != null) {
                if (line.startsWith("READY ")) {
                    return Long.parseLong(line.substring("READY ".length()).trim());
                }
                seen.append(line).append('\n');
            }
            throw new IllegalStateException("writer process ended before READY:\n" + seen);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
