package dev.driftless.reconciler.history;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Renders deployment history for {@code driftless history} (a table, with steps in verbose mode,
 * or JSON) and the deployment lines of {@code driftless status}. Pure: records in, text out.
 */
public final class HistoryFormatter {

    private static final int AUTHOR_WIDTH = 24;
    private static final int MESSAGE_WIDTH = 72;
    private static final String NONE = "-";
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private final DateTimeFormatter time;

    /** Times in the table are shown in {@code zone} (the CLI passes the system zone). */
    public HistoryFormatter(ZoneId zone) {
        this.time = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ssXXX").withZone(Objects.requireNonNull(zone));
    }

    /**
     * The {@code driftless history} table, newest first as given. Verbose adds, under each
     * record, its service results, its steps and its error.
     */
    public String table(List<ReconcileRecord> records, boolean verbose) {
        if (records.isEmpty()) {
            return "no deployments recorded\n";
        }
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"ID", "COMMIT", "STARTED", "DURATION", "TRIGGER", "RESULT", "RETURNS TO",
            "AUTHOR", "MESSAGE"});
        for (ReconcileRecord r : records) {
            rows.add(new String[] {
                Long.toString(r.id()),
                r.shortCommit(),
                time.format(r.startedAt()),
                r.duration().map(HistoryFormatter::duration).orElse(r.result().isFinal() ? NONE : "running"),
                r.trigger().name(),
                r.result().name(),
                r.returnsTo().map(ShortSha::of).orElse(NONE),
                clip(r.author(), AUTHOR_WIDTH),
                clip(r.message(), MESSAGE_WIDTH)});
        }
        int[] widths = widths(rows);
        StringBuilder out = new StringBuilder();
        appendRow(out, "", rows.getFirst(), widths);
        for (int i = 1; i < rows.size(); i++) {
            appendRow(out, "", rows.get(i), widths);
            if (verbose) {
                appendDetails(out, records.get(i - 1));
            }
        }
        return out.toString();
    }

    /**
     * What history says runs for a service on a host, one line per instance, then a blank line:
     * <pre>
     * api-1 on app-2: registry:5000/shop/api:1.1.0 since 2026-11-22 08:15:04Z (commit 3f9a2c1, reconcile 12)
     * </pre>
     */
    public String running(List<RunningInstance> running, String service, String host) {
        StringBuilder out = new StringBuilder();
        if (running.isEmpty()) {
            out.append("Nothing of ").append(service).append(" runs on ").append(host).append(" according to history.\n");
        }
        for (RunningInstance r : running) {
            out.append(r.instance()).append(" on ").append(r.host()).append(": ")
                .append(r.image().orElse(r.fingerprint())).append(" since ").append(time.format(r.since()))
                .append(" (commit ").append(ShortSha.of(r.commit())).append(", reconcile ").append(r.reconcileId())
                .append(")\n");
        }
        return out.append('\n').toString();
    }

    /** The records as a JSON array (ISO-8601 UTC times, full shas), for {@code --format json}. */
    public String json(List<ReconcileRecord> records) {
        return write(recordsJson(records));
    }

    /** The records as a JSON array node, for embedding in a larger document. */
    public ArrayNode recordsJson(List<ReconcileRecord> records) {
        ArrayNode array = NODES.arrayNode();
        for (ReconcileRecord r : records) {
            ObjectNode node = array.addObject();
            node.put("id", r.id());
            node.put("environment", r.environment());
            node.put("commit", r.commit());
            node.put("author", r.author());
            node.put("message", r.message());
            node.put("trigger", r.trigger().name());
            node.put("startedAt", r.startedAt().toString());
            putOptional(node, "endedAt", r.endedAt().map(Instant::toString));
            r.duration().ifPresentOrElse(d -> node.put("durationMs", d.toMillis()), () -> node.putNull("durationMs"));
            node.put("result", r.result().name());
            node.put("desiredDigest", r.desiredDigest());
            putOptional(node, "returnsTo", r.returnsTo());
            node.put("summary", r.summary());
            putOptional(node, "error", r.error());
            putOptional(node, "daemon", r.daemon());
            putOptional(node, "signedBy", r.signedBy());
            ArrayNode services = node.putArray("services");
            for (ServiceResult s : r.services()) {
                ObjectNode sn = services.addObject();
                sn.put("service", s.service());
                sn.put("result", s.result().name());
                sn.put("message", s.message());
                sn.put("recordedAt", s.recordedAt().toString());
            }
            ArrayNode steps = node.putArray("steps");
            for (StepRecord s : r.steps()) {
                ObjectNode sn = steps.addObject();
                sn.put("id", s.id());
                sn.put("service", s.service());
                sn.put("host", s.host());
                sn.put("instance", s.instance());
                sn.put("action", s.action().name());
                sn.put("reason", s.reason());
                putOptional(sn, "fromFingerprint", s.fromFingerprint());
                putOptional(sn, "toFingerprint", s.toFingerprint());
                putOptional(sn, "fromImage", s.fromImage());
                putOptional(sn, "toImage", s.toImage());
                sn.put("outcome", s.outcome().name());
                sn.put("startedAt", s.startedAt().toString());
                putOptional(sn, "endedAt", s.endedAt().map(Instant::toString));
                s.duration().ifPresentOrElse(d -> sn.put("durationMs", d.toMillis()), () -> sn.putNull("durationMs"));
                putOptional(sn, "message", s.message());
            }
        }
        return array;
    }

    /**
     * The deployment lines of {@code driftless status}: last applied and last attempted commit
     * (kept apart) and every service's failed commit.
     */
    public String deploymentStatus(Optional<EnvironmentCommit> applied, Optional<EnvironmentCommit> attempted,
                                   List<FailedCommit> failed) {
        StringBuilder out = new StringBuilder();
        out.append("last applied:   ").append(applied.map(this::commitLine).orElse("none")).append('\n');
        out.append("last attempted: ").append(attempted.map(this::commitLine).orElse("none")).append('\n');
        if (failed.isEmpty()) {
            out.append("failed commits: none\n");
        } else {
            out.append("failed commits (not retried until a newer commit):\n");
            for (FailedCommit f : failed) {
                out.append("  ").append(f.service()).append(": ").append(f.shortCommit())
                    .append(" at ").append(time.format(f.failedAt()))
                    .append(" (reconcile ").append(f.reconcileId()).append(')');
                if (!f.message().isBlank()) {
                    out.append(": ").append(f.message());
                }
                out.append('\n');
            }
        }
        return out.toString();
    }

    /**
     * The active suspensions, one line each, under a heading; empty when nothing is suspended:
     * <pre>
     * suspended (nothing is applied there until driftless resume):
     *   environment prod: by alice@ops-1 since 2026-11-22 10:14:00 UTC: incident 42
     * </pre>
     */
    public String suspensions(List<Suspension> active, String environment) {
        StringBuilder out = new StringBuilder();
        List<Suspension> operators = active.stream().filter(s -> !s.isScheduled()).toList();
        if (!operators.isEmpty()) {
            out.append("suspended (nothing is applied there until driftless resume):\n");
        }
        for (Suspension s : operators) {
            out.append("  ").append(s.scope(environment)).append(": by ").append(s.by()).append(" since ")
                .append(time.format(s.since()));
            if (!s.reason().isBlank()) {
                out.append(": ").append(s.reason());
            }
            out.append('\n');
        }
        List<Suspension> windows = active.stream().filter(Suspension::isScheduled).toList();
        if (!windows.isEmpty()) {
            out.append("held by deploy windows (nothing is applied there until they allow it):\n");
        }
        for (Suspension s : windows) {
            out.append("  ").append(s.scope(environment)).append(": ").append(s.by()).append(" since ")
                .append(time.format(s.since())).append(": ").append(s.reason()).append('\n');
        }
        return out.toString();
    }

    /**
     * The pending restart requests, one line each, under a heading; empty when none is pending:
     * <pre>
     * restarts requested (the daemon restarts them at its next reconcile):
     *   #7 api on every host: by alice@ops-1 at 2026-11-22 10:14:00Z: new TLS certificate
     * </pre>
     */
    public String restartRequests(List<RestartRequest> pending) {
        StringBuilder out = new StringBuilder();
        if (!pending.isEmpty()) {
            out.append("restarts requested (the daemon restarts them at its next reconcile):\n");
        }
        for (RestartRequest r : pending) {
            out.append("  #").append(r.id()).append(' ').append(r.scope()).append(": by ").append(r.by())
                .append(" at ").append(time.format(r.requestedAt()));
            if (!r.reason().isBlank()) {
                out.append(": ").append(r.reason());
            }
            out.append('\n');
        }
        return out.toString();
    }

    /** Restart requests as a JSON array, for {@code --format json}. */
    public ArrayNode restartRequestsJson(List<RestartRequest> requests) {
        ArrayNode array = NODES.arrayNode();
        for (RestartRequest r : requests) {
            ObjectNode n = array.addObject().put("id", r.id()).put("service", r.service());
            ArrayNode hosts = n.putArray("hosts");
            r.hosts().forEach(hosts::add);
            n.put("by", r.by()).put("requestedAt", r.requestedAt().toString()).put("reason", r.reason());
            r.finished().ifPresent(f -> {
                n.put("outcome", f.outcome().name()).put("finishedAt", f.at().toString()).put("message", f.message());
                f.reconcileId().ifPresent(id -> n.put("reconcileId", id));
            });
        }
        return array;
    }

    /** Suspensions as a JSON array (resumed ones with who and when), for {@code --format json}. */
    public ArrayNode suspensionsJson(List<Suspension> suspensions) {
        ArrayNode array = NODES.arrayNode();
        for (Suspension s : suspensions) {
            ObjectNode n = array.addObject().put("scope", s.isEnvironmentWide() ? "environment" : "service");
            s.service().ifPresent(x -> n.put("service", x));
            n.put("by", s.by()).put("since", s.since().toString()).put("reason", s.reason());
            if (s.isScheduled()) {
                n.put("window", true);
            }
            s.resumedBy().ifPresent(x -> n.put("resumedBy", x));
            s.resumedAt().ifPresent(x -> n.put("resumedAt", x.toString()));
        }
        return array;
    }

    /** Every suspension as a table, newest first: {@code driftless history suspensions}. */
    public String suspensionTable(List<Suspension> suspensions, String environment) {
        if (suspensions.isEmpty()) {
            return "nothing was ever suspended in environment " + environment + "\n";
        }
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"SCOPE", "SUSPENDED", "BY", "RESUMED", "BY", "REASON"});
        for (Suspension s : suspensions) {
            rows.add(new String[] {
                s.scope(environment),
                time.format(s.since()),
                clip(s.by(), AUTHOR_WIDTH),
                s.resumedAt().map(time::format).orElse("still suspended"),
                s.resumedBy().map(b -> clip(b, AUTHOR_WIDTH)).orElse(NONE),
                s.reason().isBlank() ? NONE : clip(s.reason(), MESSAGE_WIDTH)});
        }
        int[] widths = widths(rows);
        StringBuilder out = new StringBuilder();
        rows.forEach(r -> appendRow(out, "", r, widths));
        return out.toString();
    }

    /** The same as {@link #deploymentStatus} as a JSON object, for {@code status --format json}. */
    public ObjectNode deploymentStatusJson(Optional<EnvironmentCommit> applied, Optional<EnvironmentCommit> attempted,
                                           List<FailedCommit> failed) {
        ObjectNode node = NODES.objectNode();
        putCommit(node, "lastApplied", applied);
        putCommit(node, "lastAttempted", attempted);
        ArrayNode array = node.putArray("failedCommits");
        for (FailedCommit f : failed) {
            ObjectNode fn = array.addObject();
            fn.put("service", f.service());
            fn.put("commit", f.commit());
            fn.put("failedAt", f.failedAt().toString());
            fn.put("reconcileId", f.reconcileId());
            fn.put("message", f.message());
        }
        return node;
    }

    /** Durations as ops read them: 850ms, 12.4s, 3m05s, 1h02m. */
    static String duration(Duration d) {
        long ms = Math.max(0, d.toMillis());
        if (ms < 1_000) {
            return ms + "ms";
        }
        if (ms < 60_000) {
            return String.format("%d.%ds", ms / 1000, (ms % 1000) / 100);
        }
        long seconds = ms / 1000;
        if (seconds < 3600) {
            return String.format("%dm%02ds", seconds / 60, seconds % 60);
        }
        return String.format("%dh%02dm", seconds / 3600, (seconds % 3600) / 60);
    }

    private String commitLine(EnvironmentCommit c) {
        return c.shortCommit() + " at " + time.format(c.at())
            + c.reconcileId().map(id -> " (reconcile " + id + ")").orElse(" (hosts already matched)");
    }

    private static void putCommit(ObjectNode parent, String field, Optional<EnvironmentCommit> commit) {
        if (commit.isEmpty()) {
            parent.putNull(field);
            return;
        }
        ObjectNode node = parent.putObject(field);
        node.put("commit", commit.get().commit());
        node.put("desiredDigest", commit.get().desiredDigest());
        node.put("at", commit.get().at().toString());
        commit.get().reconcileId().ifPresentOrElse(id -> node.put("reconcileId", id), () -> node.putNull("reconcileId"));
    }

    private void appendDetails(StringBuilder out, ReconcileRecord r) {
        String indent = "    ";
        if (!r.summary().isBlank()) {
            out.append(indent).append(r.summary()).append('\n');
        }
        r.signedBy().ifPresent(d -> out.append(indent).append("signed by: ").append(d).append('\n'));
        r.daemon().ifPresent(d -> out.append(indent).append("daemon: ").append(d).append('\n'));
        for (ServiceResult s : r.services()) {
            out.append(indent).append("service ").append(s.service()).append(": ").append(s.result().name());
            if (!s.message().isBlank()) {
                out.append(" - ").append(s.message());
            }
            out.append('\n');
        }
        if (!r.steps().isEmpty()) {
            List<String[]> rows = new ArrayList<>();
            for (StepRecord s : r.steps()) {
                rows.add(new String[] {
                    s.service(),
                    s.host(),
                    s.instance(),
                    s.action().name(),
                    s.outcome().name(),
                    s.duration().map(HistoryFormatter::duration).orElse(NONE),
                    s.reason() + s.message().map(m -> " (" + m + ")").orElse("")});
            }
            int[] widths = widths(rows);
            for (String[] row : rows) {
                appendRow(out, indent, row, widths);
            }
        }
        r.error().ifPresent(e -> out.append(indent).append("error: ").append(e).append('\n'));
    }

    private static int[] widths(List<String[]> rows) {
        int[] widths = new int[rows.getFirst().length];
        for (String[] row : rows) {
            for (int i = 0; i < row.length; i++) {
                widths[i] = Math.max(widths[i], row[i].codePointCount(0, row[i].length()));
            }
        }
        return widths;
    }

    private static void appendRow(StringBuilder out, String indent, String[] row, int[] widths) {
        StringBuilder line = new StringBuilder(indent);
        for (int i = 0; i < row.length; i++) {
            line.append(row[i]);
            if (i < row.length - 1) {
                line.append(" ".repeat(widths[i] - row[i].codePointCount(0, row[i].length()) + 2));
            }
        }
        out.append(line.toString().stripTrailing()).append('\n');
    }

    private static String clip(String text, int width) {
        if (text.codePointCount(0, text.length()) <= width) {
            return text;
        }
        return text.substring(0, text.offsetByCodePoints(0, width - 1)) + "…";
    }

    private static void putOptional(ObjectNode node, String field, Optional<String> value) {
        value.ifPresentOrElse(v -> node.put(field, v), () -> node.putNull(field));
    }

    private static String write(Object node) {
        try {
            return JSON.writeValueAsString(node) + "\n";
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("JSON rendering of history failed", e);
        }
    }
}
