package dev.driftless.reconciler.cli;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.Map;
import picocli.CommandLine;

/** Runs {@code driftless secrets …} through the real command line with captured output and a given environment. */
final class SecretsCliFixture {

    /** The files written by the real sops tool, kept with their note of origin in the secrets module. */
    static final Path SOPS_INTEROP = Path.of("..", "secrets", "src", "test", "resources", "interop", "sops");

    record Run(int exitCode, String out, String err) {
    }

    private SecretsCliFixture() {
    }

    static Run run(Map<String, String> env, String... args) {
        return run(env, new byte[0], args);
    }

    /** {@link #run(Map, String...)} with {@code stdin} as what {@code secrets set} reads. */
    static Run run(Map<String, String> env, byte[] stdin, String... args) {
        CommandLine cl = Main.commandLine();
        CommandLine secrets = cl.getSubcommands().get("secrets");
        ((SecretsDecryptCommand) secrets.getSubcommands().get("decrypt").getCommand()).environment = env;
        ((SecretsEncryptCommand) secrets.getSubcommands().get("encrypt").getCommand()).environment = env;
        SecretsSetCommand set = (SecretsSetCommand) secrets.getSubcommands().get("set").getCommand();
        set.environment = env;
        set.stdin = new java.io.ByteArrayInputStream(stdin);
        ((SecretsRotateCommand) secrets.getSubcommands().get("rotate").getCommand()).environment = env;
        ((SecretsEditCommand) secrets.getSubcommands().get("edit").getCommand()).environment = env;
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        int code = cl.execute(args);
        return new Run(code, out.toString(), err.toString());
    }
}
