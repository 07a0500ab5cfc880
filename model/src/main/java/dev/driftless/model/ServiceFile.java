package dev.driftless.model;

import java.util.Arrays;
import java.util.Objects;

/**
 * A file placed into each of a service's containers before it starts: a file of the repo, text
 * written in the service file, or the value of a secret. The container gets it at
 * {@code target}, owned by {@code uid}:{@code gid} with permission bits {@code mode}. A systemd
 * service's instance gets it in a directory of its own on the host (its program's working
 * directory), owned by the user the program runs as.
 *
 * @param target   an absolute path inside the container; for a systemd service a relative path in
 *                 the instance's directory
 * @param content  where the content comes from
 * @param mode     permission bits, at most {@code 0777}
 * @param uid      the owner's numeric user id inside the container
 * @param gid      the owner's numeric group id inside the container
 * @param drift    whether a change made to the file on the host after it was placed is drift that
 *                 driftless repairs (the default), or the program's own business
 * @param location where the file is declared, for messages
 */
public record ServiceFile(String target, Content content, int mode, long uid, long gid, Drift drift,
                          SourceLocation location) {

    /** Permission bits when the service names none: readable by every user of the container, written by none. */
    public static final int DEFAULT_MODE = 0444;
    /** The largest file a service may place (configuration, certificates, keys; not data). */
    public static final int MAX_BYTES = 1 << 20;

    public ServiceFile {
        Objects.requireNonNull(target, "target");
        Objects.requireNonNull(content, "content");
        Objects.requireNonNull(drift, "drift");
        Objects.requireNonNull(location, "location");
        if (mode < 0 || mode > 0777) {
            throw new IllegalArgumentException("mode must be between 0 and 0777");
        }
        if (uid < 0 || gid < 0) {
            throw new IllegalArgumentException("uid and gid must not be negative");
        }
    }

    /** A file whose changes on the host are drift, repaired (the default). */
    public ServiceFile(String target, Content content, int mode, long uid, long gid, SourceLocation location) {
        this(target, content, mode, uid, gid, Drift.REPAIR, location);
    }

    /** Whether observation checks the file against what driftless placed ({@code drift: repair}). */
    public boolean checked() {
        return drift == Drift.REPAIR;
    }

    /**
     * What a change of a placed file on the host is: {@code repair} (drift: the instance is
     * replaced with one that has the repo's file) or {@code ignore} (the program may rewrite it:
     * the file is placed when the instance is made and never checked after).
     */
    public enum Drift {
        REPAIR, IGNORE;

        /** As written in the service file: {@code repair}, {@code ignore}. */
        public String text() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /** {@code 0444}: the mode as people write it. */
    public String modeText() {
        return String.format("%04o", mode);
    }

    /** The content of a service file. */
    public sealed interface Content {
    }

    /**
     * Bytes the repo holds in plain text: a committed file ({@code path}, as resolved for the
     * environment) or text written inline ({@code path} empty).
     */
    public record Plain(String path, byte[] bytes) implements Content {
        public Plain {
            Objects.requireNonNull(path, "path");
            bytes = bytes.clone();
        }

        @Override
        public byte[] bytes() {
            return bytes.clone();
        }

        /** The first 16 hex digits of the content's SHA-256. */
        public String hash() {
            return "sha256:" + FingerprintInputs.sha256Hex(bytes).substring(0, 16);
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Plain p && p.path.equals(path) && Arrays.equals(p.bytes, bytes);
        }

        @Override
        public int hashCode() {
            return 31 * path.hashCode() + Arrays.hashCode(bytes);
        }

        @Override
        public String toString() {
            return "Plain[" + (path.isEmpty() ? "inline" : path) + ", " + bytes.length + " bytes]";
        }
    }

    /** The value of a secret: decrypted by the reconciler, never held by the model. */
    public record Secret(SecretRef ref) implements Content {
        public Secret {
            Objects.requireNonNull(ref, "ref");
        }
    }
}
