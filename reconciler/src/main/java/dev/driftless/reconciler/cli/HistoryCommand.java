package dev.driftless.reconciler.cli;

import picocli.CommandLine.Command;

/** {@code driftless history}: Show deployment history. */
@Command(name = "history", description = "Show deployment history.")
final class HistoryCommand extends NotBuiltYet {
}
