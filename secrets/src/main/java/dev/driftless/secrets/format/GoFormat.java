package dev.driftless.secrets.format;

import java.math.BigDecimal;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.OptionalDouble;
import java.util.OptionalLong;
import java.util.regex.Pattern;

/**
 * Number, boolean and time text exactly as Go's strconv, encoding/json and time packages write
 * and read it, because sops's ciphertexts, MACs and output depend on those exact strings.
 */
public final class GoFormat {

    private static final Pattern DECIMAL = Pattern.compile("[+-]?([0-9]+\\.?[0-9]*|\\.[0-9]+)([eE][+-]?[0-9]+)?");
    private static final Pattern INFINITY = Pattern.compile("[+-]?(?i:inf|infinity)");
    private static final Pattern INTEGER = Pattern.compile("[+-]?[0-9]+");

    /** Shortest decimal digits of |v| (no leading or trailing zeros) and the decimal point position. */
    record Digits(String digits, int point) {
    }

    private GoFormat() {
    }

    /** {@code strconv.FormatFloat(v, 'f', -1, 64)}: what sops encrypts and MACs for floats. */
    public static String formatFloatF(double v) {
        if (Double.isNaN(v)) {
            return "NaN";
        }
        if (Double.isInfinite(v)) {
            return v > 0 ? "+Inf" : "-Inf";
        }
        String sign = (v < 0 || (v == 0 && 1 / v < 0)) ? "-" : "";
        if (v == 0) {
            return sign + "0";
        }
        return sign + fixed(shortest(Math.abs(v)));
    }

    /** {@code strconv.FormatFloat(v, 'g', -1, 64)}: how yaml.v3 writes floats. */
    public static String formatFloatG(double v) {
        if (Double.isNaN(v) || Double.isInfinite(v) || v == 0) {
            return formatFloatF(v);
        }
        Digits d = shortest(Math.abs(v));
        int exp = d.point() - 1;
        String sign = v < 0 ? "-" : "";
        if (exp < -4 || exp >= 6) {
            return sign + exponent(d);
        }
        return sign + fixed(d);
    }

    /** How encoding/json writes a float64 (sops's JSON output). */
    public static String formatFloatJson(double v) {
        if (Double.isNaN(v) || Double.isInfinite(v)) {
            throw new IllegalArgumentException("JSON cannot represent " + v);
        }
        double abs = Math.abs(v);
        if (abs != 0 && (abs < 1e-6 || abs >= 1e21)) {
            String s = (v < 0 ? "-" : "") + exponent(shortest(abs));
            // encoding/json cleans e-09 up to e-9
            int n = s.length();
            if (n >= 4 && s.charAt(n - 4) == 'e' && s.charAt(n - 3) == '-' && s.charAt(n - 2) == '0') {
                s = s.substring(0, n - 2) + s.charAt(n - 1);
            }
            return s;
        }
        return formatFloatF(v);
    }

    /** {@code strconv.ParseFloat(s, 64)} for decimal, infinity and NaN spellings; empty when Go would fail. */
    public static OptionalDouble parseFloat(String s) {
        if (INFINITY.matcher(s).matches()) {
            return OptionalDouble.of(s.startsWith("-") ? Double.NEGATIVE_INFINITY : Double.POSITIVE_INFINITY);
        }
        if (s.equalsIgnoreCase("nan")) {
            return OptionalDouble.of(Double.NaN);
        }
        if (!DECIMAL.matcher(s).matches()) {
            return OptionalDouble.empty();
        }
        double d = Double.parseDouble(s);
        if (Double.isInfinite(d)) {
            return OptionalDouble.empty(); // Go: ErrRange
        }
        return OptionalDouble.of(d);
    }

    /** {@code strconv.Atoi}: optional sign, decimal digits, 64-bit range. */
    public static OptionalLong parseInt(String s) {
        if (!INTEGER.matcher(s).matches()) {
            return OptionalLong.empty();
        }
        try {
            return OptionalLong.of(Long.parseLong(s.startsWith("+") ? s.substring(1) : s));
        } catch (NumberFormatException e) {
            return OptionalLong.empty();
        }
    }

    /** {@code strconv.ParseBool}. */
    public static java.util.Optional<Boolean> parseBool(String s) {
        return switch (s) {
            case "1", "t", "T", "TRUE", "true", "True" -> java.util.Optional.of(true);
            case "0", "f", "F", "FALSE", "false", "False" -> java.util.Optional.of(false);
            default -> java.util.Optional.empty();
        };
    }

    /** {@code time.Time.MarshalText}: RFC 3339 with nanoseconds, trailing zeros dropped. */
    public static String formatTime(OffsetDateTime t) {
        StringBuilder sb = new StringBuilder(DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss", Locale.ROOT).format(t));
        int nanos = t.getNano();
        if (nanos != 0) {
            String frac = String.format(Locale.ROOT, "%09d", nanos).replaceAll("0+$", "");
            sb.append('.').append(frac);
        }
        sb.append(offset(t.getOffset()));
        return sb.toString();
    }

    /** {@code time.Format(time.RFC3339)}: seconds precision, {@code Z} for UTC. */
    public static String formatTimeSeconds(OffsetDateTime t) {
        return DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss", Locale.ROOT).format(t) + offset(t.getOffset());
    }

    /** {@code time.Parse(time.RFC3339, s)}; empty when Go would refuse it. */
    public static java.util.Optional<OffsetDateTime> parseTime(String s) {
        if (!s.matches("\\d{4}-\\d{2}-\\d{2}[Tt]\\d{2}:\\d{2}:\\d{2}(\\.\\d+)?([Zz]|[+-]\\d{2}:\\d{2})")) {
            return java.util.Optional.empty();
        }
        try {
            return java.util.Optional.of(OffsetDateTime.parse(s.replace('t', 'T').replace('z', 'Z')));
        } catch (DateTimeParseException e) {
            return java.util.Optional.empty();
        }
    }

    private static String offset(ZoneOffset o) {
        if (o.getTotalSeconds() == 0) {
            return "Z";
        }
        int secs = Math.abs(o.getTotalSeconds());
        return String.format(Locale.ROOT, "%s%02d:%02d", o.getTotalSeconds() < 0 ? "-" : "+", secs / 3600, (secs / 60) % 60);
    }

    static Digits shortest(double abs) {
        BigDecimal bd = new BigDecimal(Double.toString(abs)).stripTrailingZeros();
        String digits = bd.unscaledValue().toString();
        int point = digits.length() - bd.scale();
        if (digits.length() == 2) {
            // Java may print two digits where one already round-trips; Go prints the shortest.
            Digits one = shortestOneDigit(abs, digits, point);
            if (one != null) {
                return one;
            }
        }
        return new Digits(digits, point);
    }

    private static Digits shortestOneDigit(double abs, String two, int point) {
        int first = two.charAt(0) - '0';
        BigDecimal exact = new BigDecimal(abs);
        Digits best = null;
        BigDecimal bestDistance = null;
        for (int d = first; d <= first + 1; d++) {
            Digits candidate = d == 10 ? new Digits("1", point + 1) : new Digits(Integer.toString(d), point);
            BigDecimal value = new BigDecimal(candidate.digits()).scaleByPowerOfTen(candidate.point() - 1);
            if (value.signum() == 0 || value.doubleValue() != abs) {
                continue;
            }
            BigDecimal distance = value.subtract(exact).abs();
            if (best == null || distance.compareTo(bestDistance) < 0) {
                best = candidate;
                bestDistance = distance;
            }
        }
        return best;
    }

    private static String fixed(Digits d) {
        String digits = d.digits();
        int point = d.point();
        if (point <= 0) {
            return "0." + "0".repeat(-point) + digits;
        }
        if (point >= digits.length()) {
            return digits + "0".repeat(point - digits.length());
        }
        return digits.substring(0, point) + "." + digits.substring(point);
    }

    private static String exponent(Digits d) {
        String digits = d.digits();
        int exp = d.point() - 1;
        StringBuilder sb = new StringBuilder().append(digits.charAt(0));
        if (digits.length() > 1) {
            sb.append('.').append(digits, 1, digits.length());
        }
        sb.append('e').append(exp < 0 ? '-' : '+');
        int abs = Math.abs(exp);
        if (abs < 10) {
            sb.append('0');
        }
        return sb.append(abs).toString();
    }
}
