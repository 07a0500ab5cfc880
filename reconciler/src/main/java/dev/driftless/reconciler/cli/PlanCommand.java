package dev.driftless.reconciler.cli;

import picocli.CommandLine.Command;

/** {@code driftless plan}: Show what a reconcile would change on the live hosts, and why. */
@Command(name = "plan", description = "Show what a reconcile would change on the live hosts, and why.")
final class PlanCommand extends NotBuiltYet {
}
