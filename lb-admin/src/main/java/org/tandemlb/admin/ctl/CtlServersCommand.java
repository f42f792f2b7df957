package org.tandemlb.admin.ctl;

import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code tandem ctl servers [BACKEND]}: the servers, of one backend or of all, in one table. */
@Command(
        name = "servers",
        mixinStandardHelpOptions = true,
        description =
                "Lists the servers of BACKEND (default: of every backend): state, health, weight, traffic, last check.")
final class CtlServersCommand implements Callable<Integer> {

    @Spec
    private CommandSpec spec;

    @ParentCommand
    private CtlCommand ctl;

    @Parameters(arity = "0..1", paramLabel = "BACKEND", description = "Only this backend's servers.")
    private String backend;

    @Override
    public Integer call() {
        StatusView view = new StatusView(ctl.client().getJson("/api/v1/status"), CtlCommand.colour());
        PrintWriter out = spec.commandLine().getOut();
        if (!view.printServers(out, backend)) {
            throw new CtlException(
                    "no backend '" + backend + "' (backends: " + String.join(", ", view.backendNames()) + ")");
        }
        out.flush();
        return 0;
    }
}
