package dev.driftless.reconciler.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine;

/**
 * The one placeholder the CLI allows: a verb whose stage is not built yet says so on stderr and
 * exits 3. Each verb replaces this base class when its stage lands.
 */
abstract class NotBuiltYet implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @CommandLine.Unmatched
    java.util.List<String> ignored;

    @Override
    public Integer call() {
        spec.commandLine().getErr().println(
            "driftless " + spec.name() + ": not built yet in this version of driftless");
        return Main.EXIT_NOT_BUILT;
    }
}
