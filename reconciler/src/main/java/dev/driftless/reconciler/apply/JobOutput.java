package dev.driftless.reconciler.apply;

import dev.driftless.secrets.SecretValue;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;

/**
 * What a one-off job printed, made fit for a history step and the log: the last few non-blank
 * lines, with every secret value the job was given replaced by {@code ***} (a migration that
 * echoes its connection string must not put the password into history), bounded in length.
 */
final class JobOutput {

    /** How many of the last lines are kept. */
    static final int LINES = 3;
    /** The longest text kept, in characters. */
    static final int MAX = 400;
    static final String MASK = "***";

    private JobOutput() {
    }

    /** The last {@link #LINES} non-blank lines of {@code output}, joined by " / ", secrets masked. */
    static String tail(String output, Collection<SecretValue> secrets) {
        String masked = mask(output, secrets);
        List<String> lines = masked.lines().map(String::strip).filter(l -> !l.isEmpty()).toList();
        String tail = String.join(" / ", lines.subList(Math.max(0, lines.size() - LINES), lines.size()));
        return tail.length() <= MAX ? tail : "…" + tail.substring(tail.length() - MAX + 1);
    }

    /** {@code text} with every occurrence of every secret value replaced by {@link #MASK}, longest first. */
    static String mask(String text, Collection<SecretValue> secrets) {
        List<String> values = new ArrayList<>();
        for (SecretValue s : secrets) {
            String v = s.reveal();
            if (!v.isEmpty()) {
                values.add(v);
                // Also as it may be printed on one line: a multi-line value line by line.
                v.lines().map(String::strip).filter(l -> l.length() >= 4).forEach(values::add);
            }
        }
        values.sort(Comparator.comparingInt(String::length).reversed());
        String out = text;
        for (String v : values) {
            out = out.replace(v, MASK);
        }
        return out;
    }
}
