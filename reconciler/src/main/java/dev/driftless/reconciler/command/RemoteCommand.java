package dev.driftless.reconciler.command;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;

/**
 * A command to run on a host, as data: argv lists joined by shell operators and redirections.
 * {@link #render()} gives the exact string sent to the remote shell; every word in it passed
 * through {@link ShellQuote#quote}, so no value (from the repo or elsewhere) can change its shape.
 */
public sealed interface RemoteCommand permits RemoteCommand.Argv, RemoteCommand.Chain, RemoteCommand.Redirected {

    /** The exact command line sent to the remote shell. */
    String render();

    /** A simple command: a program and its arguments. */
    static Argv of(String program, String... args) {
        List<String> argv = new ArrayList<>(args.length + 1);
        argv.add(program);
        Collections.addAll(argv, args);
        return new Argv(argv);
    }

    /** A simple command from a complete argv list (program first). */
    static Argv of(List<String> argv) {
        return new Argv(argv);
    }

    /** Starts building an argv list for {@code program}. */
    static Argv.Builder builder(String program) {
        return new Argv.Builder(program);
    }

    /** {@code this && next}: runs {@code next} only if this succeeded. */
    default RemoteCommand and(RemoteCommand next) {
        return new Chain(this, Operator.AND, next);
    }

    /** {@code this || next}: runs {@code next} only if this failed. */
    default RemoteCommand or(RemoteCommand next) {
        return new Chain(this, Operator.OR, next);
    }

    /** {@code this | next}: this one's stdout is {@code next}'s stdin. */
    default RemoteCommand pipe(RemoteCommand next) {
        return new Chain(this, Operator.PIPE, next);
    }

    /** {@code this; next}: runs both, whatever this one's exit code. */
    default RemoteCommand then(RemoteCommand next) {
        return new Chain(this, Operator.SEQUENCE, next);
    }

    /** {@code this < path}: stdin read from a remote file. */
    default RemoteCommand stdinFrom(String path) {
        return Redirected.of(this, new Redirect(Redirect.Kind.STDIN_FROM, path));
    }

    /** {@code this > path}: stdout written to a remote file (truncated first). */
    default RemoteCommand stdoutTo(String path) {
        return Redirected.of(this, new Redirect(Redirect.Kind.STDOUT_TO, path));
    }

    /** {@code this 2> path}: stderr written to a remote file. */
    default RemoteCommand stderrTo(String path) {
        return Redirected.of(this, new Redirect(Redirect.Kind.STDERR_TO, path));
    }

    /** {@code this 2>&1}: stderr joins stdout. */
    default RemoteCommand stderrToStdout() {
        return Redirected.of(this, new Redirect(Redirect.Kind.STDERR_TO_STDOUT, ""));
    }

    /**
     * This command, for one that runs until stopped ({@code docker logs --follow}), stopped with
     * whatever it started once the SSH channel's stdin closes: when the client closes the channel
     * or its connection drops. A watcher reads a copy of stdin and, at its end, signals the
     * session's process group; when the command ends by itself the watcher goes and the exit
     * status is the command's. The caller must keep stdin open while it wants the output.
     */
    default RemoteCommand untilDisconnected() {
        return RemoteCommand.of("sh", "-c", UNTIL_DISCONNECTED, "driftless-follow", render());
    }

    /** The script of {@link #untilDisconnected}: {@code $1} is the rendered command. */
    String UNTIL_DISCONNECTED = String.join("\n",
        "exec 3<&0",
        "sh -c \"$1\" </dev/null & pid=$!",
        "( cat <&3 >/dev/null 2>&1; kill -TERM 0 ) & watcher=$!",
        "exec 3<&-",
        "wait \"$pid\"; status=$?",
        "kill \"$watcher\" 2>/dev/null",
        "exit \"$status\"");

    /** Shell operators that join two commands; a higher binding binds tighter, as in sh. */
    enum Operator {
        SEQUENCE(";", 1),
        AND("&&", 2),
        OR("||", 2),
        PIPE("|", 3);

        private final String token;
        private final int binding;

        Operator(String token, int binding) {
            this.token = token;
            this.binding = binding;
        }

        public String token() {
            return token;
        }

        int binding() {
            return binding;
        }
    }

    /** A program and its arguments; rendered as quoted words separated by single spaces. */
    record Argv(List<String> words) implements RemoteCommand {

        public Argv {
            words = List.copyOf(Objects.requireNonNull(words, "words"));
            if (words.isEmpty()) {
                throw new IllegalArgumentException("a command needs at least a program name");
            }
            words.forEach(ShellQuote::quote); // fails now, not at render time, on unrepresentable words
        }

        /** This command with more arguments appended. */
        public Argv with(String... more) {
            List<String> all = new ArrayList<>(words);
            Collections.addAll(all, more);
            return new Argv(all);
        }

        /** This command with more arguments appended. */
        public Argv withAll(List<String> more) {
            List<String> all = new ArrayList<>(words);
            all.addAll(more);
            return new Argv(all);
        }

        @Override
        public String render() {
            StringBuilder sb = new StringBuilder(ShellQuote.quoteCommandName(words.get(0)));
            for (int i = 1; i < words.size(); i++) {
                sb.append(' ').append(ShellQuote.quote(words.get(i)));
            }
            return sb.toString();
        }

        @Override
        public String toString() {
            return render();
        }

        /** Collects the words of one argv list; used by the command builders. */
        public static final class Builder {
            private final List<String> words = new ArrayList<>();

            Builder(String program) {
                words.add(program);
            }

            /** Appends words as they are. */
            public Builder add(String... more) {
                Collections.addAll(words, more);
                return this;
            }

            /** Appends words as they are. */
            public Builder addAll(List<String> more) {
                words.addAll(more);
                return this;
            }

            /** Appends {@code option value} when {@code condition} holds. */
            public Builder addIf(boolean condition, String... more) {
                if (condition) {
                    Collections.addAll(words, more);
                }
                return this;
            }

            public Argv build() {
                return new Argv(words);
            }
        }
    }

    /** Two commands joined by an operator. */
    record Chain(RemoteCommand left, Operator operator, RemoteCommand right) implements RemoteCommand {

        public Chain {
            Objects.requireNonNull(left, "left");
            Objects.requireNonNull(operator, "operator");
            Objects.requireNonNull(right, "right");
        }

        @Override
        public String render() {
            // sh groups a && b || c as (a && b) || c: the left side never needs braces at equal
            // binding. The right side does, unless it repeats the same (associative) operator and
            // flattening it cannot pull an equal-binding chain leftwards: a || (b && c || d) must
            // not become a || b && c || d, which sh reads as ((a || b) && c) || d.
            String l = binding(left) < operator.binding() ? group(left) : left.render();
            boolean groupRight = binding(right) < operator.binding()
                || (binding(right) == operator.binding() && !flattens((Chain) right, operator));
            String r = groupRight ? group(right) : right.render();
            return operator == Operator.SEQUENCE ? l + "; " + r : l + " " + operator.token() + " " + r;
        }

        @Override
        public String toString() {
            return render();
        }
    }

    /** A command with its standard streams redirected; a compound command is grouped first. */
    record Redirected(RemoteCommand command, List<Redirect> redirects) implements RemoteCommand {

        public Redirected {
            Objects.requireNonNull(command, "command");
            redirects = List.copyOf(redirects);
            if (command instanceof Redirected) {
                throw new IllegalArgumentException("use Redirected.of to add redirections to a redirected command");
            }
        }

        static Redirected of(RemoteCommand command, Redirect redirect) {
            if (command instanceof Redirected r) {
                List<Redirect> all = new ArrayList<>(r.redirects);
                all.add(redirect);
                return new Redirected(r.command, all);
            }
            return new Redirected(command, List.of(redirect));
        }

        @Override
        public String render() {
            StringBuilder sb = new StringBuilder(command instanceof Argv ? command.render() : group(command));
            for (Redirect r : redirects) {
                sb.append(' ').append(r.render());
            }
            return sb.toString();
        }

        @Override
        public String toString() {
            return render();
        }
    }

    /** One redirection of a standard stream to or from a remote path. */
    record Redirect(Kind kind, String target) {

        /** The redirections driftless uses. */
        public enum Kind {
            STDIN_FROM("<"),
            STDOUT_TO(">"),
            STDERR_TO("2>"),
            STDERR_TO_STDOUT("2>&1");

            private final String token;

            Kind(String token) {
                this.token = token;
            }
        }

        public Redirect {
            Objects.requireNonNull(kind, "kind");
            Objects.requireNonNull(target, "target");
            if (kind == Kind.STDERR_TO_STDOUT != target.isEmpty()) {
                throw new IllegalArgumentException(kind + " needs " + (target.isEmpty() ? "a" : "no") + " target");
            }
            ShellQuote.quote(target);
        }

        String render() {
            return kind == Kind.STDERR_TO_STDOUT ? kind.token : kind.token + " " + ShellQuote.quote(target);
        }
    }

    /**
     * Whether {@code chain}, written without braces right of {@code op}, still means itself: it
     * must use {@code op} too, and so must every equal-binding chain down its left edge.
     */
    private static boolean flattens(Chain chain, Operator op) {
        if (chain.operator() != op) {
            return false;
        }
        RemoteCommand leftmost = chain.left();
        return binding(leftmost) != op.binding() || flattens((Chain) leftmost, op);
    }

    private static int binding(RemoteCommand command) {
        return command instanceof Chain c ? c.operator().binding() : Integer.MAX_VALUE;
    }

    private static String group(RemoteCommand command) {
        return "{ " + command.render() + "; }";
    }
}
