package dev.driftless.reconciler.runtime;

import static org.awaitility.Awaitility.await;

import dev.driftless.reconciler.ssh.HostSession;
import dev.driftless.reconciler.ssh.HostTarget;
import dev.driftless.reconciler.ssh.SshHostPool;
import dev.driftless.reconciler.ssh.SshSettings;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * A daemon that dies in the middle of a command: {@code work} runs over a pool of its own, and
 * once {@code started} holds on the host, that pool (its SSH connection) is closed under it, as a
 * crashed or killed daemon's would be. Whatever the command started on the host is left to itself.
 */
public final class InterruptedRun {

    /** What the interrupted daemon was doing. */
    @FunctionalInterface
    public interface Work {
        void run(HostSession session) throws Exception;
    }

    private InterruptedRun() {
    }

    public static void interrupt(SshSettings settings, HostTarget target, Work work, BooleanSupplier started)
            throws InterruptedException {
        SshHostPool doomed = SshHostPool.open(settings);
        CompletableFuture<Void> running = CompletableFuture.runAsync(() -> {
            try {
                work.run(doomed.session(target));
            } catch (Exception e) {
                // Expected: its connection is closed under it.
            }
        });
        try {
            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100)).until(started::getAsBoolean);
        } finally {
            doomed.close();
        }
        try {
            running.get(60, TimeUnit.SECONDS);
        } catch (ExecutionException | java.util.concurrent.TimeoutException e) {
            throw new AssertionError("the interrupted run did not end when its connection was closed", e);
        }
    }
}
