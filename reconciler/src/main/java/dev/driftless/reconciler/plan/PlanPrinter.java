package dev.driftless.reconciler.plan;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.driftless.reconciler.observe.ObservedContainer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Renders a {@link Plan} for people and tools: plain text (terminal and daemon log), Markdown (a
 * pull-request comment) and JSON. Every format lists the same entries in the same order.
 */
public final class PlanPrinter {

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /** What the plan was made from, for its heading. */
    public record Heading(String environment, Optional<String> commit, Optional<String> message) {
        public static Heading of(Plan plan, Optional<String> commit, Optional<String> message) {
            return new Heading(plan.environment(), commit, message);
        }

        String text() {
            return "environment " + environment
                + commit.map(c -> ", commit " + (c.length() > 12 ? c.substring(0, 12) : c)).orElse("")
                + message.map(m -> " \"" + m + "\"").orElse("");
        }
    }

    private PlanPrinter() {
    }

    /**
     * The text form, grouped by service then host. Unchanged instances are counted per service
     * and listed only with {@code verbose}.
     */
    public static String text(Plan plan, Heading heading, boolean verbose) {
        StringBuilder out = new StringBuilder();
        out.append("Plan for ").append(heading.text()).append('\n');
        out.append("  ").append(plan.summary()).append('\n');
        for (String service : plan.serviceOrder()) {
            List<PlannedChange> entries = plan.changesOf(service);
            if (entries.isEmpty()) {
                continue;
            }
            List<String[]> rows = new ArrayList<>();
            long unchanged = 0;
            for (PlannedChange c : entries) {
                if (c.action() == Action.UNCHANGED && !verbose && c.reasons().isEmpty()) {
                    unchanged++;
                    continue;
                }
                rows.add(new String[] {c.host(), c.instance(), c.action().label(), versions(c), c.reason()});
            }
            out.append('\n').append(service);
            if (plan.held().containsKey(service)) {
                out.append("  (held: ").append(plan.held().get(service)).append(')');
            }
            out.append('\n');
            plan.preDeployDue(service).ifPresent(c -> out.append("  ").append(preDeploy(c)).append('\n'));
            appendTable(out, rows);
            if (unchanged > 0) {
                out.append("  ").append(unchanged).append(unchanged == 1 ? " instance" : " instances")
                    .append(" unchanged\n");
            }
        }
        java.util.SortedMap<String, java.util.SortedSet<String>> networksLeft = plan.networksLeft();
        if (!networksLeft.isEmpty()) {
            out.append("\nNetworks no instance will use (removed where this environment made them and nothing else is"
                + " attached)\n");
            List<String[]> rows = new ArrayList<>();
            networksLeft.forEach((host, networks) -> rows.add(new String[] {host, String.join(", ", networks)}));
            appendTable(out, rows);
        }
        out.append("\nHosts\n");
        List<String[]> hostRows = new ArrayList<>();
        for (HostState h : plan.hosts()) {
            hostRows.add(h.reachable()
                ? new String[] {h.host(), "ok", h.found(), h.took().toMillis() + " ms"}
                : new String[] {h.host(), "unreachable", h.problem().orElse(""), ""});
        }
        appendTable(out, hostRows);
        if (!plan.hasChanges() && !plan.isIncomplete()) {
            // Held or backed off: left as they are, but not as the desired state has them.
            long waiting = plan.changes().stream().filter(c -> c.action() == Action.UNCHANGED && !c.reasons().isEmpty())
                .count();
            out.append(waiting == 0 ? "\nNo changes: the hosts match the desired state.\n"
                : "\nNo changes now: " + waiting + (waiting == 1 ? " instance differs" : " instances differ")
                    + " from the desired state and " + (waiting == 1 ? "waits" : "wait") + " for the reason shown.\n");
        }
        return out.toString();
    }

    /** A pull-request comment: a summary and one table of the entries that change something. */
    public static String markdown(Plan plan, Heading heading) {
        StringBuilder out = new StringBuilder();
        out.append("### driftless plan: ").append(heading.text().replace("|", "\\|")).append("\n\n");
        out.append("**").append(plan.summary()).append("**\n\n");
        List<PlannedChange> shown = plan.changes().stream()
            .filter(c -> c.action() != Action.UNCHANGED || !c.reasons().isEmpty()).toList();
        if (shown.isEmpty()) {
            out.append("No changes: the hosts match the desired state.\n");
        } else {
            out.append("| service | host | instance | action | version | reason |\n");
            out.append("|---|---|---|---|---|---|\n");
            for (PlannedChange c : shown) {
                out.append("| ").append(md(c.service())).append(" | ").append(md(c.host())).append(" | ")
                    .append(md(c.instance())).append(" | **").append(c.action().label()).append("** | ")
                    .append(md(versions(c))).append(" | ").append(md(c.reason())).append(" |\n");
            }
        }
        for (String service : plan.serviceOrder()) {
            plan.preDeployDue(service).ifPresent(c -> out.append("\n:gear: **").append(md(service)).append("** ")
                .append(md(preDeploy(c))).append('\n'));
        }
        plan.networksLeft().forEach((host, networks) -> out.append("\n:wastebasket: On **").append(md(host))
            .append("** no instance will use network ").append(networks.stream().map(n -> "**" + md(n) + "**")
                .collect(java.util.stream.Collectors.joining(", ")))
            .append(" any more: removed where this environment made it and nothing else is attached\n"));
        List<HostState> down = plan.hosts().stream().filter(h -> !h.reachable()).toList();
        if (!down.isEmpty()) {
            out.append("\n:warning: Not observed, so not planned:\n\n");
            down.forEach(h -> out.append("- **").append(md(h.host())).append("**: ")
                .append(md(h.problem().orElse(""))).append('\n'));
        }
        for (Map.Entry<String, String> e : plan.held().entrySet()) {
            out.append("\n:pause_button: **").append(md(e.getKey())).append("** held: ").append(md(e.getValue()))
                .append('\n');
        }
        return out.toString();
    }

    /** The plan as JSON: summary counts, hosts and every entry. */
    public static String json(Plan plan, Heading heading) {
        ObjectNode root = JSON.createObjectNode();
        root.put("environment", plan.environment());
        heading.commit().ifPresent(c -> root.put("commit", c));
        heading.message().ifPresent(m -> root.put("message", m));
        root.put("hasChanges", plan.hasChanges());
        root.put("complete", !plan.isIncomplete());
        ObjectNode counts = root.putObject("counts");
        plan.counts().forEach((a, n) -> counts.put(a.label(), n));
        ArrayNode hosts = root.putArray("hosts");
        for (HostState h : plan.hosts()) {
            ObjectNode n = hosts.addObject().put("host", h.host()).put("reachable", h.reachable());
            h.problem().ifPresent(p -> n.put("problem", p));
            if (h.reachable()) {
                n.put("containers", h.containers()).put("units", h.units()).put("tookMs", h.took().toMillis());
            }
        }
        ArrayNode changes = root.putArray("changes");
        for (PlannedChange c : plan.changes()) {
            ObjectNode n = changes.addObject().put("service", c.service()).put("host", c.host())
                .put("instance", c.instance()).put("action", c.action().label());
            ArrayNode reasons = n.putArray("reasons");
            c.reasons().forEach(reasons::add);
            c.fromVersion().ifPresent(v -> n.put("fromVersion", v));
            c.toVersion().ifPresent(v -> n.put("toVersion", v));
            c.observed().ifPresent(o -> n.put("container", o.name()).put("state", o.state().label()));
            c.observed().flatMap(ObservedContainer::fingerprint).ifPresent(f -> n.put("fromFingerprint", f));
            c.desired().ifPresent(d -> n.put("toFingerprint", d.fingerprint()));
        }
        ObjectNode jobs = root.putObject("preDeploy");
        for (String service : plan.serviceOrder()) {
            plan.preDeployDue(service).ifPresent(c -> {
                ObjectNode n = jobs.putObject(service).put("host", c.host());
                ArrayNode command = n.putArray("command");
                jobCommand(c).forEach(command::add);
            });
        }
        ObjectNode left = root.putObject("networksLeft");
        plan.networksLeft().forEach((host, networks) -> {
            ArrayNode names = left.putArray(host);
            networks.forEach(names::add);
        });
        ObjectNode held = root.putObject("held");
        plan.held().forEach(held::put);
        try {
            return JSON.writeValueAsString(root) + "\n";
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** "pre-deploy job first, on app-1: /app/bin/migrate --to latest". */
    static String preDeploy(PlannedChange c) {
        return "pre-deploy job first, on " + c.host() + ": " + String.join(" ", jobCommand(c));
    }

    /** The command of the pre-deploy job {@link Plan#preDeployDue} found for {@code c}. */
    private static List<String> jobCommand(PlannedChange c) {
        return c.desired().orElseThrow().service().rollout().preDeploy().orElseThrow().command();
    }

    /** "1.0.0 → 1.1.0", "→ 1.1.0", "1.0.0" or "". */
    static String versions(PlannedChange c) {
        Optional<String> from = c.fromVersion();
        Optional<String> to = c.toVersion();
        return switch (c.action()) {
            case CREATE -> to.map(v -> "→ " + v).orElse("");
            case REPLACE -> from.orElse("?") + " → " + to.orElse("?");
            case REMOVE -> from.orElse("");
            default -> to.or(() -> from).orElse("");
        };
    }

    private static void appendTable(StringBuilder out, List<String[]> rows) {
        if (rows.isEmpty()) {
            return;
        }
        int cols = rows.get(0).length;
        int[] width = new int[cols];
        for (String[] r : rows) {
            for (int i = 0; i < cols; i++) {
                width[i] = Math.max(width[i], r[i].length());
            }
        }
        for (String[] r : rows) {
            StringBuilder line = new StringBuilder("  ");
            for (int i = 0; i < cols; i++) {
                line.append(r[i]);
                if (i < cols - 1) {
                    line.append(" ".repeat(width[i] - r[i].length() + 2));
                }
            }
            out.append(line.toString().stripTrailing()).append('\n');
        }
    }

    private static String md(String s) {
        return s.replace("|", "\\|").replace("\n", " ");
    }
}
