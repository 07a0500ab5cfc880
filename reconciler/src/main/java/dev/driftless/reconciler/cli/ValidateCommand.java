package dev.driftless.reconciler.cli;

import picocli.CommandLine.Command;

/** {@code driftless validate}: Check an infra repo and report every problem with file:line:column. */
@Command(name = "validate", description = "Check an infra repo and report every problem with file:line:column.")
final class ValidateCommand extends NotBuiltYet {
}
