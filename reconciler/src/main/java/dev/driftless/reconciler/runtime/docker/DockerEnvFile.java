package dev.driftless.reconciler.runtime.docker;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * Renders the env file that carries a container's secrets ({@code docker run --env-file}). Docker
 * reads it line by line with no quoting, so a value cannot hold a line break; such values are
 * refused with a message naming the variable, never showing the value.
 */
public final class DockerEnvFile {

    private static final Pattern NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");

    private DockerEnvFile() {
    }

    /**
     * {@code NAME=value} lines, sorted by name, as UTF-8 bytes (the caller writes them with mode
     * 0600 and should clear the array afterwards).
     *
     * @throws IllegalArgumentException naming the variable whose name or value Docker cannot read
     */
    public static byte[] render(Map<String, String> variables) {
        StringBuilder sb = new StringBuilder();
        for (Map.Entry<String, String> e : new TreeMap<>(variables).entrySet()) {
            String name = e.getKey();
            String value = e.getValue();
            if (!NAME.matcher(name).matches()) {
                throw new IllegalArgumentException("environment variable name '" + name
                    + "' cannot go in an env file: use letters, digits and _ (not starting with a digit)");
            }
            for (int i = 0; i < value.length(); i++) {
                char c = value.charAt(i);
                if (c == '\n' || c == '\r' || c == '\0') {
                    throw new IllegalArgumentException("the value of " + name
                        + " contains a line break or NUL, which a Docker env file cannot carry");
                }
            }
            sb.append(name).append('=').append(value).append('\n');
        }
        return sb.toString().getBytes(StandardCharsets.UTF_8);
    }
}
