package org.tandemlb.core;

import io.micrometer.core.instrument.MeterRegistry;
import io.netty.channel.EventLoopGroup;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tandemlb.core.accesslog.AccessListener;
import org.tandemlb.core.backend.Backend;
import org.tandemlb.core.config.LoadBalancerConfig;
import org.tandemlb.core.frontend.ConnectionLimit;
import org.tandemlb.core.frontend.Frontend;
import org.tandemlb.core.health.HealthChecks;
import org.tandemlb.core.health.NettyChecks;
import org.tandemlb.core.history.EventLog;
import org.tandemlb.core.history.History;
import org.tandemlb.core.proxy.HttpConnectionPool;
import org.tandemlb.core.proxy.ProxyContext;
import org.tandemlb.core.tls.ServerTls;
import org.tandemlb.core.tls.TicketKeys;
import org.tandemlb.core.tls.TlsProvider;
import org.tandemlb.core.transport.Transport;

/**
 * Tandem's engine: the frontends, backends and proxy pipelines of one {@link LoadBalancerConfig}.
 * Usable on its own as a library:
 *
 * <pre>{@code
 * LoadBalancerConfig config = LoadBalancerConfig.builder()
 *     .backend(BackendConfig.builder("web", Mode.HTTP)
 *         .server(ServerConfig.builder("web1", "10.0.0.21:80").build())
 *         .server(ServerConfig.builder("web2", "10.0.0.22:80").build())
 *         .build())
 *     .frontend(FrontendConfig.builder("www", Mode.HTTP).bind("0.0.0.0:8080").defaultBackend("web").build())
 *     .build();
 * try (LoadBalancer lb = LoadBalancer.builder(config).build()) {
 *     lb.start();
 *     ...
 * }
 * }</pre>
 *
 * <p>Start-up, reload and runtime changes share one path: {@link #apply} takes a whole new
 * configuration and works out the difference, all or nothing: listening addresses that stay keep
 * their sockets (also when they move to another frontend), unchanged servers keep their state,
 * counters and pooled connections.
 *
 * <p>Health checks run on the worker event loops, each server's on one loop: {@link #start}
 * starts them for every backend with a {@code health_check} or {@code passive_check},
 * {@link #apply} keeps those of unchanged servers (and their health), and {@link #stop} stops
 * them. See {@link org.tandemlb.core.health}.
 *
 * <p>It keeps what happened lately: {@link #history()} samples every frontend's, backend's and
 * server's traffic once per second (on one of its event loops) for ten minutes, and
 * {@link #events()} records the servers' health, admin-state and weight changes (the program
 * around it adds its own: reloads, cluster events).
 *
 * <p>Thread-safety: {@link #start}, {@link #apply} and {@link #close} are serialized and block
 * (binding sockets, resolving names), so they must not be called from an event loop; the
 * accessors may be called from any thread.
 */
public final class LoadBalancer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(LoadBalancer.class);

    private final EventLoops loops;
    private final HttpConnectionPool pool = new HttpConnectionPool();
    private final LongSupplier ticker;
    /** The top-level max_connections, over all frontends. */
    private final ConnectionLimit processLimit;

    private final HealthChecks healthChecks;
    private final Telemetry telemetry;
    private final Frontends frontends;

    private final Consumer<LoadBalancer> beforeListening;
    private volatile LoadBalancerConfig config;
    private volatile Map<String, Backend> backends = Map.of();

    private boolean started;
    private boolean closed;

    private LoadBalancer(Builder b) {
        this.config = b.config;
        this.beforeListening = b.beforeListening;
        this.processLimit = new ConnectionLimit(b.config.maxConnections());
        this.loops = new EventLoops(b.transport, b.threads, b.acceptors, b.workers);
        this.ticker = b.ticker != null ? b.ticker : System::nanoTime;
        this.telemetry = new Telemetry(b.registry, b.clock != null ? b.clock : Clock.systemUTC(), ticker);
        ProxyContext context =
                new ProxyContext(loops.transport, name -> backends.get(name), telemetry.listener(b.accessListener));
        this.healthChecks = new HealthChecks(new NettyChecks(loops.workers, loops.transport, ticker, b.checkSource));
        this.frontends = new Frontends(
                loops,
                new Pipelines(context, pool),
                processLimit,
                ticker,
                b.tlsProvider,
                b.ticketKeys != null ? b.ticketKeys : TicketKeys.random(TicketKeys.DEFAULT_PERIOD, Clock.systemUTC()));
    }

    /** A builder for a load balancer that will run {@code config}. */
    public static Builder builder(LoadBalancerConfig config) {
        return new Builder(config);
    }

    /**
     * Creates the backends and binds every frontend.
     *
     * @throws LoadBalancerException when a frontend cannot listen (nothing stays bound then)
     */
    public synchronized void start() {
        if (started) {
            throw new IllegalStateException("already started");
        }
        BackendUpdate initial = BackendUpdate.prepare(config, Map.of());
        started = true;
        backends = inOrder(initial.apply(Map.of(), pool, ticker, telemetry.events()));
        if (beforeListening != null) {
            beforeListening.accept(this);
        }
        frontends.start(config);
        healthChecks.sync(backends.values());
        syncMetrics();
        telemetry.startSampling(loops.workers);
        log.info(
                "started with {} frontend(s) and {} backend(s) on {} ({} event loops)",
                frontends.running().size(),
                backends.size(),
                loops.transport.configName(),
                loops.count());
    }

    /**
     * Builds ahead, on this thread, the TLS of those frontends of {@code future} that do not run
     * now, so that the {@link #apply} that starts them later does not load the TLS provider and
     * build their contexts then. A cluster standby prepares the frontends of the VIPs it may take
     * over: a first TLS context costs from a few hundred milliseconds to seconds on a busy host,
     * which a failover would otherwise wait for. The apply still reads the certificate files and
     * uses what was prepared only for certificates whose files are unchanged. Replaces what an
     * earlier call prepared.
     *
     * @throws LoadBalancerException when a certificate cannot be used (the apply would fail alike)
     */
    public synchronized void prepare(LoadBalancerConfig future) {
        Objects.requireNonNull(future);
        if (!started || closed) {
            throw new IllegalStateException("not running");
        }
        frontends.prepare(future);
    }

    /**
     * Applies a new configuration in place, all or nothing. Backends are updated server by server:
     * a server whose settings are unchanged keeps its health, admin state, counters and pooled
     * connections. A frontend whose binds and mode are unchanged keeps its sockets and takes the
     * new settings for new connections. Any other frontend is new: for each address that a
     * removed or replaced frontend listens on (a renamed frontend, a changed mode, an address
     * moved between frontends) it takes that listening socket over, so the port never closes; it
     * binds the others. Removed frontends then stop listening and drain: their idle HTTP
     * connections close, busy ones close after the response in progress, HTTP/2 connections get
     * a GOAWAY and finish their open streams; TCP connections run on. Nothing in progress is cut,
     * and connections finish with the settings they started with.
     *
     * <p>Nothing changes until every new address is bound: when one cannot be (held by another
     * process, say), what this call bound is closed, the sockets it would have taken over go on
     * serving their old frontends, and {@link #config()}, {@link #frontends()} and the listeners
     * stay as they were. An address that overlaps an old one without being the same (a wildcard
     * {@code 0.0.0.0:80} replaced by {@code 10.0.0.5:80}) cannot be bound while the old one
     * listens, so such a change fails; apply it in two steps (remove, then add) or restart.
     *
     * @throws LoadBalancerException when a new listener cannot be bound; the old configuration then stays
     */
    public synchronized void apply(LoadBalancerConfig next) {
        Objects.requireNonNull(next);
        if (!started || closed) {
            throw new IllegalStateException("not running");
        }
        Map<String, ServerTls> tlsOf = frontends.loadTls(next);
        // Files first (the backends' ca files): a bad one fails the whole apply before anything changed.
        BackendUpdate backendUpdate = BackendUpdate.prepare(next, backends);
        // Bind the new listeners first; until they are all bound, nothing has changed.
        FrontendUpdate frontendUpdate = frontends.bind(next, tlsOf);
        // Backends: keep and update, create, or drop.
        backends = inOrder(backendUpdate.apply(backends, pool, ticker, telemetry.events()));
        healthChecks.sync(backends.values());
        frontends.switchTo(frontendUpdate);
        config = next;
        processLimit.setMax(next.maxConnections());
        syncMetrics();
        log.info(
                "configuration applied: {} frontend(s), {} backend(s)",
                frontends.running().size(),
                backends.size());
    }

    private void syncMetrics() {
        telemetry.sync(config, frontends.running().values(), backends);
    }

    /** The last ten minutes of traffic of every frontend, backend and server. */
    public History history() {
        return telemetry.history();
    }

    /**
     * The last events: the servers' health, admin-state and weight changes; the program around the
     * engine records its own (reloads, configuration errors, cluster roles) here too.
     */
    public EventLog events() {
        return telemetry.events();
    }

    /** The configuration in force. */
    public LoadBalancerConfig config() {
        return config;
    }

    /** The frontend called {@code name}, or null. */
    public Frontend frontend(String name) {
        return frontends.running().get(name);
    }

    /** The frontends, in configuration order. */
    public List<Frontend> frontends() {
        return List.copyOf(frontends.running().values());
    }

    /** The backend called {@code name}, or null. */
    public Backend backend(String name) {
        return backends.get(name);
    }

    /** The backends, in configuration order. */
    public List<Backend> backends() {
        return List.copyOf(backends.values());
    }

    /** The first address the frontend {@code name} listens on (handy with port 0). */
    public InetSocketAddress address(String frontendName) {
        Frontend f = frontends.running().get(frontendName);
        if (f == null || f.boundAddresses().isEmpty()) {
            throw new IllegalArgumentException("no frontend " + frontendName + " is listening");
        }
        return f.boundAddresses().get(0);
    }

    /** The event loops of the proxy, for embedders that want to share them. */
    public EventLoopGroup workers() {
        return loops.workers;
    }

    /** The transport in use. */
    public Transport transport() {
        return loops.transport;
    }

    /**
     * Stops listening, lets open connections (also those of frontends a reload removed) finish
     * for up to {@code drain}, then closes them and
     * the idle keep-alive connections to the servers, and (when it created them) shuts the event
     * loops down. Event loops given with {@link Builder#eventLoops} stay up, with no connection of
     * this load balancer left on them (the closes run on the loops, shortly after this returns).
     */
    public synchronized void stop(Duration drain) {
        if (closed) {
            return;
        }
        closed = true;
        telemetry.stopSampling();
        healthChecks.close();
        frontends.stop(drain);
        // The keep-alive connections to the servers, now all idle in the pool: event loops that
        // the embedder owns run on after this, and would keep them open until a timeout.
        for (Backend b : backends.values()) {
            b.servers().forEach(pool::closeIdle);
        }
        loops.shutdown();
    }

    /** Stops at once: {@link #stop} with no drain time. */
    @Override
    public void close() {
        stop(Duration.ZERO);
    }

    /** Builds a {@link LoadBalancer}. */
    public static final class Builder {
        private final LoadBalancerConfig config;
        private Transport transport;
        private int threads;
        private EventLoopGroup acceptors;
        private EventLoopGroup workers;
        private LongSupplier ticker;
        private InetAddress checkSource;
        private MeterRegistry registry;
        private AccessListener accessListener;
        private TlsProvider tlsProvider;
        private TicketKeys ticketKeys;
        private Clock clock;
        private Consumer<LoadBalancer> beforeListening;

        private Builder(LoadBalancerConfig config) {
            this.config = Objects.requireNonNull(config, "config");
        }

        /** The transport (default: {@link Transport#best()}). */
        public Builder transport(Transport t) {
            transport = t;
            return this;
        }

        /** The number of event loops (default: one per processor). */
        public Builder threads(int n) {
            threads = n;
            return this;
        }

        /**
         * Event loops owned by the caller (they must come from the same transport); the load
         * balancer then does not shut them down.
         */
        public Builder eventLoops(EventLoopGroup acceptorGroup, EventLoopGroup workerGroup) {
            acceptors = acceptorGroup;
            workers = Objects.requireNonNull(workerGroup);
            return this;
        }

        /**
         * The time source of health-check timing and slow start, in nanoseconds with an arbitrary
         * origin (default: {@link System#nanoTime()}).
         */
        public Builder ticker(LongSupplier nanoTicker) {
            ticker = Objects.requireNonNull(nanoTicker, "ticker");
            return this;
        }

        /**
         * The local address health checks connect from (HAProxy's {@code source}), e.g. an
         * address the servers' firewalls or MySQL accounts know; default: the system's choice.
         * Live traffic is not affected.
         */
        public Builder checkSource(InetAddress address) {
            checkSource = address;
            return this;
        }

        /**
         * Where to publish metrics (the names of docs/admin-api.md); default: none. The caller owns the registry
         * (for example a {@code PrometheusMeterRegistry} it scrapes); no global registry is used.
         */
        public Builder meterRegistry(MeterRegistry meterRegistry) {
            registry = Objects.requireNonNull(meterRegistry, "meterRegistry");
            return this;
        }

        /**
         * Receives an entry for every HTTP request and TCP session that ends, on the event loop
         * that served it (write access logs from it, without blocking); default: none.
         */
        public Builder accessListener(AccessListener listener) {
            accessListener = Objects.requireNonNull(listener, "listener");
            return this;
        }

        /**
         * The TLS implementation of the frontends with {@code tls} (default: {@code openssl} when
         * BoringSSL loads, {@code jdk} otherwise; see {@link TlsProvider#choose}).
         */
        public Builder tlsProvider(TlsProvider provider) {
            tlsProvider = Objects.requireNonNull(provider, "provider");
            return this;
        }

        /**
         * The session-ticket keys of the {@code openssl} provider (default: random keys of this
         * process, rotated hourly). Keys derived from a secret both nodes of a cluster share
         * ({@link TicketKeys#fromSecret}) let clients resume their sessions on either node.
         */
        public Builder ticketKeys(TicketKeys keys) {
            ticketKeys = Objects.requireNonNull(keys, "keys");
            return this;
        }

        /**
         * The wall-clock time of events, of a server's last health change and of the history's
         * samples (default: {@link Clock#systemUTC()}).
         */
        public Builder clock(Clock wallClock) {
            clock = Objects.requireNonNull(wallClock, "clock");
            return this;
        }

        /**
         * Called once by {@link LoadBalancer#start}, on its thread, once the backends and their
         * servers exist and before any frontend listens or health check runs: where an embedder
         * restores the admin states and weights of an earlier run (as HAProxy's
         * {@code server-state-file}), so that no request reaches a server that was drained. The
         * hook must not throw.
         */
        public Builder beforeListening(Consumer<LoadBalancer> hook) {
            beforeListening = Objects.requireNonNull(hook, "hook");
            return this;
        }

        /** Builds the load balancer (not started). */
        public LoadBalancer build() {
            return new LoadBalancer(this);
        }
    }

    /** A read-only copy that keeps {@code map}'s order (configuration order); {@code Map.copyOf} would not. */
    static <V> Map<String, V> inOrder(Map<String, V> map) {
        return Collections.unmodifiableMap(new LinkedHashMap<>(map));
    }
}
