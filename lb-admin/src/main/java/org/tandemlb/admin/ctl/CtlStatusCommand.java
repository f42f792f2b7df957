package org.tandemlb.admin.ctl;

import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code tandem ctl status}: the node, the cluster, the frontends and every backend's servers, as the status page. */
@Command(
        name = "status",
        mixinStandardHelpOptions = true,
        description = "Shows the node, the cluster, the frontends and the servers, as the status page does.")
final class CtlStatusCommand implements Callable<Integer> {

    @Spec
    private CommandSpec spec;

    @ParentCommand
    private CtlCommand ctl;

    @Override
    public Integer call() {
        StatusView view = new StatusView(ctl.client().getJson("/api/v1/status"), CtlCommand.colour());
        PrintWriter out = spec.commandLine().getOut();
        view.printCluster(out);
        out.println();
        view.printFrontends(out);
        view.printBackends(out);
        out.flush();
        return 0;
    }
}
