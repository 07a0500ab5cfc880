package dev.driftless.secrets;

import dev.driftless.secrets.age.Age;
import dev.driftless.secrets.age.AgeException;
import dev.driftless.secrets.age.AgeRecipient;
import dev.driftless.secrets.pgp.PgpException;
import dev.driftless.secrets.pgp.PgpPublicKeys;
import dev.driftless.secrets.pgp.PgpRecipient;
import dev.driftless.secrets.shamir.Shamir;
import dev.driftless.secrets.tree.Document;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;

/**
 * Writes SOPS files from plaintext, as {@code sops -e} does: a fresh data key encrypted to age
 * recipients and PGP keys (Shamir-split across key groups when there are several), every value
 * encrypted under the file's rule, and the MAC, {@code lastmodified} and {@code version} written
 * so that real sops and {@link Sops#decrypt} both read the result.
 */
public final class SopsEncryptor {

    private final List<RecipientGroup> groups;
    private final int threshold;
    private final EncryptionRule rule;
    private final boolean macOnlyEncrypted;
    private final Clock clock;
    private final SecureRandom random;

    private SopsEncryptor(Builder b) {
        this.groups = List.copyOf(b.groups);
        this.threshold = b.threshold;
        this.rule = b.rule;
        this.macOnlyEncrypted = b.macOnlyEncrypted;
        this.clock = b.clock;
        this.random = b.random;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Encrypts a plaintext file whose format follows from its name (YAML when unknown). */
    public byte[] encrypt(String fileName, byte[] plaintext) {
        return encrypt(fileName, plaintext, Format.forFile(fileName));
    }

    /** Encrypts a plaintext file in the given format; the result is the encrypted file's bytes. */
    public byte[] encrypt(String fileName, byte[] plaintext, Format format) {
        Document plain = format.read(new String(plaintext, StandardCharsets.UTF_8), fileName);
        if (Sops.hasMetadata(plain, format)) {
            throw new SopsException(fileName, SopsException.Reason.ALREADY_ENCRYPTED,
                "the file already has sops metadata (it is encrypted already)");
        }
        return encrypt(fileName, plain, format);
    }

    /**
     * Encrypts a decrypted file anew, as {@code sops rotate} does: a fresh data key for this
     * encryptor's recipients, every value and comment with a fresh IV, the values, their types and
     * the file's format as they were. Build the encryptor with {@link #rotation} to keep the file's
     * recipients, rule and MAC scope.
     */
    public byte[] encrypt(DecryptedDocument decrypted) {
        return encrypt(decrypted.fileName(), decrypted.tree(), decrypted.format());
    }

    /**
     * An encryptor for {@link #encrypt(DecryptedDocument)} of a file with {@code meta}: its rule,
     * its MAC scope and its key groups (and Shamir threshold), less the recipients in {@code
     * removeAge} and {@code removePgp} (fingerprints, from every group), plus {@code addAge} and
     * {@code addPgp} (to the first group, as sops does). Each PGP key it keeps is looked up by its
     * fingerprint with {@code publicKeys}, since the file holds only the fingerprint.
     *
     * @throws SopsException {@code INVALID_RECIPIENTS} naming what is wrong: a key to remove the file is
     *                       not encrypted to, a group left empty, a PGP key whose public key is not
     *                       given, a recipient driftless cannot encrypt to (cloud KMS, Vault)
     */
    public static Builder rotation(SopsMetadata meta, String fileName, List<String> addAge, List<String> removeAge,
                                   List<PgpRecipient> addPgp, List<String> removePgp,
                                   java.util.function.Function<String, java.util.Optional<PgpRecipient>> publicKeys) {
        if (!meta.unsupported().isEmpty()) {
            throw new SopsException(fileName, SopsException.Reason.INVALID_RECIPIENTS, "the file is also encrypted to "
                + String.join(", ", meta.unsupported()) + ", which driftless cannot encrypt to; re-encrypt it with sops");
        }
        List<String> goneAge = removeAge.stream().map(String::strip).toList();
        List<String> gonePgp = removePgp.stream().map(SopsEncryptor::fingerprint).toList();
        for (String r : goneAge) {
            if (meta.keyGroups().stream().noneMatch(g -> g.age().stream().anyMatch(a -> a.recipient().equals(r)))) {
                throw new SopsException(fileName, SopsException.Reason.INVALID_RECIPIENTS, "the file is not encrypted to"
                    + " age " + r + "; it is encrypted to " + recipients(meta));
            }
        }
        for (String fp : gonePgp) {
            if (meta.keyGroups().stream().noneMatch(g -> g.pgp().stream().anyMatch(k -> matches(k.fingerprint(), fp)))) {
                throw new SopsException(fileName, SopsException.Reason.INVALID_RECIPIENTS, "the file is not encrypted to"
                    + " PGP " + fp + "; it is encrypted to " + recipients(meta));
            }
        }
        List<String> missing = new ArrayList<>();
        List<RecipientGroup> groups = new ArrayList<>();
        for (int i = 0; i < meta.keyGroups().size(); i++) {
            SopsMetadata.KeyGroup g = meta.keyGroups().get(i);
            List<String> age = new ArrayList<>(g.age().stream().map(SopsMetadata.AgeKey::recipient)
                .filter(r -> !goneAge.contains(r)).toList());
            List<PgpRecipient> pgp = new ArrayList<>();
            for (SopsMetadata.PgpKey k : g.pgp()) {
                if (gonePgp.stream().noneMatch(fp -> matches(k.fingerprint(), fp))) {
                    publicKeys.apply(k.fingerprint()).ifPresentOrElse(pgp::add, () -> missing.add(k.fingerprint()));
                }
            }
            if (i == 0) {
                addAge.stream().map(String::strip).filter(r -> !age.contains(r)).forEach(age::add);
                addPgp.stream().filter(r -> pgp.stream().noneMatch(k -> k.fingerprint().equals(r.fingerprint())))
                    .forEach(pgp::add);
            }
            if (age.isEmpty() && pgp.isEmpty() && missing.isEmpty()) {
                throw new SopsException(fileName, SopsException.Reason.INVALID_RECIPIENTS, meta.keyGroups().size() == 1
                    ? "no recipient would be left; add one (--add-age, --add-pgp) before removing the last"
                    : "key group " + (i + 1) + " would be left without a recipient");
            }
            if (missing.isEmpty()) {
                groups.add(new RecipientGroup(age, pgp));
            }
        }
        if (!missing.isEmpty()) {
            throw new SopsException(fileName, SopsException.Reason.INVALID_RECIPIENTS, "the file is encrypted to PGP "
                + String.join(", ", missing) + " and the file holds only the fingerprint: give the public key with"
                + " --pgp-public-keys (gpg --export -a FINGERPRINT), or remove it (--rm-pgp)");
        }
        return builder().rule(meta.rule()).macOnlyEncrypted(meta.macOnlyEncrypted())
            .keyGroups(groups, meta.requiredGroups());
    }

    private static String recipients(SopsMetadata meta) {
        return String.join(", ", meta.keyGroups().stream().flatMap(g -> g.describe().stream()).toList());
    }

    /** A fingerprint as the metadata has it: upper case hex, no spaces. */
    private static String fingerprint(String given) {
        return given.replace(" ", "").toUpperCase(java.util.Locale.ROOT);
    }

    /** Whether a full fingerprint is {@code given}: the same, or ending with it (a long key id). */
    private static boolean matches(String fingerprint, String given) {
        String full = fingerprint(fingerprint);
        return full.equals(given) || (given.length() >= 16 && full.endsWith(given));
    }

    private byte[] encrypt(String fileName, Document plain, Format format) {
        TreeCipher cipher;
        try {
            cipher = new TreeCipher(rule, macOnlyEncrypted, fileName);
        } catch (IllegalArgumentException e) {
            throw new SopsException(fileName, SopsException.Reason.CONFLICTING_RULES, rule.metadataKey() + ": " + e.getMessage());
        }
        byte[] dataKey = new byte[DataKeys.DATA_KEY_SIZE];
        random.nextBytes(dataKey);
        List<byte[]> parts = groups.size() == 1 ? List.of(dataKey.clone())
            : Shamir.split(dataKey, groups.size(), threshold, random);
        try {
            String lastModified = Sops.lastModified(clock);
            List<SopsMetadata.KeyGroup> keyGroups = new ArrayList<>();
            for (int i = 0; i < groups.size(); i++) {
                keyGroups.add(encryptPart(groups.get(i), parts.get(i), lastModified, fileName));
            }
            return Sops.sealed(fileName, format, cipher, plain, dataKey, new SopsMetadata(keyGroups,
                groups.size() > 1 ? threshold : 0, lastModified, "", rule, macOnlyEncrypted, Sops.VERSION), random);
        } finally {
            Arrays.fill(dataKey, (byte) 0);
            parts.forEach(p -> Arrays.fill(p, (byte) 0));
        }
    }

    private SopsMetadata.KeyGroup encryptPart(RecipientGroup group, byte[] part, String now, String fileName) {
        List<SopsMetadata.AgeKey> age = new ArrayList<>();
        for (String r : group.ageRecipients()) {
            AgeRecipient recipient;
            try {
                recipient = AgeRecipient.parse(r);
            } catch (AgeException e) {
                throw new SopsException(fileName, e.kind() == AgeException.Kind.UNSUPPORTED
                    ? SopsException.Reason.UNSUPPORTED_KEY_TYPE : SopsException.Reason.KEY_FILE,
                    "age recipient " + r + ": " + e.getMessage());
            }
            age.add(new SopsMetadata.AgeKey(recipient.toString(), Age.encryptArmored(part, List.of(recipient), random)));
        }
        List<SopsMetadata.PgpKey> pgp = new ArrayList<>();
        for (PgpRecipient r : group.pgpRecipients()) {
            try {
                pgp.add(new SopsMetadata.PgpKey(r.fingerprint(), now, r.encryptArmored(part, random)));
            } catch (PgpException e) {
                throw new SopsException(fileName, SopsException.Reason.UNSUPPORTED_KEY_TYPE, e.getMessage());
            }
        }
        return new SopsMetadata.KeyGroup(age, pgp, List.of());
    }

    /** Configures recipients, key groups and the encryption rule. */
    public static final class Builder {
        private final List<String> age = new ArrayList<>();
        private final List<PgpRecipient> pgp = new ArrayList<>();
        private final List<RecipientGroup> groups = new ArrayList<>();
        private int threshold;
        private EncryptionRule rule = EncryptionRule.DEFAULT;
        private boolean macOnlyEncrypted;
        private Clock clock = Clock.systemUTC();
        private SecureRandom random = new SecureRandom();

        private Builder() {
        }

        /** Adds an {@code age1…} recipient (to the single key group). */
        public Builder ageRecipient(String recipient) {
            age.add(recipient.strip());
            return this;
        }

        public Builder ageRecipients(Collection<String> recipients) {
            recipients.forEach(this::ageRecipient);
            return this;
        }

        /** Adds a PGP key (to the single key group). */
        public Builder pgpRecipient(PgpRecipient recipient) {
            pgp.add(recipient);
            return this;
        }

        /** Adds every key of an exported public key file ({@code gpg --export [-a]}). */
        public Builder pgpPublicKeyFile(Path file) {
            pgp.addAll(readPublicKeys(file).all());
            return this;
        }

        /** Adds the key with this fingerprint (primary or subkey, or long key id) from a public key file. */
        public Builder pgpFingerprint(String fingerprint, Path publicKeys) {
            PgpPublicKeys keys = readPublicKeys(publicKeys);
            pgp.add(keys.find(fingerprint).orElseThrow(() -> new SopsException(publicKeys.toString(),
                SopsException.Reason.KEY_FILE, "no PGP key with fingerprint " + fingerprint)));
            return this;
        }

        /** Adds an explicit key group; with two or more, the data key is Shamir-split between them. */
        public Builder keyGroup(RecipientGroup group) {
            groups.add(group);
            return this;
        }

        /**
         * Adds the key groups of a file or a configuration at once: one group encrypts as single
         * recipients do; with several, {@code threshold} of them open the file (0: all of them).
         */
        public Builder keyGroups(List<RecipientGroup> groups, int threshold) {
            this.groups.addAll(groups);
            if (threshold > 0) {
                this.threshold = threshold;
            }
            return this;
        }

        /** How many key groups are needed to decrypt (default: all of them). */
        public Builder shamirThreshold(int threshold) {
            this.threshold = threshold;
            return this;
        }

        /** Which values are encrypted (default: all but keys ending in {@code _unencrypted}). */
        public Builder rule(EncryptionRule rule) {
            this.rule = rule;
            return this;
        }

        /** Let the MAC cover only encrypted values, so clear values may be edited freely. */
        public Builder macOnlyEncrypted(boolean macOnlyEncrypted) {
            this.macOnlyEncrypted = macOnlyEncrypted;
            return this;
        }

        public Builder clock(Clock clock) {
            this.clock = clock;
            return this;
        }

        public Builder random(SecureRandom random) {
            this.random = random;
            return this;
        }

        public SopsEncryptor build() {
            if (!groups.isEmpty() && (!age.isEmpty() || !pgp.isEmpty())) {
                throw new IllegalArgumentException("use either key groups or single recipients, not both");
            }
            if (groups.isEmpty()) {
                if (age.isEmpty() && pgp.isEmpty()) {
                    throw new IllegalArgumentException("at least one age recipient or PGP key is required");
                }
                groups.add(new RecipientGroup(age, pgp));
            }
            if (groups.size() > 1) {
                if (threshold == 0) {
                    threshold = groups.size();
                }
                if (threshold < 2 || threshold > groups.size()) {
                    throw new IllegalArgumentException("the Shamir threshold must be between 2 and the number of key groups ("
                        + groups.size() + ")");
                }
            } else if (threshold > 1) {
                throw new IllegalArgumentException("a Shamir threshold needs at least two key groups");
            }
            return new SopsEncryptor(this);
        }

    }

    /**
     * The keys of an exported public key file ({@code gpg --export [-a]}; the public halves of a
     * secret key file count too), to look PGP recipients up in.
     *
     * @throws SopsException {@code KEY_FILE} naming the file when it cannot be read or parsed
     */
    public static PgpPublicKeys readPublicKeys(Path file) {
        try {
            return PgpPublicKeys.read(Files.readAllBytes(file), file.toString());
        } catch (IOException e) {
            throw new SopsException(file.toString(), SopsException.Reason.KEY_FILE, "cannot read the public key file");
        } catch (PgpException e) {
            throw new SopsException(file.toString(), SopsException.Reason.KEY_FILE, e.getMessage());
        }
    }
}
