package dev.driftless.secrets.age;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * The contents of an age identity file ({@code age-keygen} output, {@code SOPS_AGE_KEY}): one
 * {@code AGE-SECRET-KEY-1…} per line, {@code #} comments; the whole file may itself be
 * passphrase-encrypted by {@code age -p}. Lines of kinds driftless cannot use are reported by
 * their kind only, never by content.
 */
public record AgeIdentityFile(List<AgeIdentity> identities, List<String> unsupported) {

    public AgeIdentityFile {
        identities = List.copyOf(identities);
        unsupported = List.copyOf(unsupported);
    }

    /**
     * Reads an identity file. {@code origin} names it in messages; {@code passphrase} is asked
     * only when the file is age-encrypted.
     */
    public static AgeIdentityFile read(byte[] content, String origin, Optional<Supplier<char[]>> passphrase) {
        if (Age.isAgeFile(content)) {
            Supplier<char[]> source = passphrase.orElseThrow(() -> new AgeException(
                AgeException.Kind.WRONG_PASSPHRASE,
                origin + " is passphrase-encrypted and no passphrase was provided"));
            char[] pass = source.get();
            if (pass == null) {
                throw new AgeException(AgeException.Kind.WRONG_PASSPHRASE,
                    origin + " is passphrase-encrypted and no passphrase was provided");
            }
            byte[] plain;
            try {
                plain = Age.decryptWithPassphrase(content, pass);
            } catch (AgeException e) {
                throw new AgeException(e.kind(), origin + ": " + e.getMessage());
            } finally {
                Arrays.fill(pass, '\0');
            }
            try {
                return parse(new String(plain, StandardCharsets.UTF_8), origin);
            } finally {
                Arrays.fill(plain, (byte) 0);
            }
        }
        return parse(new String(content, StandardCharsets.UTF_8), origin);
    }

    /** Parses identity-file text. */
    public static AgeIdentityFile parse(String text, String origin) {
        List<AgeIdentity> ids = new ArrayList<>();
        List<String> unsupported = new ArrayList<>();
        String stripped = text.strip();
        if (stripped.startsWith("-----BEGIN OPENSSH PRIVATE KEY-----")
            || stripped.startsWith("-----BEGIN RSA PRIVATE KEY-----")) {
            unsupported.add(origin + ": SSH private key (SSH identities are not supported)");
            return new AgeIdentityFile(ids, unsupported);
        }
        String[] lines = text.split("\n", -1);
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i].strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            if (line.startsWith("AGE-PLUGIN-")) {
                int dash = line.indexOf('-', "AGE-PLUGIN-".length());
                String plugin = dash > 0 ? line.substring("AGE-PLUGIN-".length(), dash).toLowerCase() : "?";
                unsupported.add(origin + " line " + (i + 1) + ": age plugin identity (" + plugin
                    + ", plugins are not supported)");
                continue;
            }
            try {
                ids.add(AgeIdentity.parse(line));
            } catch (AgeException e) {
                throw new AgeException(e.kind(), origin + " line " + (i + 1) + ": not a valid age identity");
            }
        }
        return new AgeIdentityFile(ids, unsupported);
    }
}
