package dev.driftless.reconciler.runtime.docker;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A filesystem mounted into a container, rendered as one {@code --mount} value (Docker's own CSV
 * syntax, so paths may contain colons, which {@code --volume} cannot carry).
 *
 * @param type     bind mount of a host path, named volume, or tmpfs
 * @param source   host path (bind), volume name (volume), ignored for tmpfs
 * @param target   the path inside the container
 * @param readOnly mounted read-only
 */
public record Mount(Type type, String source, String target, boolean readOnly) {

    /** Kind of mount. */
    public enum Type { BIND, VOLUME, TMPFS }

    public Mount {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(target, "target");
        if (!target.startsWith("/")) {
            throw new IllegalArgumentException("mount target '" + target + "' must be an absolute path in the container");
        }
        if (type == Type.BIND && !source.startsWith("/")) {
            throw new IllegalArgumentException("bind mount source '" + source + "' must be an absolute host path");
        }
        if (type == Type.VOLUME && !source.matches("[a-zA-Z0-9][a-zA-Z0-9_.-]*")) {
            throw new IllegalArgumentException("volume name '" + source + "' may hold only letters, digits, _ . -");
        }
    }

    public static Mount volume(String name, String target) {
        return new Mount(Type.VOLUME, name, target, false);
    }

    public static Mount bind(String hostPath, String target, boolean readOnly) {
        return new Mount(Type.BIND, hostPath, target, readOnly);
    }

    /** The value of {@code --mount}: {@code type=…,source=…,target=…[,readonly]}. */
    public String render() {
        List<String> fields = new ArrayList<>();
        fields.add("type=" + type.name().toLowerCase(java.util.Locale.ROOT));
        if (type != Type.TMPFS) {
            fields.add(csv("source=" + source));
        }
        fields.add(csv("target=" + target));
        if (readOnly) {
            fields.add("readonly");
        }
        return String.join(",", fields);
    }

    /** Docker reads --mount as one CSV record: a field with a comma or quote is quoted, quotes doubled. */
    private static String csv(String field) {
        if (field.indexOf(',') < 0 && field.indexOf('"') < 0) {
            return field;
        }
        return "\"" + field.replace("\"", "\"\"") + "\"";
    }
}
