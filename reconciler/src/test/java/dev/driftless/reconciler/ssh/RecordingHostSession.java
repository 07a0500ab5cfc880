package dev.driftless.reconciler.ssh;

import dev.driftless.reconciler.command.RemoteCommand;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;

/**
 * A {@link HostSession} that records every call, for engine tests. Either a fake ({@link #fake}):
 * commands get scripted replies (exit 0 and no output unless told otherwise) and files live in
 * memory; or a decorator ({@link #recording}) that passes every call on to a real session, so an
 * integration test can assert on exactly what was sent (e.g. that no command line holds a secret).
 */
public final class RecordingHostSession implements HostSession {

    /** One call on the session, in order. */
    public sealed interface Call permits Ran, Wrote, Read, Disconnected {
    }

    /**
     * A command was run.
     *
     * @param stdinBytes how many bytes went to its stdin
     */
    public record Ran(RemoteCommand command, String rendered, Duration timeout, int stdinBytes, byte[] stdin)
            implements Call {

        public Ran(RemoteCommand command, String rendered, Duration timeout, int stdinBytes) {
            this(command, rendered, timeout, stdinBytes, new byte[0]);
        }

        /** What went to stdin, kept for assertions (a password, say) but never printed. */
        @Override
        public String toString() {
            return "Ran[" + rendered + ", " + stdinBytes + " bytes on stdin]";
        }
    }

    /** A file was written; its content is kept for assertions but never printed. */
    public record Wrote(String path, byte[] content, int mode) implements Call {
        @Override
        public String toString() {
            return "Wrote[path=" + path + ", mode=" + Integer.toOctalString(mode) + ", " + content.length + " bytes]";
        }
    }

    /** A file was read. */
    public record Read(String path) implements Call {
    }

    /** The connection was dropped. */
    public record Disconnected() implements Call {
    }

    private record Rule(Predicate<RemoteCommand> matches, CommandResult result, HostFailure failure) {
    }

    private final String host;
    private final Optional<HostSession> delegate;
    private final List<Call> calls = Collections.synchronizedList(new ArrayList<>());
    private final List<Rule> rules = Collections.synchronizedList(new ArrayList<>());
    private final Map<String, byte[]> files = new ConcurrentHashMap<>();

    private RecordingHostSession(String host, Optional<HostSession> delegate) {
        this.host = host;
        this.delegate = delegate;
    }

    /** A fake host: every command succeeds with no output until {@link #reply} says otherwise. */
    public static RecordingHostSession fake(String host) {
        return new RecordingHostSession(host, Optional.empty());
    }

    /** Records the calls and passes them on to {@code real}. */
    public static RecordingHostSession recording(HostSession real) {
        return new RecordingHostSession(real.host(), Optional.of(real));
    }

    /** Commands matching {@code matches} get {@code result} (latest rule wins). */
    public RecordingHostSession reply(Predicate<RemoteCommand> matches, CommandResult result) {
        rules.add(0, new Rule(matches, result, null));
        return this;
    }

    /** Commands whose rendering starts with {@code prefix} get {@code result}. */
    public RecordingHostSession reply(String prefix, int exitCode, String stdout, String stderr) {
        return reply(c -> c.render().startsWith(prefix), new CommandResult(exitCode, stdout, stderr, Duration.ofMillis(1)));
    }

    /** Commands matching {@code matches} throw {@code failure}. */
    public RecordingHostSession fail(Predicate<RemoteCommand> matches, HostFailure.Kind kind, String message) {
        rules.add(0, new Rule(matches, null, new HostFailure(host, kind, message)));
        return this;
    }

    /** Drops every failure rule: the host answers again (with its replies). */
    public RecordingHostSession answersAgain() {
        rules.removeIf(r -> r.failure() != null);
        return this;
    }

    /** Every call throws: the host is unreachable, say. */
    public RecordingHostSession failEverything(HostFailure.Kind kind, String message) {
        return fail(c -> true, kind, message);
    }

    @Override
    public String host() {
        return host;
    }

    @Override
    public CommandResult run(RemoteCommand command, Duration timeout) throws HostException {
        calls.add(new Ran(command, command.render(), timeout, 0));
        if (delegate.isPresent()) {
            return delegate.get().run(command, timeout);
        }
        return scripted(command);
    }

    @Override
    public CommandResult run(RemoteCommand command, byte[] stdin, Duration timeout) throws HostException {
        calls.add(new Ran(command, command.render(), timeout, stdin.length, stdin.clone()));
        if (delegate.isPresent()) {
            return delegate.get().run(command, stdin, timeout);
        }
        return scripted(command);
    }

    @Override
    public void writeFile(String path, byte[] content, int mode) throws HostException {
        calls.add(new Wrote(path, content.clone(), mode));
        if (delegate.isPresent()) {
            // The interface's own implementation, through this.run: the write command is recorded too.
            HostSession.super.writeFile(path, content, mode);
            return;
        }
        failIfScripted(RemoteCommand.of("writeFile", path));
        files.put(path, content.clone());
    }

    @Override
    public Optional<byte[]> readFile(String path) throws HostException {
        calls.add(new Read(path));
        if (delegate.isPresent()) {
            return HostSession.super.readFile(path);
        }
        failIfScripted(RemoteCommand.of("readFile", path));
        return Optional.ofNullable(files.get(path)).map(byte[]::clone);
    }

    @Override
    public void disconnect() {
        calls.add(new Disconnected());
        delegate.ifPresent(HostSession::disconnect);
    }

    /** Every call so far, in order. */
    public List<Call> calls() {
        synchronized (calls) {
            return List.copyOf(calls);
        }
    }

    /** The exact strings sent to the remote shell, in order, including those of file writes. */
    public List<String> renderedCommands() {
        return calls().stream().filter(Ran.class::isInstance).map(c -> ((Ran) c).rendered()).toList();
    }

    /** Files written, in order. */
    public List<Wrote> writes() {
        return calls().stream().filter(Wrote.class::isInstance).map(Wrote.class::cast).toList();
    }

    /** The fake's files (path → content). */
    public Map<String, byte[]> files() {
        return Map.copyOf(files);
    }

    private CommandResult scripted(RemoteCommand command) throws HostException {
        synchronized (rules) {
            for (Rule r : rules) {
                if (r.matches.test(command)) {
                    if (r.failure != null) {
                        throw new HostException(r.failure);
                    }
                    return r.result;
                }
            }
        }
        return new CommandResult(0, "", "", Duration.ofMillis(1));
    }

    private void failIfScripted(RemoteCommand pseudo) throws HostException {
        synchronized (rules) {
            for (Rule r : rules) {
                if (r.failure != null && r.matches.test(pseudo)) {
                    throw new HostException(r.failure);
                }
            }
        }
    }

    /** Several recording sessions by host name: fakes created on first use, or decorators of a real pool. */
    public static final class Fleet implements HostSessions {
        private final Map<String, RecordingHostSession> sessions = new LinkedHashMap<>();
        private final Optional<HostSessions> real;

        private Fleet(Optional<HostSessions> real) {
            this.real = real;
        }

        /** Fakes, one per host name. */
        public static Fleet fakes() {
            return new Fleet(Optional.empty());
        }

        /** Decorators around a real pool's sessions. */
        public static Fleet recording(HostSessions real) {
            return new Fleet(Optional.of(real));
        }

        @Override
        public synchronized RecordingHostSession session(HostTarget target) {
            return sessions.computeIfAbsent(target.name(), n -> real
                .map(r -> RecordingHostSession.recording(r.session(target)))
                .orElseGet(() -> RecordingHostSession.fake(n)));
        }

        /** The session of a host (a fake is created if the host was not used yet). */
        public synchronized RecordingHostSession host(String name) {
            return sessions.computeIfAbsent(name, RecordingHostSession::fake);
        }

        public synchronized Map<String, RecordingHostSession> all() {
            return new HashMap<>(sessions);
        }
    }
}
