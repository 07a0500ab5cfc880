package dev.driftless.reconciler.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** sops's {@code --extract} syntax, {@code ["a"]["b"][0]}, as lookup path segments. */
final class ExtractPath {

    private static final Pattern PART = Pattern.compile("\\[(?:\"((?:[^\"\\\\]|\\\\.)*)\"|'((?:[^'\\\\]|\\\\.)*)'|(\\d+))\\]");

    private ExtractPath() {
    }

    static List<String> parse(String expression) {
        return parse(expression, "--extract");
    }

    /** {@link #parse(String)} of a path given as {@code what} (an option, or PATH), which errors name. */
    static List<String> parse(String expression, String what) {
        List<String> out = new ArrayList<>();
        Matcher m = PART.matcher(expression);
        int pos = 0;
        while (pos < expression.length()) {
            if (!m.find(pos) || m.start() != pos) {
                throw new IllegalArgumentException(what + " must look like [\"key\"][0]: " + expression);
            }
            String key = m.group(1) != null ? m.group(1) : m.group(2) != null ? m.group(2) : m.group(3);
            out.add(key.replaceAll("\\\\(.)", "$1"));
            pos = m.end();
        }
        if (out.isEmpty()) {
            throw new IllegalArgumentException(what + " must look like [\"key\"][0]: " + expression);
        }
        return out;
    }
}
