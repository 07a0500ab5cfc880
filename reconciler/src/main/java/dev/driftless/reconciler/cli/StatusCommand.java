package dev.driftless.reconciler.cli;

import picocli.CommandLine.Command;

/** {@code driftless status}: Show what each host runs now and the last applied commit. */
@Command(name = "status", description = "Show what each host runs now and the last applied commit.")
final class StatusCommand extends NotBuiltYet {
}
