package dev.driftless.reconciler.history;

import com.zaxxer.hikari.HikariDataSource;
import dev.driftless.reconciler.lock.ProcessLock;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link HistoryStore} over JDBC (H2 or PostgreSQL through a HikariCP pool). Plain SQL that both
 * databases accept unchanged; every public write is one transaction.
 */
final class JdbcHistoryStore implements HistoryStore {

    private static final Logger log = LoggerFactory.getLogger(JdbcHistoryStore.class);

    // Column bounds from V1__deployment_history.sql.
    private static final int ENVIRONMENT_MAX = 200;
    private static final int SHA_MAX = 64;
    private static final int AUTHOR_MAX = 500;
    private static final int COMMIT_MESSAGE_MAX = 1000;
    private static final int DIGEST_MAX = 200;
    private static final int SUMMARY_MAX = 4000;
    private static final int ERROR_MAX = 8000;
    private static final int NAME_MAX = 200;
    private static final int HOST_MAX = 255;
    private static final int REASON_MAX = 1000;
    private static final int FINGERPRINT_MAX = 200;
    private static final int IMAGE_MAX = 500;
    private static final int MESSAGE_MAX = 4000;
    private static final int SIGNER_MAX = 500;
    private static final int BACKOFF_KEY_MAX = 2000;

    private static final String RECONCILE_COLUMNS = "r.id, r.environment, r.commit_sha, r.author,"
        + " r.message, r.trigger_kind, r.started_at, r.ended_at, r.result, r.desired_digest,"
        + " r.returns_to, r.summary, r.error, r.owner, r.signed_by";
    private static final String STEP_COLUMNS = "s.id, s.reconcile_id, s.service, s.host,"
        + " s.instance, s.action, s.reason, s.from_fingerprint, s.to_fingerprint, s.from_image,"
        + " s.to_image, s.outcome, s.started_at, s.ended_at, s.duration_ms, s.message";

    private final HikariDataSource dataSource;
    private final String environment;
    private final Clock clock;
    private final Duration abandonAfter;
    private final HistoryDatabase.Kind kind;
    /** Who writes the reconciles begun here: this process, as its database sessions are named. */
    private static final String OWNER = HistoryDatabase.applicationName();

    /** The embedded H2 database's file, whose lease is a file lock beside it; empty for others. */
    private final Optional<Path> h2File;

    private JdbcHistoryStore(HikariDataSource dataSource, String environment, Clock clock, HistoryDatabase.Kind kind,
                             Optional<Path> h2File, Duration abandonAfter) {
        this.h2File = h2File;
        this.abandonAfter = abandonAfter;
        this.dataSource = dataSource;
        this.environment = environment;
        this.clock = clock;
        this.kind = kind;
    }

    static JdbcHistoryStore open(HistorySettings settings, String environment, Clock clock) {
        Objects.requireNonNull(settings, "settings");
        Objects.requireNonNull(environment, "environment");
        Objects.requireNonNull(clock, "clock");
        if (environment.isBlank() || environment.length() > ENVIRONMENT_MAX) {
            throw new IllegalArgumentException(
                "environment name must be 1 to " + ENVIRONMENT_MAX + " characters");
        }
        String url = HistoryDatabase.url(settings);
        HistoryDatabase.Kind kind = HistoryDatabase.Kind.of(url);
        HikariDataSource dataSource = HistoryDatabase.connect(settings);
        try {
            HistoryDatabase.migrate(dataSource, kind, url);
        } catch (RuntimeException e) {
            dataSource.close();
            throw e;
        }
        log.debug("history open: {} database, environment {}", kind, environment);
        return new JdbcHistoryStore(dataSource, environment, clock, kind, HistoryDatabase.h2File(url),
            settings.abandonAfter());
    }

    @Override
    public String environment() {
        return environment;
    }

    @Override
    public Duration abandonAfter() {
        return abandonAfter;
    }

    // ------------------------------------------------------------------ writes

    @Override
    public ReconcileRecord begin(ReconcileStart start) {
        Objects.requireNonNull(start, "start");
        Instant now = now();
        long id = write("record the start of a reconcile", c -> {
            List<Long> orphans = interruptRunning(c, now);
            if (!orphans.isEmpty()) {
                log.info("history: reconcile(s) {} were still RUNNING from a stopped daemon; marked INTERRUPTED",
                    orphans);
            }
            Optional<String> returnsTo = returnsTo(c, start.commit(), start.desiredDigest());
            long newId;
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO reconcile (environment,"
                + " commit_sha, author, message, trigger_kind, started_at, result, desired_digest,"
                + " returns_to, summary, owner, heartbeat_at, signed_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                Statement.RETURN_GENERATED_KEYS)) {
                ps.setString(1, environment);
                ps.setString(2, BoundedText.fit(start.commit(), SHA_MAX));
                ps.setString(3, BoundedText.fit(start.author(), AUTHOR_MAX));
                ps.setString(4, BoundedText.fit(BoundedText.firstLine(start.message()), COMMIT_MESSAGE_MAX));
                ps.setString(5, start.trigger().name());
                setTime(ps, 6, now);
                ps.setString(7, ReconcileResult.RUNNING.name());
                ps.setString(8, BoundedText.fit(start.desiredDigest(), DIGEST_MAX));
                ps.setString(9, returnsTo.orElse(null));
                ps.setString(10, "");
                ps.setString(11, OWNER);
                setTime(ps, 12, now);
                ps.setString(13, start.signedBy().map(s -> BoundedText.fit(s, SIGNER_MAX)).orElse(null));
                ps.executeUpdate();
                newId = generatedId(ps);
            }
            saveEnvironmentCommit(c, "attempted", start.commit(), start.desiredDigest(), now, Optional.of(newId));
            return newId;
        });
        log.debug("history: reconcile {} RUNNING", id);
        return get(id).orElseThrow(() -> new HistoryException("reconcile " + id + " vanished after insert"));
    }

    @Override
    public long beginStep(long reconcileId, StepStart step) {
        return insertStep(reconcileId, step, StepOutcome.PENDING, Optional.empty());
    }

    @Override
    public long recordStep(long reconcileId, StepStart step, StepOutcome outcome, Optional<String> message) {
        Objects.requireNonNull(outcome, "outcome");
        if (outcome == StepOutcome.PENDING) {
            throw new IllegalArgumentException("recordStep records a decided step; use beginStep for PENDING");
        }
        return insertStep(reconcileId, step, outcome, message);
    }

    private long insertStep(long reconcileId, StepStart step, StepOutcome outcome, Optional<String> message) {
        Objects.requireNonNull(step, "step");
        Objects.requireNonNull(message, "message");
        Instant now = now();
        boolean decided = outcome != StepOutcome.PENDING;
        long id = write("record a step", c -> {
            requireRunning(c, reconcileId);
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO reconcile_step (reconcile_id,"
                + " service, host, instance, action, reason, from_fingerprint, to_fingerprint,"
                + " from_image, to_image, outcome, started_at, ended_at, duration_ms, message)"
                + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", Statement.RETURN_GENERATED_KEYS)) {
                ps.setLong(1, reconcileId);
                ps.setString(2, BoundedText.fit(step.service(), NAME_MAX));
                ps.setString(3, BoundedText.fit(step.host(), HOST_MAX));
                ps.setString(4, BoundedText.fit(step.instance(), HOST_MAX));
                ps.setString(5, step.action().name());
                ps.setString(6, BoundedText.fit(step.reason(), REASON_MAX));
                ps.setString(7, step.fromFingerprint().map(f -> BoundedText.fit(f, FINGERPRINT_MAX)).orElse(null));
                ps.setString(8, step.toFingerprint().map(f -> BoundedText.fit(f, FINGERPRINT_MAX)).orElse(null));
                ps.setString(9, step.fromImage().map(i -> BoundedText.fit(i, IMAGE_MAX)).orElse(null));
                ps.setString(10, step.toImage().map(i -> BoundedText.fit(i, IMAGE_MAX)).orElse(null));
                ps.setString(11, outcome.name());
                setTime(ps, 12, now);
                setTime(ps, 13, decided ? now : null);
                if (decided) {
                    ps.setLong(14, 0L);
                } else {
                    ps.setNull(14, Types.BIGINT);
                }
                ps.setString(15, message.map(m -> BoundedText.fit(m, MESSAGE_MAX)).orElse(null));
                ps.executeUpdate();
                return generatedId(ps);
            }
        });
        log.debug("history: reconcile {} step {} {}", reconcileId, id, outcome);
        return id;
    }

    @Override
    public void completeStep(long stepId, StepOutcome outcome, Optional<String> message) {
        Objects.requireNonNull(outcome, "outcome");
        Objects.requireNonNull(message, "message");
        if (outcome == StepOutcome.PENDING) {
            throw new IllegalArgumentException("a step is completed with its outcome, not PENDING");
        }
        Instant now = now();
        write("complete a step", c -> {
            Instant startedAt;
            try (PreparedStatement ps = c.prepareStatement("SELECT s.started_at, s.outcome FROM"
                + " reconcile_step s JOIN reconcile r ON r.id = s.reconcile_id"
                + " WHERE s.id = ? AND r.environment = ?")) {
                ps.setLong(1, stepId);
                ps.setString(2, environment);
                try (ResultSet rs = ps.executeQuery()) {
                    if (!rs.next()) {
                        throw new IllegalArgumentException("no step " + stepId + " in environment " + environment);
                    }
                    startedAt = time(rs, 1);
                    String current = rs.getString(2);
                    if (!StepOutcome.PENDING.name().equals(current)) {
                        throw new IllegalStateException("step " + stepId + " is already " + current);
                    }
                }
            }
            Instant endedAt = now.isBefore(startedAt) ? startedAt : now;
            try (PreparedStatement ps = c.prepareStatement("UPDATE reconcile_step SET outcome = ?,"
                + " ended_at = ?, duration_ms = ?, message = ? WHERE id = ? AND outcome = ?")) {
                ps.setString(1, outcome.name());
                setTime(ps, 2, endedAt);
                ps.setLong(3, Duration.between(startedAt, endedAt).toMillis());
                ps.setString(4, message.map(m -> BoundedText.fit(m, MESSAGE_MAX)).orElse(null));
                ps.setLong(5, stepId);
                ps.setString(6, StepOutcome.PENDING.name());
                if (ps.executeUpdate() != 1) {
                    throw new IllegalStateException("step " + stepId + " was completed concurrently");
                }
            }
            return null;
        });
        log.debug("history: step {} {}", stepId, outcome);
    }

    @Override
    public void recordServiceResult(long reconcileId, String service, ServiceOutcome result, String message) {
        Objects.requireNonNull(service, "service");
        Objects.requireNonNull(result, "result");
        Objects.requireNonNull(message, "message");
        Instant now = now();
        String name = BoundedText.fit(service, NAME_MAX);
        String text = BoundedText.fit(message, MESSAGE_MAX);
        write("record a service result", c -> {
            String commit = requireRunning(c, reconcileId);
            int updated;
            try (PreparedStatement ps = c.prepareStatement("UPDATE service_result SET result = ?,"
                + " message = ?, recorded_at = ? WHERE reconcile_id = ? AND service = ?")) {
                ps.setString(1, result.name());
                ps.setString(2, text);
                setTime(ps, 3, now);
                ps.setLong(4, reconcileId);
                ps.setString(5, name);
                updated = ps.executeUpdate();
            }
            if (updated == 0) {
                try (PreparedStatement ps = c.prepareStatement("INSERT INTO service_result"
                    + " (reconcile_id, service, result, message, recorded_at) VALUES (?, ?, ?, ?, ?)")) {
                    ps.setLong(1, reconcileId);
                    ps.setString(2, name);
                    ps.setString(3, result.name());
                    ps.setString(4, text);
                    setTime(ps, 5, now);
                    ps.executeUpdate();
                }
            }
            switch (result) {
                case SUCCEEDED -> saveServiceState(c, name,
                    "last_succeeded_commit = ?, last_succeeded_at = ?, last_succeeded_reconcile_id = ?,"
                        + " failed_commit = NULL, failed_at = NULL, failed_reconcile_id = NULL, failed_message = NULL",
                    List.of("last_succeeded_commit", "last_succeeded_at", "last_succeeded_reconcile_id"),
                    commit, now, reconcileId, Optional.empty());
                case FAILED, ROLLED_BACK -> saveServiceState(c, name,
                    "failed_commit = ?, failed_at = ?, failed_reconcile_id = ?, failed_message = ?",
                    List.of("failed_commit", "failed_at", "failed_reconcile_id", "failed_message"),
                    commit, now, reconcileId, Optional.of(text));
                case SKIPPED -> {
                }
            }
            return null;
        });
        log.debug("history: reconcile {} service result {}", reconcileId, result);
    }

    @Override
    public ReconcileRecord complete(long reconcileId, ReconcileResult result, String summary, Optional<String> error) {
        Objects.requireNonNull(result, "result");
        Objects.requireNonNull(summary, "summary");
        Objects.requireNonNull(error, "error");
        if (result == ReconcileResult.RUNNING) {
            throw new IllegalArgumentException("a reconcile is completed with its result, not RUNNING");
        }
        Instant now = now();
        write("complete a reconcile", c -> {
            String commit = requireRunning(c, reconcileId);
            String digest;
            try (PreparedStatement ps = c.prepareStatement("SELECT desired_digest FROM reconcile WHERE id = ?")) {
                ps.setLong(1, reconcileId);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    digest = rs.getString(1);
                }
            }
            try (PreparedStatement ps = c.prepareStatement("UPDATE reconcile SET result = ?, ended_at = ?,"
                + " summary = ?, error = ? WHERE id = ? AND result = ?")) {
                ps.setString(1, result.name());
                setTime(ps, 2, now);
                ps.setString(3, BoundedText.fit(summary, SUMMARY_MAX));
                ps.setString(4, error.map(e -> BoundedText.fit(e, ERROR_MAX)).orElse(null));
                ps.setLong(5, reconcileId);
                ps.setString(6, ReconcileResult.RUNNING.name());
                ps.executeUpdate();
            }
            // Nobody can complete a step of an ended reconcile: what it did is unknown until observed.
            interruptPendingSteps(c, reconcileId);
            if (result == ReconcileResult.SUCCEEDED) {
                saveEnvironmentCommit(c, "applied", commit, digest, now, Optional.of(reconcileId));
            }
            return null;
        });
        log.debug("history: reconcile {} {}", reconcileId, result);
        return get(reconcileId).orElseThrow(() -> new HistoryException("reconcile " + reconcileId + " vanished"));
    }

    @Override
    public void recordInSync(String commit, String desiredDigest) {
        Objects.requireNonNull(commit, "commit");
        Objects.requireNonNull(desiredDigest, "desiredDigest");
        Instant now = now();
        write("record an in-sync commit", c -> {
            saveEnvironmentCommit(c, "attempted", commit, desiredDigest, now, Optional.empty());
            saveEnvironmentCommit(c, "applied", commit, desiredDigest, now, Optional.empty());
            return null;
        });
    }

    @Override
    public Suspension suspend(Optional<String> service, String reason, String by) {
        Objects.requireNonNull(service, "service");
        Objects.requireNonNull(reason, "reason");
        Objects.requireNonNull(by, "by");
        Instant now = now();
        return write("suspend " + service.map(x -> "service " + x).orElse("the environment"), c -> {
            Optional<Suspension> active = activeSuspensions(c, service).stream().findFirst();
            if (active.isPresent()) {
                return active.get();
            }
            String fittedReason = BoundedText.fit(reason.strip(), REASON_MAX);
            String fittedBy = BoundedText.fit(by.strip(), AUTHOR_MAX);
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO suspension (environment, service, reason,"
                + " suspended_by, suspended_at) VALUES (?, ?, ?, ?, ?)", Statement.RETURN_GENERATED_KEYS)) {
                ps.setString(1, environment);
                ps.setString(2, service.map(x -> BoundedText.fit(x, NAME_MAX)).orElse(null));
                ps.setString(3, fittedReason);
                ps.setString(4, fittedBy);
                setTime(ps, 5, now);
                ps.executeUpdate();
                return new Suspension(generatedId(ps), service, fittedReason, fittedBy, now, Optional.empty(),
                    Optional.empty());
            }
        });
    }

    @Override
    public Optional<Suspension> resume(Optional<String> service, String by) {
        Objects.requireNonNull(service, "service");
        Objects.requireNonNull(by, "by");
        Instant now = now();
        String fittedBy = BoundedText.fit(by.strip(), AUTHOR_MAX);
        return write("resume " + service.map(x -> "service " + x).orElse("the environment"), c -> {
            List<Suspension> active = activeSuspensions(c, service);
            if (active.isEmpty()) {
                return Optional.<Suspension>empty();
            }
            try (PreparedStatement ps = c.prepareStatement("UPDATE suspension SET resumed_by = ?, resumed_at = ?"
                + " WHERE environment = ? AND resumed_at IS NULL AND "
                + (service.isPresent() ? "service = ?" : "service IS NULL"))) {
                ps.setString(1, fittedBy);
                setTime(ps, 2, now);
                ps.setString(3, environment);
                if (service.isPresent()) {
                    ps.setString(4, service.get());
                }
                ps.executeUpdate();
            }
            Suspension s = active.getFirst();
            return Optional.of(new Suspension(s.id(), s.service(), s.reason(), s.by(), s.since(),
                Optional.of(fittedBy), Optional.of(now)));
        });
    }

    @Override
    public List<Suspension> suspensions() {
        return read("read suspensions", c -> activeSuspensions(c, null));
    }

    @Override
    public List<Suspension> suspensionHistory(int limit) {
        if (limit < 1) {
            throw new IllegalArgumentException("limit must be at least 1, got " + limit);
        }
        return read("read the suspension history", c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT id, service, reason, suspended_by, suspended_at,"
                + " resumed_by, resumed_at FROM suspension WHERE environment = ? ORDER BY id DESC")) {
                ps.setString(1, environment);
                ps.setMaxRows(limit);
                List<Suspension> all = new ArrayList<>();
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        all.add(new Suspension(rs.getLong(1), Optional.ofNullable(rs.getString(2)), rs.getString(3),
                            rs.getString(4), time(rs, 5), Optional.ofNullable(rs.getString(6)),
                            Optional.ofNullable(time(rs, 7))));
                    }
                }
                return List.copyOf(all);
            }
        });
    }

    /** The active suspensions of one scope (the environment's: empty {@code service}), or of all (null). */
    private List<Suspension> activeSuspensions(Connection c, Optional<String> service) throws SQLException {
        String scope = service == null ? "" : service.isPresent() ? " AND service = ?" : " AND service IS NULL";
        try (PreparedStatement ps = c.prepareStatement("SELECT id, service, reason, suspended_by, suspended_at"
            + " FROM suspension WHERE environment = ? AND resumed_at IS NULL" + scope
            + " ORDER BY CASE WHEN service IS NULL THEN 0 ELSE 1 END, service, id")) {
            ps.setString(1, environment);
            if (service != null && service.isPresent()) {
                ps.setString(2, service.get());
            }
            List<Suspension> active = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    active.add(new Suspension(rs.getLong(1), Optional.ofNullable(rs.getString(2)), rs.getString(3),
                        rs.getString(4), time(rs, 5), Optional.empty(), Optional.empty()));
                }
            }
            return List.copyOf(active);
        }
    }

    /** The width of restart_request.hosts. */
    private static final int HOSTS_MAX = 4000;
    private static final String RESTART_COLUMNS = "id, service, hosts, reason, requested_by, requested_at, finished_at,"
        + " outcome, reconcile_id, message";

    @Override
    public RestartRequest requestRestart(String service, List<String> hosts, String reason, String by) {
        Objects.requireNonNull(service, "service");
        List<String> named = hosts.stream().distinct().sorted().toList();
        String joined = String.join(",", named);
        if (joined.length() > HOSTS_MAX) {
            throw new IllegalArgumentException("too many hosts named (" + named.size() + "): name fewer, or none for"
                + " every host that runs " + service);
        }
        String fittedReason = BoundedText.fit(reason.strip(), REASON_MAX);
        String fittedBy = BoundedText.fit(by.strip(), AUTHOR_MAX);
        Instant now = now();
        return write("request a restart of " + service, c -> {
            Optional<RestartRequest> same = restartRequests(c, " AND finished_at IS NULL AND service = ?", service)
                .stream().filter(r -> r.hosts().equals(named)).findFirst();
            if (same.isPresent()) {
                return same.get();
            }
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO restart_request (environment, service, hosts,"
                + " reason, requested_by, requested_at) VALUES (?, ?, ?, ?, ?, ?)", Statement.RETURN_GENERATED_KEYS)) {
                ps.setString(1, environment);
                ps.setString(2, BoundedText.fit(service, NAME_MAX));
                ps.setString(3, named.isEmpty() ? null : joined);
                ps.setString(4, fittedReason);
                ps.setString(5, fittedBy);
                setTime(ps, 6, now);
                ps.executeUpdate();
                return new RestartRequest(generatedId(ps), service, named, fittedReason, fittedBy, now,
                    Optional.empty());
            }
        });
    }

    @Override
    public boolean finishRestart(long id, RestartRequest.Outcome outcome, Optional<Long> reconcileId, String message) {
        Objects.requireNonNull(outcome, "outcome");
        Objects.requireNonNull(reconcileId, "reconcileId");
        Instant now = now();
        return write("finish restart request #" + id, c -> {
            try (PreparedStatement ps = c.prepareStatement("UPDATE restart_request SET finished_at = ?, outcome = ?,"
                + " reconcile_id = ?, message = ? WHERE id = ? AND environment = ? AND finished_at IS NULL")) {
                setTime(ps, 1, now);
                ps.setString(2, outcome.name());
                if (reconcileId.isPresent()) {
                    ps.setLong(3, reconcileId.get());
                } else {
                    ps.setNull(3, java.sql.Types.BIGINT);
                }
                ps.setString(4, BoundedText.fit(message, MESSAGE_MAX));
                ps.setLong(5, id);
                ps.setString(6, environment);
                return ps.executeUpdate() == 1;
            }
        });
    }

    @Override
    public List<RestartRequest> cancelRestarts(String service, String by) {
        Objects.requireNonNull(service, "service");
        String note = "cancelled by " + BoundedText.fit(by.strip(), AUTHOR_MAX);
        Instant now = now();
        return write("cancel the restarts of " + service, c -> {
            List<RestartRequest> pending = restartRequests(c, " AND finished_at IS NULL AND service = ?", service);
            try (PreparedStatement ps = c.prepareStatement("UPDATE restart_request SET finished_at = ?, outcome = ?,"
                + " message = ? WHERE environment = ? AND finished_at IS NULL AND service = ?")) {
                setTime(ps, 1, now);
                ps.setString(2, RestartRequest.Outcome.CANCELLED.name());
                ps.setString(3, note);
                ps.setString(4, environment);
                ps.setString(5, service);
                ps.executeUpdate();
            }
            return pending.stream().map(r -> new RestartRequest(r.id(), r.service(), r.hosts(), r.reason(), r.by(),
                r.requestedAt(), Optional.of(new RestartRequest.Finished(now, RestartRequest.Outcome.CANCELLED,
                    Optional.empty(), note)))).toList();
        });
    }

    @Override
    public List<RestartRequest> pendingRestarts() {
        return read("read the pending restart requests", c -> restartRequests(c, " AND finished_at IS NULL"));
    }

    @Override
    public Optional<RestartRequest> restartRequest(long id) {
        return read("read restart request #" + id, c -> restartRequests(c, " AND id = ?", id).stream().findFirst());
    }

    /** The environment's restart requests that match {@code where} (with its parameters), oldest first. */
    private List<RestartRequest> restartRequests(Connection c, String where, Object... params) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT " + RESTART_COLUMNS + " FROM restart_request"
            + " WHERE environment = ?" + where + " ORDER BY id")) {
            ps.setString(1, environment);
            for (int i = 0; i < params.length; i++) {
                ps.setObject(i + 2, params[i]);
            }
            List<RestartRequest> found = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    String hosts = rs.getString(3);
                    Instant finishedAt = time(rs, 7);
                    long reconcileId = rs.getLong(9);
                    Optional<Long> reconcile = rs.wasNull() ? Optional.empty() : Optional.of(reconcileId);
                    Optional<RestartRequest.Finished> finished = finishedAt == null ? Optional.empty()
                        : Optional.of(new RestartRequest.Finished(finishedAt, RestartRequest.Outcome.valueOf(
                            rs.getString(8)), reconcile, Objects.requireNonNullElse(rs.getString(10), "")));
                    found.add(new RestartRequest(rs.getLong(1), rs.getString(2),
                        hosts == null ? List.of() : List.of(hosts.split(",")), rs.getString(4), rs.getString(5),
                        time(rs, 6), finished));
                }
            }
            return List.copyOf(found);
        }
    }

    @Override
    public void replaceBackoffs(String kind, Map<String, Backoff> backoffs) {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(backoffs, "backoffs");
        write("keep the " + kind + " backoffs", c -> {
            try (PreparedStatement ps = c.prepareStatement(
                "DELETE FROM repair_backoff WHERE environment = ? AND kind = ?")) {
                ps.setString(1, environment);
                ps.setString(2, kind);
                ps.executeUpdate();
            }
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO repair_backoff (environment, kind,"
                + " backoff_key, failures, not_before) VALUES (?, ?, ?, ?, ?)")) {
                for (Map.Entry<String, Backoff> e : new java.util.TreeMap<>(backoffs).entrySet()) {
                    if (e.getKey().length() > BACKOFF_KEY_MAX) {
                        continue;
                    }
                    ps.setString(1, environment);
                    ps.setString(2, kind);
                    ps.setString(3, e.getKey());
                    ps.setInt(4, e.getValue().failures());
                    setTime(ps, 5, e.getValue().notBefore());
                    ps.addBatch();
                }
                ps.executeBatch();
            }
            return null;
        });
    }

    @Override
    public Map<String, Backoff> backoffs(String kind) {
        Objects.requireNonNull(kind, "kind");
        return read("read the " + kind + " backoffs", c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT backoff_key, failures, not_before"
                + " FROM repair_backoff WHERE environment = ? AND kind = ?")) {
                ps.setString(1, environment);
                ps.setString(2, kind);
                Map<String, Backoff> out = new LinkedHashMap<>();
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        out.put(rs.getString(1), new Backoff(rs.getInt(2), time(rs, 3)));
                    }
                }
                return Collections.unmodifiableMap(out);
            }
        });
    }

    @Override
    public void replaceDepartedHosts(Map<String, DepartedHost> departed) {
        Objects.requireNonNull(departed, "departed");
        write("keep the departed hosts", c -> {
            try (PreparedStatement ps = c.prepareStatement("DELETE FROM departed_host WHERE environment = ?")) {
                ps.setString(1, environment);
                ps.executeUpdate();
            }
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO departed_host (environment, host,"
                + " inventory_commit, departed_at, last_error) VALUES (?, ?, ?, ?, ?)")) {
                for (Map.Entry<String, DepartedHost> e : new java.util.TreeMap<>(departed).entrySet()) {
                    ps.setString(1, environment);
                    ps.setString(2, BoundedText.fit(e.getKey(), HOST_MAX));
                    ps.setString(3, BoundedText.fit(e.getValue().inventoryCommit(), SHA_MAX));
                    setTime(ps, 4, e.getValue().since().truncatedTo(ChronoUnit.MICROS));
                    ps.setString(5, e.getValue().lastError().map(m -> BoundedText.fit(m, MESSAGE_MAX)).orElse(null));
                    ps.addBatch();
                }
                ps.executeBatch();
            }
            return null;
        });
    }

    @Override
    public void changeDepartedHosts(Map<String, DepartedHost> before, Map<String, DepartedHost> after) {
        Objects.requireNonNull(before, "before");
        Objects.requireNonNull(after, "after");
        write("keep the departed hosts", c -> {
            try (PreparedStatement insert = c.prepareStatement("INSERT INTO departed_host (inventory_commit,"
                     + " departed_at, last_error, environment, host) VALUES (?, ?, ?, ?, ?)");
                 PreparedStatement update = c.prepareStatement("UPDATE departed_host SET inventory_commit = ?,"
                     + " departed_at = ?, last_error = ? WHERE environment = ? AND host = ?");
                 PreparedStatement delete = c.prepareStatement("DELETE FROM departed_host WHERE environment = ?"
                     + " AND host = ?")) {
                for (Map.Entry<String, DepartedHost> e : new java.util.TreeMap<>(after).entrySet()) {
                    DepartedHost was = before.get(e.getKey());
                    if (was == null) {
                        // A host departed twice over (by another daemon meanwhile) keeps one row.
                        environmentAndHost(delete, 1, e.getKey()).executeUpdate();
                        environmentAndHost(insert, 4, e.getKey());
                        departedValues(insert, e.getValue()).executeUpdate();
                    } else if (!was.equals(e.getValue())) {
                        environmentAndHost(update, 4, e.getKey());
                        departedValues(update, e.getValue()).executeUpdate();
                    }
                }
                for (String host : new java.util.TreeSet<>(before.keySet())) {
                    if (!after.containsKey(host)) {
                        environmentAndHost(delete, 1, host).executeUpdate();
                    }
                }
            }
            return null;
        });
    }

    /** Sets environment and host at {@code at} and {@code at + 1}. */
    private PreparedStatement environmentAndHost(PreparedStatement ps, int at, String host) throws SQLException {
        ps.setString(at, environment);
        ps.setString(at + 1, BoundedText.fit(host, HOST_MAX));
        return ps;
    }

    /** Sets commit, time and error at 1–3. */
    private static PreparedStatement departedValues(PreparedStatement ps, DepartedHost d) throws SQLException {
        ps.setString(1, BoundedText.fit(d.inventoryCommit(), SHA_MAX));
        setTime(ps, 2, d.since().truncatedTo(ChronoUnit.MICROS));
        ps.setString(3, d.lastError().map(m -> BoundedText.fit(m, MESSAGE_MAX)).orElse(null));
        return ps;
    }

    @Override
    public boolean forgetDepartedHost(String host) {
        Objects.requireNonNull(host, "host");
        return write("forget a departed host", c -> {
            try (PreparedStatement ps = c.prepareStatement("DELETE FROM departed_host WHERE environment = ?"
                + " AND host = ?")) {
                return environmentAndHost(ps, 1, host).executeUpdate() > 0;
            }
        });
    }

    @Override
    public Map<String, DepartedHost> departedHosts() {
        return read("read the departed hosts", c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT host, inventory_commit, departed_at, last_error"
                + " FROM departed_host WHERE environment = ? ORDER BY host")) {
                ps.setString(1, environment);
                Map<String, DepartedHost> out = new LinkedHashMap<>();
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        out.put(rs.getString(1), new DepartedHost(rs.getString(2), time(rs, 3),
                            Optional.ofNullable(rs.getString(4))));
                    }
                }
                return Collections.unmodifiableMap(out);
            }
        });
    }

    @Override
    public void replaceSilentHosts(Map<String, Instant> silent) {
        Objects.requireNonNull(silent, "silent");
        write("keep the silent hosts", c -> {
            try (PreparedStatement ps = c.prepareStatement("DELETE FROM silent_host WHERE environment = ?")) {
                ps.setString(1, environment);
                ps.executeUpdate();
            }
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO silent_host (environment, host, since)"
                + " VALUES (?, ?, ?)")) {
                for (Map.Entry<String, Instant> e : new java.util.TreeMap<>(silent).entrySet()) {
                    environmentAndHost(ps, 1, e.getKey());
                    setTime(ps, 3, e.getValue().truncatedTo(ChronoUnit.MICROS));
                    ps.addBatch();
                }
                ps.executeBatch();
            }
            return null;
        });
    }

    @Override
    public Map<String, Instant> silentHosts() {
        return read("read the silent hosts", c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT host, since FROM silent_host WHERE environment = ?"
                + " ORDER BY host")) {
                ps.setString(1, environment);
                Map<String, Instant> out = new LinkedHashMap<>();
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        out.put(rs.getString(1), time(rs, 2));
                    }
                }
                return Collections.unmodifiableMap(out);
            }
        });
    }

    @Override
    public boolean markTold(String event, String subject) {
        Objects.requireNonNull(event, "event");
        Objects.requireNonNull(subject, "subject");
        if (subject.length() > 200 || event.length() > 40) {
            throw new IllegalArgumentException("a notice's event or subject is too long");
        }
        return write("remember that " + event + " was told", c -> {
            // Only the lease holder reconciles, so two daemons never race for the same notice.
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO told_notice (environment, event, subject,"
                + " told_at) SELECT ?, ?, ?, ? WHERE NOT EXISTS (SELECT 1 FROM told_notice WHERE environment = ?"
                + " AND event = ? AND subject = ?)")) {
                ps.setString(1, environment);
                ps.setString(2, event);
                ps.setString(3, subject);
                setTime(ps, 4, now());
                ps.setString(5, environment);
                ps.setString(6, event);
                ps.setString(7, subject);
                return ps.executeUpdate() == 1;
            }
        });
    }

    /** The first key of driftless's advisory locks ("drft"), so they never meet another application's. */
    static final int LEASE_NAMESPACE = 0x64726674;
    /** How long {@link ReconcileLease#held()} waits for the database to answer. */
    private static final int LEASE_CHECK_SECONDS = 5;

    @Override
    public Optional<ReconcileLease> tryLease() {
        if (kind != HistoryDatabase.Kind.POSTGRESQL) {
            return h2File.isEmpty() ? Optional.of(() -> { }) : fileLease(h2File.get());
        }
        Connection c;
        try {
            c = dataSource.getConnection();
        } catch (SQLException e) {
            throw failure("take the reconcile lease", e);
        }
        boolean held;
        try {
            held = advisory(c, "pg_try_advisory_lock");
        } catch (SQLException e) {
            dataSource.evictConnection(c);
            throw failure("take the reconcile lease", e);
        }
        if (!held) {
            closeQuietly(c);
            return Optional.empty();
        }
        return Optional.of(new AdvisoryLease(c));
    }

    /**
     * The reconcile lease of an embedded H2 database: an operating-system lock on a file beside
     * it, one per environment ({@code history.lease-<key>}), held by one process (and within it
     * one holder) at a time and let go when the process dies. So two daemons whose configurations
     * name one H2 file never reconcile an environment at once. (An in-memory or remote H2 database
     * has no file to lock: its lease is always granted.)
     */
    private Optional<ReconcileLease> fileLease(Path database) {
        Path file = leaseFile(database);
        Optional<ProcessLock> lock;
        try {
            lock = ProcessLock.tryAcquire(file, "reconcile of environment " + environment);
        } catch (java.io.IOException e) {
            throw new HistoryException("cannot take the reconcile lease " + file + ": " + e.getMessage(), e);
        }
        return lock.map(l -> l::close);
    }

    /** A session advisory lock held on its own connection until closed. */
    private final class AdvisoryLease implements ReconcileLease {
        private final Connection connection;
        private final java.util.concurrent.atomic.AtomicBoolean open = new java.util.concurrent.atomic.AtomicBoolean(true);

        AdvisoryLease(Connection connection) {
            this.connection = connection;
        }

        @Override
        public boolean held() {
            try {
                return open.get() && connection.isValid(LEASE_CHECK_SECONDS);
            } catch (SQLException e) {
                return false;
            }
        }

        @Override
        public void close() {
            if (!open.compareAndSet(true, false)) {
                return;
            }
            boolean released;
            try {
                released = advisory(connection, "pg_advisory_unlock");
            } catch (SQLException e) {
                released = false;
            }
            if (!released) {
                // Never hand a connection that may still hold the lock back to the pool: ending
                // its session is what frees the lock then.
                log.warn("history: the reconcile lease of environment {} was not released cleanly;"
                    + " closing its database session", environment);
                dataSource.evictConnection(connection);
            }
            closeQuietly(connection);
        }
    }

    /** Calls {@code function(namespace, environment key)}, one of PostgreSQL's advisory lock functions. */
    private boolean advisory(Connection c, String function) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT " + function + "(?, ?)")) {
            ps.setInt(1, LEASE_NAMESPACE);
            ps.setInt(2, leaseKey(environment));
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() && rs.getBoolean(1);
            }
        }
    }

    /** The environment's advisory lock key: the first four bytes of the SHA-256 of its name. */
    static int leaseKey(String environment) {
        try {
            byte[] digest = java.security.MessageDigest.getInstance("SHA-256")
                .digest(environment.getBytes(java.nio.charset.StandardCharsets.UTF_8));
            return java.nio.ByteBuffer.wrap(digest).getInt();
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JDK", e);
        }
    }

    private static void closeQuietly(Connection c) {
        try {
            c.close();
        } catch (SQLException e) {
            log.debug("history: closing a connection failed: {}", e.getMessage());
        }
    }

    @Override
    public List<ReconcileRecord> markInterrupted() {
        Instant now = now();
        List<Long> ids = write("mark interrupted reconciles", c -> interruptRunning(c, now));
        if (!ids.isEmpty()) {
            log.info("history: reconcile(s) {} were still RUNNING when the daemon stopped; marked INTERRUPTED", ids);
        }
        List<ReconcileRecord> records = new ArrayList<>();
        for (long id : ids) {
            get(id).ifPresent(records::add);
        }
        return List.copyOf(records);
    }

    @Override
    public int prune(Instant cutoff) {
        Objects.requireNonNull(cutoff, "cutoff");
        int deleted = write("prune old reconciles", c -> {
            try (PreparedStatement ps = c.prepareStatement("DELETE FROM reconcile WHERE environment = ?"
                + " AND result <> ? AND started_at < ?")) {
                ps.setString(1, environment);
                ps.setString(2, ReconcileResult.RUNNING.name());
                setTime(ps, 3, cutoff);
                int reconciles = ps.executeUpdate();
                try (PreparedStatement notices = c.prepareStatement("DELETE FROM told_notice WHERE"
                    + " environment = ? AND told_at < ?")) {
                    notices.setString(1, environment);
                    setTime(notices, 2, cutoff);
                    notices.executeUpdate();
                }
                // Ended restart requests go with the reconciles that did them.
                try (PreparedStatement requests = c.prepareStatement("DELETE FROM restart_request WHERE"
                    + " environment = ? AND finished_at IS NOT NULL AND finished_at < ?")) {
                    requests.setString(1, environment);
                    setTime(requests, 2, cutoff);
                    requests.executeUpdate();
                }
                return reconciles;
            }
        });
        log.debug("history: pruned {} reconcile(s)", deleted);
        return deleted;
    }

    // ------------------------------------------------------------------ reads

    @Override
    public List<ReconcileRecord> list(HistoryQuery query) {
        Objects.requireNonNull(query, "query");
        return read("list reconciles", c -> {
            StringBuilder sql = new StringBuilder("SELECT " + RECONCILE_COLUMNS
                + " FROM reconcile r WHERE r.environment = ?");
            List<String> parameters = new ArrayList<>(List.of(environment));
            if (query.service().isPresent() && query.host().isEmpty()) {
                sql.append(" AND (EXISTS (SELECT 1 FROM reconcile_step s WHERE s.reconcile_id = r.id"
                    + " AND s.service = ?) OR EXISTS (SELECT 1 FROM service_result sr"
                    + " WHERE sr.reconcile_id = r.id AND sr.service = ?))");
                parameters.add(query.service().get());
                parameters.add(query.service().get());
            } else if (query.host().isPresent()) {
                sql.append(" AND EXISTS (SELECT 1 FROM reconcile_step s WHERE s.reconcile_id = r.id AND s.host = ?");
                parameters.add(query.host().get());
                if (query.service().isPresent()) {
                    sql.append(" AND s.service = ?");
                    parameters.add(query.service().get());
                }
                sql.append(')');
            }
            sql.append(" ORDER BY r.id DESC FETCH FIRST ? ROWS ONLY");
            List<ReconcileRecord> records = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement(sql.toString())) {
                int i = 1;
                for (String parameter : parameters) {
                    ps.setString(i++, parameter);
                }
                ps.setInt(i, query.limit());
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        records.add(readReconcile(rs));
                    }
                }
            }
            return withDetails(c, records, query.service(), query.host());
        });
    }

    @Override
    public Optional<ReconcileRecord> get(long reconcileId) {
        return read("read a reconcile", c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT " + RECONCILE_COLUMNS
                + " FROM reconcile r WHERE r.id = ? AND r.environment = ?")) {
                ps.setLong(1, reconcileId);
                ps.setString(2, environment);
                try (ResultSet rs = ps.executeQuery()) {
                    if (!rs.next()) {
                        return Optional.<ReconcileRecord>empty();
                    }
                    ReconcileRecord bare = readReconcile(rs);
                    return Optional.of(withDetails(c, List.of(bare), Optional.empty(), Optional.empty()).getFirst());
                }
            }
        });
    }

    @Override
    public Optional<EnvironmentCommit> lastApplied() {
        return environmentCommit("applied");
    }

    @Override
    public Optional<EnvironmentCommit> lastAttempted() {
        return environmentCommit("attempted");
    }

    @Override
    public List<FailedCommit> failedCommits() {
        return read("read failed commits", c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT service, failed_commit, failed_at,"
                + " failed_reconcile_id, failed_message FROM service_state"
                + " WHERE environment = ? AND failed_commit IS NOT NULL ORDER BY service")) {
                ps.setString(1, environment);
                List<FailedCommit> failed = new ArrayList<>();
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        failed.add(new FailedCommit(rs.getString(1), rs.getString(2), time(rs, 3),
                            rs.getLong(4), Objects.requireNonNullElse(rs.getString(5), "")));
                    }
                }
                return List.copyOf(failed);
            }
        });
    }

    @Override
    public List<ClusterMember> clusterMembers() {
        if (kind != HistoryDatabase.Kind.POSTGRESQL) {
            return List.of();
        }
        return read("read the cluster members", c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT instance_name, last_checkin_time, checkin_interval"
                + " FROM qrtz_scheduler_state WHERE sched_name = ? ORDER BY instance_name")) {
                ps.setString(1, QuartzClusterProperties.schedulerName(environment));
                List<ClusterMember> members = new ArrayList<>();
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        members.add(new ClusterMember(rs.getString(1), Instant.ofEpochMilli(rs.getLong(2)),
                            Duration.ofMillis(rs.getLong(3))));
                    }
                }
                return List.copyOf(members);
            }
        });
    }

    /** The file whose lock is the environment's reconcile lease on the embedded H2 {@code database}. */
    private Path leaseFile(Path database) {
        return database.resolveSibling(database.getFileName() + ".lease-" + Integer.toHexString(leaseKey(environment)));
    }

    @Override
    public Optional<String> leaseHolder() {
        if (kind != HistoryDatabase.Kind.POSTGRESQL) {
            return h2File.flatMap(database -> ProcessLock.heldBy(leaseFile(database)));
        }
        return read("read who holds the reconcile lease", c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT a.application_name, host(a.client_addr),"
                + " a.backend_start FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid"
                + " WHERE l.locktype = 'advisory' AND l.granted AND l.classid = ? AND l.objid = ? AND l.objsubid = 2")) {
                ps.setLong(1, Integer.toUnsignedLong(LEASE_NAMESPACE));
                ps.setLong(2, Integer.toUnsignedLong(leaseKey(environment)));
                try (ResultSet rs = ps.executeQuery()) {
                    if (!rs.next()) {
                        return Optional.empty();
                    }
                    String application = rs.getString(1);
                    String from = rs.getString(2);
                    Instant since = time(rs, 3);
                    return Optional.of((application == null || application.isBlank() ? "a session" : application)
                        + (from == null ? "" : " from " + from)
                        + (since == null ? "" : ", connected since " + since.truncatedTo(ChronoUnit.SECONDS)));
                }
            }
        });
    }

    @Override
    public Optional<String> lastSucceededCommit(String service) {
        return serviceStateColumn(service, "last_succeeded_commit");
    }

    @Override
    public Optional<String> failedCommit(String service) {
        return serviceStateColumn(service, "failed_commit");
    }

    @Override
    public boolean preDeployRan(String service, String fingerprint) {
        Objects.requireNonNull(service, "service");
        Objects.requireNonNull(fingerprint, "fingerprint");
        return read("read the pre-deploy jobs of " + service, c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT 1 FROM reconcile_step s"
                + " JOIN reconcile r ON r.id = s.reconcile_id WHERE r.environment = ? AND s.service = ?"
                + " AND s.action = ? AND s.outcome = ? AND s.to_fingerprint = ?")) {
                ps.setString(1, environment);
                ps.setString(2, service);
                ps.setString(3, StepAction.PRE_DEPLOY.name());
                ps.setString(4, StepOutcome.SUCCEEDED.name());
                ps.setString(5, fingerprint);
                ps.setMaxRows(1);
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next();
                }
            }
        });
    }

    @Override
    public List<RunningInstance> runningSince(String service, String host) {
        Objects.requireNonNull(service, "service");
        Objects.requireNonNull(host, "host");
        return read("read what runs on a host", c -> {
            List<InstanceTimeline.Entry> entries = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement("SELECT " + STEP_COLUMNS + ", r.commit_sha"
                + " FROM reconcile_step s JOIN reconcile r ON r.id = s.reconcile_id"
                + " WHERE r.environment = ? AND s.service = ? AND s.host = ? AND s.outcome = ?"
                + " ORDER BY s.id")) {
                ps.setString(1, environment);
                ps.setString(2, service);
                ps.setString(3, host);
                ps.setString(4, StepOutcome.SUCCEEDED.name());
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        entries.add(new InstanceTimeline.Entry(readStep(rs), rs.getString("commit_sha")));
                    }
                }
            }
            return List.copyOf(InstanceTimeline.current(entries));
        });
    }

    @Override
    public void close() {
        dataSource.close();
    }

    // ------------------------------------------------------------------ internals

    /** A unit of JDBC work on one connection. */
    @FunctionalInterface
    private interface SqlWork<T> {
        T run(Connection connection) throws SQLException;
    }

    private <T> T read(String what, SqlWork<T> work) {
        try (Connection c = dataSource.getConnection()) {
            return work.run(c);
        } catch (SQLException e) {
            throw failure(what, e);
        }
    }

    /** Runs the work as one transaction: committed whole, or rolled back whole. */
    private <T> T write(String what, SqlWork<T> work) {
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            try {
                T result = work.run(c);
                c.commit();
                return result;
            } catch (SQLException | RuntimeException e) {
                rollbackQuietly(c, e);
                throw e;
            } finally {
                c.setAutoCommit(true);
            }
        } catch (SQLException e) {
            throw failure(what, e);
        }
    }

    private static void rollbackQuietly(Connection c, Exception cause) {
        try {
            c.rollback();
        } catch (SQLException rollbackFailure) {
            cause.addSuppressed(rollbackFailure);
        }
    }

    private HistoryException failure(String what, SQLException e) {
        return new HistoryException("deployment history: cannot " + what + " (environment " + environment
            + "): " + e.getMessage(), e);
    }

    private Instant now() {
        // Both databases keep microseconds; truncating here makes what we return equal what we read.
        return clock.instant().truncatedTo(ChronoUnit.MICROS);
    }

    private static void setTime(PreparedStatement ps, int index, Instant instant) throws SQLException {
        if (instant == null) {
            ps.setNull(index, Types.TIMESTAMP_WITH_TIMEZONE);
        } else {
            ps.setObject(index, OffsetDateTime.ofInstant(instant, ZoneOffset.UTC));
        }
    }

    private static Instant time(ResultSet rs, int index) throws SQLException {
        OffsetDateTime value = rs.getObject(index, OffsetDateTime.class);
        return value == null ? null : value.toInstant();
    }

    private static Instant time(ResultSet rs, String column) throws SQLException {
        OffsetDateTime value = rs.getObject(column, OffsetDateTime.class);
        return value == null ? null : value.toInstant();
    }

    private static long generatedId(PreparedStatement ps) throws SQLException {
        try (ResultSet keys = ps.getGeneratedKeys()) {
            if (!keys.next()) {
                throw new SQLException("the database returned no generated id");
            }
            // PostgreSQL returns every column (id first), H2 the identity column alone.
            return keys.getLong(1);
        }
    }

    /** Checks the reconcile is this environment's and RUNNING; returns its commit. */
    private String requireRunning(Connection c, long reconcileId) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
            "SELECT result, commit_sha FROM reconcile WHERE id = ? AND environment = ?")) {
            ps.setLong(1, reconcileId);
            ps.setString(2, environment);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    throw new IllegalArgumentException(
                        "no reconcile " + reconcileId + " in environment " + environment);
                }
                String result = rs.getString(1);
                if (!ReconcileResult.RUNNING.name().equals(result)) {
                    throw new IllegalStateException("reconcile " + reconcileId + " is not running: it is " + result);
                }
                return rs.getString(2);
            }
        }
    }

    /**
     * The RUNNING reconciles of this environment, each with its last sign of life (its heartbeat,
     * its latest step, or its start).
     */
    private List<RunningReconcile> running(Connection c) throws SQLException {
        List<RunningReconcile> running = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT r.id, r.commit_sha, r.owner, r.started_at,"
            + " r.heartbeat_at, (SELECT MAX(COALESCE(s.ended_at, s.started_at)) FROM reconcile_step s"
            + " WHERE s.reconcile_id = r.id) FROM reconcile r WHERE r.environment = ? AND r.result = ? ORDER BY r.id")) {
            ps.setString(1, environment);
            ps.setString(2, ReconcileResult.RUNNING.name());
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    Instant lastAlive = time(rs, 4);
                    for (int column : new int[] {5, 6}) {
                        Instant t = time(rs, column);
                        if (t != null && t.isAfter(lastAlive)) {
                            lastAlive = t;
                        }
                    }
                    running.add(new RunningReconcile(rs.getLong(1), rs.getString(2),
                        Optional.ofNullable(rs.getString(3)), lastAlive));
                }
            }
        }
        return running;
    }

    /**
     * Whether a RUNNING reconcile's daemon may still be at work: never on an embedded H2 file
     * (whoever asks holds the file lease its daemon held until it died), and on PostgreSQL while
     * it beat within {@link #abandonAfter()}.
     */
    private boolean alive(RunningReconcile r, Instant now) {
        return kind == HistoryDatabase.Kind.POSTGRESQL && r.lastSignOfLife().isAfter(now.minus(abandonAfter));
    }

    /**
     * Turns this environment's abandoned RUNNING reconciles (see {@link #alive}) into INTERRUPTED.
     * ended_at is the last moment each is known to have been alive (its heartbeat or latest step),
     * not the time of discovery, so that the duration shown does not include the downtime.
     */
    private List<Long> interruptRunning(Connection c, Instant now) throws SQLException {
        List<Long> interrupted = new ArrayList<>();
        for (RunningReconcile running : running(c)) {
            if (alive(running, now)) {
                continue;
            }
            long id = running.id();
            Instant lastAlive = running.lastSignOfLife();
            interrupted.add(id);
            try (PreparedStatement ps = c.prepareStatement("UPDATE reconcile SET result = ?, ended_at = ?,"
                + " summary = ? WHERE id = ? AND result = ?")) {
                ps.setString(1, ReconcileResult.INTERRUPTED.name());
                setTime(ps, 2, lastAlive);
                ps.setString(3, "interrupted: the daemon stopped before this reconcile completed"
                    + " (found at " + now + ")");
                ps.setLong(4, id);
                ps.setString(5, ReconcileResult.RUNNING.name());
                ps.executeUpdate();
            }
            interruptPendingSteps(c, id);
        }
        return List.copyOf(interrupted);
    }

    @Override
    public void heartbeat(long reconcileId) {
        Instant now = now();
        write("record that reconcile " + reconcileId + " is alive", c -> {
            try (PreparedStatement ps = c.prepareStatement(
                "UPDATE reconcile SET heartbeat_at = ? WHERE id = ? AND result = ?")) {
                setTime(ps, 1, now);
                ps.setLong(2, reconcileId);
                ps.setString(3, ReconcileResult.RUNNING.name());
                return ps.executeUpdate();
            }
        });
    }

    @Override
    public List<RunningReconcile> runningReconciles() {
        if (kind != HistoryDatabase.Kind.POSTGRESQL) {
            // Never alive (see alive()): no need to ask the database at every reconcile.
            return List.of();
        }
        Instant now = now();
        return read("read the running reconciles",
            c -> running(c).stream().filter(r -> alive(r, now)).toList());
    }

    private static void interruptPendingSteps(Connection c, long reconcileId) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
            "UPDATE reconcile_step SET outcome = ? WHERE reconcile_id = ? AND outcome = ?")) {
            ps.setString(1, StepOutcome.INTERRUPTED.name());
            ps.setLong(2, reconcileId);
            ps.setString(3, StepOutcome.PENDING.name());
            ps.executeUpdate();
        }
    }

    /**
     * The commit of the latest earlier SUCCEEDED deployment with the same desired-state digest
     * (a different commit), unless the environment's last attempted state already has that
     * digest: re-applying the current state (a heal) returns nowhere, while a revert of a commit
     * that failed and was rolled back does return to the state before it (the desired state
     * leaves the failed attempt, even though the hosts were already brought back).
     */
    private Optional<String> returnsTo(Connection c, String commit, String digest) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
            "SELECT attempted_digest FROM environment_state WHERE environment = ?")) {
            ps.setString(1, environment);
            try (ResultSet rs = ps.executeQuery()) {
                if (rs.next() && digest.equals(rs.getString(1))) {
                    return Optional.empty();
                }
            }
        }
        try (PreparedStatement ps = c.prepareStatement("SELECT commit_sha FROM reconcile"
            + " WHERE environment = ? AND result = ? AND desired_digest = ? AND commit_sha <> ?"
            + " ORDER BY id DESC FETCH FIRST 1 ROWS ONLY")) {
            ps.setString(1, environment);
            ps.setString(2, ReconcileResult.SUCCEEDED.name());
            ps.setString(3, BoundedText.fit(digest, DIGEST_MAX));
            ps.setString(4, commit);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(rs.getString(1)) : Optional.empty();
            }
        }
    }

    /** Upserts the applied or attempted half of environment_state (kind is a constant, not input). */
    private void saveEnvironmentCommit(Connection c, String kind, String commit, String digest, Instant at,
                                       Optional<Long> reconcileId) throws SQLException {
        if (!kind.equals("applied") && !kind.equals("attempted")) {
            throw new IllegalArgumentException(kind);
        }
        String sha = BoundedText.fit(commit, SHA_MAX);
        String fittedDigest = BoundedText.fit(digest, DIGEST_MAX);
        int updated;
        try (PreparedStatement ps = c.prepareStatement("UPDATE environment_state SET " + kind + "_commit = ?, "
            + kind + "_digest = ?, " + kind + "_at = ?, " + kind + "_reconcile_id = ? WHERE environment = ?")) {
            ps.setString(1, sha);
            ps.setString(2, fittedDigest);
            setTime(ps, 3, at);
            setLongOrNull(ps, 4, reconcileId);
            ps.setString(5, environment);
            updated = ps.executeUpdate();
        }
        if (updated == 0) {
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO environment_state (environment, "
                + kind + "_commit, " + kind + "_digest, " + kind + "_at, " + kind + "_reconcile_id)"
                + " VALUES (?, ?, ?, ?, ?)")) {
                ps.setString(1, environment);
                ps.setString(2, sha);
                ps.setString(3, fittedDigest);
                setTime(ps, 4, at);
                setLongOrNull(ps, 5, reconcileId);
                ps.executeUpdate();
            }
        }
    }

    /**
     * Upserts one service's state: {@code assignments} is the SET clause for an update and
     * {@code columns} the same columns for an insert, bound to commit, time, reconcile id and,
     * when present, a message (both are constants of this class, never input).
     */
    private void saveServiceState(Connection c, String service, String assignments, List<String> columns,
                                  String commit, Instant at, long reconcileId, Optional<String> message)
        throws SQLException {
        int updated;
        try (PreparedStatement ps = c.prepareStatement(
            "UPDATE service_state SET " + assignments + " WHERE environment = ? AND service = ?")) {
            int i = bindServiceState(ps, commit, at, reconcileId, message);
            ps.setString(i++, environment);
            ps.setString(i, service);
            updated = ps.executeUpdate();
        }
        if (updated == 0) {
            String placeholders = columns.stream().map(col -> "?").collect(Collectors.joining(", "));
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO service_state ("
                + String.join(", ", columns) + ", environment, service) VALUES (" + placeholders + ", ?, ?)")) {
                int i = bindServiceState(ps, commit, at, reconcileId, message);
                ps.setString(i++, environment);
                ps.setString(i, service);
                ps.executeUpdate();
            }
        }
    }

    private static int bindServiceState(PreparedStatement ps, String commit, Instant at, long reconcileId,
                                        Optional<String> message) throws SQLException {
        int i = 1;
        ps.setString(i++, commit);
        setTime(ps, i++, at);
        ps.setLong(i++, reconcileId);
        if (message.isPresent()) {
            ps.setString(i++, message.get());
        }
        return i;
    }

    private static void setLongOrNull(PreparedStatement ps, int index, Optional<Long> value) throws SQLException {
        if (value.isPresent()) {
            ps.setLong(index, value.get());
        } else {
            ps.setNull(index, Types.BIGINT);
        }
    }

    private Optional<EnvironmentCommit> environmentCommit(String kind) {
        return read("read the " + kind + " commit", c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT " + kind + "_commit, " + kind + "_digest, "
                + kind + "_at, " + kind + "_reconcile_id FROM environment_state WHERE environment = ?")) {
                ps.setString(1, environment);
                try (ResultSet rs = ps.executeQuery()) {
                    if (!rs.next() || rs.getString(1) == null) {
                        return Optional.<EnvironmentCommit>empty();
                    }
                    long id = rs.getLong(4);
                    Optional<Long> reconcileId = rs.wasNull() ? Optional.empty() : Optional.of(id);
                    return Optional.of(new EnvironmentCommit(rs.getString(1), rs.getString(2), time(rs, 3), reconcileId));
                }
            }
        });
    }

    private Optional<String> serviceStateColumn(String service, String column) {
        Objects.requireNonNull(service, "service");
        return read("read the state of a service", c -> {
            try (PreparedStatement ps = c.prepareStatement(
                "SELECT " + column + " FROM service_state WHERE environment = ? AND service = ?")) {
                ps.setString(1, environment);
                ps.setString(2, service);
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() ? Optional.ofNullable(rs.getString(1)) : Optional.<String>empty();
                }
            }
        });
    }

    private static ReconcileRecord readReconcile(ResultSet rs) throws SQLException {
        return new ReconcileRecord(
            rs.getLong("id"),
            rs.getString("environment"),
            rs.getString("commit_sha"),
            rs.getString("author"),
            rs.getString("message"),
            Trigger.valueOf(rs.getString("trigger_kind")),
            time(rs, "started_at"),
            Optional.ofNullable(time(rs, "ended_at")),
            ReconcileResult.valueOf(rs.getString("result")),
            rs.getString("desired_digest"),
            Optional.ofNullable(rs.getString("returns_to")),
            rs.getString("summary"),
            Optional.ofNullable(rs.getString("error")),
            Optional.ofNullable(rs.getString("owner")),
            Optional.ofNullable(rs.getString("signed_by")),
            List.of(),
            List.of());
    }

    private static StepRecord readStep(ResultSet rs) throws SQLException {
        long duration = rs.getLong("duration_ms");
        Optional<Duration> elapsed = rs.wasNull() ? Optional.empty() : Optional.of(Duration.ofMillis(duration));
        return new StepRecord(
            rs.getLong("id"),
            rs.getLong("reconcile_id"),
            rs.getString("service"),
            rs.getString("host"),
            rs.getString("instance"),
            StepAction.valueOf(rs.getString("action")),
            rs.getString("reason"),
            Optional.ofNullable(rs.getString("from_fingerprint")),
            Optional.ofNullable(rs.getString("to_fingerprint")),
            Optional.ofNullable(rs.getString("from_image")),
            Optional.ofNullable(rs.getString("to_image")),
            StepOutcome.valueOf(rs.getString("outcome")),
            time(rs, "started_at"),
            Optional.ofNullable(time(rs, "ended_at")),
            elapsed,
            Optional.ofNullable(rs.getString("message")));
    }

    /** Loads service results and steps for the records, narrowed to service/host when given. */
    private static List<ReconcileRecord> withDetails(Connection c, List<ReconcileRecord> records,
                                                     Optional<String> service, Optional<String> host)
        throws SQLException {
        if (records.isEmpty()) {
            return List.of();
        }
        String ids = records.stream().map(r -> Long.toString(r.id())).collect(Collectors.joining(", "));
        Map<Long, List<StepRecord>> steps = new LinkedHashMap<>();
        StringBuilder stepSql = new StringBuilder("SELECT " + STEP_COLUMNS
            + " FROM reconcile_step s WHERE s.reconcile_id IN (" + ids + ")");
        List<String> parameters = new ArrayList<>();
        service.ifPresent(s -> {
            stepSql.append(" AND s.service = ?");
            parameters.add(s);
        });
        host.ifPresent(h -> {
            stepSql.append(" AND s.host = ?");
            parameters.add(h);
        });
        stepSql.append(" ORDER BY s.id");
        try (PreparedStatement ps = c.prepareStatement(stepSql.toString())) {
            for (int i = 0; i < parameters.size(); i++) {
                ps.setString(i + 1, parameters.get(i));
            }
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    StepRecord step = readStep(rs);
                    steps.computeIfAbsent(step.reconcileId(), k -> new ArrayList<>()).add(step);
                }
            }
        }
        Map<Long, List<ServiceResult>> results = new LinkedHashMap<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT reconcile_id, service, result, message,"
            + " recorded_at FROM service_result WHERE reconcile_id IN (" + ids + ") ORDER BY service")) {
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    results.computeIfAbsent(rs.getLong(1), k -> new ArrayList<>()).add(new ServiceResult(
                        rs.getString(2), ServiceOutcome.valueOf(rs.getString(3)), rs.getString(4), time(rs, 5)));
                }
            }
        }
        List<ReconcileRecord> detailed = new ArrayList<>(records.size());
        for (ReconcileRecord record : records) {
            List<StepRecord> recordSteps = steps.getOrDefault(record.id(), List.of());
            List<ServiceResult> recordResults = results.getOrDefault(record.id(), List.of());
            if (service.isPresent()) {
                recordResults = recordResults.stream().filter(r -> r.service().equals(service.get())).toList();
            } else if (host.isPresent()) {
                // Service results are per service, not per host: keep those of services seen on the host.
                Set<String> onHost = new TreeSet<>();
                recordSteps.forEach(s -> onHost.add(s.service()));
                recordResults = recordResults.stream().filter(r -> onHost.contains(r.service())).toList();
            }
            detailed.add(record.withDetails(recordResults, recordSteps));
        }
        return Collections.unmodifiableList(detailed);
    }
}
