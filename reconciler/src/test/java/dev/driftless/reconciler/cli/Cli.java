package dev.driftless.reconciler.cli;

import dev.driftless.reconciler.ExternalTool;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine;

/** Runs verbs through {@link Main#commandLine()} exactly as the launcher does, capturing both streams. */
final class Cli {

    /** One run: exit code, stdout, stderr. */
    record Run(int exit, String out, String err) {
    }

    private Cli() {
    }

    static Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = Main.commandLine();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        int exit = cl.execute(args);
        return new Run(exit, out.toString(), err.toString());
    }

    /** Whether the verbs would find a configuration on their own ($DRIFTLESS_CONFIG, ./driftless.yaml, /etc). */
    static boolean configFoundWithoutOption() {
        String env = System.getenv("DRIFTLESS_CONFIG");
        return (env != null && !env.isBlank()) || Files.exists(Path.of("driftless.yaml"))
            || Files.exists(ConfigOption.SYSTEM_CONFIG);
    }

    /** A fresh unencrypted ed25519 key made by the real ssh-keygen. */
    static Path sshKey(Path dir) {
        Path key = dir.resolve("id_ed25519");
        ExternalTool.run("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "cli-test", "-f", key.toString());
        return key;
    }

    static void write(Path file, String text) {
        try {
            Files.createDirectories(file.getParent());
            Files.writeString(file, text, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** {@code dir/driftless.yaml}: repo {@code infra}, key {@code id_ed25519}, state {@code state}, metrics on {@code listen}. */
    static Path daemonConfig(Path dir, String listen) {
        Path config = dir.resolve("driftless.yaml");
        write(config, """
            repo: {url: infra}
            ssh: {key: id_ed25519}
            state-dir: state
            metrics: {listen: "%s"}
            """.formatted(listen));
        return config;
    }

    static String read(Path file) {
        try {
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * A loopback port nothing listens on (for a host that refuses connections). Taken below the
     * kernel's ephemeral range: a port the kernel hands out for "any free port" could be handed
     * to another test's server right after this one let it go (seen once: an HTTP server answered
     * where connection refused was expected).
     */
    static int closedPort() {
        return dev.driftless.reconciler.testhosts.LoopbackPorts.closed();
    }
}
