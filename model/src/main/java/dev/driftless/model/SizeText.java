package dev.driftless.model;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Sizes in bytes as the repo format writes them: a number with an optional binary unit, as
 * Docker reads memory limits: {@code K}, {@code M}, {@code G}, {@code T} are powers of 1024, and
 * so are {@code Ki}, {@code Mi}, {@code Gi}, {@code Ti}; a trailing {@code B} and lower case
 * ({@code 512m}) are accepted. So {@code 512M} = {@code 512Mi} = 536870912 bytes. Fractions round
 * down to whole bytes ({@code 1.5G} = 1610612736).
 */
public final class SizeText {

    /** How the syntax reads in a message. */
    public static final String RULE =
        "write a number and a unit K, M, G or T (1K = 1024 bytes), e.g. 512M, 1G, 64Mi";

    private static final Pattern SIZE = Pattern.compile("([0-9]+(?:\\.[0-9]+)?)(?:([KMGTkmgt])(i)?)?([Bb])?");
    private static final String UNITS = "kmgt";

    private SizeText() {
    }

    /** The number of bytes {@code text} denotes, or empty when it is not a size. */
    public static Optional<Long> parse(String text) {
        Matcher m = SIZE.matcher(text);
        if (!m.matches()) {
            return Optional.empty();
        }
        BigDecimal bytes = new BigDecimal(m.group(1));
        if (m.group(2) != null) {
            int power = UNITS.indexOf(Character.toLowerCase(m.group(2).charAt(0))) + 1;
            bytes = bytes.multiply(BigDecimal.valueOf(1024).pow(power));
        }
        bytes = bytes.setScale(0, RoundingMode.DOWN);
        if (bytes.compareTo(BigDecimal.valueOf(Long.MAX_VALUE)) > 0) {
            return Optional.empty();
        }
        return Optional.of(bytes.longValueExact());
    }

    /** The shortest exact text for {@code bytes}: {@code 512M}, {@code 1G}, {@code 1536K}, {@code 100}. */
    public static String format(long bytes) {
        String[] units = {"T", "G", "M", "K"};
        for (int i = 0; i < units.length; i++) {
            long unit = 1L << (10 * (units.length - i));
            if (bytes != 0 && bytes % unit == 0) {
                return bytes / unit + units[i];
            }
        }
        return Long.toString(bytes);
    }
}
