package dev.driftless.reconciler.cli;

import dev.driftless.secrets.DecryptedDocument;
import dev.driftless.secrets.Format;
import dev.driftless.secrets.Sops;
import dev.driftless.secrets.SopsException;
import java.io.Console;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/**
 * {@code driftless secrets edit FILE}: opens the decrypted file in an editor and saves it as
 * {@code sops edit} does, under the same data key for the same recipients. The plaintext lives
 * only in a 0600 file in a fresh 0700 directory while the editor runs, and is overwritten and
 * deleted after.
 */
@Command(name = "edit", description = {
    "Edit a SOPS file in $VISUAL or $EDITOR (default vi) and save it as sops edit does: the same data key"
        + " and recipients.",
    "The plaintext exists only in a private temporary file while the editor runs."})
final class SecretsEditCommand implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @CommandLine.Mixin
    SopsKeyOptions keyOptions = new SopsKeyOptions();

    @Parameters(index = "0", paramLabel = "FILE", description = "the encrypted file, changed in place")
    Path file;

    /** The environment keys and the editor are read from; tests replace it. */
    Map<String, String> environment = System.getenv();

    @Override
    public Integer call() {
        String name = file.toString();
        Path dir = null;
        Path plain = null;
        try {
            Format format = keyOptions.format(file);
            byte[] content = SecretsDecryptCommand.read(file);
            DecryptedDocument doc = Sops.decrypt(name, content, keyOptions.keyRing(environment), format);
            byte[] before = doc.render().getBytes(StandardCharsets.UTF_8);
            dir = Files.createTempDirectory("driftless-edit-",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            // The file's own name, so that the editor recognizes its format.
            plain = Files.createFile(dir.resolve(file.getFileName().toString()),
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            Files.write(plain, before);
            while (true) {
                runEditor(plain);
                byte[] after = Files.readAllBytes(plain);
                try {
                    if (Arrays.equals(before, after)) {
                        spec.commandLine().getOut().println(name + ": not changed");
                        return Main.EXIT_OK;
                    }
                    byte[] saved;
                    try {
                        saved = Sops.replace(name, content, keyOptions.keyRing(environment), format, after);
                    } catch (SopsException e) {
                        if (!again(e.getMessage())) {
                            throw e;
                        }
                        continue;
                    }
                    SecretsEncryptCommand.writeInPlace(file, saved);
                    spec.commandLine().getOut().println(name + ": saved");
                    return Main.EXIT_OK;
                } finally {
                    Arrays.fill(after, (byte) 0);
                }
            }
        } catch (SopsException e) {
            return SecretsCommand.fail(spec, e.getMessage());
        } catch (IllegalArgumentException e) {
            return SecretsCommand.fail(spec, name + ": " + e.getMessage());
        } catch (IOException e) {
            return SecretsCommand.fail(spec, name + ": cannot edit (" + e.getClass().getSimpleName() + ": "
                + e.getMessage() + ")");
        } finally {
            wipe(plain, dir);
        }
    }

    /** The editor: {@code $VISUAL}, else {@code $EDITOR}, else vi; its words, then the file. */
    private void runEditor(Path plain) throws IOException {
        String editor = environment.getOrDefault("VISUAL", "").isBlank()
            ? environment.getOrDefault("EDITOR", "").isBlank() ? "vi" : environment.get("EDITOR")
            : environment.get("VISUAL");
        List<String> command = new ArrayList<>(List.of(editor.strip().split("\\s+")));
        command.add(plain.toString());
        Process p = new ProcessBuilder(command).inheritIO().start();
        int code;
        try {
            code = p.waitFor();
        } catch (InterruptedException e) {
            p.destroy();
            Thread.currentThread().interrupt();
            throw new IllegalArgumentException("interrupted while the editor ran; nothing saved");
        }
        if (code != 0) {
            throw new IllegalArgumentException("the editor (" + command.getFirst() + ") exited with code " + code
                + "; nothing saved");
        }
    }

    /**
     * Whether to open the editor again after {@code problem}: asked at a terminal, as sops asks;
     * elsewhere the problem ends the edit, and nothing is saved.
     */
    private boolean again(String problem) {
        Console console = System.console();
        if (console == null || !SecretsDecryptCommand.isTerminal(console)) {
            return false;
        }
        String answer = console.readLine("%s%nEdit again (the edit is kept), or abandon it? [E/a] ", problem);
        return answer != null && !answer.strip().toLowerCase(java.util.Locale.ROOT).startsWith("a");
    }

    /** Overwrites the plaintext with zeros, then deletes it and its directory. */
    private static void wipe(Path plain, Path dir) {
        try {
            if (plain != null && Files.exists(plain)) {
                Files.write(plain, new byte[(int) Math.min(Files.size(plain), Integer.MAX_VALUE - 8)]);
                Files.delete(plain);
            }
            if (dir != null) {
                try (var left = Files.list(dir)) {
                    // An editor's swap or backup files go too.
                    for (Path p : left.toList()) {
                        Files.deleteIfExists(p);
                    }
                }
                Files.deleteIfExists(dir);
            }
        } catch (IOException e) {
            System.err.println("driftless secrets edit: could not delete the temporary copy in " + dir + ": "
                + e.getClass().getSimpleName());
        }
    }
}
