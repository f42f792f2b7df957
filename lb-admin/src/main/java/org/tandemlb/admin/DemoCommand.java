package org.tandemlb.admin;

import java.io.PrintWriter;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tandemlb.admin.demo.Demo;
import org.tandemlb.admin.demo.DemoBackend;
import org.tandemlb.core.LoadBalancerException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code tandem demo}: the quick start. Two demo backends in this process, a frontend on
 * 127.0.0.1:8080 ({@code --port}) balancing them round-robin, and on stdout what to try. Runs until
 * SIGINT or SIGTERM, like {@code run}. A port already taken: exit 1, with the advice to pick
 * another one.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = {"Starts two demo HTTP backends and a load balancer in front of them, on 127.0.0.1.",
                "Ctrl-C stops it."})
final class DemoCommand implements Callable<Integer> {
    private static final Logger log = LoggerFactory.getLogger(DemoCommand.class);

    @Spec
    private CommandSpec spec;

    @Option(names = "--port", paramLabel = "PORT", defaultValue = "8080",
            description = "The load balancer's port on 127.0.0.1 (default: ${DEFAULT-VALUE}; 0: any free port).")
    private int port;

    @Override
    public Integer call() {
        if (port < 0 || port > 65535) {
            throw new ParameterException(spec.commandLine(), "--port " + port + " is not a port (0-65535)");
        }
        AtomicReference<Demo> demo = new AtomicReference<>();
        Signals.serveUntilStopped(() -> {
            try {
                demo.set(Demo.start("127.0.0.1", port));
            } catch (LoadBalancerException e) {
                String advice = port == 0 ? "" : "; is another program using port " + port
                        + "? try: tandem demo --port " + (port == 65535 ? 8081 : port + 1);
                throw new CommandFailure(e.getMessage() + advice, e);
            }
            printWhatToTry(demo.get());
        }, () -> log.info("the demo has no config file to reload"), () -> {
            Demo d = demo.get();
            if (d != null) {
                d.close();
            }
        });
        return 0;
    }

    private void printWhatToTry(Demo demo) {
        String lb = Daemon.hostPort(demo.address());
        DemoBackend one = demo.backends().get(0);
        DemoBackend two = demo.backends().get(1);
        PrintWriter out = spec.commandLine().getOut();
        out.println();
        out.println("Tandem demo: http://" + lb + " balances round-robin over two demo backends,");
        out.println("  demo1 on " + one.hostPort() + " and demo2 on " + two.hostPort() + ",");
        out.println("  each health checked every 2s with GET /health.");
        out.println("Try:");
        out.println("  for i in $(seq 10); do curl -s " + lb + "; done");
        out.println("Ctrl-C stops it.");
        out.println();
        out.flush();
    }
}
