package dev.driftless.reconciler.runtime.systemd;

/**
 * The quoting of values written into systemd unit files and environment files: the one place
 * where repo values become unit-file text. Every value is written double-quoted with its special
 * characters escaped, so no value can end its line, start another setting, expand a variable or a
 * {@code %} specifier, or split into more words.
 */
public final class UnitFileSyntax {

    private UnitFileSyntax() {
    }

    /**
     * One word of {@code ExecStart=}: double-quoted, C-escaped, with {@code $} as {@code $$} and
     * {@code %} as {@code %%} (systemd expands both there). A word that is exactly {@code ;} is
     * written {@code \;}: systemd reads a lone semicolon, even quoted, as a command separator.
     *
     * @throws IllegalArgumentException for a NUL character, which no argument can carry
     */
    public static String execWord(String word) {
        if (word.equals(";")) {
            return "\\;";
        }
        return "\"" + escape(word, true, true) + "\"";
    }

    /**
     * An {@code Environment=} setting for one variable: {@code "NAME=value"}, C-escaped, {@code %}
     * as {@code %%}; {@code $} stays as is (systemd does not expand it there).
     */
    public static String environment(String name, String value) {
        return "\"" + escape(name + "=" + value, false, true) + "\"";
    }

    /**
     * One line of an {@code EnvironmentFile=}: {@code NAME="value"} with backslash and double
     * quote escaped (systemd expands nothing else there).
     *
     * @throws IllegalArgumentException naming the variable (never the value) for a line break or
     *                                  NUL, which an environment file cannot carry
     */
    public static String envFileLine(String name, String value) {
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c == '\n' || c == '\r' || c == '\0') {
                throw new IllegalArgumentException("the value of " + name + " contains a line break or NUL, which a"
                    + " systemd environment file cannot carry");
            }
        }
        StringBuilder b = new StringBuilder(name).append("=\"");
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c == '\\' || c == '"') {
                b.append('\\');
            }
            b.append(c);
        }
        return b.append('"').toString();
    }

    /**
     * One word of a transient unit's command line ({@code systemd-run -- COMMAND ARGS}): passed
     * as it is, with {@code $} as {@code $$}, since systemd expands variables there (but no
     * {@code %} specifiers, and it splits nothing).
     *
     * @throws IllegalArgumentException for a NUL character, which no argument can carry
     */
    public static String transientExecWord(String word) {
        if (word.indexOf('\0') >= 0) {
            throw new IllegalArgumentException("a NUL character cannot be passed as an argument");
        }
        return word.replace("$", "$$");
    }

    /**
     * A transient unit's {@code Environment=} property for one variable ({@code systemd-run -p}):
     * {@code "NAME=value"}, C-escaped; neither {@code $} nor {@code %} is expanded there.
     */
    public static String transientEnvironment(String name, String value) {
        return "Environment=\"" + escape(name + "=" + value, false, false) + "\"";
    }

    /** Text in a setting that expands {@code %} specifiers but is not quoted (Description=). */
    public static String plainText(String text) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '%') {
                b.append("%%");
            } else if (c < 0x20 || c == 0x7f) {
                b.append(' ');
            } else {
                b.append(c);
            }
        }
        return b.toString();
    }

    private static String escape(String s, boolean dollar, boolean percent) {
        StringBuilder b = new StringBuilder(s.length() + 8);
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '\0' -> throw new IllegalArgumentException("a NUL character cannot be written into a unit file");
                case '\\' -> b.append("\\\\");
                case '"' -> b.append("\\\"");
                case '\n' -> b.append("\\n");
                case '\t' -> b.append("\\t");
                case '\r' -> b.append("\\r");
                case '$' -> b.append(dollar ? "$$" : "$");
                case '%' -> b.append(percent ? "%%" : "%");
                default -> {
                    if (c < 0x20 || c == 0x7f) {
                        b.append(String.format("\\x%02x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        return b.toString();
    }
}
