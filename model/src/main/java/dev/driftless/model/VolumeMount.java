package dev.driftless.model;

import java.util.Objects;

/**
 * A volume mounted into an instance: a Docker named volume ({@code pgdata}) or an absolute host
 * path ({@code /srv/config}) at an absolute {@code target} path inside it.
 */
public record VolumeMount(String source, String target, boolean readOnly) {

    public VolumeMount {
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(target, "target");
    }

    /** True for a named volume, false for a bind mount of a host path. */
    public boolean named() {
        return !source.startsWith("/");
    }

    /** In {@code docker run -v} syntax: {@code source:target[:ro]}. */
    @Override
    public String toString() {
        return source + ":" + target + (readOnly ? ":ro" : "");
    }
}
