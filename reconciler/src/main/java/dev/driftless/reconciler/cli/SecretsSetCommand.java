package dev.driftless.reconciler.cli;

import dev.driftless.secrets.Format;
import dev.driftless.secrets.KeyRing;
import dev.driftless.secrets.Sops;
import dev.driftless.secrets.SopsException;
import dev.driftless.secrets.ValueType;
import java.io.Console;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code driftless secrets set FILE PATH}: sets one value of a SOPS file in place, as {@code sops
 * set} does, under the same data key for the same recipients. The value never comes from the
 * command line (where {@code ps} and shell history would see it): from a hidden prompt, stdin or a file.
 */
@Command(name = "set", description = {
    "Set one value of a SOPS file in place, as sops set does: the same data key and recipients.",
    "The value comes from a hidden prompt at a terminal, else from stdin (one trailing newline dropped),"
        + " or from --value-file (exactly as it is) - never from the command line."})
final class SecretsSetCommand implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @CommandLine.Mixin
    SopsKeyOptions keyOptions = new SopsKeyOptions();

    @Option(names = "--type", paramLabel = "TYPE", defaultValue = "str",
        description = "the value's type: str, int, float or bool (default: ${DEFAULT-VALUE})")
    String type;

    @Option(names = "--value-file", paramLabel = "FILE", description = "read the value from this file, as it is")
    Path valueFile;

    @Parameters(index = "0", paramLabel = "FILE", description = "the encrypted file, changed in place")
    Path file;

    @Parameters(index = "1", paramLabel = "PATH", description = "where the value goes, e.g. '[\"db\"][\"password\"]'")
    String path;

    /** The environment keys are read from; tests replace it. */
    Map<String, String> environment = System.getenv();
    /** Where the value is read from without --value-file; tests replace it. */
    InputStream stdin = System.in;

    @Override
    public Integer call() {
        String name = file.toString();
        try {
            Format format = keyOptions.format(file);
            List<String> where = ExtractPath.parse(path, "PATH");
            ValueType valueType = valueType();
            byte[] content = SecretsDecryptCommand.read(file);
            KeyRing keys = keyOptions.keyRing(environment);
            byte[] value = value();
            byte[] changed;
            try {
                changed = Sops.set(name, content, keys, format, where, valueType,
                    new String(value, StandardCharsets.UTF_8));
            } finally {
                Arrays.fill(value, (byte) 0);
            }
            SecretsEncryptCommand.writeInPlace(file, changed);
            spec.commandLine().getOut().println(name + ": " + path + " set");
            return Main.EXIT_OK;
        } catch (SopsException e) {
            return fail(e.getMessage());
        } catch (IllegalArgumentException e) {
            return fail(name + ": " + e.getMessage());
        }
    }

    private ValueType valueType() {
        return switch (type.toLowerCase(Locale.ROOT)) {
            case "str", "int", "float", "bool" -> ValueType.valueOf(type.toUpperCase(Locale.ROOT));
            default -> throw new IllegalArgumentException("--type must be str, int, float or bool, got " + type);
        };
    }

    /** The value's bytes, which the caller clears. */
    private byte[] value() {
        if (valueFile != null) {
            return SecretsDecryptCommand.read(valueFile);
        }
        Console console = System.console();
        if (stdin == System.in && console != null && SecretsDecryptCommand.isTerminal(console)) {
            char[] typed = console.readPassword("Value for %s: ", path);
            if (typed == null) {
                throw new IllegalArgumentException("no value was typed");
            }
            try {
                return new String(typed).getBytes(StandardCharsets.UTF_8);
            } finally {
                Arrays.fill(typed, '\0');
            }
        }
        try {
            byte[] read = stdin.readAllBytes();
            int end = read.length;
            if (end > 0 && read[end - 1] == '\n') {
                end--;
                if (end > 0 && read[end - 1] == '\r') {
                    end--;
                }
            }
            byte[] value = Arrays.copyOf(read, end);
            Arrays.fill(read, (byte) 0);
            return value;
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read the value from stdin (" + e.getClass().getSimpleName() + ")");
        }
    }

    private int fail(String message) {
        return SecretsCommand.fail(spec, message);
    }
}
