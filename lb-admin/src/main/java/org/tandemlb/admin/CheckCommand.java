package org.tandemlb.admin;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import org.tandemlb.admin.config.ConfigException;
import org.tandemlb.admin.config.ConfigLoader;
import org.tandemlb.admin.config.ConfigProblem;
import org.tandemlb.admin.config.TandemConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code tandem check -c FILE}: validates a config file without running anything.
 *
 * <p>Valid: {@code FILE: configuration is valid} on stdout, exit 0. Invalid: every problem on
 * stderr, one per line as {@code FILE:LINE:COL: path.to.key: what is wrong} and nothing else
 * (the format of compilers, which editors and CI annotate), exit 1. Stdout thus carries only the
 * good news and stderr only the problems, so {@code tandem check -c f >/dev/null} shows exactly
 * what to fix. A file that cannot be read: one line on stderr, exit 1.
 */
@Command(
        name = "check",
        mixinStandardHelpOptions = true,
        description = {
            "Validates a config file and exits: 0 when it is valid, 1 when it is not.",
            "Each problem is printed on stderr as FILE:LINE:COL: path.to.key: what is wrong."
        })
final class CheckCommand implements Callable<Integer> {

    @Spec
    private CommandSpec spec;

    @Option(
            names = {"-c", "--config"},
            paramLabel = "FILE",
            required = true,
            description = "The config file.")
    private Path config;

    @Override
    public Integer call() {
        TandemConfig loaded =
                loadOrReport(config, System.getenv(), spec.commandLine().getErr());
        if (loaded == null) {
            return TandemCommand.EXIT_FAILURE;
        }
        PrintWriter out = spec.commandLine().getOut();
        out.println(config + ": configuration is valid");
        out.flush();
        return 0;
    }

    /**
     * Loads {@code file}; when it is invalid, prints each problem on {@code err} and returns null.
     *
     * @throws CommandFailure when the file cannot be read
     */
    static TandemConfig loadOrReport(Path file, Map<String, String> env, PrintWriter err) {
        try {
            return ConfigLoader.load(file, env);
        } catch (ConfigException e) {
            for (ConfigProblem p : e.problems()) {
                err.println(p);
            }
            err.flush();
            return null;
        } catch (IOException e) {
            throw new CommandFailure("cannot read config file " + file + ": " + ConfigLoader.describe(e), e);
        }
    }
}
