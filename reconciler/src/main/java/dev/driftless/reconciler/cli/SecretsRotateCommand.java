package dev.driftless.reconciler.cli;

import dev.driftless.secrets.DecryptedDocument;
import dev.driftless.secrets.Format;
import dev.driftless.secrets.KeyRing;
import dev.driftless.secrets.Sops;
import dev.driftless.secrets.SopsConfig;
import dev.driftless.secrets.SopsEncryptor;
import dev.driftless.secrets.SopsException;
import dev.driftless.secrets.pgp.PgpPublicKeys;
import dev.driftless.secrets.pgp.PgpRecipient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code driftless secrets rotate FILE}: encrypts a SOPS file under a new data key, as {@code sops
 * rotate} does, with recipients added or removed — to let a new colleague or a new daemon key in,
 * and to lock out a key that left (its holder knew the old data key, so only a new one helps).
 */
@Command(name = "rotate", description = {
    "Encrypt SOPS files under a new data key, as sops rotate does, adding or removing recipients,",
    "or making them those of the .sops.yaml creation rule (--from-config, as sops updatekeys).",
    "PGP keys the file keeps need their public keys: --pgp-public-keys (the --pgp-key files count too)."})
final class SecretsRotateCommand implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @CommandLine.Mixin
    SopsKeyOptions keyOptions = new SopsKeyOptions();

    @Option(names = "--add-age", paramLabel = "RECIPIENT", split = ",", description = "add this age1... recipient; repeatable")
    List<String> addAge = new ArrayList<>();

    @Option(names = "--rm-age", paramLabel = "RECIPIENT", split = ",", description = "remove this age recipient; repeatable")
    List<String> removeAge = new ArrayList<>();

    @Option(names = "--add-pgp", paramLabel = "FINGERPRINT", split = ",",
        description = "add this PGP key, looked up in --pgp-public-keys; repeatable")
    List<String> addPgp = new ArrayList<>();

    @Option(names = "--rm-pgp", paramLabel = "FINGERPRINT", split = ",", description = "remove this PGP key; repeatable")
    List<String> removePgp = new ArrayList<>();

    @Option(names = "--pgp-public-keys", paramLabel = "FILE",
        description = "exported public keys (gpg --export [-a]) of the PGP recipients; repeatable")
    List<Path> pgpPublicKeys = new ArrayList<>();

    @Option(names = {"-i", "--in-place"}, description = "replace each FILE with the result instead of printing it")
    boolean inPlace;

    @Option(names = "--from-config",
        description = "make the recipients those the creation rule of .sops.yaml (here or in a parent) names for the file")
    boolean fromConfig;

    @Option(names = "--config", paramLabel = "FILE", description = "the sops configuration for --from-config (implies it)")
    Path config;

    @Parameters(arity = "1..*", paramLabel = "FILE", description = "the encrypted files (more than one with -i)")
    List<Path> files;

    /** The environment keys are read from; tests replace it. */
    Map<String, String> environment = System.getenv();

    /** Where the search for .sops.yaml starts, as sops starts it; tests replace it. */
    Path workingDirectory = Path.of("");

    @Override
    public Integer call() {
        String name = files.getFirst().toString();
        try {
            boolean synced = fromConfig || config != null;
            if (synced && !(addAge.isEmpty() && removeAge.isEmpty() && addPgp.isEmpty() && removePgp.isEmpty())) {
                throw new IllegalArgumentException("--from-config takes the recipients from the configuration; drop"
                    + " --add-age, --rm-age, --add-pgp and --rm-pgp (or --from-config)");
            }
            if (files.size() > 1 && !inPlace) {
                throw new IllegalArgumentException("several files are rotated in place only: add -i");
            }
            Optional<SopsConfig> sops = Optional.empty();
            if (synced) {
                Path found = Optional.ofNullable(config).or(() -> SopsConfig.find(workingDirectory))
                    .orElseThrow(() -> new IllegalArgumentException("--from-config: no " + SopsConfig.FILE_NAME
                        + " here or in a parent directory"));
                sops = Optional.of(SopsConfig.read(found));
            }
            List<PgpPublicKeys> publicKeys = publicKeys();
            List<PgpRecipient> added = new ArrayList<>();
            for (String fp : addPgp) {
                added.add(find(publicKeys, fp).orElseThrow(() -> new SopsException(name,
                    SopsException.Reason.INVALID_RECIPIENTS, "no public key of PGP " + fp + " in "
                        + (pgpPublicKeys.isEmpty() ? "the key files: give it with --pgp-public-keys" : pgpPublicKeys))));
            }
            KeyRing keys = keyOptions.keyRing(environment);
            for (Path file : files) {
                rotate(file, keys, sops, publicKeys, added);
            }
            return Main.EXIT_OK;
        } catch (SopsException e) {
            return fail(e.getMessage());
        } catch (IllegalArgumentException e) {
            return fail(e.getMessage().startsWith(name + ": ") ? e.getMessage() : name + ": " + e.getMessage());
        }
    }

    /** Rotates one file; with {@code -i} its new recipients are said on stdout. */
    private void rotate(Path file, KeyRing keys, Optional<SopsConfig> sops, List<PgpPublicKeys> publicKeys,
                        List<PgpRecipient> added) {
        String name = file.toString();
        Format format = keyOptions.format(file);
        DecryptedDocument doc = Sops.decrypt(name, SecretsDecryptCommand.read(file), keys, format);
        SopsEncryptor.Builder b;
        if (sops.isPresent()) {
            // As sops updatekeys: the recipients are the rule's, the encryption rule stays the file's.
            b = sops.get().encryptor(sops.get().ruleFor(file), fp -> find(publicKeys, fp))
                .rule(doc.metadata().rule()).macOnlyEncrypted(doc.metadata().macOnlyEncrypted());
        } else {
            b = SopsEncryptor.rotation(doc.metadata(), name, addAge, removeAge, added, removePgp,
                fp -> find(publicKeys, fp));
        }
        byte[] rotated = b.build().encrypt(doc);
        if (inPlace) {
            SecretsEncryptCommand.writeInPlace(file, rotated);
            List<String> now = Sops.metadata(name, rotated, format).keyGroups().stream()
                .flatMap(g -> g.describe().stream()).toList();
            spec.commandLine().getOut().println(name + ": a new data key, for " + String.join(", ", now));
        } else {
            spec.commandLine().getOut().print(new String(rotated, StandardCharsets.UTF_8));
            spec.commandLine().getOut().flush();
        }
    }

    /** The public keys of --pgp-public-keys and, their public halves, of --pgp-key. */
    private List<PgpPublicKeys> publicKeys() {
        return java.util.stream.Stream.concat(pgpPublicKeys.stream(), keyOptions.pgpKeys.stream())
            .map(SopsEncryptor::readPublicKeys).toList();
    }

    private static Optional<PgpRecipient> find(List<PgpPublicKeys> keys, String fingerprint) {
        return keys.stream().flatMap(k -> k.find(fingerprint).stream()).findFirst();
    }

    private int fail(String message) {
        return SecretsCommand.fail(spec, message);
    }
}
