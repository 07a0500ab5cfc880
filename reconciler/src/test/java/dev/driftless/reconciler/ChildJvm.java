package dev.driftless.reconciler;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * A test's stand-in for another driftless process: a main class of the test classpath run in its
 * own JVM. The child prints {@code READY <number>} once it holds what the test needs (a lock, a
 * half-written record), then waits to be killed; {@link #kill()} is SIGKILL, so nothing of the
 * child's own clean-up runs.
 *
 * @param process     the child
 * @param readyNumber the number it printed with READY (an id, or 0)
 */
public record ChildJvm(Process process, long readyNumber) {

    /** SIGKILL on Linux: no shutdown hook, no close; waits until the child is gone. */
    public void kill() throws InterruptedException {
        process.destroyForcibly();
        assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
    }

    public long pid() {
        return process.pid();
    }

    /** Starts {@code main} with {@code args} and waits (at most a minute) for its READY line. */
    public static ChildJvm launch(Class<?> main, String... args) throws Exception {
        String classpath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
            "-cp", classpath, main.getName()));
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
            long ready = CompletableFuture.supplyAsync(() -> readyNumber(out, main)).get(60, TimeUnit.SECONDS);
            return new ChildJvm(process, ready);
        } catch (Exception e) {
            process.destroyForcibly();
            throw e;
        }
    }

    /** What a child calls once it is ready: prints {@code READY number} and waits to be killed. */
    public static void ready(long number) throws InterruptedException {
        System.out.println("READY " + number);
        System.out.flush();
        while (true) {
            Thread.sleep(60_000);
        }
    }

    private static long readyNumber(BufferedReader out, Class<?> main) {
        try {
            StringBuilder seen = new StringBuilder();
            String line;
            while ((line = out.readLine()) != null) {
                if (line.startsWith("READY ")) {
                    return Long.parseLong(line.substring("READY ".length()).trim());
                }
                seen.append(line).append('\n');
            }
            throw new IllegalStateException(main.getSimpleName() + " ended before READY:\n" + seen);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
