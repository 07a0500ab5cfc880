package dev.driftless.reconciler.apply;

import dev.driftless.reconciler.command.RemoteCommand;
import dev.driftless.reconciler.ssh.CommandResult;
import dev.driftless.reconciler.ssh.RecordingHostSession;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;

/** Scripted answers of a fake host's Docker, beyond the fake's fixed replies: answers that change call by call. */
final class Replies {

    private Replies() {
    }

    static CommandResult ok(String stdout) {
        return new CommandResult(0, stdout, "", Duration.ofMillis(1));
    }

    static CommandResult failed(int exit, String stderr) {
        return new CommandResult(exit, "", stderr, Duration.ofMillis(1));
    }

    /** The gate's one-line view of a container: status, exit code, restarts, health, address. */
    static CommandResult state(String line) {
        return ok(line + "\n");
    }

    static Predicate<RemoteCommand> startsWith(String prefix) {
        return c -> c.render().startsWith(prefix);
    }

    /** The health gate's state query for {@code container}. */
    static Predicate<RemoteCommand> stateOf(String container) {
        return c -> c.render().startsWith("docker inspect --type container --format ")
            && c.render().endsWith(" " + container);
    }

    /**
     * Commands matching {@code matches} get {@code results} one after the other; the last one
     * repeats. Replaces earlier replies for those commands.
     */
    static void inOrder(RecordingHostSession session, Predicate<RemoteCommand> matches, CommandResult... results) {
        List<CommandResult> answers = List.of(results);
        AtomicInteger count = new AtomicInteger();
        AtomicInteger current = new AtomicInteger();
        session.reply(matches, answers.get(answers.size() - 1));
        for (int i = answers.size() - 2; i >= 0; i--) {
            int k = i;
            session.reply(c -> matches.test(c) && current.get() == k, answers.get(k));
        }
        // Checked first (latest rule wins): numbers the call, matches nothing itself.
        session.reply(c -> {
            if (matches.test(c)) {
                current.set(count.getAndIncrement());
            }
            return false;
        }, answers.get(0));
    }
}
