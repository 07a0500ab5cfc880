package dev.driftless.secrets.format;

import dev.driftless.secrets.tree.BoolValue;
import dev.driftless.secrets.tree.FloatValue;
import dev.driftless.secrets.tree.IntValue;
import dev.driftless.secrets.tree.Node;
import dev.driftless.secrets.tree.NullNode;
import dev.driftless.secrets.tree.TextValue;
import java.math.BigInteger;
import java.time.LocalDate;
import java.util.OptionalDouble;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What an untagged plain YAML scalar means to sops, which reads YAML with go-yaml v3: its
 * resolver (YAML 1.2 core schema plus a few 1.1 leftovers), not SnakeYAML's YAML 1.1 one.
 * Timestamps stay strings, as go-yaml v3 hands them to sops.
 */
public final class YamlResolver {

    /** The go-yaml tag a plain scalar resolves to. */
    public enum Kind { NULL, BOOL, INT, FLOAT, TIMESTAMP, STR, MERGE, OUT_OF_RANGE_INT }

    private static final Pattern YAML_FLOAT = Pattern.compile("^[-+]?(\\.[0-9]+|[0-9]+(\\.[0-9]*)?)([eE][-+]?[0-9]+)?$");
    private static final Pattern BASE60 = Pattern.compile("^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\\.[0-9_]*)?$");
    private static final Pattern DATE = Pattern.compile("^(\\d{4})-(\\d{1,2})-(\\d{1,2})$");
    private static final Pattern DATE_TIME = Pattern.compile(
        "^(\\d{4})-(\\d{1,2})-(\\d{1,2})([Tt]|\\s)(\\d{1,2}):(\\d{1,2}):(\\d{1,2})(\\.\\d+)?(Z|[+-]\\d{2}:\\d{2})?$");

    private YamlResolver() {
    }

    /** The value of a plain scalar: null, bool, int, float, or (also for timestamps) a string. */
    public static Node resolve(String s) {
        return switch (kind(s)) {
            case NULL -> NullNode.INSTANCE;
            case BOOL -> new BoolValue(s.charAt(0) == 't' || s.charAt(0) == 'T');
            case INT -> new IntValue(parseInteger(s).longValueExact());
            case FLOAT -> new FloatValue(specialFloat(s));
            case OUT_OF_RANGE_INT -> throw new IllegalArgumentException("integer out of range");
            case TIMESTAMP, STR, MERGE -> new TextValue(s);
        };
    }

    /** The go-yaml tag of a plain scalar. */
    public static Kind kind(String s) {
        switch (s) {
            case "", "~", "null", "Null", "NULL":
                return Kind.NULL;
            case "true", "True", "TRUE", "false", "False", "FALSE":
                return Kind.BOOL;
            case ".nan", ".NaN", ".NAN", ".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF", "-.inf", "-.Inf", "-.INF":
                return Kind.FLOAT;
            case "<<":
                return Kind.MERGE;
            default:
                break;
        }
        char c = s.charAt(0);
        if (c == '.') {
            return GoFormat.parseFloat(s).isPresent() ? Kind.FLOAT : Kind.STR;
        }
        if (!(c == '+' || c == '-' || (c >= '0' && c <= '9'))) {
            return Kind.STR;
        }
        if (isTimestamp(s)) {
            return Kind.TIMESTAMP;
        }
        BigInteger i = parseInteger(s);
        if (i != null) {
            if (i.bitLength() < 64) {
                return Kind.INT;
            }
            return Kind.OUT_OF_RANGE_INT;
        }
        String plain = s.replace("_", "");
        if (YAML_FLOAT.matcher(plain).matches() && GoFormat.parseFloat(plain).isPresent()) {
            return Kind.FLOAT;
        }
        return Kind.STR;
    }

    /**
     * Whether go-yaml would write this string plain: it must resolve to a string and not look
     * like a YAML 1.1 boolean or base-60 number.
     */
    public static boolean canBePlainString(String s) {
        Kind k = s.isEmpty() ? Kind.NULL : kind(s);
        return (k == Kind.STR || k == Kind.MERGE) && !isBase60Float(s) && !isOldBool(s);
    }

    static boolean isOldBool(String s) {
        return switch (s) {
            case "y", "Y", "yes", "Yes", "YES", "on", "On", "ON", "n", "N", "no", "No", "NO", "off", "Off", "OFF" -> true;
            default -> false;
        };
    }

    static boolean isBase60Float(String s) {
        if (s.isEmpty()) {
            return false;
        }
        char c = s.charAt(0);
        if (!(c == '+' || c == '-' || (c >= '0' && c <= '9')) || s.indexOf(':') < 0) {
            return false;
        }
        return BASE60.matcher(s).matches();
    }

    private static double specialFloat(String s) {
        return switch (s) {
            case ".nan", ".NaN", ".NAN" -> Double.NaN;
            case ".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF" -> Double.POSITIVE_INFINITY;
            case "-.inf", "-.Inf", "-.INF" -> Double.NEGATIVE_INFINITY;
            default -> {
                OptionalDouble d = GoFormat.parseFloat(s.replace("_", ""));
                yield d.orElseThrow();
            }
        };
    }

    /**
     * go-yaml's integer forms: strconv.ParseInt/ParseUint with base prefix detection (0x, 0o, 0b,
     * leading 0 for octal) after removing underscores; null when it is not an integer.
     */
    static BigInteger parseInteger(String s) {
        String plain = s.replace("_", "");
        boolean negative = plain.startsWith("-");
        String body = plain.startsWith("-") || plain.startsWith("+") ? plain.substring(1) : plain;
        if (body.isEmpty()) {
            return null;
        }
        int radix = 10;
        String digits = body;
        if (body.length() > 1 && body.charAt(0) == '0') {
            char p = body.charAt(1);
            if (p == 'x' || p == 'X') {
                radix = 16;
                digits = body.substring(2);
            } else if (p == 'o' || p == 'O') {
                radix = 8;
                digits = body.substring(2);
            } else if (p == 'b' || p == 'B') {
                radix = 2;
                digits = body.substring(2);
            } else {
                radix = 8;
                digits = body.substring(1);
            }
        }
        if (digits.isEmpty() || digits.startsWith("+") || digits.startsWith("-")) {
            return null;
        }
        try {
            BigInteger v = new BigInteger(digits, radix);
            v = negative ? v.negate() : v;
            // ParseUint covers up to 2^64-1; beyond that go-yaml falls through to float.
            if (v.bitLength() > 64 || (negative && v.bitLength() > 63 && !v.equals(BigInteger.ONE.shiftLeft(63).negate()))) {
                return null;
            }
            return v;
        } catch (NumberFormatException e) {
            return null;
        }
    }

    static boolean isTimestamp(String s) {
        int i = 0;
        while (i < s.length() && Character.isDigit(s.charAt(i)) && s.charAt(i) < 128) {
            i++;
        }
        if (i != 4 || i == s.length() || s.charAt(i) != '-') {
            return false;
        }
        Matcher d = DATE.matcher(s);
        if (d.matches()) {
            return validDate(d.group(1), d.group(2), d.group(3));
        }
        Matcher t = DATE_TIME.matcher(s);
        if (!t.matches()) {
            return false;
        }
        boolean spaced = !t.group(4).equalsIgnoreCase("t");
        if (spaced && (!t.group(4).equals(" ") || t.group(9) != null)) {
            return false; // the space form has no zone; other whitespace is not allowed
        }
        if (!spaced && t.group(9) == null) {
            return false; // the T form needs a zone
        }
        return validDate(t.group(1), t.group(2), t.group(3))
            && Integer.parseInt(t.group(5)) < 24 && Integer.parseInt(t.group(6)) < 60
            && Integer.parseInt(t.group(7)) < 60;
    }

    private static boolean validDate(String y, String m, String d) {
        int month = Integer.parseInt(m);
        int day = Integer.parseInt(d);
        if (month < 1 || month > 12 || day < 1) {
            return false;
        }
        return day <= LocalDate.of(Integer.parseInt(y), month, 1).lengthOfMonth();
    }
}
