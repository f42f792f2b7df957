package org.tandemlb.admin;

import java.io.PrintWriter;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tandemlb.admin.daemon.Summary;
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
 * 127.0.0.1:8080 ({@code --port}) balancing them round-robin, the admin API and status page on
 * 127.0.0.1:9000 ({@code --admin-port}), and on stdout what to try. Runs until SIGINT or SIGTERM,
 * like {@code run}. The frontend's port already taken: exit 1, with the advice to pick another
 * one. The admin port taken: the demo runs all the same, says so and how to pick another one
 * (the load balancer is what the demo shows; the status page is a bonus).
 */
@Command(
        name = "demo",
        mixinStandardHelpOptions = true,
        description = {
            "Starts two demo HTTP backends and a load balancer in front of them, on 127.0.0.1.",
            "Ctrl-C stops it."
        })
final class DemoCommand implements Callable<Integer> {
    private static final Logger log = LoggerFactory.getLogger(DemoCommand.class);

    @Spec
    private CommandSpec spec;

    @Option(
            names = "--port",
            paramLabel = "PORT",
            defaultValue = "8080",
            description = "The load balancer's port on 127.0.0.1 (default: ${DEFAULT-VALUE}; 0: any free port).")
    private int port;

    @Option(
            names = "--https-port",
            paramLabel = "PORT",
            defaultValue = "" + Demo.HTTPS_PORT,
            description = "The HTTPS frontend's port on 127.0.0.1 (default: ${DEFAULT-VALUE}; 0: any free port).")
    private int httpsPort;

    @Option(
            names = "--admin-port",
            paramLabel = "PORT",
            defaultValue = "" + Demo.ADMIN_PORT,
            description =
                    "The admin API and status page's port on 127.0.0.1 (default: ${DEFAULT-VALUE}; 0: any free port).")
    private int adminPort;

    @Override
    public Integer call() {
        if (port < 0 || port > 65535) {
            throw new ParameterException(spec.commandLine(), "--port " + port + " is not a port (0-65535)");
        }
        if (httpsPort < 0 || httpsPort > 65535) {
            throw new ParameterException(spec.commandLine(), "--https-port " + httpsPort + " is not a port (0-65535)");
        }
        if (adminPort < 0 || adminPort > 65535) {
            throw new ParameterException(spec.commandLine(), "--admin-port " + adminPort + " is not a port (0-65535)");
        }
        AtomicReference<Demo> demo = new AtomicReference<>();
        Signals.serveUntilStopped(
                () -> {
                    try {
                        demo.set(Demo.start("127.0.0.1", port, httpsPort, adminPort));
                    } catch (LoadBalancerException e) {
                        String advice = port == 0
                                ? ""
                                : "; is another program using port " + port
                                        + (httpsPort == 0 ? "" : " or " + httpsPort) + "? try: tandem demo --port "
                                        + (port == 65535 ? 8081 : port + 1)
                                        + (httpsPort == 0
                                                ? ""
                                                : " --https-port " + (httpsPort == 65535 ? 8444 : httpsPort + 1));
                        throw new CommandFailure(e.getMessage() + advice, e);
                    }
                    printWhatToTry(demo.get());
                },
                () -> log.info("the demo has no config file to reload"),
                () -> {
                    Demo d = demo.get();
                    if (d != null) {
                        d.close();
                    }
                });
        return 0;
    }

    private void printWhatToTry(Demo demo) {
        String lb = Summary.hostPort(demo.address());
        DemoBackend one = demo.backends().get(0);
        DemoBackend two = demo.backends().get(1);
        PrintWriter out = spec.commandLine().getOut();
        out.println();
        out.println("Tandem demo: http://" + lb + " balances round-robin over two demo backends,");
        out.println("  demo1 on " + one.hostPort() + " and demo2 on " + two.hostPort() + ",");
        out.println("  each health checked every 2s with GET /health.");
        String https = Summary.hostPort(demo.httpsAddress());
        out.println("HTTPS: https://" + https + " the same, with a throw-away self-signed certificate.");
        String admin = demo.adminAddress().map(Summary::hostPort).orElse(null);
        if (admin != null) {
            out.println("Status page: http://" + admin + "/  (API: /api/v1/status, metrics: /metrics)");
        } else {
            out.println("No status page: 127.0.0.1:" + adminPort + " is in use; tandem demo --admin-port "
                    + (adminPort == 65535 || adminPort == 0 ? 9001 : adminPort + 1) + " picks another port.");
        }
        out.println("Try:");
        out.println("  for i in $(seq 10); do curl -s " + lb + "; done");
        out.println("  curl -k --http2 https://" + https + "/");
        if (admin != null) {
            out.println("  curl -s -X POST -d '{\"state\": \"drain\"}' " + admin + "/api/v1/backends/" + Demo.NAME
                    + "/servers/" + Demo.NAME + "1");
        }
        out.println("Ctrl-C stops it.");
        out.println();
        out.flush();
    }
}
