package dev.driftless.secrets;

import dev.driftless.secrets.age.AgeException;
import dev.driftless.secrets.age.AgeIdentity;
import dev.driftless.secrets.age.AgeIdentityFile;
import dev.driftless.secrets.pgp.PgpException;
import dev.driftless.secrets.pgp.PgpSecretKeys;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * The identities SOPS files are decrypted with: age X25519 identities and PGP secret keys, read
 * the way sops finds them ({@code SOPS_AGE_KEY_FILE}, {@code SOPS_AGE_KEY}, the default
 * {@code sops/age/keys.txt}) plus driftless's {@code DRIFTLESS_PGP_KEY_FILE}, or built explicitly.
 * Describes itself by public recipients and fingerprints only.
 */
public final class KeyRing {

    /** Environment variables read by {@link #fromEnvironment(Map)}. */
    public static final String SOPS_AGE_KEY = "SOPS_AGE_KEY";
    public static final String SOPS_AGE_KEY_FILE = "SOPS_AGE_KEY_FILE";
    public static final String PGP_KEY_FILE = "DRIFTLESS_PGP_KEY_FILE";
    public static final String AGE_PASSPHRASE_FILE = "DRIFTLESS_AGE_KEY_PASSPHRASE_FILE";
    public static final String PGP_PASSPHRASE_FILE = "DRIFTLESS_PGP_KEY_PASSPHRASE_FILE";

    private final List<AgeIdentity> age;
    private final PgpSecretKeys pgp;
    private final List<String> unsupported;
    private final List<String> sources;

    private KeyRing(List<AgeIdentity> age, PgpSecretKeys pgp, List<String> unsupported, List<String> sources) {
        this.age = List.copyOf(age);
        this.pgp = pgp;
        this.unsupported = List.copyOf(unsupported);
        this.sources = List.copyOf(sources);
    }

    /** A ring with no keys (decrypting with it reports the file's recipients). */
    public static KeyRing empty() {
        return new KeyRing(List.of(), PgpSecretKeys.empty(), List.of(), List.of());
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Keys named by the environment; passphrases come only from the *_PASSPHRASE_FILE variables. */
    public static KeyRing fromEnvironment(Map<String, String> env) {
        return fromEnvironment(env, Optional.empty());
    }

    /**
     * Keys named by the environment, as sops reads them: {@code SOPS_AGE_KEY} (identities),
     * {@code SOPS_AGE_KEY_FILE}, and {@code $XDG_CONFIG_HOME/sops/age/keys.txt} (else
     * {@code ~/.config/sops/age/keys.txt}) when it exists, all combined; PGP secret keys from
     * {@code DRIFTLESS_PGP_KEY_FILE} (several files separated by {@code :}). Passphrases for
     * encrypted key files come from {@code DRIFTLESS_AGE_KEY_PASSPHRASE_FILE} /
     * {@code DRIFTLESS_PGP_KEY_PASSPHRASE_FILE}, else from {@code prompt}.
     */
    public static KeyRing fromEnvironment(Map<String, String> env, Optional<Supplier<char[]>> prompt) {
        Builder b = builder();
        Optional<Supplier<char[]>> agePass = passphrase(env, AGE_PASSPHRASE_FILE).or(() -> prompt);
        Optional<Supplier<char[]>> pgpPass = passphrase(env, PGP_PASSPHRASE_FILE).or(() -> prompt);
        String inline = env.get(SOPS_AGE_KEY);
        if (inline != null && !inline.isBlank()) {
            b.ageIdentities(inline, SOPS_AGE_KEY);
        }
        String file = env.get(SOPS_AGE_KEY_FILE);
        if (file != null && !file.isBlank()) {
            b.ageIdentityFile(Path.of(file), SOPS_AGE_KEY_FILE + "=" + file, agePass);
        }
        Path defaultFile = defaultAgeKeyFile(env);
        if (defaultFile != null && Files.isRegularFile(defaultFile)) {
            b.ageIdentityFile(defaultFile, defaultFile.toString(), agePass);
        }
        String pgpFiles = env.get(PGP_KEY_FILE);
        if (pgpFiles != null && !pgpFiles.isBlank()) {
            for (String f : pgpFiles.split(File.pathSeparator)) {
                if (!f.isBlank()) {
                    b.pgpSecretKeyFile(Path.of(f), PGP_KEY_FILE + "=" + f, pgpPass);
                }
            }
        }
        return b.build();
    }

    /** sops's default age key file for this environment, or null without XDG_CONFIG_HOME and HOME. */
    static Path defaultAgeKeyFile(Map<String, String> env) {
        String xdg = env.get("XDG_CONFIG_HOME");
        if (xdg != null && !xdg.isBlank()) {
            return Path.of(xdg, "sops", "age", "keys.txt");
        }
        String home = env.get("HOME");
        return home == null || home.isBlank() ? null : Path.of(home, ".config", "sops", "age", "keys.txt");
    }

    private static Optional<Supplier<char[]>> passphrase(Map<String, String> env, String variable) {
        String file = env.get(variable);
        if (file == null || file.isBlank()) {
            return Optional.empty();
        }
        return Optional.of(() -> {
            try {
                byte[] raw = Files.readAllBytes(Path.of(file));
                String s = new String(raw, StandardCharsets.UTF_8);
                Arrays.fill(raw, (byte) 0);
                s = s.endsWith("\r\n") ? s.substring(0, s.length() - 2) : s.endsWith("\n") ? s.substring(0, s.length() - 1) : s;
                return s.toCharArray();
            } catch (IOException e) {
                throw new SopsException(variable + "=" + file, SopsException.Reason.KEY_FILE, "cannot read the passphrase file");
            }
        });
    }

    /** This ring's keys followed by {@code other}'s. */
    public KeyRing plus(KeyRing other) {
        List<AgeIdentity> a = new ArrayList<>(age);
        a.addAll(other.age);
        List<String> u = new ArrayList<>(unsupported);
        u.addAll(other.unsupported);
        List<String> s = new ArrayList<>(sources);
        s.addAll(other.sources);
        return new KeyRing(a, pgp.plus(other.pgp), u, s);
    }

    /** The public recipients ({@code age1…}) of the age identities. */
    public List<String> ageRecipients() {
        return age.stream().map(i -> i.recipient().toString()).distinct().toList();
    }

    /** The primary fingerprints of the PGP secret keys. */
    public List<String> pgpFingerprints() {
        return pgp.fingerprints();
    }

    /** Entries of key files that were skipped because driftless cannot use them (plugins, SSH keys). */
    public List<String> unsupported() {
        return unsupported;
    }

    /** Where the keys came from (file names and variable names, never contents). */
    public List<String> sources() {
        return sources;
    }

    public boolean isEmpty() {
        return age.isEmpty() && pgp.isEmpty();
    }

    List<AgeIdentity> ageIdentities() {
        return age;
    }

    PgpSecretKeys pgpKeys() {
        return pgp;
    }

    /** "age age1…, PGP FBC7…" or "no keys", plus skipped entries; for error messages. */
    String describe() {
        List<String> parts = new ArrayList<>();
        ageRecipients().forEach(r -> parts.add("age " + r));
        pgpFingerprints().forEach(f -> parts.add("PGP " + f));
        String keys = parts.isEmpty() ? "no keys" : String.join(", ", parts);
        if (parts.isEmpty() && sources.isEmpty()) {
            keys += " (set SOPS_AGE_KEY_FILE, SOPS_AGE_KEY or " + PGP_KEY_FILE + ", or pass --age-key/--pgp-key)";
        }
        if (!unsupported.isEmpty()) {
            keys += " (skipped: " + String.join("; ", unsupported) + ")";
        }
        return keys;
    }

    @Override
    public String toString() {
        return "KeyRing[" + describe() + "]";
    }

    /** Builds a ring from explicit identities and key files. */
    public static final class Builder {
        private final List<AgeIdentity> age = new ArrayList<>();
        private PgpSecretKeys pgp = PgpSecretKeys.empty();
        private final List<String> unsupported = new ArrayList<>();
        private final List<String> sources = new ArrayList<>();

        private Builder() {
        }

        /** One {@code AGE-SECRET-KEY-1…} identity. */
        public Builder ageIdentity(String identity) {
            try {
                age.add(AgeIdentity.parse(identity));
            } catch (AgeException e) {
                throw new SopsException("age identity", SopsException.Reason.KEY_FILE, e.getMessage());
            }
            sources.add("age identity");
            return this;
        }

        /** The identities of an identity-file text (comments and blank lines allowed). */
        public Builder ageIdentities(String text, String origin) {
            try {
                AgeIdentityFile f = AgeIdentityFile.parse(text, origin);
                age.addAll(f.identities());
                unsupported.addAll(f.unsupported());
            } catch (AgeException e) {
                throw new SopsException(origin, SopsException.Reason.KEY_FILE, strip(e.getMessage(), origin));
            }
            sources.add(origin);
            return this;
        }

        /** A plain age identity file. */
        public Builder ageIdentityFile(Path file) {
            return ageIdentityFile(file, file.toString(), Optional.empty());
        }

        /** An age identity file that may be passphrase-encrypted ({@code age -p}). */
        public Builder ageIdentityFile(Path file, Supplier<char[]> passphrase) {
            return ageIdentityFile(file, file.toString(), Optional.of(passphrase));
        }

        /** An age identity file; {@code passphrase} is asked only if the file is passphrase-encrypted. */
        public Builder ageIdentityFile(Path file, Optional<Supplier<char[]>> passphrase) {
            return ageIdentityFile(file, file.toString(), passphrase);
        }

        Builder ageIdentityFile(Path file, String origin, Optional<Supplier<char[]>> passphrase) {
            byte[] content = read(file, origin);
            try {
                AgeIdentityFile f = AgeIdentityFile.read(content, origin, passphrase);
                age.addAll(f.identities());
                unsupported.addAll(f.unsupported());
            } catch (AgeException e) {
                throw new SopsException(origin, SopsException.Reason.KEY_FILE, strip(e.getMessage(), origin));
            } finally {
                Arrays.fill(content, (byte) 0);
            }
            sources.add(origin);
            return this;
        }

        /** An armored (possibly several concatenated blocks) or binary PGP secret key file without passphrase. */
        public Builder pgpSecretKeyFile(Path file) {
            return pgpSecretKeyFile(file, file.toString(), Optional.empty());
        }

        /** A PGP secret key file whose keys are protected by {@code passphrase}. */
        public Builder pgpSecretKeyFile(Path file, Supplier<char[]> passphrase) {
            return pgpSecretKeyFile(file, file.toString(), Optional.of(passphrase));
        }

        /** A PGP secret key file; {@code passphrase} is asked only when a protected key is needed. */
        public Builder pgpSecretKeyFile(Path file, Optional<Supplier<char[]>> passphrase) {
            return pgpSecretKeyFile(file, file.toString(), passphrase);
        }

        Builder pgpSecretKeyFile(Path file, String origin, Optional<Supplier<char[]>> passphrase) {
            byte[] content = read(file, origin);
            try {
                pgp = pgp.plus(PgpSecretKeys.read(content, origin, passphrase));
            } catch (PgpException e) {
                throw new SopsException(origin, SopsException.Reason.KEY_FILE, strip(e.getMessage(), origin));
            } finally {
                Arrays.fill(content, (byte) 0);
            }
            sources.add(origin);
            return this;
        }

        public KeyRing build() {
            return new KeyRing(age, pgp, unsupported, sources);
        }

        private static byte[] read(Path file, String origin) {
            try {
                return Files.readAllBytes(file);
            } catch (NoSuchFileException e) {
                throw new SopsException(origin, SopsException.Reason.KEY_FILE, "no such key file");
            } catch (IOException e) {
                throw new SopsException(origin, SopsException.Reason.KEY_FILE, "cannot read the key file ("
                    + e.getClass().getSimpleName() + ")");
            }
        }

        private static String strip(String message, String origin) {
            String m = message;
            if (m.startsWith(origin + ": ")) {
                m = m.substring(origin.length() + 2);
            } else if (m.startsWith(origin + " ")) {
                m = m.substring(origin.length() + 1);
            }
            return m;
        }
    }
}
