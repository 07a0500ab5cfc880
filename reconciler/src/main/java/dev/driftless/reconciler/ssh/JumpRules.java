package dev.driftless.reconciler.ssh;

import dev.driftless.reconciler.sshkeys.SshPatterns;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * Which jump host (bastion) each host is reached through ({@code ssh.jump}): an ordered list of
 * rules, the first that matches a host deciding, like the {@code Host} blocks of an OpenSSH config
 * with {@code ProxyJump}. A host no rule matches is reached directly.
 *
 * @param rules in the order they are tried
 */
public record JumpRules(List<Rule> rules) {

    /**
     * One rule: hosts that carry every label of {@code labels} and whose inventory name or address
     * matches one of {@code hosts} (OpenSSH wildcards {@code *} and {@code ?}) are reached through
     * the jump hosts of {@code via}, or directly when it is empty. An empty {@code labels} or {@code hosts} does not
     * narrow the rule: a rule with neither matches every host.
     */
    public record Rule(Optional<JumpRoute> via, SortedMap<String, String> labels, List<String> hosts) {
        public Rule {
            Objects.requireNonNull(via, "via");
            labels = Collections.unmodifiableSortedMap(new TreeMap<>(labels));
            hosts = List.copyOf(hosts);
        }

        /** A rule for every host. */
        public static Rule every(JumpRoute via) {
            return new Rule(Optional.of(via), new TreeMap<>(), List.of());
        }

        public boolean matchesEveryHost() {
            return labels.isEmpty() && hosts.isEmpty();
        }

        boolean matches(HostTarget target) {
            return labels.entrySet().stream().allMatch(e -> e.getValue().equals(target.labels().get(e.getKey())))
                && (hosts.isEmpty() || hosts.stream().anyMatch(p -> SshPatterns.glob(p, target.name())
                    || SshPatterns.glob(p, target.address())));
        }

        @Override
        public String toString() {
            List<String> where = new ArrayList<>();
            if (!labels.isEmpty()) {
                where.add("labels " + labels.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue())
                    .collect(Collectors.joining(",")));
            }
            if (!hosts.isEmpty()) {
                where.add("hosts " + String.join(",", hosts));
            }
            return (where.isEmpty() ? "every host" : String.join(" and ", where)) + " via "
                + via.map(JumpRoute::toString).orElse("direct");
        }
    }

    public JumpRules {
        rules = List.copyOf(rules);
    }

    /** Every host directly. */
    public static JumpRules none() {
        return new JumpRules(List.of());
    }

    /** Every host through {@code via} (a plain {@code ssh.jump: user@host}). */
    public static JumpRules every(JumpHost via) {
        return every(JumpRoute.of(via));
    }

    /** Every host through the jump hosts of {@code via} ({@code ssh.jump: user@a,user@b}). */
    public static JumpRules every(JumpRoute via) {
        return new JumpRules(List.of(Rule.every(via)));
    }

    /** The jump hosts {@code target} is reached through, or empty to connect directly. */
    public Optional<JumpRoute> jumpFor(HostTarget target) {
        return rules.stream().filter(r -> r.matches(target)).findFirst().flatMap(Rule::via);
    }

    @Override
    public String toString() {
        return rules.size() == 1 && rules.getFirst().matchesEveryHost()
            ? rules.getFirst().via().map(JumpRoute::toString).orElse("direct")
            : rules.stream().map(Rule::toString).collect(Collectors.joining("; ", "[", "]"));
    }
}
