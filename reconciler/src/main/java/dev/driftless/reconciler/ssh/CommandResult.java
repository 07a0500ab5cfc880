package dev.driftless.reconciler.ssh;

import java.time.Duration;
import java.util.Objects;

/**
 * What a remote command returned. A command that ran and failed is a result with a non-zero exit
 * code, not an exception: only transport failures throw.
 *
 * @param exitCode the exit status; 128 + n when the command was killed by signal n
 * @param stdout   standard output, decoded as UTF-8
 * @param stderr   standard error, decoded as UTF-8
 * @param duration from sending the command to its exit status
 */
public record CommandResult(int exitCode, String stdout, String stderr, Duration duration) {

    public CommandResult {
        Objects.requireNonNull(stdout, "stdout");
        Objects.requireNonNull(stderr, "stderr");
        Objects.requireNonNull(duration, "duration");
    }

    /** A zero exit code. */
    public boolean succeeded() {
        return exitCode == 0;
    }

    /** The first line of stderr (or of stdout when stderr is empty), trimmed: for short messages. */
    public String firstErrorLine() {
        String text = stderr.isBlank() ? stdout : stderr;
        return text.strip().lines().findFirst().orElse("").strip();
    }
}
