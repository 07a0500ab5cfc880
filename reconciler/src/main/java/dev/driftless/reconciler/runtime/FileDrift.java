package dev.driftless.reconciler.runtime;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Files of an instance changed or deleted on the host behind driftless's back. When an instance's
 * files are placed, their checksums ({@link FileArchive#manifest}) are written beside it on the
 * host, readable only by whoever can read the files; each observation checks them on the host
 * (Docker: {@code docker cp} of each file out of the container; systemd: the instance's own
 * directory) and prints, per instance with a checksum list:
 *
 * <pre>
 * &#64;&#64;files NAME
 * changed PATH
 * missing PATH
 * </pre>
 *
 * one line per file that differs (none when all match). This class reads that and says it in
 * words; the hashes never leave the host.
 */
public final class FileDrift {

    /** What starts an instance's part of the check's output. */
    public static final String MARK = "@@files ";
    /** The suffix of the checksum list's file name. */
    public static final String SUFFIX = ".sha256";
    /**
     * How a checksum list of a unit names a file by its path in the SSH user's home (a user unit's
     * env file); the unit's own files are relative to its directory, other files absolute.
     */
    public static final String HOME = "~/";

    private FileDrift() {
    }

    /** A line of a checksum list: {@code <SHA-256 of content, lowercase hex> <path>}, newline-terminated. */
    public static String line(byte[] content, String path) {
        try {
            return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(content))
                + " " + path + "\n";
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime has SHA-256", e);
        }
    }

    /**
     * The drift reasons per instance name ({@code @@files} line's name) in a check's output; only
     * instances with files that differ are in it. Lines before the first mark, and lines of neither
     * kind, are ignored.
     */
    public static Map<String, String> read(List<String> lines) {
        Map<String, List<String>> changed = new LinkedHashMap<>();
        Map<String, List<String>> missing = new LinkedHashMap<>();
        String current = null;
        for (String line : lines) {
            if (line.startsWith(MARK)) {
                current = line.substring(MARK.length()).strip();
                continue;
            }
            if (current == null) {
                continue;
            }
            if (line.startsWith("changed ")) {
                changed.computeIfAbsent(current, k -> new ArrayList<>()).add(line.substring("changed ".length()));
            } else if (line.startsWith("missing ")) {
                missing.computeIfAbsent(current, k -> new ArrayList<>()).add(line.substring("missing ".length()));
            }
        }
        Map<String, String> reasons = new LinkedHashMap<>();
        for (String name : union(changed, missing)) {
            reasons.put(name, reason(changed.getOrDefault(name, List.of()), missing.getOrDefault(name, List.of())));
        }
        return reasons;
    }

    /** {@code file /etc/api/config.yaml changed on the host; files a, b deleted on the host}. */
    static String reason(List<String> changed, List<String> missing) {
        List<String> parts = new ArrayList<>();
        if (!changed.isEmpty()) {
            parts.add(files(changed) + " changed on the host");
        }
        if (!missing.isEmpty()) {
            parts.add(files(missing) + " deleted on the host");
        }
        return String.join("; ", parts);
    }

    private static String files(List<String> paths) {
        return (paths.size() == 1 ? "file " : "files ") + String.join(", ", paths);
    }

    private static List<String> union(Map<String, List<String>> a, Map<String, List<String>> b) {
        List<String> names = new ArrayList<>(a.keySet());
        b.keySet().stream().filter(n -> !names.contains(n)).forEach(names::add);
        return names;
    }
}
