package dev.driftless.model;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Durations as the repo format writes them: numbers with units {@code h}, {@code m}, {@code s},
 * {@code ms}, largest first, each at most once: {@code 2s}, {@code 500ms}, {@code 1m30s},
 * {@code 1.5s}, {@code 2h}. A bare number is not a duration (is {@code 30} seconds or
 * milliseconds?), and the smallest unit is a millisecond.
 */
public final class DurationText {

    /** How the syntax reads in a message. */
    public static final String RULE = "write a number and a unit (h, m, s, ms), e.g. 500ms, 2s, 1m30s";

    private static final Pattern PART = Pattern.compile("([0-9]+(?:\\.[0-9]+)?)(ms|h|m|s)");
    private static final List<String> UNITS = List.of("h", "m", "s", "ms");
    private static final List<BigDecimal> MILLIS = List.of(
        BigDecimal.valueOf(3_600_000), BigDecimal.valueOf(60_000), BigDecimal.valueOf(1_000), BigDecimal.ONE);
    private static final BigDecimal MAX_MILLIS = BigDecimal.valueOf(Duration.ofDays(3650).toMillis());

    private DurationText() {
    }

    /** The duration {@code text} denotes, or empty when it is not one. */
    public static Optional<Duration> parse(String text) {
        Matcher m = PART.matcher(text);
        int at = 0;
        int lastUnit = -1;
        BigDecimal millis = BigDecimal.ZERO;
        while (at < text.length()) {
            if (!m.find(at) || m.start() != at) {
                return Optional.empty();
            }
            int unit = UNITS.indexOf(m.group(2));
            if (unit <= lastUnit) {
                return Optional.empty();
            }
            lastUnit = unit;
            millis = millis.add(new BigDecimal(m.group(1)).multiply(MILLIS.get(unit)));
            at = m.end();
        }
        if (lastUnit < 0 || millis.compareTo(MAX_MILLIS) > 0 || millis.stripTrailingZeros().scale() > 0) {
            return Optional.empty();
        }
        return Optional.of(Duration.ofMillis(millis.longValueExact()));
    }

    /** The shortest text that parses back to {@code d}, e.g. {@code 1m30s}; whole milliseconds only. */
    public static String format(Duration d) {
        long ms = d.toMillis();
        if (ms == 0) {
            return "0s";
        }
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < UNITS.size(); i++) {
            long unit = MILLIS.get(i).longValue();
            if (ms >= unit) {
                out.append(ms / unit).append(UNITS.get(i));
                ms %= unit;
            }
        }
        return out.toString();
    }
}
