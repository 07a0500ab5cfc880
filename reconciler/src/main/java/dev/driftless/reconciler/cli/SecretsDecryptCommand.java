package dev.driftless.reconciler.cli;

import dev.driftless.secrets.DecryptedDocument;
import dev.driftless.secrets.Format;
import dev.driftless.secrets.KeyRing;
import dev.driftless.secrets.Sops;
import dev.driftless.secrets.SopsException;
import java.io.Console;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.function.Supplier;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code driftless secrets decrypt FILE}: prints the plaintext exactly as {@code sops -d} does,
 * after verifying the MAC. Keys come from the sops environment variables and from the flags.
 */
@Command(name = "decrypt", description = {
    "Decrypt a SOPS file (YAML, JSON, dotenv or INI) and print it as sops -d does.",
    "Keys: SOPS_AGE_KEY_FILE, SOPS_AGE_KEY, $XDG_CONFIG_HOME/sops/age/keys.txt, DRIFTLESS_PGP_KEY_FILE,"
        + " plus --age-key and --pgp-key."})
final class SecretsDecryptCommand implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @CommandLine.Mixin
    SopsKeyOptions keyOptions = new SopsKeyOptions();

    @Option(names = "--extract", paramLabel = "PATH", description = "print only this part, e.g. '[\"db\"][\"password\"]'")
    String extract;

    @Parameters(index = "0", paramLabel = "FILE", description = "the encrypted file")
    Path file;

    /** The environment keys are read from; tests replace it. */
    Map<String, String> environment = System.getenv();

    @Override
    public Integer call() {
        String name = file.toString();
        try {
            Format format = keyOptions.format(file);
            Optional<List<String>> path = extract == null ? Optional.empty() : Optional.of(ExtractPath.parse(extract));
            byte[] content = read(file);
            KeyRing keys = keyOptions.keyRing(environment);
            DecryptedDocument doc = Sops.decrypt(name, content, keys, format);
            String out = path.isEmpty() ? doc.render() : doc.renderAt(path.get()).orElseThrow(() ->
                new SopsException(name, SopsException.Reason.INVALID_FORMAT, "nothing at " + extract));
            spec.commandLine().getOut().print(out);
            spec.commandLine().getOut().flush();
            return Main.EXIT_OK;
        } catch (SopsException e) {
            return fail(e.getMessage());
        } catch (IllegalArgumentException e) {
            return fail(name + ": " + e.getMessage());
        }
    }

    private int fail(String message) {
        return SecretsCommand.fail(spec, message);
    }

    /** The key ring from the environment plus explicit key files; passphrases via *_PASSPHRASE_FILE or the console. */
    static KeyRing keyRing(Map<String, String> env, List<Path> ageKeys, List<Path> pgpKeys) {
        Optional<Supplier<char[]>> prompt = consolePrompt();
        KeyRing fromEnv = KeyRing.fromEnvironment(env, prompt);
        KeyRing.Builder explicit = KeyRing.builder();
        Optional<Supplier<char[]>> agePass = passphraseFile(env, KeyRing.AGE_PASSPHRASE_FILE).or(() -> prompt);
        Optional<Supplier<char[]>> pgpPass = passphraseFile(env, KeyRing.PGP_PASSPHRASE_FILE).or(() -> prompt);
        ageKeys.forEach(p -> explicit.ageIdentityFile(p, agePass));
        pgpKeys.forEach(p -> explicit.pgpSecretKeyFile(p, pgpPass));
        return explicit.build().plus(fromEnv);
    }

    private static Optional<Supplier<char[]>> passphraseFile(Map<String, String> env, String variable) {
        String f = env.get(variable);
        if (f == null || f.isBlank()) {
            return Optional.empty();
        }
        return Optional.of(() -> {
            try {
                String s = Files.readString(Path.of(f));
                return (s.endsWith("\n") ? s.substring(0, s.length() - 1) : s).toCharArray();
            } catch (IOException e) {
                throw new SopsException(variable + "=" + f, SopsException.Reason.KEY_FILE, "cannot read the passphrase file");
            }
        });
    }

    /** A terminal prompt, only when a person sits at one: never when stdin or stdout is redirected. */
    private static Optional<Supplier<char[]>> consolePrompt() {
        Console console = System.console();
        if (console == null || !isTerminal(console)) {
            return Optional.empty();
        }
        return Optional.of(() -> console.readPassword("Passphrase for the encrypted key file: "));
    }

    // Console.isTerminal() exists from Java 22; on 21 a non-null console already means a terminal.
    static boolean isTerminal(Console console) {
        try {
            return (boolean) Console.class.getMethod("isTerminal").invoke(console);
        } catch (ReflectiveOperationException e) {
            return true;
        }
    }

    static byte[] read(Path file) {
        try {
            return Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new SopsException(file.toString(), SopsException.Reason.INVALID_FORMAT, "no such file");
        } catch (IOException e) {
            throw new SopsException(file.toString(), SopsException.Reason.INVALID_FORMAT,
                "cannot read the file (" + e.getClass().getSimpleName() + ")");
        }
    }
}
