package dev.driftless.reconciler.cli;

import dev.driftless.secrets.DecryptedDocument;
import dev.driftless.secrets.Format;
import dev.driftless.secrets.KeyRing;
import dev.driftless.secrets.Sops;
import dev.driftless.secrets.SopsEncryptor;
import dev.driftless.secrets.SopsException;
import dev.driftless.secrets.pgp.PgpException;
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
    "Encrypt a SOPS file under a new data key, as sops rotate does, adding or removing recipients.",
    "PGP keys the file keeps need their public keys: --pgp-public-keys (the --pgp-key files count too)."})
final class SecretsRotateCommand implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--age-key", paramLabel = "FILE", description = "age identity file (may be passphrase-encrypted); repeatable")
    List<Path> ageKeys = new ArrayList<>();

    @Option(names = "--pgp-key", paramLabel = "FILE", description = "armored or binary PGP secret key file; repeatable")
    List<Path> pgpKeys = new ArrayList<>();

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

    @Option(names = "--input-type", paramLabel = "TYPE", description = "yaml, json, dotenv or ini (default: by extension)")
    String inputType;

    @Option(names = {"-i", "--in-place"}, description = "replace FILE with the result instead of printing it")
    boolean inPlace;

    @Parameters(index = "0", paramLabel = "FILE", description = "the encrypted file")
    Path file;

    /** The environment keys are read from; tests replace it. */
    Map<String, String> environment = System.getenv();

    @Override
    public Integer call() {
        String name = file.toString();
        try {
            Format format = inputType == null ? Format.forFile(name) : Format.parse(inputType);
            List<PgpPublicKeys> publicKeys = publicKeys();
            List<PgpRecipient> added = new ArrayList<>();
            for (String fp : addPgp) {
                added.add(find(publicKeys, fp).orElseThrow(() -> new SopsException(name,
                    SopsException.Reason.INVALID_RECIPIENTS, "no public key of PGP " + fp + " in "
                        + (pgpPublicKeys.isEmpty() ? "the key files: give it with --pgp-public-keys" : pgpPublicKeys))));
            }
            KeyRing keys = SecretsDecryptCommand.keyRing(environment, ageKeys, pgpKeys);
            DecryptedDocument doc = Sops.decrypt(name, SecretsDecryptCommand.read(file), keys, format);
            byte[] rotated = SopsEncryptor.rotation(doc.metadata(), name, addAge, removeAge, added, removePgp,
                fp -> find(publicKeys, fp)).build().encrypt(doc);
            if (inPlace) {
                SecretsEncryptCommand.writeInPlace(file, rotated);
            } else {
                spec.commandLine().getOut().print(new String(rotated, StandardCharsets.UTF_8));
                spec.commandLine().getOut().flush();
            }
            return Main.EXIT_OK;
        } catch (SopsException e) {
            return fail(e.getMessage());
        } catch (IllegalArgumentException e) {
            return fail(e.getMessage().startsWith(name + ": ") ? e.getMessage() : name + ": " + e.getMessage());
        }
    }

    /** The public keys of --pgp-public-keys and, their public halves, of --pgp-key. */
    private List<PgpPublicKeys> publicKeys() {
        List<PgpPublicKeys> out = new ArrayList<>();
        List<Path> files = new ArrayList<>(pgpPublicKeys);
        files.addAll(pgpKeys);
        for (Path f : files) {
            try {
                out.add(PgpPublicKeys.read(SecretsDecryptCommand.read(f), f.toString()));
            } catch (PgpException e) {
                throw new SopsException(f.toString(), SopsException.Reason.KEY_FILE, e.getMessage());
            }
        }
        return out;
    }

    private static Optional<PgpRecipient> find(List<PgpPublicKeys> keys, String fingerprint) {
        return keys.stream().flatMap(k -> k.find(fingerprint).stream()).findFirst();
    }

    private int fail(String message) {
        spec.commandLine().getErr().println("driftless secrets " + spec.name() + ": " + message);
        return Main.EXIT_ERROR;
    }
}
