package dev.driftless.reconciler.ssh;

import dev.driftless.reconciler.sshkeys.SshPatterns;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The host keys an OpenSSH known_hosts file pins: plain, wildcard and negated host patterns,
 * {@code [host]:port} for non-standard ports, hashed {@code |1|salt|hash} names,
 * {@code @revoked} keys (refused for every host), and {@code @cert-authority} lines naming the CA
 * whose host certificates are trusted for the hosts they match. Lines it cannot use are listed in
 * {@link #problems()}.
 */
public final class KnownHosts {

    /** Whether a line pins a key, revokes it, or names a CA. */
    public enum Marker { NONE, REVOKED, CERT_AUTHORITY }

    /**
     * One usable line.
     *
     * @param line     1-based line number in {@link #source()}
     * @param marker   the line's marker
     * @param patterns the comma-separated host patterns as written
     * @param key      the key
     */
    public record Entry(int line, Marker marker, List<String> patterns, HostKey key) {
        public Entry {
            patterns = List.copyOf(patterns);
        }
    }

    private final String source;
    private final List<Entry> entries;
    private final List<String> problems;

    private KnownHosts(String source, List<Entry> entries, List<String> problems) {
        this.source = source;
        this.entries = List.copyOf(entries);
        this.problems = List.copyOf(problems);
    }

    /** No pins at all. */
    public static KnownHosts empty() {
        return new KnownHosts("(no known_hosts file)", List.of(), List.of());
    }

    /** Reads a known_hosts file; a missing file pins nothing (and says so in {@link #problems()}). */
    public static KnownHosts load(Path file) throws IOException {
        try {
            return parse(Files.readString(file, StandardCharsets.UTF_8), file.toString());
        } catch (NoSuchFileException e) {
            return new KnownHosts(file.toString(), List.of(), List.of(file + ": no such file, so it pins no host keys"));
        }
    }

    /** Parses known_hosts text; {@code source} names it in problems and messages. */
    public static KnownHosts parse(String text, String source) {
        List<Entry> entries = new ArrayList<>();
        List<String> problems = new ArrayList<>();
        List<String> lines = text.lines().toList();
        for (int i = 0; i < lines.size(); i++) {
            int lineNo = i + 1;
            String line = lines.get(i).strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            String[] fields = line.split("\\s+");
            int f = 0;
            Marker marker = Marker.NONE;
            if (fields[0].startsWith("@")) {
                switch (fields[0]) {
                    case "@revoked" -> marker = Marker.REVOKED;
                    case "@cert-authority" -> marker = Marker.CERT_AUTHORITY;
                    default -> {
                        problems.add(source + ":" + lineNo + ": unknown marker " + fields[0] + ", line ignored");
                        continue;
                    }
                }
                f++;
            }
            if (fields.length < f + 3) {
                problems.add(source + ":" + lineNo + ": expected '[marker] hosts keytype base64key', line ignored");
                continue;
            }
            HostKey key;
            try {
                key = new HostKey(fields[f + 1], fields[f + 2]);
            } catch (IllegalArgumentException e) {
                problems.add(source + ":" + lineNo + ": " + e.getMessage() + ", line ignored");
                continue;
            }
            List<String> patterns = List.of(fields[f].split(","));
            if (patterns.stream().anyMatch(p -> p.startsWith("|") && !p.startsWith("|1|"))) {
                problems.add(source + ":" + lineNo + ": unknown hashed host name format, line ignored");
                continue;
            }
            entries.add(new Entry(lineNo, marker, patterns, key));
        }
        return new KnownHosts(source, entries, problems);
    }

    /** The file (or other source) these pins came from. */
    public String source() {
        return source;
    }

    public List<Entry> entries() {
        return entries;
    }

    /** Lines that pin nothing, as {@code file:line: reason}. */
    public List<String> problems() {
        return problems;
    }

    /**
     * The pinned (not revoked) keys for a host reached as any of {@code names} on {@code port}:
     * each name is looked up as OpenSSH does, {@code name} on port 22 and {@code [name]:port}
     * otherwise, case-insensitively.
     */
    public List<Entry> pinsFor(Collection<String> names, int port) {
        return linesFor(names, port, Marker.NONE);
    }

    /** The {@code @cert-authority} lines for a host reached as any of {@code names} on {@code port}, as {@link #pinsFor}. */
    public List<Entry> authoritiesFor(Collection<String> names, int port) {
        return linesFor(names, port, Marker.CERT_AUTHORITY);
    }

    private List<Entry> linesFor(Collection<String> names, int port, Marker marker) {
        List<String> lookups = names.stream().map(n -> lookupName(n, port)).distinct().toList();
        return entries.stream()
            .filter(e -> e.marker() == marker)
            .filter(e -> lookups.stream().anyMatch(n -> matches(e.patterns(), n)))
            .toList();
    }

    /** The {@code @revoked} line for this key, whichever hosts it names: a revoked key is never accepted. */
    public Optional<Entry> revocationOf(HostKey key) {
        return entries.stream()
            .filter(e -> e.marker() == Marker.REVOKED && e.key().sameKey(key))
            .findFirst();
    }

    /** How OpenSSH writes a host in known_hosts: {@code name} for port 22, {@code [name]:port} otherwise. */
    public static String lookupName(String name, int port) {
        String lower = name.toLowerCase(Locale.ROOT);
        return port == 22 ? lower : "[" + lower + "]:" + port;
    }

    /** OpenSSH's rule: some pattern matches and no negated pattern does. */
    static boolean matches(List<String> patterns, String name) {
        boolean positive = false;
        for (String p : patterns) {
            if (p.startsWith("!")) {
                if (SshPatterns.glob(p.substring(1).toLowerCase(Locale.ROOT), name)) {
                    return false;
                }
            } else if (p.startsWith("|1|")) {
                positive |= hashedMatches(p, name);
            } else {
                positive |= SshPatterns.glob(p.toLowerCase(Locale.ROOT), name);
            }
        }
        return positive;
    }

    private static boolean hashedMatches(String hashed, String name) {
        String[] parts = hashed.split("\\|");
        if (parts.length != 4) {
            return false;
        }
        try {
            byte[] salt = Base64.getDecoder().decode(parts[2]);
            byte[] expected = Base64.getDecoder().decode(parts[3]);
            Mac mac = Mac.getInstance("HmacSHA1");
            mac.init(new SecretKeySpec(salt, "HmacSHA1"));
            return MessageDigest.isEqual(expected, mac.doFinal(name.getBytes(StandardCharsets.UTF_8)));
        } catch (IllegalArgumentException | GeneralSecurityException e) {
            return false;
        }
    }
}
