package dev.driftless.reconciler.cli;

import picocli.CommandLine.Command;

/** {@code driftless secrets}: Decrypt and encrypt SOPS files (age, PGP). */
@Command(name = "secrets", description = "Decrypt and encrypt SOPS files (age, PGP).")
final class SecretsCommand extends NotBuiltYet {
}
