package dev.driftless.reconciler.cli;

import picocli.CommandLine;

/**
 * Turns an exception escaping a verb into one line on stderr and exit code 1. Messages are
 * written for operators; stack traces only with {@code DRIFTLESS_DEBUG=1}.
 */
final class ErrorHandler implements CommandLine.IExecutionExceptionHandler {

    @Override
    public int handleExecutionException(Exception ex, CommandLine cl, CommandLine.ParseResult parsed) {
        String msg = ex.getMessage() == null ? ex.getClass().getSimpleName() : ex.getMessage();
        cl.getErr().println(cl.getCommandSpec().qualifiedName() + ": " + msg);
        if ("1".equals(System.getenv("DRIFTLESS_DEBUG"))) {
            ex.printStackTrace(cl.getErr());
        }
        return Main.EXIT_ERROR;
    }
}
