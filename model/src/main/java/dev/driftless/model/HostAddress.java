package dev.driftless.model;

import java.util.regex.Pattern;

/**
 * What may stand in {@code address:} and in a port's host IP: an IPv4 or IPv6 literal or a DNS
 * name. Checked by syntax only; model does no name resolution.
 */
final class HostAddress {

    private static final Pattern IPV4 = Pattern.compile(
        "(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])(\\.(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])){3}");
    private static final Pattern LABEL = Pattern.compile("[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?");
    private static final Pattern HEX_GROUP = Pattern.compile("[0-9a-fA-F]{1,4}");

    private HostAddress() {
    }

    static boolean isIp(String s) {
        return isIpv4(s) || isIpv6(s);
    }

    static boolean isIpv4(String s) {
        return IPV4.matcher(s).matches();
    }

    static boolean isIpv6(String s) {
        if (!s.contains(":") || s.startsWith(":") && !s.startsWith("::") || s.endsWith(":") && !s.endsWith("::")) {
            return false;
        }
        int compressed = s.indexOf("::");
        if (compressed >= 0 && s.indexOf("::", compressed + 1) >= 0) {
            return false;
        }
        String[] groups = s.replace("::", ":x:").split(":", -1);
        int count = 0;
        for (int i = 0; i < groups.length; i++) {
            String g = groups[i];
            if (g.isEmpty() || g.equals("x")) {
                continue;
            }
            if (i == groups.length - 1 && g.contains(".")) {
                if (!isIpv4(g)) {
                    return false;
                }
                count += 2;
            } else if (HEX_GROUP.matcher(g).matches()) {
                count++;
            } else {
                return false;
            }
        }
        return compressed >= 0 ? count < 8 : count == 8;
    }

    /** An IP literal, or a DNS name whose labels are not all numbers (so 10.0.0.256 is refused). */
    static boolean isValid(String s) {
        if (isIp(s)) {
            return true;
        }
        if (s.length() > 253 || s.isEmpty()) {
            return false;
        }
        String[] labels = s.split("\\.", -1);
        boolean allNumeric = true;
        for (String label : labels) {
            if (!LABEL.matcher(label).matches()) {
                return false;
            }
            allNumeric &= label.chars().allMatch(Character::isDigit);
        }
        return !allNumeric;
    }
}
