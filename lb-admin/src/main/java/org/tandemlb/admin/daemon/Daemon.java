package org.tandemlb.admin.daemon;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tandemlb.admin.accesslog.AccessLog;
import org.tandemlb.admin.api.AdminMetrics;
import org.tandemlb.admin.api.AdminServer;
import org.tandemlb.admin.api.AdminTarget;
import org.tandemlb.admin.api.ClusterView;
import org.tandemlb.admin.api.ReloadResult;
import org.tandemlb.admin.api.UnknownNameException;
import org.tandemlb.admin.cluster.LiveClusterView;
import org.tandemlb.admin.config.TandemConfig;
import org.tandemlb.cluster.ClusterNode;
import org.tandemlb.core.LoadBalancer;
import org.tandemlb.core.LoadBalancerException;
import org.tandemlb.core.backend.AdminState;
import org.tandemlb.core.backend.Server;
import org.tandemlb.core.history.EventLog;
import org.tandemlb.core.transport.Transport;

/**
 * The running daemon: owns the {@link LoadBalancer} of a {@link TandemConfig} and everything that
 * lives as long as it (the admin server and the cluster membership join it here), and the three
 * moments of its life: {@link #start}, {@link #reload} and {@link #stop}. It knows nothing of
 * signals or of the command line, so tests drive it directly; {@code tandem run} connects SIGHUP to
 * {@link #requestReload} and SIGTERM/SIGINT to {@link #stop}.
 *
 * <p>Reloads are serialized on one dedicated thread ({@link #requestReload}), so a burst of
 * SIGHUPs or API calls applies the file once per request, in order, and never runs on a signal
 * thread or an event loop. {@link #reload} itself may be called from any thread.
 *
 * <p>The daemon keeps the order of those moments; the work of each is done beside it: what the
 * start opens and a stop closes in {@code DaemonParts}, the reload path in {@code Reloader}, a
 * server changed at run time in {@code ServerChange}.
 *
 * <p>The daemon owns the metrics registry it gives the load balancer ({@link #metrics()}) and,
 * depending on its {@link Admin} mode, the admin server on {@code admin.listen} (the API,
 * {@code /metrics} and the status page; see {@link org.tandemlb.admin.api}).
 *
 * <p>It adds its own events to the engine's {@link EventLog}: every reload (applied, or refused
 * with one {@code config_error} per problem of the file) and this node's cluster role changes and
 * failovers.
 */
public final class Daemon implements AdminTarget {
    private static final Logger log = LoggerFactory.getLogger(Daemon.class);

    /** Whether the daemon serves the admin API, {@code /metrics} and the status page. */
    public enum Admin {
        /** On {@code admin.listen}; an address that cannot be bound fails the start ({@code tandem run}). */
        REQUIRED,
        /** On {@code admin.listen} if it can be bound; otherwise a warning and none ({@code tandem demo}). */
        IF_FREE,
        /** None (embedding and tests that do not need it). */
        OFF
    }

    private enum State {
        NEW,
        RUNNING,
        STOPPED
    }

    private final Map<String, String> env;
    private final int threads;
    private final Admin adminMode;
    private final Reloader reloader;
    private final CountDownLatch stopped = new CountDownLatch(1);
    /** Held by start, stop and a reload's apply step, which never overlap. */
    final Object lock = new Object();

    private volatile State state = State.NEW;
    // Volatile, so that the admin event loop reads them without waiting for a reload's lock.
    private volatile TandemConfig config;
    private volatile Path configFile;
    private volatile LoadBalancer lb;
    private volatile AdminMetrics metrics;
    private volatile AdminServer admin;
    private volatile ClusterView cluster = ClusterView.solo(() -> config().node());
    /** The cluster membership; null for a solo node. */
    private volatile ClusterNode clusterNode;
    /** What the start opened (systemd's notify socket among them); null before it, closed after a failed one. */
    private volatile DaemonParts parts;

    /**
     * A daemon whose proxy uses one event loop per processor, without the admin server.
     *
     * @param env the environment for {@code ${VAR}} in the config file at reload, usually
     *            {@link System#getenv()}
     */
    public Daemon(Map<String, String> env) {
        this(env, 0);
    }

    /**
     * A daemon whose proxy uses {@code threads} event loops (0: one per processor), without the
     * admin server.
     */
    public Daemon(Map<String, String> env, int threads) {
        this(env, threads, Admin.OFF);
    }

    /**
     * A daemon whose proxy uses {@code threads} event loops (0: one per processor) and that
     * serves the admin API as {@code admin} says.
     */
    public Daemon(Map<String, String> env, int threads, Admin admin) {
        this.env = Map.copyOf(Objects.requireNonNull(env, "env"));
        this.threads = threads;
        this.adminMode = Objects.requireNonNull(admin, "admin");
        this.reloader = new Reloader(this, this.env);
    }

    /** The environment variable that chooses the socket transport ({@link Transport#named}). */
    public static final String TRANSPORT_ENV = EngineEnvironment.TRANSPORT_ENV;

    /** The environment variable that chooses the TLS provider: {@code jdk} or {@code openssl}. */
    public static final String TLS_ENV = EngineEnvironment.TLS_ENV;

    /**
     * Builds the load balancer of {@code config} and binds its frontends; without a config file
     * to reload (the API's reload answers that there is none).
     *
     * @throws LoadBalancerException when a frontend cannot listen; nothing stays bound or running
     * @throws IllegalStateException when already started
     */
    public void start(TandemConfig config) {
        start(config, null);
    }

    /**
     * Builds the load balancer of {@code config}, read from {@code file}, binds its frontends,
     * then the admin server (as the {@link Admin} mode says), then, with a {@code cluster}
     * section, binds the cluster port: the node joins its peers in the background (role
     * {@code joining} meanwhile, a bounded wait), so this returns without waiting for them and a
     * stop right after it does not wait for the join either.
     *
     * @param file the config file, which {@link #requestReload()} reads again; null for none
     * @throws LoadBalancerException when a frontend or (with {@link Admin#REQUIRED}) the admin
     *                               server cannot listen; nothing stays bound or running
     * @throws IllegalStateException when already started
     */
    public void start(TandemConfig config, Path file) {
        Objects.requireNonNull(config, "config");
        synchronized (lock) {
            if (state != State.NEW) {
                throw new IllegalStateException("the daemon was already started");
            }
            DaemonParts started = DaemonParts.open(config, env, threads, () -> lb);
            try {
                ClusterNode node = started.startEngine(config, this::failovers);
                if (node != null) {
                    this.clusterNode = node;
                    this.cluster = new LiveClusterView(node); // "joining" until the node is in a view
                }
                // Set before the admin server starts: its first request may come at once.
                this.lb = started.lb;
                this.config = config;
                this.configFile = file;
                this.metrics = started.metrics;
                this.parts = started;
                state = State.RUNNING;
                // The admin server before the cluster, so that it answers (role "joining") while
                // the node looks for its peers.
                this.admin = AdminStart.start(adminMode, config, this, started.metrics);
                started.joinCluster();
            } catch (RuntimeException e) {
                closeAdmin();
                started.abort();
                if (clusterNode != null) {
                    this.clusterNode = null;
                    this.cluster = ClusterView.solo(() -> config().node());
                }
                this.lb = null;
                this.config = null;
                this.metrics = null;
                state = State.STOPPED;
                reloader.shutdown();
                stopped.countDown();
                throw e;
            }
        }
        log.info(
                "tandem {} started, node {}, pid {}: {}",
                Version.get(),
                config.node(),
                ProcessHandle.current().pid(),
                Summary.of(config.loadBalancer(), lb));
        parts.announceReady();
    }

    /**
     * Reads {@code file} again and applies it in place (README, "The tandem command"): an invalid or unreadable
     * file, or one whose new listeners cannot be bound, changes nothing; the errors are logged and
     * returned. Runs on the calling thread.
     */
    public ReloadResult reload(Path file) {
        return reloader.reload(file);
    }

    /** The cluster node's count of failovers; 0 without one. */
    private long failovers() {
        ClusterNode node = clusterNode;
        return node == null ? 0 : node.failovers();
    }

    /** The engine's event log, where the daemon adds its own events; null before the start. */
    EventLog events() {
        LoadBalancer running = lb;
        return running == null ? null : running.events();
    }

    /**
     * Reloads the file the daemon was started from ({@link #configFile()}) on the reload thread;
     * returns at once. Before the start, after a stop, or without a file, the result is a refusal
     * that says which.
     */
    @Override
    public CompletableFuture<ReloadResult> requestReload() {
        Path file;
        String notRunning;
        synchronized (lock) {
            file = configFile;
            notRunning = notRunning();
        }
        if (notRunning != null || file == null) {
            return CompletableFuture.completedFuture(reloader.refused(
                    notRunning != null ? "tandem is " + notRunning : "tandem was not started from a config file"));
        }
        return requestReload(file);
    }

    /**
     * Reloads {@code file} on the daemon's reload thread; returns at once. For signal handlers
     * and the admin API, which must not block.
     */
    public CompletableFuture<ReloadResult> requestReload(Path file) {
        return reloader.request(file);
    }

    /**
     * Stops gracefully: stops accepting, lets open connections finish for up to
     * {@link #drainTimeout()}, then closes them and the event loops. Idempotent; a second caller
     * waits until the first one has finished.
     */
    public void stop() {
        DaemonParts toStop;
        Duration drain;
        synchronized (lock) {
            if (state == State.NEW) {
                reloader.shutdown();
                stopped.countDown();
            }
            if (state != State.RUNNING) {
                state = State.STOPPED;
                toStop = null;
                drain = null;
            } else {
                state = State.STOPPED;
                toStop = parts;
                drain = drainTimeout(config);
            }
        }
        if (toStop == null) {
            awaitStopped(); // another thread is stopping it; return once it is done
            return;
        }
        toStop.systemd.stopping();
        try {
            reloader.shutdown();
            toStop.stop(drain, this::closeAdmin);
            log.info("stopped");
        } finally {
            stopped.countDown();
        }
    }

    private void closeAdmin() {
        AdminServer a = admin;
        if (a != null) {
            a.close();
            admin = null;
        }
    }

    private void awaitStopped() {
        boolean interrupted = false;
        while (true) {
            try {
                stopped.await();
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    /** The configuration in force; null before {@link #start}. */
    public TandemConfig config() {
        return config;
    }

    /** The load balancer; null before {@link #start}. */
    @Override
    public LoadBalancer loadBalancer() {
        return lb;
    }

    /** The file the configuration was read from, which the API's reload reads again; empty for none. */
    public Optional<Path> configFile() {
        return Optional.ofNullable(configFile);
    }

    /** The metrics registry given to the load balancer, with the JVM meters; null before {@link #start}. */
    public AdminMetrics metrics() {
        return metrics;
    }

    /** Where the admin server listens; empty when it does not run. */
    public Optional<InetSocketAddress> adminAddress() {
        AdminServer a = admin;
        return a == null ? Optional.empty() : Optional.of(a.address());
    }

    @Override
    public String node() {
        return config.node();
    }

    @Override
    public String adminToken() {
        return config.admin().token();
    }

    @Override
    public boolean reloadable() {
        return configFile != null;
    }

    /** Whether the daemon is running and not stopping ({@code GET /healthz}). */
    @Override
    public boolean serving() {
        return state == State.RUNNING;
    }

    /** What the status API shows of the cluster; a solo view until the cluster layer sets one. */
    @Override
    public ClusterView cluster() {
        return cluster;
    }

    /** Replaces the cluster view of the status API (the cluster layer sets its live view). */
    public void cluster(ClusterView view) {
        cluster = Objects.requireNonNull(view, "view");
    }

    /**
     * Changes a server at run time, as the API's {@code POST /api/v1/backends/{backend}/servers/{server}}
     * asks: its admin state, its weight, or both. The change lasts until the server is removed or
     * its line in the config file changes (a reload keeps unchanged servers as they are).
     *
     * <p>The result is a future so that a cluster can apply the change on every member before it
     * completes; it is complete on return: in a cluster the change applies here at once and goes
     * to the other members as an ordered cluster message (they apply it on receipt; a member that
     * joins later gets it too). It completes exceptionally with
     * {@link UnknownNameException} for an unknown backend or server and with
     * {@link IllegalArgumentException} for a weight out of 0-256.
     *
     * @param state  the new admin state, or null to leave it
     * @param weight the new weight (0-256), or null to leave it
     */
    @Override
    public CompletableFuture<Server> changeServer(String backend, String server, AdminState state, Integer weight) {
        Objects.requireNonNull(backend, "backend");
        Objects.requireNonNull(server, "server");
        try {
            Server changed = ServerChange.apply(lb, clusterNode, backend, server, state, weight);
            keepState();
            return CompletableFuture.completedFuture(changed);
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    // What the reload path (Reloader) reads and changes of the running daemon.

    /** systemd's notify socket while the daemon runs; {@link SystemdNotify#NONE} before its start and once it stops. */
    SystemdNotify systemdWhileRunning() {
        return state == State.RUNNING ? parts.systemd : SystemdNotify.NONE;
    }

    /** Under {@link #lock}: null while the daemon runs, else "not started yet" or "stopping". */
    String notRunning() {
        return state == State.RUNNING ? null : state == State.NEW ? "not started yet" : "stopping";
    }

    /** Under {@link #lock}, while the daemon runs: the access logs. */
    AccessLog accessLog() {
        return parts.accessLog;
    }

    /** Under {@link #lock}: a reload's configuration is now in force. */
    void configApplied(TandemConfig next) {
        config = next;
    }

    /** The cluster membership; null for a solo node. */
    ClusterNode clusterNode() {
        return clusterNode;
    }

    /** Whether the admin server runs. */
    boolean adminRunning() {
        return admin != null;
    }

    /** Has the state file, if any, written again (off this thread). */
    void keepState() {
        DaemonParts started = parts;
        StateFile kept = started == null ? null : started.stateFile;
        if (kept != null) {
            kept.changed();
        }
    }

    /**
     * How long {@link #stop} lets open connections finish: the longest {@code timeouts.drain} of
     * the frontends in force (one deadline for the whole process, as HAProxy's
     * {@code hard-stop-after}); zero without frontends.
     */
    public Duration drainTimeout() {
        synchronized (lock) {
            return config == null ? Duration.ZERO : drainTimeout(config);
        }
    }

    static Duration drainTimeout(TandemConfig config) {
        return config.loadBalancer().frontends().stream()
                .map(f -> f.timeouts().drain())
                .max(Duration::compareTo)
                .orElse(Duration.ZERO);
    }
}
