package dev.driftless.reconciler.source.verify;

import dev.driftless.reconciler.sshkeys.SshWire;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * An allowed signers file, as git's {@code gpg.ssh.allowedSignersFile} and {@code ssh-keygen -Y
 * verify} read it (ssh-keygen(1), "ALLOWED SIGNERS"): one key per line,
 * {@code principals [options] keytype base64-key [comment]}, with the options
 * {@code namespaces="git,…"}, {@code valid-after=…}, {@code valid-before=…} (YYYYMMDD[HHMM[SS]],
 * a trailing Z for UTC, else local time) and {@code cert-authority}.
 */
final class AllowedSigners {

    /** One line of the file. */
    record Entry(int line, String principals, String keyType, byte[] key, boolean certAuthority,
                 Optional<List<String>> namespaces, Optional<Instant> validAfter, Optional<Instant> validBefore) {
    }

    private static final List<String> KEY_TYPES = List.of("ssh-ed25519", "ssh-rsa", "ecdsa-sha2-nistp256",
        "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521", "sk-ssh-ed25519@openssh.com",
        "sk-ecdsa-sha2-nistp256@openssh.com", "ssh-dss");

    private final Path file;
    private final List<Entry> entries;

    private AllowedSigners(Path file, List<Entry> entries) {
        this.file = file;
        this.entries = List.copyOf(entries);
    }

    Path file() {
        return file;
    }

    /** The entries for {@code key} (an SSH public key blob), in file order. */
    List<Entry> of(byte[] key) {
        return entries.stream().filter(e -> Arrays.equals(e.key(), key)).toList();
    }

    static AllowedSigners read(Path file, ZoneId localZone) throws TrustFileException {
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new TrustFileException(file + ": cannot read the allowed signers file ("
                + e.getClass().getSimpleName() + ")");
        }
        List<Entry> entries = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            entries.add(parse(file, i + 1, line, localZone));
        }
        if (entries.isEmpty()) {
            throw new TrustFileException(file + ": the allowed signers file lists no key");
        }
        return new AllowedSigners(file, entries);
    }

    private static Entry parse(Path file, int number, String line, ZoneId localZone) throws TrustFileException {
        String where = file + ":" + number + ": ";
        List<String> tokens = tokens(line);
        if (tokens.size() < 3) {
            throw new TrustFileException(where + "expected \"principals [options] key-type base64-key\", e.g. "
                + "\"grace@example.org ssh-ed25519 AAAA…\"");
        }
        int at = 1;
        String options = "";
        String second = tokens.get(1);
        if (!KEY_TYPES.contains(second) && (second.contains("=") || second.toLowerCase(Locale.ROOT)
                .startsWith("cert-authority"))) {
            options = tokens.get(1);
            at = 2;
        }
        if (tokens.size() < at + 2) {
            throw new TrustFileException(where + "no key after the options");
        }
        String type = tokens.get(at);
        if (!KEY_TYPES.contains(type)) {
            throw new TrustFileException(where + "\"" + type + "\" is not an SSH key type (expected one of "
                + String.join(", ", KEY_TYPES) + ")");
        }
        byte[] key;
        try {
            key = Base64.getDecoder().decode(tokens.get(at + 1));
        } catch (IllegalArgumentException e) {
            throw new TrustFileException(where + "the key is not valid base64");
        }
        String embedded = new SshWire(key).textOrNull();
        if (!type.equals(embedded)) {
            throw new TrustFileException(where + "the key's data is not a " + type + " key");
        }
        boolean ca = false;
        Optional<List<String>> namespaces = Optional.empty();
        Optional<Instant> after = Optional.empty();
        Optional<Instant> before = Optional.empty();
        for (String option : splitOptions(options)) {
            String name = option.contains("=") ? option.substring(0, option.indexOf('=')) : option;
            String value = option.contains("=") ? unquote(option.substring(option.indexOf('=') + 1)) : "";
            switch (name.toLowerCase(Locale.ROOT)) {
                case "cert-authority" -> ca = true;
                case "namespaces" -> namespaces = Optional.of(List.of(value.split(",")));
                case "valid-after" -> after = Optional.of(time(where, name, value, localZone));
                case "valid-before" -> before = Optional.of(time(where, name, value, localZone));
                default -> throw new TrustFileException(where + "unknown option \"" + name
                    + "\" (known: cert-authority, namespaces, valid-after, valid-before)");
            }
        }
        return new Entry(number, tokens.get(0), type, key, ca, namespaces, after, before);
    }

    private static final DateTimeFormatter[] TIMES = {
        DateTimeFormatter.ofPattern("uuuuMMddHHmmss"), DateTimeFormatter.ofPattern("uuuuMMddHHmm")};

    /** YYYYMMDD, YYYYMMDDHHMM or YYYYMMDDHHMMSS; UTC with a trailing Z, else {@code zone}. */
    private static Instant time(String where, String option, String text, ZoneId zone) throws TrustFileException {
        boolean utc = text.endsWith("Z") || text.endsWith("z");
        String digits = utc ? text.substring(0, text.length() - 1) : text;
        ZoneId in = utc ? ZoneOffset.UTC : zone;
        try {
            if (digits.length() == 8) {
                return LocalDateTime.parse(digits + "0000", TIMES[1]).atZone(in).toInstant();
            }
            if (digits.length() == 12) {
                return LocalDateTime.parse(digits, TIMES[1]).atZone(in).toInstant();
            }
            if (digits.length() == 14) {
                return LocalDateTime.parse(digits, TIMES[0]).atZone(in).toInstant();
            }
        } catch (DateTimeParseException e) {
            // reported below
        }
        throw new TrustFileException(where + option + "=\"" + text + "\" is not a time: use YYYYMMDD, "
            + "YYYYMMDDHHMM or YYYYMMDDHHMMSS, with a trailing Z for UTC");
    }

    /** Splits on unquoted blanks, keeping quotes (options carry them: namespaces="git"). */
    private static List<String> tokens(String line) {
        return splitUnquoted(line, " \t");
    }

    /** Splits options on unquoted commas: {@code namespaces="git,file",valid-after=20260101}. */
    private static List<String> splitOptions(String options) {
        return splitUnquoted(options, ",").stream().filter(s -> !s.isBlank()).toList();
    }

    /** The non-empty pieces of {@code text} between separators outside double quotes. */
    private static List<String> splitUnquoted(String text, String separators) {
        List<String> out = new ArrayList<>();
        StringBuilder cur = new StringBuilder();
        boolean quoted = false;
        for (char c : text.toCharArray()) {
            if (c == '"') {
                quoted = !quoted;
            }
            if (!quoted && separators.indexOf(c) >= 0) {
                if (!cur.isEmpty()) {
                    out.add(cur.toString());
                    cur.setLength(0);
                }
            } else {
                cur.append(c);
            }
        }
        if (!cur.isEmpty()) {
            out.add(cur.toString());
        }
        return out;
    }

    private static String unquote(String s) {
        return s.length() >= 2 && s.startsWith("\"") && s.endsWith("\"") ? s.substring(1, s.length() - 1) : s;
    }
}
