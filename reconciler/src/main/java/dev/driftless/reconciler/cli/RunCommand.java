package dev.driftless.reconciler.cli;

import picocli.CommandLine.Command;

/** {@code driftless run}: Run the daemon: watch the repo and converge the hosts. */
@Command(name = "run", description = "Run the daemon: watch the repo and converge the hosts.")
final class RunCommand extends NotBuiltYet {
}
