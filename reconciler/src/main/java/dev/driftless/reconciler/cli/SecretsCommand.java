package dev.driftless.reconciler.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code driftless secrets}: decrypt and encrypt SOPS files (age, PGP) without the sops binary. */
@Command(name = "secrets",
    description = "Decrypt and encrypt SOPS files (age, PGP) without sops, age or gpg.",
    subcommands = {SecretsDecryptCommand.class, SecretsEncryptCommand.class})
final class SecretsCommand implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getOut());
        return Main.EXIT_OK;
    }
}
