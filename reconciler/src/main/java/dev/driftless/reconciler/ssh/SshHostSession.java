package dev.driftless.reconciler.ssh;

import dev.driftless.reconciler.command.RemoteCommand;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeoutException;
import net.schmizz.sshj.SSHClient;
import net.schmizz.sshj.connection.channel.OpenFailException;
import net.schmizz.sshj.connection.channel.direct.Session;
import net.schmizz.sshj.connection.channel.direct.Signal;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link HostSession} over the pool's persistent connection to one host. Each command gets its
 * own channel on that connection; stdout and stderr are read concurrently so neither can stall
 * the other.
 */
final class SshHostSession implements HostSession {

    private static final Logger LOG = LoggerFactory.getLogger(SshHostSession.class);

    /** More output than this from one command is an error rather than a memory problem. */
    static final int MAX_OUTPUT_BYTES = 64 * 1024 * 1024;
    private static final int MAX_COMMAND_IN_MESSAGE = 200;

    private final HostTarget target;
    private final SshConnection connection;
    private final Semaphore permits;
    private final ExecutorService io;
    private final Duration connectTimeout;
    private final Runnable checkOpen;

    SshHostSession(HostTarget target, SshConnection connection, Semaphore permits, ExecutorService io,
                   Duration connectTimeout, Runnable checkOpen) {
        this.target = target;
        this.connection = connection;
        this.permits = permits;
        this.io = io;
        this.connectTimeout = connectTimeout;
        this.checkOpen = checkOpen;
    }

    @Override
    public String host() {
        return target.name();
    }

    @Override
    public CommandResult run(RemoteCommand command, Duration timeout) throws HostException {
        return execute(command.render(), null, timeout);
    }

    @Override
    public CommandResult run(RemoteCommand command, byte[] stdin, Duration timeout) throws HostException {
        return execute(command.render(), stdin.clone(), timeout);
    }

    @Override
    public void disconnect() {
        connection.disconnect();
    }

    private record Raw(int exitCode, byte[] stdout, byte[] stderr, Duration duration) {
    }

    private CommandResult execute(String rendered, byte[] stdin, Duration timeout) throws HostException {
        checkOpen.run();
        try {
            permits.acquire();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw interruptedWaiting();
        }
        try {
            connection.channels().acquire();
        } catch (InterruptedException e) {
            permits.release();
            Thread.currentThread().interrupt();
            throw interruptedWaiting();
        }
        connection.begin();
        try {
            Raw r = attempt(rendered, stdin, timeout, true);
            return new CommandResult(r.exitCode, new String(r.stdout, StandardCharsets.UTF_8),
                new String(r.stderr, StandardCharsets.UTF_8), r.duration);
        } finally {
            connection.end();
            connection.channels().release();
            permits.release();
        }
    }

    private HostException interruptedWaiting() {
        return new HostException(target.name(), HostFailure.Kind.CONNECTION_LOST,
            "interrupted while waiting to run a command on host " + target.name());
    }

    /** A command started on its own channel of {@code client}'s connection. */
    private record Started(Session.Command command, SSHClient client, long nanos) {
    }

    /**
     * Opens a channel and starts {@code rendered} on it. Opening is retried once on a new
     * connection when a pooled one had died, since nothing was sent yet; the command itself never.
     */
    private Started start(String rendered, boolean mayRetry) throws HostException {
        SshConnection.Lease lease = connection.lease();
        SSHClient client = lease.client();
        Session session;
        try {
            session = client.startSession();
        } catch (OpenFailException e) {
            // The connection is fine; the host just would not open one more channel on it.
            throw new HostException(new HostFailure(target.name(), HostFailure.Kind.REMOTE_COMMAND_FAILED,
                "host " + target.name() + " refused to open an SSH channel (" + describe(e)
                    + "); check MaxSessions in its sshd_config"), e);
        } catch (Exception e) {
            connection.discard(client);
            if (isTimeout(e)) {
                throw new HostException(new HostFailure(target.name(), HostFailure.Kind.UNREACHABLE,
                    "host " + target.name() + " (" + target.endpoint() + ") stopped answering: no reply within "
                        + SshConnector.seconds(connectTimeout)), e);
            }
            if (!lease.fresh() && mayRetry) {
                // Nothing was sent yet, so retrying on a new connection cannot run anything twice.
                LOG.info("connection to {} had died ({}); reconnecting", target.name(), describe(e));
                return start(rendered, false);
            }
            throw lost(e);
        }
        long started = System.nanoTime();
        try {
            return new Started(session.exec(rendered), client, started);
        } catch (Exception e) {
            // The request may have reached the host: never retried.
            connection.discard(client);
            throw isTimeout(e)
                ? new HostException(new HostFailure(target.name(), HostFailure.Kind.UNREACHABLE,
                    "host " + target.name() + " (" + target.endpoint() + ") stopped answering: no reply within "
                        + SshConnector.seconds(connectTimeout)), e)
                : lost(e);
        }
    }

    private Raw attempt(String rendered, byte[] stdin, Duration timeout, boolean mayRetry) throws HostException {
        Started begun = start(rendered, mayRetry);
        Session.Command command = begun.command();
        SSHClient client = begun.client();
        long started = begun.nanos();
        Future<Raw> outcome = io.submit(() -> collect(command, stdin, started));
        try {
            Raw r = outcome.get(timeout.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
            LOG.debug("{}: exit {} in {} ms: {}", target.name(), r.exitCode, r.duration.toMillis(), rendered);
            return r;
        } catch (TimeoutException e) {
            outcome.cancel(true);
            abandon(command, client);
            throw new HostException(target.name(), HostFailure.Kind.COMMAND_TIMEOUT,
                "command on host " + target.name() + " did not finish within " + SshConnector.seconds(timeout)
                    + ": " + abbreviate(rendered));
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof OutputTooLarge tooLarge) {
                abandon(command, client);
                throw new HostException(target.name(), HostFailure.Kind.REMOTE_COMMAND_FAILED,
                    "command on host " + target.name() + " printed more than " + (MAX_OUTPUT_BYTES >> 20) + " MiB on "
                        + tooLarge.stream + ": " + abbreviate(rendered));
            }
            connection.discard(client);
            throw lost(cause);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            abandon(command, client);
            throw new HostException(target.name(), HostFailure.Kind.CONNECTION_LOST,
                "interrupted while running a command on host " + target.name());
        }
    }

    @Override
    public int follow(RemoteCommand command, java.util.function.Consumer<String> lines)
            throws HostException, InterruptedException {
        checkOpen.run();
        String rendered = command.render();
        permits.acquire();
        try {
            connection.channels().acquire();
        } catch (InterruptedException e) {
            permits.release();
            throw e;
        }
        connection.begin();
        try {
            Started begun = start(rendered, true);
            Session.Command running = begun.command();
            // stdin stays open: a command made untilDisconnected() ends when it closes.
            Future<?> err = io.submit(() -> forward(running.getErrorStream(), lines));
            Future<?> out = io.submit(() -> forward(running.getInputStream(), lines));
            try {
                out.get();
                err.get();
                running.join();
            } catch (InterruptedException e) {
                abandon(running, begun.client());
                out.cancel(true);
                err.cancel(true);
                throw e;
            } catch (ExecutionException e) {
                abandon(running, begun.client());
                throw lost(e.getCause());
            }
            Integer status = running.getExitStatus();
            try {
                running.close();
            } catch (IOException ignored) {
                // already closed by the server after the exit status
            }
            return status != null ? status : running.getExitSignal() != null
                ? 128 + signalNumber(running.getExitSignal()) : -1;
        } catch (IOException e) {
            throw lost(e);
        } finally {
            connection.end();
            connection.channels().release();
            permits.release();
        }
    }

    /** Hands each line of {@code in} to {@code lines}, one call at a time across streams. */
    private static Void forward(InputStream in, java.util.function.Consumer<String> lines) throws IOException {
        try (java.io.BufferedReader reader = new java.io.BufferedReader(
                new java.io.InputStreamReader(in, StandardCharsets.UTF_8))) {
            String line;
            while ((line = reader.readLine()) != null) {
                synchronized (lines) {
                    lines.accept(line);
                }
            }
        }
        return null;
    }

    /** Runs on an I/O thread: feeds stdin, drains both streams, waits for the exit status. */
    private Raw collect(Session.Command command, byte[] stdin, long started) throws Exception {
        Future<?> feeder = io.submit(() -> {
            try (OutputStream in = command.getOutputStream()) {
                if (stdin != null) {
                    in.write(stdin);
                    in.flush();
                }
            }
            return null;
        });
        Future<byte[]> err = io.submit(() -> readAll(command.getErrorStream(), "stderr"));
        byte[] out = readAll(command.getInputStream(), "stdout");
        byte[] errBytes;
        try {
            errBytes = err.get();
        } catch (ExecutionException e) {
            throw e.getCause() instanceof Exception cause ? cause : e;
        }
        command.join();
        // A command may exit without reading all of its stdin; its exit status says whether that
        // mattered, so a write cut short by the closed channel is not an error of its own.
        feeder.cancel(true);
        Duration took = Duration.ofNanos(System.nanoTime() - started);
        Integer status = command.getExitStatus();
        int exit;
        if (status != null) {
            exit = status;
        } else if (command.getExitSignal() != null) {
            exit = 128 + signalNumber(command.getExitSignal());
        } else {
            throw new IOException("the channel closed without an exit status");
        }
        try {
            command.close();
        } catch (IOException ignored) {
            // already closed by the server after the exit status
        }
        return new Raw(exit, out, errBytes, took);
    }

    private static byte[] readAll(InputStream in, String stream) throws IOException {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        byte[] chunk = new byte[32 * 1024];
        int n;
        while ((n = in.read(chunk)) != -1) {
            if (buf.size() + n > MAX_OUTPUT_BYTES) {
                throw new OutputTooLarge(stream);
            }
            buf.write(chunk, 0, n);
        }
        return buf.toByteArray();
    }

    /**
     * Gives up on a command: asks the host to stop it (SIGTERM, best effort) and closes its
     * channel. If the host does not even confirm the close, the whole connection is dropped.
     */
    private void abandon(Session.Command command, SSHClient client) {
        Thread.startVirtualThread(() -> {
            try {
                command.signal(Signal.TERM);
            } catch (Exception ignored) {
                // older sshd ignore signals; closing the channel is what matters
            }
            try {
                command.close();
            } catch (Exception e) {
                LOG.info("host {} did not confirm closing a timed-out command ({}); dropping the connection",
                    target.name(), describe(e));
                connection.discard(client);
            }
        });
    }

    private HostException lost(Throwable e) {
        return new HostException(new HostFailure(target.name(), HostFailure.Kind.CONNECTION_LOST,
            "connection to host " + target.name() + " (" + target.endpoint() + ") broke: " + describe(e)), e);
    }

    private static boolean isTimeout(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof TimeoutException || t instanceof java.net.SocketTimeoutException) {
                return true;
            }
            if (t.getCause() == t) {
                break;
            }
        }
        return false;
    }

    private static String describe(Throwable e) {
        Throwable root = SshConnector.rootCause(e);
        return root.getMessage() == null ? root.getClass().getSimpleName() : root.getMessage();
    }

    private static String abbreviate(String rendered) {
        String oneLine = rendered.replace('\n', ' ');
        return oneLine.length() <= MAX_COMMAND_IN_MESSAGE ? oneLine : oneLine.substring(0, MAX_COMMAND_IN_MESSAGE) + "…";
    }

    private static int signalNumber(Signal s) {
        return switch (s) {
            case HUP -> 1;
            case INT -> 2;
            case QUIT -> 3;
            case ILL -> 4;
            case ABRT -> 6;
            case FPE -> 8;
            case KILL -> 9;
            case USR1 -> 10;
            case SEGV -> 11;
            case USR2 -> 12;
            case PIPE -> 13;
            case ALRM -> 14;
            case TERM -> 15;
            case UNKNOWN -> 0;
        };
    }

    private static final class OutputTooLarge extends IOException {
        private static final long serialVersionUID = 1L;
        final String stream;

        OutputTooLarge(String stream) {
            super("more than " + MAX_OUTPUT_BYTES + " bytes on " + stream);
            this.stream = stream;
        }
    }
}
