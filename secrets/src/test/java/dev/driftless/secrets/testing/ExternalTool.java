package dev.driftless.secrets.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** Runs the real age, age-keygen and gpg binaries for interop tests, with a deadline. */
public final class ExternalTool {

    /** What a finished process left behind. */
    public record Result(int exitCode, byte[] stdout, String stderr) {
        public String out() {
            return new String(stdout, StandardCharsets.UTF_8);
        }

        public Result assertOk() {
            if (exitCode != 0) {
                throw new AssertionError("command failed (" + exitCode + "): " + stderr);
            }
            return this;
        }
    }

    private ExternalTool() {
    }

    public static Result run(List<String> argv, byte[] stdin, Map<String, String> env, Path dir) {
        ProcessBuilder pb = new ProcessBuilder(argv);
        pb.environment().putAll(env);
        if (dir != null) {
            pb.directory(dir.toFile());
        }
        try {
            Process p = pb.start();
            CompletableFuture<byte[]> out = CompletableFuture.supplyAsync(() -> readAll(p.getInputStream()));
            CompletableFuture<byte[]> err = CompletableFuture.supplyAsync(() -> readAll(p.getErrorStream()));
            try (OutputStream in = p.getOutputStream()) {
                if (stdin != null) {
                    in.write(stdin);
                }
            } catch (IOException ignoredBrokenPipe) {
                // the tool may exit before reading all input; its exit code tells the story
            }
            if (!p.waitFor(120, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError("command timed out: " + argv);
            }
            return new Result(p.exitValue(), out.join(), new String(err.join(), StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    public static Result run(List<String> argv, byte[] stdin) {
        return run(argv, stdin, Map.of(), null);
    }

    /**
     * Runs a command with a pseudo-terminal (util-linux {@code script}) so tools that read
     * passphrases from /dev/tty, like {@code age -p}, can be fed through stdin.
     */
    public static Result runWithTty(String shellCommand, String ttyInput) {
        return run(List.of("script", "-q", "-e", "-c", shellCommand, "/dev/null"),
            ttyInput.getBytes(StandardCharsets.UTF_8));
    }

    /** Single-quotes a path or word for the {@code script -c} shell line. */
    public static String quote(Object word) {
        return "'" + word.toString().replace("'", "'\\''") + "'";
    }

    private static byte[] readAll(InputStream in) {
        try (in) {
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
