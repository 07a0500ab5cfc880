package dev.driftless.reconciler.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The runnable jar built in {@code package} (reconciler/target/driftless-VERSION.jar), run as its
 * own process exactly as users run it: the daemon ({@link #startDaemon}) and the CLI verbs
 * ({@link #run}).
 */
final class DriftlessJar {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path jar;
    private final Path java;

    private DriftlessJar(Path jar, Path java) {
        this.jar = jar;
        this.java = java;
    }

    /** Finds the jar under {@code target/} of the reconciler module (failsafe runs after package). */
    static DriftlessJar locate() {
        Path target = Path.of("target").toAbsolutePath();
        try (Stream<Path> files = Files.list(target)) {
            Path jar = files.filter(p -> p.getFileName().toString().matches("driftless-\\d.*\\.jar"))
                .findFirst()
                .orElseThrow(() -> new IllegalStateException("no driftless-<version>.jar in " + target
                    + ": the e2e suite runs after `package` (mvn verify)"));
            return new DriftlessJar(jar, Path.of(System.getProperty("java.home"), "bin", "java"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The jar file itself. */
    Path path() {
        return jar;
    }

    /** What a CLI run printed and how it exited. */
    record Result(int exitCode, String stdout, String stderr) {
        JsonNode json() {
            try {
                return JSON.readTree(stdout);
            } catch (IOException e) {
                throw new IllegalStateException("not JSON (exit " + exitCode + "): " + stdout + "\nstderr: " + stderr, e);
            }
        }
    }

    /** Runs one CLI verb to completion (at most 60 s). */
    Result run(String... args) {
        try {
            // C1 only: a CLI run is short, and the daemon it runs beside shares two cores.
            Process p = new ProcessBuilder(command(List.of("-XX:TieredStopAtLevel=1"), args)).start();
            CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> readAll(p.getErrorStream()));
            String out = readAll(p.getInputStream());
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IllegalStateException("driftless " + String.join(" ", args) + " did not finish in 60 s");
            }
            return new Result(p.exitValue(), out, err.join());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** A CLI run that goes on until stopped ({@code logs --follow}): its output as it comes. */
    static final class Streaming {
        private final Process process;
        private final List<String> lines = Collections.synchronizedList(new ArrayList<>());
        private final CompletableFuture<String> err;
        private final Thread reader;

        private Streaming(Process process) {
            this.process = process;
            // A thread of its own, reading from the start: a task of the common pool may only start
            // once the process was stopped, whose streams are closed by then.
            this.err = new CompletableFuture<>();
            Thread.ofVirtual().start(() -> {
                try {
                    err.complete(readAll(process.getErrorStream()));
                } catch (RuntimeException e) {
                    err.completeExceptionally(e);
                }
            });
            this.reader = Thread.ofVirtual().start(() -> {
                try (BufferedReader r = process.inputReader(StandardCharsets.UTF_8)) {
                    String line;
                    while ((line = r.readLine()) != null) {
                        lines.add(line);
                    }
                } catch (IOException e) {
                    // the process ended
                }
            });
        }

        /** The lines printed on stdout so far. */
        List<String> lines() {
            synchronized (lines) {
                return List.copyOf(lines);
            }
        }

        /** Stops it as Ctrl-C would (SIGTERM: the JVM runs its shutdown hooks); what it printed and how it exited. */
        Result stop() throws InterruptedException {
            // SIGTERM through the handle: Process.destroy() would also close our ends of its
            // stdout and stderr at once, losing what it prints as it stops.
            process.toHandle().destroy();
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new IllegalStateException("driftless did not stop within 30 s of SIGTERM");
            }
            reader.join(Duration.ofSeconds(10));
            return new Result(process.exitValue(), String.join("\n", lines()), err.join());
        }
    }

    /** Starts one CLI verb that runs until stopped. */
    Streaming start(String... args) {
        try {
            return new Streaming(new ProcessBuilder(command(List.of("-XX:TieredStopAtLevel=1"), args)).start());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Starts {@code driftless run --config config}; its stdout and stderr are appended to {@code log}. */
    DaemonProcess startDaemon(Path config, Path log) {
        try {
            Process p = new ProcessBuilder(command(List.of(), "run", "--config", config.toString()))
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .start();
            return new DaemonProcess(p, log);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private List<String> command(List<String> jvmOptions, String... args) {
        List<String> argv = new ArrayList<>(List.of(java.toString(), "-Xmx256m"));
        argv.addAll(jvmOptions);
        argv.addAll(List.of("-jar", jar.toString()));
        argv.addAll(List.of(args));
        return argv;
    }

    private static String readAll(java.io.InputStream in) {
        try {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
