package org.tandemlb.admin;

import java.io.PrintWriter;
import java.util.concurrent.Callable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tandemlb.admin.daemon.Version;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.IExecutionExceptionHandler;
import picocli.CommandLine.IParameterExceptionHandler;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.Spec;
import picocli.CommandLine.UnmatchedArgumentException;

/**
 * The {@code tandem} command (README, "The tandem command"): {@code run}, {@code check}, {@code import}, {@code demo} and
 * {@code version}.
 *
 * <p>Exit codes: 0 success; 1 an invalid config file or a failed start, the reason on stderr in one
 * line ({@code tandem: ...}) and the stack trace only with {@code --debug}; 2 bad usage (an unknown
 * command or option, a missing {@code -c}), with the message and a pointer to {@code --help} on
 * stderr. {@code tandem} alone prints the usage to stderr and exits 2.
 *
 * <p>{@code --debug} (accepted before or after the command) or the environment variable
 * {@code TANDEM_DEBUG=1} lowers the log level to DEBUG and adds stack traces to failures.
 */
@Command(
        name = "tandem",
        description = "Tandem, a software load balancer with a hot standby.",
        mixinStandardHelpOptions = true,
        versionProvider = TandemCommand.VersionProvider.class,
        subcommands = {
            RunCommand.class,
            CheckCommand.class,
            ImportCommand.class,
            DemoCommand.class,
            VersionCommand.class
        },
        usageHelpAutoWidth = true)
public final class TandemCommand implements Callable<Integer> {

    /** Exit code of an invalid config file or a failed start. */
    static final int EXIT_FAILURE = 1;
    /** Exit code of bad usage (picocli's default for invalid input). */
    static final int EXIT_USAGE = 2;

    @Spec
    private CommandSpec spec;

    private boolean debug;

    /**
     * {@code --debug}: inherited by every subcommand, so {@code tandem run --debug -c FILE} and
     * {@code tandem --debug run -c FILE} both work; it lowers the log level as soon as it is parsed,
     * before anything logs.
     */
    @Option(
            names = "--debug",
            scope = ScopeType.INHERIT,
            description = "Log at DEBUG level and show stack traces (also: TANDEM_DEBUG=1).")
    void setDebug(boolean on) {
        if (on) {
            enableDebug();
        }
    }

    /** Runs the command and exits with its code. */
    public static void main(String[] args) {
        TandemCommand root = new TandemCommand();
        String env = System.getenv("TANDEM_DEBUG");
        if (env != null && (env.equals("1") || env.equalsIgnoreCase("true"))) {
            root.enableDebug();
        }
        int code = commandLine(root).execute(args);
        // run and demo return only once the daemon has stopped; other threads (Netty's global
        // executor, JGroups) must not keep the JVM alive after that.
        System.exit(code);
    }

    /**
     * The command line, with Tandem's handling of usage errors and failures, for running commands
     * in-process (tests); {@code execute} returns the exit code instead of exiting.
     */
    public static CommandLine commandLine() {
        return commandLine(new TandemCommand());
    }

    private static CommandLine commandLine(TandemCommand root) {
        CommandLine cl = new CommandLine(root);
        cl.setParameterExceptionHandler(USAGE_ERRORS);
        cl.setExecutionExceptionHandler(FAILURES);
        return cl;
    }

    /** {@code tandem} without a command: the usage, on stderr, exit 2. */
    @Override
    public Integer call() {
        PrintWriter err = spec.commandLine().getErr();
        err.println("tandem: a command is needed");
        spec.commandLine().usage(err);
        return EXIT_USAGE;
    }

    /** Whether {@code --debug} or TANDEM_DEBUG is in force. */
    boolean debug() {
        return debug;
    }

    private void enableDebug() {
        debug = true;
        Logger root = LoggerFactory.getLogger(Logger.ROOT_LOGGER_NAME);
        if (root instanceof ch.qos.logback.classic.Logger logback) {
            logback.setLevel(ch.qos.logback.classic.Level.DEBUG);
        }
    }

    /** The version of this build, {@code 0.1.0} for instance, from the filtered {@code version.properties}. */
    static String version() {
        return Version.get();
    }

    /** For {@code --version}; prints what {@code tandem version} prints. */
    static final class VersionProvider implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"tandem " + version()};
        }
    }

    /** Bad usage: the message, suggestions for a mistyped command, and where to find help; exit 2. */
    private static final IParameterExceptionHandler USAGE_ERRORS = (ParameterException ex, String[] args) -> {
        CommandLine cmd = ex.getCommandLine();
        PrintWriter err = cmd.getErr();
        String message = ex.getMessage();
        if (ex instanceof UnmatchedArgumentException u
                && !cmd.getSubcommands().isEmpty()
                && !u.getUnmatched().isEmpty()
                && !u.getUnmatched().get(0).startsWith("-")) {
            message = "unknown command '" + u.getUnmatched().get(0) + "' (commands: "
                    + String.join(", ", cmd.getSubcommands().keySet()) + ")";
        }
        err.println(cmd.getCommandSpec().qualifiedName() + ": " + message);
        UnmatchedArgumentException.printSuggestions(ex, err);
        err.println("Try '" + cmd.getCommandSpec().qualifiedName() + " --help' for more information.");
        err.flush();
        return cmd.getCommandSpec().exitCodeOnInvalidInput();
    };

    /**
     * A failure while running: a {@link CommandFailure} is the user's to fix and prints its message;
     * anything else is a bug and says so. One line either way, the stack trace only with --debug.
     */
    private static final IExecutionExceptionHandler FAILURES = (ex, cmd, parseResult) -> {
        PrintWriter err = cmd.getErr();
        boolean debug = cmd.getCommandSpec().root().userObject() instanceof TandemCommand t && t.debug();
        if (ex instanceof CommandFailure) {
            err.println("tandem: " + ex.getMessage());
        } else {
            err.println("tandem: internal error: " + ex + (debug ? "" : " (run with --debug for details)"));
        }
        if (debug) {
            ex.printStackTrace(err);
        }
        err.flush();
        return EXIT_FAILURE;
    };
}
