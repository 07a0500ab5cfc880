package dev.driftless.reconciler.e2e;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A running {@code driftless run} process. {@link #kill9()} is SIGKILL (no shutdown hook runs),
 * {@link #terminate()} is SIGTERM (the daemon's graceful stop); its output goes to a log file that
 * failing tests print.
 */
final class DaemonProcess {

    private final Process process;
    private final Path log;

    DaemonProcess(Process process, Path log) {
        this.process = process;
        this.log = log;
    }

    long pid() {
        return process.pid();
    }

    boolean isAlive() {
        return process.isAlive();
    }

    /** SIGKILL, and waits until the process is gone. */
    void kill9() {
        process.destroyForcibly(); // SIGKILL on Linux
        if (!awaitExit(Duration.ofSeconds(30))) {
            throw new IllegalStateException("daemon " + pid() + " survived SIGKILL for 30 s");
        }
    }

    /** SIGTERM; does not wait. */
    void terminate() {
        process.destroy(); // SIGTERM on Linux
    }

    /** SIGHUP: the daemon reads its configuration again; does not wait. */
    void hangUp() {
        try {
            Process kill = new ProcessBuilder("kill", "-HUP", Long.toString(pid())).redirectErrorStream(true).start();
            if (!kill.waitFor(10, TimeUnit.SECONDS) || kill.exitValue() != 0) {
                throw new IllegalStateException("kill -HUP " + pid() + " failed: "
                    + new String(kill.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8));
            }
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    boolean awaitExit(Duration timeout) {
        try {
            return process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    int exitCode() {
        return process.exitValue();
    }

    /** The last {@code lines} lines the daemon (all its runs) wrote. */
    static String tail(Path log, int lines) {
        try {
            if (!Files.exists(log)) {
                return "(no daemon log)";
            }
            List<String> all = Files.readAllLines(log);
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException e) {
            return "(daemon log unreadable: " + e.getMessage() + ")";
        }
    }

    Path log() {
        return log;
    }
}
