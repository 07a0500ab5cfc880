package dev.driftless.reconciler;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Runs a real tool of this machine (git, gpg, ssh-keygen…) for a test, as an operator would. */
public final class ExternalTool {

    private ExternalTool() {
    }

    /**
     * Runs {@code cmd} in {@code dir} (null: this process's) with {@code env} added to this
     * process's environment; returns what it printed (stdout and stderr). A tool that fails or
     * outlasts {@code timeout} (it is then killed) throws, naming the command and its output.
     */
    public static String run(List<String> cmd, Path dir, Map<String, String> env, Duration timeout) {
        try {
            ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
            if (dir != null) {
                pb.directory(dir.toFile());
            }
            pb.environment().putAll(env);
            Process p = pb.start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                throw new IllegalStateException(String.join(" ", cmd) + " did not finish in " + timeout.toSeconds()
                    + " s: " + out);
            }
            if (p.exitValue() != 0) {
                throw new IllegalStateException(String.join(" ", cmd) + " exited " + p.exitValue() + ": " + out);
            }
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** {@link #run} in this process's directory and environment, with a 60 s limit. */
    public static String run(String... cmd) {
        return run(List.of(cmd), null, Map.of(), Duration.ofSeconds(60));
    }
}
