package dev.driftless.reconciler.ssh;

import dev.driftless.reconciler.command.RemoteCommand;
import dev.driftless.reconciler.command.RemoteFiles;
import java.time.Duration;
import java.util.Base64;
import java.util.Optional;

/**
 * The narrow interface every stage uses to act on one host: run a command, write or read a file.
 * The real one runs over a pooled SSH connection ({@link SshHostPool}); engine tests use a
 * recording fake. File access is built on {@link #run(RemoteCommand, byte[], Duration)}, so a
 * decorator of {@code run} sees every command line that reaches the host.
 */
public interface HostSession {

    /** Timeout of a file write or read: a few round-trips, plus a second per MiB. */
    Duration FILE_TIMEOUT = Duration.ofSeconds(30);

    /** The host's inventory name. */
    String host();

    /**
     * Runs {@code command} and waits for it, at most {@code timeout} from when it was sent.
     *
     * @throws HostException when the host could not be reached or the command timed out; a
     *                       command that ran and failed is a result with its exit code
     */
    CommandResult run(RemoteCommand command, Duration timeout) throws HostException;

    /**
     * Runs {@code command} with {@code stdin} as its standard input (then end of input). Use it
     * for data that must not appear on a command line, e.g. {@code docker login --password-stdin}.
     */
    CommandResult run(RemoteCommand command, byte[] stdin, Duration timeout) throws HostException;

    /**
     * Runs {@code command} and hands every line it prints, stdout and stderr, to {@code lines} as
     * it comes (one call at a time), until the command exits; for commands that run until
     * stopped ({@code docker logs --follow}). Interrupting the calling thread stops the command
     * (SIGTERM, its channel closed) and throws {@link InterruptedException}. This default, for
     * sessions that cannot stream, runs it to its end and then hands over its lines.
     *
     * @return the command's exit code
     */
    default int follow(RemoteCommand command, java.util.function.Consumer<String> lines)
            throws HostException, InterruptedException {
        CommandResult r = run(command, Duration.ofMinutes(1));
        r.stdout().lines().forEach(lines);
        r.stderr().lines().forEach(lines);
        return r.exitCode();
    }

    /**
     * Drops this host's connection; the next call logs in anew (e.g. to pick up a changed group
     * membership of the SSH user). Never throws.
     */
    void disconnect();

    /**
     * Writes {@code content} to {@code path} atomically with permission bits {@code mode}. The
     * content travels over stdin, never on a command line; the file is created under umask 077 in
     * a directory made 0700, which must belong to the SSH user.
     *
     * @param path absolute, or relative to the SSH user's home directory; at least one directory
     * @throws HostException kind {@code REMOTE_COMMAND_FAILED} if the host could not write it
     */
    default void writeFile(String path, byte[] content, int mode) throws HostException {
        RemoteCommand write = RemoteFiles.atomicWrite(path, mode, RemoteFiles.randomSuffix());
        CommandResult r = run(write, content, FILE_TIMEOUT.plusSeconds(content.length >> 20));
        if (!r.succeeded()) {
            throw new HostException(host(), HostFailure.Kind.REMOTE_COMMAND_FAILED,
                "could not write " + path + " on host " + host() + " (exit " + r.exitCode() + "): "
                    + r.firstErrorLine());
        }
    }

    /** Reads a regular file; empty when there is no such file. */
    default Optional<byte[]> readFile(String path) throws HostException {
        CommandResult r = run(RemoteFiles.read(path), FILE_TIMEOUT);
        if (r.succeeded()) {
            try {
                return Optional.of(Base64.getMimeDecoder().decode(r.stdout().strip()));
            } catch (IllegalArgumentException e) {
                throw new HostException(host(), HostFailure.Kind.REMOTE_COMMAND_FAILED,
                    "reading " + path + " on host " + host() + " gave output that is not base64");
            }
        }
        if (r.exitCode() == 1 && r.stderr().isBlank()) {
            return Optional.empty();
        }
        throw new HostException(host(), HostFailure.Kind.REMOTE_COMMAND_FAILED,
            "could not read " + path + " on host " + host() + " (exit " + r.exitCode() + "): " + r.firstErrorLine());
    }
}
