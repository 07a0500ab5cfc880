package dev.driftless.reconciler.notify;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.driftless.reconciler.config.DaemonConfig;
import dev.driftless.reconciler.history.DepartedHost;
import dev.driftless.reconciler.history.HeldCommit;
import dev.driftless.reconciler.history.HistoryFormatter;
import dev.driftless.reconciler.history.ReconcileRecord;
import dev.driftless.reconciler.history.ServiceOutcome;
import dev.driftless.reconciler.history.ServiceResult;
import dev.driftless.reconciler.history.Suspension;
import dev.driftless.reconciler.metrics.Metrics;
import dev.driftless.reconciler.observe.HostObservation;
import dev.driftless.reconciler.observe.HostSilence;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tells webhooks about the reconciles the daemon records ({@code notifications:} in
 * driftless.yaml): one POST per record whose result a webhook asked for, with the record as JSON
 * (as {@code driftless history --format json} prints it, so never a secret) or as a Slack
 * message. Sending happens on a thread of its own, in order, and never delays a reconcile; a
 * webhook that fails (a network error, 429 or 5xx) is tried {@link #ATTEMPTS} times, 2 s and 10 s
 * apart, then the message is dropped with a warning. Webhook URLs can carry their secret, so logs
 * name only their host. With a signing secret, each body is signed ({@link #SIGNATURE_HEADER}:
 * {@code sha256=} and the hex HMAC-SHA256 of the body) so the receiver can tell it came from this
 * daemon and was not changed.
 */
public final class Notifier implements Consumer<ReconcileRecord>, AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Notifier.class);
    static final int ATTEMPTS = 3;
    /** The header that carries the body's HMAC-SHA256 when the webhook has a signing secret. */
    public static final String SIGNATURE_HEADER = "X-Driftless-Signature-256";
    private static final int QUEUE = 256;
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Waits between attempts; tests pass one that does not sleep. */
    @FunctionalInterface
    public interface Sleeper {
        void sleep(Duration d) throws InterruptedException;
    }

    private volatile List<DaemonConfig.Notification> targets;
    private final String environment;
    private final Metrics metrics;
    private final Sleeper sleeper;
    private final List<Duration> backoff;
    private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5))
        .followRedirects(HttpClient.Redirect.NEVER).build();
    private final ExecutorService sender = new ThreadPoolExecutor(1, 1, 0, TimeUnit.SECONDS,
        new LinkedBlockingQueue<>(QUEUE), Thread.ofPlatform().daemon().name("driftless-notify").factory());

    public Notifier(List<DaemonConfig.Notification> targets, String environment, Metrics metrics) {
        this(targets, environment, metrics, d -> Thread.sleep(d.toMillis()), List.of(Duration.ofSeconds(2),
            Duration.ofSeconds(10)));
    }

    Notifier(List<DaemonConfig.Notification> targets, String environment, Metrics metrics, Sleeper sleeper,
             List<Duration> backoff) {
        this.targets = List.copyOf(targets);
        this.environment = environment;
        this.metrics = metrics;
        this.sleeper = sleeper;
        this.backoff = List.copyOf(backoff);
    }

    /**
     * The webhooks told from now on (a reloaded configuration); messages queued already go to the
     * webhooks they were queued for.
     */
    public void retarget(List<DaemonConfig.Notification> next) {
        targets = List.copyOf(next);
    }

    /** Queues the messages about {@code record}; returns at once. */
    @Override
    public void accept(ReconcileRecord record) {
        queue(target -> target.events().contains(record.result()), "reconcile #" + record.id(),
            format -> body(format, record));
    }

    /**
     * Queues the messages about a suspension that began ({@link Suspension#isActive()}) or ended
     * (driftless suspend / resume) to the webhooks that asked for that event; returns at once.
     */
    public void announce(Suspension suspension) {
        DaemonConfig.NoticeEvent event = suspension.isActive() ? DaemonConfig.NoticeEvent.SUSPENDED
            : DaemonConfig.NoticeEvent.RESUMED;
        queue(target -> target.noticeEvents().contains(event), "the " + event.name().toLowerCase(Locale.ROOT)
            + " " + suspension.scope(environment), format -> body(format, suspension));
    }

    /**
     * Queues the messages about a host that left the inventory and was given up on, unanswered
     * for {@code intervals.departed}, to the webhooks that asked for {@code host_abandoned};
     * returns at once. What the environment still runs there is left to an operator.
     */
    public void abandoned(String host, DepartedHost departed) {
        queue(target -> target.noticeEvents().contains(DaemonConfig.NoticeEvent.HOST_ABANDONED),
            "departed host " + host, format -> body(format, host, departed));
    }

    /**
     * Queues the messages about a host whose SSH host key was refused (unknown, changed, revoked)
     * to the webhooks that asked for {@code host_key_refused}; returns at once.
     */
    public void hostKeyRefused(HostObservation.Unreachable refused) {
        queue(target -> target.noticeEvents().contains(DaemonConfig.NoticeEvent.HOST_KEY_REFUSED),
            "the host key of " + refused.host(), format -> body(format, refused));
    }

    /**
     * Queues the messages about a host of the inventory that stopped answering, or answers again,
     * to the webhooks that asked for {@code host_unreachable} or {@code host_reachable}; returns
     * at once.
     */
    public void silence(HostSilence silence) {
        DaemonConfig.NoticeEvent event = silence.isOver() ? DaemonConfig.NoticeEvent.HOST_REACHABLE
            : DaemonConfig.NoticeEvent.HOST_UNREACHABLE;
        queue(target -> target.noticeEvents().contains(event), "host " + silence.host()
            + (silence.isOver() ? " answering again" : " not answering"), format -> body(format, silence));
    }

    /**
     * Queues the messages about a new commit that waits because the whole environment, or a service
     * it changes, is held to the webhooks that asked for {@code deploy_held}; returns at once.
     */
    public void held(HeldCommit held) {
        queue(target -> target.noticeEvents().contains(DaemonConfig.NoticeEvent.DEPLOY_HELD),
            "commit " + shortSha(held.commit()) + " waiting" + held.hold().service().map(s -> " for " + s).orElse(""),
            format -> body(format, held));
    }

    /**
     * Queues the messages about an instance whose drift came back after driftless repaired it to
     * the webhooks that asked for {@code drift_recurring}; returns at once.
     */
    public void driftRecurring(dev.driftless.reconciler.history.RecurringDrift drift) {
        queue(target -> target.noticeEvents().contains(DaemonConfig.NoticeEvent.DRIFT_RECURRING),
            "the recurring drift of " + drift.instance() + " on " + drift.host(), format -> body(format, drift));
    }

    private void queue(java.util.function.Predicate<DaemonConfig.Notification> wants, String what,
                       java.util.function.Function<DaemonConfig.NotificationFormat, String> body) {
        for (DaemonConfig.Notification target : targets) {
            if (!wants.test(target)) {
                continue;
            }
            try {
                sender.execute(() -> send(target, what, body));
            } catch (RejectedExecutionException e) {
                LOG.warn("notification about {} dropped: {} messages are waiting already", what, QUEUE);
                metrics.notification(false);
            }
        }
    }

    private void send(DaemonConfig.Notification target, String what,
                      java.util.function.Function<DaemonConfig.NotificationFormat, String> render) {
        String where = "a webhook";
        try {
            URI uri = URI.create(target.resolveUrl());
            where = uri.getHost() == null ? where : uri.getHost();
            byte[] body = render.apply(target.format()).getBytes(StandardCharsets.UTF_8);
            HttpRequest.Builder request = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10))
                .header("Content-Type", "application/json")
                .header("User-Agent", "driftless")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body));
            target.token().ifPresent(t -> request.header("Authorization", "Bearer " + t));
            target.signingSecret().ifPresent(s -> request.header(SIGNATURE_HEADER, WebhookSignature.sign(s, body)));
            HttpRequest built = request.build();
            for (int attempt = 1; attempt <= ATTEMPTS; attempt++) {
                String failure;
                try {
                    HttpResponse<Void> r = client.send(built, HttpResponse.BodyHandlers.discarding());
                    if (r.statusCode() / 100 == 2) {
                        LOG.debug("told {} about {}", where, what);
                        metrics.notification(true);
                        return;
                    }
                    failure = "HTTP " + r.statusCode();
                    if (r.statusCode() != 429 && r.statusCode() / 100 == 4) {
                        LOG.warn("notification about {} refused by {}: {}; not retried", what, where, failure);
                        metrics.notification(false);
                        return;
                    }
                } catch (IOException e) {
                    failure = e.getClass().getSimpleName();
                }
                if (attempt == ATTEMPTS) {
                    LOG.warn("notification about {} to {} failed {} times ({}); dropped", what, where, ATTEMPTS,
                        failure);
                    metrics.notification(false);
                    return;
                }
                sleeper.sleep(backoff.get(Math.min(attempt - 1, backoff.size() - 1)));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            // A URL file that cannot be read, a URL that does not parse: say so, never the URL.
            LOG.warn("notification about {} to {} not sent: {}", what, where, e.getClass().getSimpleName());
            metrics.notification(false);
        }
    }

    /** Discord refuses a message longer than this. */
    static final int DISCORD_MAX = 2000;

    /**
     * The body for {@code format}: the record as JSON; or one chat message — Slack's
     * {@code {"text": …}}, Discord's {@code {"content": …}}, or for Microsoft Teams (a Workflows
     * webhook) an Adaptive Card in a {@code message} envelope.
     */
    String body(DaemonConfig.NotificationFormat format, ReconcileRecord record) {
        if (format == DaemonConfig.NotificationFormat.JSON) {
            ObjectNode node = (ObjectNode) new HistoryFormatter(ZoneOffset.UTC).recordsJson(List.of(record)).get(0);
            node.put("environment", environment);
            return node.toString();
        }
        return chat(format, chatLines(record));
    }

    /**
     * The body about a suspension: as JSON {@code {"event": "suspended"|"resumed", "environment",
     * "scope", "service"?, "by", "since", "reason", "resumedBy"?, "resumedAt"?}}, or a chat message.
     */
    String body(DaemonConfig.NotificationFormat format, Suspension s) {
        if (format == DaemonConfig.NotificationFormat.JSON) {
            ObjectNode node = (ObjectNode) new HistoryFormatter(ZoneOffset.UTC).suspensionsJson(List.of(s)).get(0);
            ObjectNode out = JSON.createObjectNode().put("event", s.isActive() ? "suspended" : "resumed")
                .put("environment", environment);
            out.setAll(node);
            return out.toString();
        }
        String scope = s.scope(environment);
        List<String> lines = s.isActive()
            ? List.of("driftless " + environment + ": " + scope + " suspended by " + s.by()
                    + (s.reason().isBlank() ? "" : ": " + s.reason()),
                "nothing is applied there until driftless resume")
            : List.of("driftless " + environment + ": " + scope + " resumed by " + s.resumedBy().orElse("someone"),
                "it was " + s.describe() + "; the daemon converges it at its next poll");
        return chat(format, lines);
    }

    /**
     * The body about a departed host given up on: as JSON {@code {"event": "host_abandoned",
     * "environment", "host", "since", "lastError", "inventoryCommit"}}, or a chat message.
     */
    String body(DaemonConfig.NotificationFormat format, String host, DepartedHost d) {
        if (format == DaemonConfig.NotificationFormat.JSON) {
            ObjectNode out = JSON.createObjectNode().put("event", "host_abandoned").put("environment", environment)
                .put("host", host).put("since", d.since().toString());
            d.lastError().ifPresentOrElse(e -> out.put("lastError", e), () -> out.putNull("lastError"));
            return out.put("inventoryCommit", d.inventoryCommit()).toString();
        }
        return chat(format, List.of("driftless " + environment + ": departed host " + host + " given up on",
            "it left the inventory (" + shortSha(d.inventoryCommit()) + " was the last to list it) and has not answered"
                + " since " + d.since() + d.lastError().map(e -> " (" + e + ")").orElse("")
                + "; remove what " + environment + " still runs there by hand if it ever comes back"));
    }

    /**
     * The body about a refused host key: as JSON {@code {"event": "host_key_refused",
     * "environment", "host", "problem" (host_key_unknown, host_key_changed, host_key_revoked),
     * "message"}}, or a chat message with the offered fingerprint and what to do.
     */
    String body(DaemonConfig.NotificationFormat format, HostObservation.Unreachable refused) {
        String problem = refused.kind().name().toLowerCase(Locale.ROOT);
        if (format == DaemonConfig.NotificationFormat.JSON) {
            return JSON.createObjectNode().put("event", "host_key_refused").put("environment", environment)
                .put("host", refused.host()).put("problem", problem).put("message", refused.reason()).toString();
        }
        String what = switch (refused.kind()) {
            case HOST_KEY_CHANGED -> "offers another SSH host key than the pinned one";
            case HOST_KEY_REVOKED -> "offers a revoked SSH host key";
            default -> "offers an SSH host key nothing pins";
        };
        return chat(format, List.of("driftless " + environment + ": host " + refused.host() + " " + what
            + "; nothing is done there until it is resolved", refused.reason()));
    }

    /**
     * The body about a host's silence: as JSON {@code {"event": "host_unreachable", "environment",
     * "host", "since", "message"}} or {@code {"event": "host_reachable", "environment", "host",
     * "since", "answeredAt", "silentSeconds"}}, or a chat message.
     */
    String body(DaemonConfig.NotificationFormat format, HostSilence s) {
        long seconds = s.answeredAt().map(a -> Duration.between(s.since(), a).toSeconds()).orElse(0L);
        if (format == DaemonConfig.NotificationFormat.JSON) {
            ObjectNode out = JSON.createObjectNode().put("event", s.isOver() ? "host_reachable" : "host_unreachable")
                .put("environment", environment).put("host", s.host()).put("since", s.since().toString());
            s.reason().ifPresent(r -> out.put("message", r));
            s.answeredAt().ifPresent(a -> out.put("answeredAt", a.toString()).put("silentSeconds", seconds));
            return out.toString();
        }
        if (s.isOver()) {
            return chat(format, List.of("driftless " + environment + ": host " + s.host() + " answers again after "
                + dev.driftless.model.DurationText.format(Duration.ofSeconds(seconds)) + " (silent since " + s.since()
                + ")"));
        }
        return chat(format, List.of("driftless " + environment + ": host " + s.host() + " does not answer (since "
            + s.since() + "); nothing is changed there until it does, and services with placement.failover move"
            + " their instances after their delay", s.reason().orElse("")));
    }

    /**
     * The body about a commit that waits: as JSON {@code {"event": "deploy_held", "environment",
     * "service", "commit", "author", "message", "heldBy", "since", "reason", "scheduled"}} ({@code
     * service} null when the whole environment is held), or a chat message.
     */
    String body(DaemonConfig.NotificationFormat format, HeldCommit h) {
        Suspension hold = h.hold();
        Optional<String> service = hold.service();
        if (format == DaemonConfig.NotificationFormat.JSON) {
            return JSON.createObjectNode().put("event", "deploy_held").put("environment", environment)
                .put("service", service.orElse(null))
                .put("commit", h.commit()).put("author", h.author()).put("message", h.message())
                .put("heldBy", hold.by()).put("since", hold.since().toString()).put("reason", hold.reason())
                .put("scheduled", hold.isScheduled()).toString();
        }
        if (service.isPresent()) {
            return chat(format, List.of("driftless " + environment + ": commit " + shortSha(h.commit()) + " \""
                    + h.subject() + "\" by " + h.author() + " waits for " + service.get(),
                "service " + service.get() + " is " + hold.describe() + "; the rest of " + environment + " deploys"
                    + (hold.isScheduled() ? "" : ", " + service.get() + " after driftless resume --service "
                    + service.get())));
        }
        return chat(format, List.of("driftless " + environment + ": commit " + shortSha(h.commit()) + " \""
                + h.subject() + "\" by " + h.author() + " waits",
            "environment " + environment + " is " + hold.describe() + (hold.isScheduled() ? ""
                : "; it deploys after driftless resume")));
    }

    /**
     * The body about a drift that came back after its repair: as JSON {@code {"event":
     * "drift_recurring", "environment", "service", "host", "instance", "drift", "repairs",
     * "nextRepair"}}, or a chat message saying what to do.
     */
    String body(DaemonConfig.NotificationFormat format, dev.driftless.reconciler.history.RecurringDrift d) {
        if (format == DaemonConfig.NotificationFormat.JSON) {
            return JSON.createObjectNode().put("event", "drift_recurring").put("environment", environment)
                .put("service", d.service()).put("host", d.host()).put("instance", d.instance())
                .put("drift", d.drift()).put("repairs", d.repairs()).put("nextRepair", d.nextRepair().toString())
                .toString();
        }
        return chat(format, List.of("driftless " + environment + ": " + d.instance() + " of " + d.service() + " on "
                + d.host() + " drifted again after driftless repaired it: " + d.drift(),
            "something on the host keeps changing it; further repairs back off (the next not before "
                + d.nextRepair() + "); " + d.advice()));
    }

    private static String chat(DaemonConfig.NotificationFormat format, List<String> lines) {
        return switch (format) {
            case SLACK -> JSON.createObjectNode().put("text", String.join("\n", lines)).toString();
            case DISCORD -> JSON.createObjectNode().put("content", fit(String.join("\n", lines), DISCORD_MAX))
                .toString();
            case TEAMS -> teamsCard(lines).toString();
            case JSON -> throw new IllegalArgumentException("JSON is no chat message");
        };
    }

    /** A chat message's lines: the headline, the summary, then what returned and what went wrong. */
    private List<String> chatLines(ReconcileRecord r) {
        List<String> lines = new java.util.ArrayList<>();
        lines.add("driftless " + environment + ": reconcile #" + r.id() + " "
            + r.result().name().toLowerCase(Locale.ROOT).replace('_', ' ')
            + " — commit " + shortSha(r.commit()) + " \"" + r.message().lines().findFirst().orElse("") + "\""
            + " by " + r.author() + " (" + r.trigger().name().toLowerCase(Locale.ROOT) + ")");
        lines.add(r.summary());
        r.returnsTo().ifPresent(c -> lines.add("returns to the state of " + shortSha(c)));
        r.signedBy().ifPresent(s -> lines.add("signed by " + s));
        for (ServiceResult s : r.services()) {
            if (s.result() != ServiceOutcome.SUCCEEDED) {
                lines.add("• " + s.service() + ": " + s.message());
            }
        }
        return lines;
    }

    /** An Adaptive Card, as a Teams Workflows webhook ("when a webhook request is received") posts it. */
    private static ObjectNode teamsCard(List<String> lines) {
        ObjectNode message = JSON.createObjectNode().put("type", "message");
        ObjectNode attachment = message.putArray("attachments").addObject()
            .put("contentType", "application/vnd.microsoft.card.adaptive");
        attachment.putNull("contentUrl");
        ObjectNode card = attachment.putObject("content")
            .put("$schema", "http://adaptivecards.io/schemas/adaptive-card.json")
            .put("type", "AdaptiveCard").put("version", "1.4");
        var body = card.putArray("body");
        for (int i = 0; i < lines.size(); i++) {
            ObjectNode block = body.addObject().put("type", "TextBlock").put("text", lines.get(i)).put("wrap", true);
            if (i == 0) {
                block.put("weight", "Bolder");
            }
        }
        return message;
    }

    private static String fit(String text, int max) {
        return text.length() <= max ? text : text.substring(0, max - 1) + "…";
    }

    private static String shortSha(String sha) {
        return sha.length() > 7 ? sha.substring(0, 7) : sha;
    }

    /** Sends what is queued (for up to {@code wait}), then stops. */
    public void close(Duration wait) {
        sender.shutdown();
        try {
            if (!sender.awaitTermination(wait.toMillis(), TimeUnit.MILLISECONDS)) {
                sender.shutdownNow();
            }
        } catch (InterruptedException e) {
            sender.shutdownNow();
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        close(Duration.ofSeconds(5));
    }
}
