package dev.driftless.reconciler.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** Entry point of the {@code driftless} command line: parses the verb and hands over to it. */
@Command(
    name = "driftless",
    mixinStandardHelpOptions = true,
    versionProvider = VersionProvider.class,
    description = "GitOps reconciler for plain Linux hosts: the desired state lives in git, "
        + "driftless makes the hosts match it.",
    subcommands = {
        ValidateCommand.class,
        PlanCommand.class,
        RunCommand.class,
        ReconcileCommand.class,
        SuspendCommand.class,
        ResumeCommand.class,
        RestartCommand.class,
        StatusCommand.class,
        LogsCommand.class,
        ForgetHostCommand.class,
        HistoryCommand.class,
        SecretsCommand.class,
        CommandLine.HelpCommand.class
    })
public final class Main implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    /** Exit codes shared by every verb. */
    public static final int EXIT_OK = 0;
    public static final int EXIT_ERROR = 1;
    public static final int EXIT_CHANGES = 2;

    public static void main(String[] args) {
        quietUnlessDaemon(args);
        System.exit(commandLine().execute(args));
    }

    /**
     * The daemon logs what it does; the other verbs print their answer on stdout and keep stderr
     * for warnings, unless DRIFTLESS_LOG_LEVEL asks for more.
     */
    private static void quietUnlessDaemon(String[] args) {
        boolean daemon = java.util.Arrays.asList(args).contains("run");
        if (!daemon && System.getenv("DRIFTLESS_LOG_LEVEL") == null
            && org.slf4j.LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME)
                instanceof ch.qos.logback.classic.Logger root) {
            root.setLevel(ch.qos.logback.classic.Level.WARN);
        }
    }

    /** The configured command line; tests execute verbs through it exactly as the launcher does. */
    public static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new Main());
        cl.setExecutionExceptionHandler(new ErrorHandler());
        // A usage error is an error (1): exit 2 means "the plan has changes".
        setUsageExitCode(cl);
        return cl;
    }

    private static void setUsageExitCode(CommandLine cl) {
        cl.getCommandSpec().exitCodeOnInvalidInput(EXIT_ERROR);
        cl.getSubcommands().values().forEach(Main::setUsageExitCode);
    }

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }
}
