package org.tandemlb.admin.daemon;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tandemlb.admin.accesslog.AccessLog;
import org.tandemlb.admin.api.ReloadResult;
import org.tandemlb.admin.config.ConfigException;
import org.tandemlb.admin.config.ConfigLoader;
import org.tandemlb.admin.config.TandemConfig;
import org.tandemlb.cluster.ClusterException;
import org.tandemlb.cluster.ClusterNode;
import org.tandemlb.cluster.vip.VipException;
import org.tandemlb.core.LoadBalancerException;

/**
 * The daemon's reload path: reads the file again, validates it, prepares the new access logs,
 * applies the configuration to the load balancer (or the cluster node) and reports the outcome
 * ({@link ReloadReport}). An invalid or unreadable file, or one whose new listeners cannot be
 * bound, changes nothing.
 *
 * <p>Requested reloads run one at a time on the dedicated {@code tandem-reload} thread
 * ({@link #request}), never on a signal thread or an event loop. The apply step holds the
 * daemon's lock, so that it never overlaps its start or its stop.
 */
final class Reloader {
    // The daemon's log lines, under its name as before this class was split from it.
    private static final Logger log = LoggerFactory.getLogger(Daemon.class);

    private final Daemon daemon;
    private final Map<String, String> env;
    private final ExecutorService thread = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "tandem-reload");
        t.setDaemon(true); // a reload in progress never holds the JVM up at exit
        return t;
    });

    /**
     * @param daemon the daemon whose configuration the reloads replace
     * @param env    the environment for {@code ${VAR}} in the config file
     */
    Reloader(Daemon daemon, Map<String, String> env) {
        this.daemon = daemon;
        this.env = env;
    }

    /** Reads {@code file} again and applies it, on the calling thread ({@link Daemon#reload}). */
    ReloadResult reload(Path file) {
        Objects.requireNonNull(file, "file");
        log.info("reloading {}", file);
        // Not before the start nor during a stop: systemd would take READY=1 for "running".
        SystemdNotify notify = daemon.systemdWhileRunning();
        notify.reloading();
        try {
            return reloadNow(file);
        } finally {
            notify.ready(); // applied or refused, the daemon serves again
        }
    }

    private ReloadResult reloadNow(Path file) {
        TandemConfig next;
        try {
            next = ConfigLoader.load(file, env);
        } catch (ConfigException e) {
            return ReloadReport.invalid(file, e, daemon.events(), node());
        } catch (IOException e) {
            return refused("cannot read config file " + file + ": " + ConfigLoader.describe(e));
        }
        List<String> restart = new ArrayList<>();
        synchronized (daemon.lock) {
            String notRunning = daemon.notRunning();
            if (notRunning != null) {
                return refused("tandem is " + notRunning);
            }
            // New access log files are opened first (every reload reopens them, for logrotate) and
            // used once the load balancer has taken the new configuration.
            try (AccessLog.Prepared logs = daemon.accessLog().prepare(next.accessLogs())) {
                restart.addAll(apply(next));
                logs.commit();
            } catch (LoadBalancerException | VipException | ClusterException e) {
                return refused(e.getMessage());
            } catch (RuntimeException e) {
                log.error("reload failed on an internal error; the running configuration is unchanged", e);
                return new ReloadResult(List.of("internal error: " + e));
            }
            restart.addAll(0, ReloadReport.restartOnly(file, daemon.config(), next, daemon.adminRunning()));
            daemon.configApplied(next);
        }
        daemon.keepState(); // servers whose config line changed start afresh: the file forgets them
        ReloadReport.applied(file, next, daemon.loadBalancer(), restart);
        return ReloadResult.applied(restart);
    }

    /**
     * Applies {@code next} to the load balancer, and with a cluster to the node: the cluster
     * section's checks come first, so that both take it or neither (ClusterNode#apply). Returns
     * the cluster's settings that wait for a restart.
     */
    private List<String> apply(TandemConfig next) {
        ClusterNode node = daemon.clusterNode();
        if (node == null) {
            daemon.loadBalancer().apply(next.loadBalancer());
            return next.cluster() == null
                    ? List.of()
                    : List.of("cluster (a node started without the section joins a cluster when it restarts)");
        }
        if (next.cluster() == null) {
            node.apply(next.loadBalancer()); // VIP frontends stay as the VIPs are held
            return List.of("cluster (the node stays in its cluster, as configured, until tandem restarts)");
        }
        return node.apply(next.loadBalancer(), next.cluster());
    }

    /**
     * Reloads {@code file} on the reload thread; returns at once. After {@link #shutdown}, the
     * result is a refusal.
     */
    CompletableFuture<ReloadResult> request(Path file) {
        try {
            return CompletableFuture.supplyAsync(() -> daemon.reload(file), thread);
        } catch (RejectedExecutionException e) {
            return CompletableFuture.completedFuture(refused("tandem is stopping"));
        }
    }

    /** A reload refused for {@code reason}: logged, recorded as an event, and returned. */
    ReloadResult refused(String reason) {
        return ReloadReport.refused(reason, daemon.events(), node());
    }

    /** The node's name for the events, or null before the start (there is no event log then either). */
    private String node() {
        return daemon.config() == null ? null : daemon.node();
    }

    /** Takes no more requests (the daemon stops, or its start failed). */
    void shutdown() {
        thread.shutdown();
    }
}
