package dev.driftless.reconciler.cli;

import dev.driftless.secrets.Format;
import dev.driftless.secrets.KeyRing;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Option;

/** The options of the {@code secrets} verbs that decrypt a file: its keys and its format. */
final class SopsKeyOptions {

    @Option(names = "--age-key", paramLabel = "FILE", description = "age identity file (may be passphrase-encrypted); repeatable")
    List<Path> ageKeys = new ArrayList<>();

    @Option(names = "--pgp-key", paramLabel = "FILE", description = "armored or binary PGP secret key file; repeatable")
    List<Path> pgpKeys = new ArrayList<>();

    @Option(names = "--input-type", paramLabel = "TYPE", description = "yaml, json, dotenv or ini (default: by extension)")
    String inputType;

    /** The keys of the flags and of {@code environment} (sops's variables). */
    KeyRing keyRing(Map<String, String> environment) {
        return SecretsDecryptCommand.keyRing(environment, ageKeys, pgpKeys);
    }

    /** The format of {@code file}: {@code --input-type}, else by its extension. */
    Format format(Path file) {
        return inputType == null ? Format.forFile(file.toString()) : Format.parse(inputType);
    }
}
