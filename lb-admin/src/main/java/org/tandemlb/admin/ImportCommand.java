package org.tandemlb.admin;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import org.tandemlb.admin.config.ConfigException;
import org.tandemlb.admin.config.ConfigLoader;
import org.tandemlb.admin.config.ConfigProblem;
import org.tandemlb.admin.importer.Importer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code tandem import HAPROXY_CFG [KEEPALIVED_CONF] [-o FILE]}: translates an HAProxy (and
 * keepalived) configuration into a Tandem file (docs/migrating.md).
 *
 * <p>The file goes to {@code -o FILE}, or to stdout. Every line not translated is printed on
 * stderr as {@code FILE:LINE: TEXT -- REASON} and listed at the top of the output. The output is
 * then checked as {@code tandem check} would: exit 0 when it passes, 1 when it does not (its
 * problems on stderr; the file is written all the same, to be fixed by hand) or when an input
 * cannot be read, 2 for bad usage.
 */
@Command(
        name = "import",
        mixinStandardHelpOptions = true,
        description = {
            "Translates an HAProxy configuration, and a keepalived one, into a Tandem config file.",
            "What does not translate is listed on stderr and at the top of the file, with FILE:LINE."
        })
final class ImportCommand implements Callable<Integer> {

    @Spec
    private CommandSpec spec;

    @Parameters(index = "0", paramLabel = "HAPROXY_CFG", description = "The HAProxy configuration.")
    private Path haproxy;

    @Parameters(
            index = "1",
            arity = "0..1",
            paramLabel = "KEEPALIVED_CONF",
            description = "The keepalived configuration of this node (its vrrp_instance becomes the cluster section).")
    private Path keepalived;

    @Option(
            names = {"-o", "--output"},
            paramLabel = "FILE",
            description = "Where to write the Tandem file (default: stdout).")
    private Path output;

    @Override
    public Integer call() {
        Importer.Result result;
        try {
            result = Importer.run(haproxy, keepalived);
        } catch (IOException e) {
            Path which = keepalived != null && Files.isReadable(haproxy) ? keepalived : haproxy;
            throw new CommandFailure("cannot read " + which + ": " + ConfigLoader.describe(e), e);
        }
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        result.notes().forEach(err::println);
        String name = output == null ? "<stdout>" : output.toString();
        if (output == null) {
            out.print(result.yaml());
        } else {
            try {
                Files.writeString(output, result.yaml(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new CommandFailure("cannot write " + output + ": " + ConfigLoader.describe(e), e);
            }
        }
        // The variables the output names are the user's to set; check the rest with stand-ins.
        Map<String, String> env = new HashMap<>(System.getenv());
        result.variables().forEach(v -> env.putIfAbsent(v, v.contains("SECRET") ? "stand-in" : "127.0.0.1:7800"));
        int code = 0;
        try {
            ConfigLoader.parse(name, result.yaml(), env);
        } catch (ConfigException e) {
            err.println("tandem: the imported file does not pass tandem check yet:");
            for (ConfigProblem p : e.problems()) {
                err.println(p);
            }
            code = TandemCommand.EXIT_FAILURE;
        }
        if (output != null && code == 0) {
            out.println("wrote " + output + " (" + result.notes().size() + " lines not translated, listed at its top)");
        }
        out.flush();
        err.flush();
        return code;
    }
}
