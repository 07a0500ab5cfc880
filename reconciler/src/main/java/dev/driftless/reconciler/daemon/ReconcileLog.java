package dev.driftless.reconciler.daemon;

import dev.driftless.reconciler.history.StepOutcome;
import dev.driftless.reconciler.history.StepStart;
import java.time.Duration;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.event.Level;

/**
 * The reconcile log ops read: one line per step with short sha, service, host, instance, action,
 * outcome and duration (and the same as key-value pairs, which {@code --log-format json} writes
 * as fields). Messages are display-safe by construction: reasons and outcomes, never values.
 */
final class ReconcileLog {

    private static final Logger LOG = LoggerFactory.getLogger("driftless.reconcile");

    private ReconcileLog() {
    }

    static void step(String commit, StepStart step, StepOutcome outcome, String message, Duration took) {
        Level level = outcome == StepOutcome.FAILED ? Level.WARN : Level.INFO;
        String sha = shortSha(commit);
        String action = step.action().name().toLowerCase(Locale.ROOT);
        String result = outcome.name().toLowerCase(Locale.ROOT);
        LOG.atLevel(level)
            .addKeyValue("commit", sha).addKeyValue("service", step.service()).addKeyValue("host", step.host())
            .addKeyValue("instance", step.instance()).addKeyValue("action", action)
            .addKeyValue("outcome", result).addKeyValue("duration_ms", took.toMillis())
            .log("{} {} {} {} {} {} {} {}{}", sha, step.service(), step.host(), step.instance(), action, result,
                seconds(took), step.reason(), message.isBlank() ? "" : " — " + message);
    }

    static void debug(String commit, String message) {
        LOG.atDebug().addKeyValue("commit", shortSha(commit)).log("{} {}", shortSha(commit), message);
    }

    static void info(String commit, String message) {
        LOG.atInfo().addKeyValue("commit", shortSha(commit)).log("{} {}", shortSha(commit), message);
    }

    static void warn(String commit, String message) {
        LOG.atWarn().addKeyValue("commit", shortSha(commit)).log("{} {}", shortSha(commit), message);
    }

    static String shortSha(String commit) {
        return commit.length() > 7 ? commit.substring(0, 7) : commit;
    }

    private static String seconds(Duration d) {
        return String.format(Locale.ROOT, "%.1fs", d.toMillis() / 1000.0);
    }
}
