package dev.driftless.reconciler.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code driftless secrets}: decrypt, encrypt, set a value of and rotate SOPS files (age, PGP) without the sops binary. */
@Command(name = "secrets",
    description = "Decrypt, encrypt, edit and re-key SOPS files (age, PGP) without sops, age or gpg.",
    subcommands = {SecretsDecryptCommand.class, SecretsEncryptCommand.class, SecretsSetCommand.class,
        SecretsEditCommand.class, SecretsRotateCommand.class})
final class SecretsCommand implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getOut());
        return Main.EXIT_OK;
    }

    /** Says what went wrong in one line on stderr, {@code driftless secrets VERB: FILE: problem}, and exits 1. */
    static int fail(CommandLine.Model.CommandSpec verb, String message) {
        verb.commandLine().getErr().println("driftless secrets " + verb.name() + ": " + message);
        return Main.EXIT_ERROR;
    }
}
