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
 * owner WANT_MODE WANT_UID:GID NOW_MODE NOW_UID:GID PATH
 * </pre>
 *
 * one line per file that differs (none when all match); {@code owner} lines only where the list
 * holds the mode and owner too ({@link #line(byte[], int, String, String)}: every list written
 * since modes and owners are compared). A container's files have a numeric owner; a systemd
 * instance's belong to whoever owns its directory ({@link #DIRECTORY_OWNER}), and then the owners
 * on both sides are the names the host gives them. This class reads that and says it in words;
 * the hashes never leave the host.
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
    /**
     * The owner field of a list line whose file is to belong to the owner of what holds it: a
     * systemd instance's file to its files directory's (the service's user, or the SSH user), its
     * env file to the checksum list's (root, or the SSH user), both written the same way.
     */
    public static final String DIRECTORY_OWNER = "-";

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
     * A line of a container's checksum list, with the mode and numeric owner the file was placed
     * with: {@code <SHA-256> <mode, 4 octal digits> <uid>:<gid> <path>}, newline-terminated.
     */
    public static String line(byte[] content, int mode, long uid, long gid, String path) {
        return line(content, mode, uid + ":" + gid, path);
    }

    /**
     * A line of a checksum list with the mode the file was placed with and its owner: {@code <SHA-256>
     * <mode, 4 octal digits> <owner> <path>}, newline-terminated; the owner is {@code uid:gid} or
     * {@link #DIRECTORY_OWNER}. A container's path is absolute, so it never looks like a mode; a
     * systemd instance's relative path is read as one only when it starts like a mode and {@code -}
     * followed by a space (so a list of either form reads alike).
     */
    public static String line(byte[] content, int mode, String owner, String path) {
        String plain = line(content, path);
        int space = plain.indexOf(' ');
        return plain.substring(0, space) + " " + String.format("%04o", mode) + " " + owner + plain.substring(space);
    }

    /**
     * The drift reasons per instance name ({@code @@files} line's name) in a check's output; only
     * instances with files that differ are in it. Lines before the first mark, and lines of neither
     * kind, are ignored.
     */
    public static Map<String, String> read(List<String> lines) {
        Map<String, List<String>> changed = new LinkedHashMap<>();
        Map<String, List<String>> missing = new LinkedHashMap<>();
        Map<String, List<String>> owners = new LinkedHashMap<>();
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
            } else if (line.startsWith("owner ")) {
                String[] f = line.split(" ", 6);
                if (f.length == 6) {
                    owners.computeIfAbsent(current, k -> new ArrayList<>()).add(owner(f[5], f[1], f[2], f[3], f[4]));
                }
            }
        }
        Map<String, String> reasons = new LinkedHashMap<>();
        for (String name : union(union(changed, missing), owners.keySet())) {
            List<String> parts = new ArrayList<>();
            String content = reason(changed.getOrDefault(name, List.of()), missing.getOrDefault(name, List.of()));
            if (!content.isEmpty()) {
                parts.add(content);
            }
            parts.addAll(owners.getOrDefault(name, List.of()));
            reasons.put(name, String.join("; ", parts));
        }
        return reasons;
    }

    /** {@code file /run/secrets/db mode 0400 → 0644 on the host}, with the owner too where it differs. */
    static String owner(String path, String wantMode, String wantOwner, String nowMode, String nowOwner) {
        List<String> what = new ArrayList<>();
        if (!wantMode.equals(nowMode)) {
            what.add("mode " + wantMode + " → " + nowMode);
        }
        if (!wantOwner.equals(nowOwner)) {
            what.add("owner " + wantOwner + " → " + nowOwner);
        }
        return "file " + path + " " + String.join(" and ", what) + " on the host";
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
        return union(a.keySet(), b.keySet());
    }

    private static List<String> union(java.util.Collection<String> a, java.util.Collection<String> b) {
        List<String> names = new ArrayList<>(a);
        b.stream().filter(n -> !names.contains(n)).forEach(names::add);
        return names;
    }
}
