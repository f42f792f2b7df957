package org.tandemlb.admin;

import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import org.tandemlb.admin.config.TandemConfig;
import org.tandemlb.admin.daemon.Daemon;
import org.tandemlb.core.LoadBalancerException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code tandem run -c FILE}: the daemon, in the foreground, logging to stdout (systemd
 * {@code Type=simple}, or {@code Type=notify}: with {@code NOTIFY_SOCKET} set it says when it is
 * ready, reloading and stopping, and pings the watchdog; see the daemon's {@code SystemdNotify}). An invalid file prints its problems on stderr as {@code check} does and
 * exits 1; a frontend or the admin server ({@code admin.listen}) that cannot listen exits 1 with
 * the reason in one line. Then SIGHUP (or {@code POST /api/v1/reload}) reloads
 * FILE and SIGTERM/SIGINT stop gracefully, exit 0 (see {@link Signals}).
 */
@Command(
        name = "run",
        mixinStandardHelpOptions = true,
        description = {
            "Runs the load balancer in the foreground, logging to stdout.",
            "SIGHUP reloads FILE; SIGTERM or SIGINT stop gracefully."
        })
final class RunCommand implements Callable<Integer> {

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
        Map<String, String> env = System.getenv();
        TandemConfig loaded =
                CheckCommand.loadOrReport(config, env, spec.commandLine().getErr());
        if (loaded == null) {
            return TandemCommand.EXIT_FAILURE;
        }
        Daemon daemon = new Daemon(env, 0, Daemon.Admin.REQUIRED);
        Signals.serveUntilStopped(
                () -> {
                    try {
                        daemon.start(loaded, config);
                    } catch (LoadBalancerException e) {
                        throw new CommandFailure(e.getMessage(), e);
                    }
                },
                () -> daemon.requestReload(config),
                daemon::stop);
        return 0;
    }
}
