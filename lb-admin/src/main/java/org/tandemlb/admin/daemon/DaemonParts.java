package org.tandemlb.admin.daemon;

import java.time.Duration;
import java.util.Map;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tandemlb.admin.accesslog.AccessLog;
import org.tandemlb.admin.api.AdminMetrics;
import org.tandemlb.admin.config.TandemConfig;
import org.tandemlb.cluster.ClusterNode;
import org.tandemlb.core.LoadBalancer;

/**
 * What one start of the daemon opens, in the order it opens them: the access logs, the metrics
 * registry, the state file, the load balancer ({@link EngineAssembly}), systemd's notify socket,
 * then the cluster node ({@link ClusterWiring}). And the two orders in which they close: all at
 * once when a later step of the start fails ({@link #abort}), or gracefully at a stop
 * ({@link #stop}). The admin server is the daemon's, which opens it between
 * {@link #startEngine} and {@link #joinCluster}.
 */
final class DaemonParts {
    // The daemon's log lines, under its name as before this class was split from it.
    private static final Logger log = LoggerFactory.getLogger(Daemon.class);

    final AccessLog accessLog;
    final AdminMetrics metrics;
    /** Where runtime changes of servers are kept across restarts; null without {@code state_file}. */
    final StateFile stateFile;

    final LoadBalancer lb;
    final SystemdNotify systemd;
    private ClusterNode node; // null for a solo node, and until startEngine built it

    private DaemonParts(
            AccessLog accessLog, AdminMetrics metrics, StateFile stateFile, LoadBalancer lb, SystemdNotify systemd) {
        this.accessLog = accessLog;
        this.metrics = metrics;
        this.stateFile = stateFile;
        this.lb = lb;
        this.systemd = systemd;
    }

    /**
     * Opens the access logs, the registry and the state file of {@code config}, builds its load
     * balancer (not started yet) and opens systemd's notify socket.
     *
     * @param running the daemon's load balancer, which the state file writes
     * @throws org.tandemlb.core.LoadBalancerException for a bad value in {@code env} (before anything
     *                                                 is opened) or an access log that cannot be opened
     */
    static DaemonParts open(TandemConfig config, Map<String, String> env, int threads, Supplier<LoadBalancer> running) {
        EngineAssembly engine = EngineAssembly.fromEnv(env, threads); // a bad value fails the start first
        AccessLog logs = AccessLog.open(config.accessLogs()); // a file that cannot be opened fails the start
        AdminMetrics registry = new AdminMetrics();
        StateFile kept = config.stateFile() == null ? null : new StateFile(config.stateFile(), running);
        LoadBalancer built = engine.build(config, registry, logs, kept);
        return new DaemonParts(logs, registry, kept, built, SystemdNotify.fromEnv(env, System::nanoTime));
    }

    /**
     * Starts the load balancer (its frontends listen), then builds the cluster node of
     * {@code config}'s {@code cluster} section.
     *
     * @param failovers the node's count of failovers, for the event log
     * @return the cluster node, not started; null for a solo node
     */
    ClusterNode startEngine(TandemConfig config, LongSupplier failovers) {
        lb.start();
        if (config.cluster() != null) {
            node = ClusterWiring.build(config, lb, stateFile, failovers);
        } else {
            metrics.bindSoloNode(); // a cluster section needs a restart: solo for the process's life
        }
        return node;
    }

    /** With a cluster node, binds the cluster port and starts joining (in the background). */
    void joinCluster() {
        if (node != null) {
            ClusterWiring.start(node, metrics);
        }
    }

    /** Once started: tells systemd the daemon is ready (a cluster node once it has joined), and pings its watchdog. */
    void announceReady() {
        ClusterWiring.announceReady(node, systemd);
        systemd.startWatchdog(lb::workers);
    }

    /** Closes everything when a step of the start failed (the admin server is closed already). */
    void abort() {
        if (node != null) {
            node.stop();
        }
        lb.close(); // the event loops
        systemd.close();
        metrics.close();
        accessLog.close();
    }

    /**
     * The graceful stop: the cluster node first, then the load balancer stops accepting and lets
     * open connections finish for up to {@code drain}; then the access logs, the state file's
     * last write, the admin server ({@code closeAdmin}), the metrics and systemd's socket.
     */
    void stop(Duration drain, Runnable closeAdmin) {
        if (node != null) {
            // As the README says of SIGTERM: the VIPs go first, so the peer takes over while we still serve.
            node.stop();
        }
        log.info("stopping: no new connections; open ones have up to {} to finish", Summary.format(drain));
        lb.stop(drain);
        accessLog.close(); // after the proxy, so that the last requests are logged
        if (stateFile != null) {
            stateFile.close(); // a last write, with the changes made during the drain
        }
        // The admin server answers until the drain is over (/healthz says "stopping"), then goes.
        closeAdmin.run();
        metrics.close();
        systemd.close();
    }
}
