package dev.driftless.reconciler.cli;

import dev.driftless.secrets.EncryptionRule;
import dev.driftless.secrets.Format;
import dev.driftless.secrets.Sops;
import dev.driftless.secrets.SopsConfig;
import dev.driftless.secrets.SopsEncryptor;
import dev.driftless.secrets.SopsException;
import dev.driftless.secrets.pgp.PgpPublicKeys;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code driftless secrets encrypt FILE}: writes a SOPS file (sops 3.10 format) for age recipients
 * and PGP keys, to stdout or in place, so teams can manage secrets without sops.
 */
@Command(name = "encrypt", description = {
    "Encrypt a plaintext YAML, JSON, dotenv or INI file as sops -e does and print it (or replace the file).",
    "Recipients: --age (or SOPS_AGE_RECIPIENTS) and/or --pgp with --pgp-public-keys."})
final class SecretsEncryptCommand implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--age", paramLabel = "RECIPIENT", split = ",", description = "age1... recipient; repeatable or comma-separated")
    List<String> age = new ArrayList<>();

    @Option(names = "--pgp", paramLabel = "FINGERPRINT", split = ",",
        description = "PGP key fingerprint, looked up in --pgp-public-keys; repeatable or comma-separated")
    List<String> pgp = new ArrayList<>();

    @Option(names = "--pgp-public-keys", paramLabel = "FILE",
        description = "exported public keys (gpg --export [-a]); without --pgp every key in it is a recipient")
    Path pgpPublicKeys;

    @Option(names = "--unencrypted-suffix", paramLabel = "SUFFIX", description = "leave values under keys ending so in clear text (default _unencrypted)")
    String unencryptedSuffix;

    @Option(names = "--encrypted-suffix", paramLabel = "SUFFIX", description = "encrypt only values under keys ending so")
    String encryptedSuffix;

    @Option(names = "--unencrypted-regex", paramLabel = "REGEX", description = "leave values under matching keys in clear text")
    String unencryptedRegex;

    @Option(names = "--encrypted-regex", paramLabel = "REGEX", description = "encrypt only values under matching keys")
    String encryptedRegex;

    @Option(names = "--unencrypted-comment-regex", paramLabel = "REGEX", description = "leave values after a matching comment in clear text")
    String unencryptedCommentRegex;

    @Option(names = "--encrypted-comment-regex", paramLabel = "REGEX", description = "encrypt only values after a matching comment")
    String encryptedCommentRegex;

    @Option(names = "--mac-only-encrypted", description = "compute the MAC over encrypted values only")
    boolean macOnlyEncrypted;

    @Option(names = "--input-type", paramLabel = "TYPE", description = "yaml, json, dotenv or ini (default: by extension)")
    String inputType;

    @Option(names = {"-i", "--in-place"}, description = "replace FILE with the encrypted file instead of printing it")
    boolean inPlace;

    @Option(names = "--config", paramLabel = "FILE",
        description = "sops configuration whose creation_rules name the recipients when no --age, --pgp or"
            + " SOPS_AGE_RECIPIENTS does (default: .sops.yaml here or in a parent directory)")
    Path config;

    @Parameters(index = "0", paramLabel = "FILE", description = "the plaintext file")
    Path file;

    /** The environment (for SOPS_AGE_RECIPIENTS); tests replace it. */
    Map<String, String> environment = System.getenv();
    /** Where the search for .sops.yaml starts, as sops starts it; tests replace it. */
    Path workingDirectory = Path.of("");

    @Override
    public Integer call() {
        String name = file.toString();
        try {
            SopsEncryptor encryptor = encryptor(name);
            Format format = inputType == null ? Format.forFile(name) : Format.parse(inputType);
            byte[] plain = SecretsDecryptCommand.read(file);
            byte[] encrypted;
            try {
                encrypted = encryptor.encrypt(name, plain, format);
            } finally {
                Arrays.fill(plain, (byte) 0);
            }
            if (inPlace) {
                writeInPlace(encrypted);
            } else {
                spec.commandLine().getOut().print(new String(encrypted, StandardCharsets.UTF_8));
                spec.commandLine().getOut().flush();
            }
            return Main.EXIT_OK;
        } catch (SopsException e) {
            return SecretsCommand.fail(spec, e.getMessage());
        } catch (IllegalArgumentException e) {
            return SecretsCommand.fail(spec, e.getMessage().startsWith(name + ": ") ? e.getMessage()
                : name + ": " + e.getMessage());
        }
    }

    private SopsEncryptor encryptor(String name) {
        List<String> recipients = new ArrayList<>(age);
        String fromEnv = environment.get("SOPS_AGE_RECIPIENTS");
        if (recipients.isEmpty() && fromEnv != null && !fromEnv.isBlank()) {
            recipients.addAll(List.of(fromEnv.strip().split("\\s*,\\s*")));
        }
        if (!pgp.isEmpty() && pgpPublicKeys == null) {
            throw new IllegalArgumentException(name + ": --pgp needs --pgp-public-keys FILE to look the fingerprints up in");
        }
        Map<String, String> rules = new LinkedHashMap<>();
        put(rules, "--unencrypted-suffix", unencryptedSuffix);
        put(rules, "--encrypted-suffix", encryptedSuffix);
        put(rules, "--unencrypted-regex", unencryptedRegex);
        put(rules, "--encrypted-regex", encryptedRegex);
        put(rules, "--unencrypted-comment-regex", unencryptedCommentRegex);
        put(rules, "--encrypted-comment-regex", encryptedCommentRegex);
        if (rules.size() > 1) {
            throw new IllegalArgumentException(name + ": only one encryption rule may be given, not "
                + String.join(" and ", rules.keySet()));
        }
        SopsEncryptor.Builder b;
        boolean named = !recipients.isEmpty() || !pgp.isEmpty();
        if (config != null && named) {
            throw new IllegalArgumentException(name + ": --config names the recipients; give either it or --age, --pgp"
                + " (or SOPS_AGE_RECIPIENTS)");
        }
        if (config != null || (!named && pgpPublicKeys == null)) {
            // As sops does: the creation rule of the nearest .sops.yaml names the recipients
            // (--pgp-public-keys then holds the public keys of the PGP fingerprints it names).
            Optional<Path> found = config != null ? Optional.of(config) : SopsConfig.find(workingDirectory);
            if (found.isEmpty()) {
                throw new IllegalArgumentException(name + ": no recipients: give --age (or set SOPS_AGE_RECIPIENTS)"
                    + " and/or --pgp, or a " + SopsConfig.FILE_NAME + " with creation_rules");
            }
            SopsConfig sops = SopsConfig.read(found.get());
            SopsConfig.CreationRule rule = sops.ruleFor(file);
            Optional<PgpPublicKeys> keys = Optional.ofNullable(pgpPublicKeys).map(SopsEncryptor::readPublicKeys);
            b = sops.encryptor(rule, fp -> keys.flatMap(k -> k.find(fp)));
        } else {
            b = Sops.encryptor();
            b.ageRecipients(recipients);
            if (pgpPublicKeys != null) {
                if (pgp.isEmpty()) {
                    b.pgpPublicKeyFile(pgpPublicKeys);
                } else {
                    pgp.forEach(fp -> b.pgpFingerprint(fp, pgpPublicKeys));
                }
            }
        }
        rules.forEach((flag, value) -> b.rule(EncryptionRule.of(flag.substring(2).replace('-', '_'), value)));
        if (macOnlyEncrypted) {
            b.macOnlyEncrypted(true);
        }
        return b.build();
    }

    private static void put(Map<String, String> rules, String flag, String value) {
        if (value != null) {
            rules.put(flag, value);
        }
    }

    /** Replaces the file atomically, keeping its permissions. */
    private void writeInPlace(byte[] encrypted) {
        writeInPlace(file, encrypted);
    }

    /** Replaces {@code file} atomically with {@code content}, keeping its permissions. */
    static void writeInPlace(Path file, byte[] content) {
        try {
            Path dir = file.toAbsolutePath().getParent();
            Path tmp = Files.createTempFile(dir, "." + file.getFileName(), ".tmp");
            try {
                try {
                    Set<PosixFilePermission> perms = Files.getPosixFilePermissions(file);
                    Files.setPosixFilePermissions(tmp, perms);
                } catch (UnsupportedOperationException ignored) {
                    // not a POSIX file system: the default permissions of a new file apply
                }
                Files.write(tmp, content);
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } finally {
                Files.deleteIfExists(tmp);
            }
        } catch (IOException e) {
            throw new SopsException(file.toString(), SopsException.Reason.INVALID_FORMAT,
                "cannot write the file (" + e.getClass().getSimpleName() + ")");
        }
    }
}
