package org.tandemlb.core;

import io.micrometer.core.instrument.MeterRegistry;
import io.netty.channel.EventLoopGroup;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tandemlb.core.accesslog.AccessListener;
import org.tandemlb.core.backend.Backend;
import org.tandemlb.core.backend.Server;
import org.tandemlb.core.config.BackendConfig;
import org.tandemlb.core.config.FrontendConfig;
import org.tandemlb.core.config.LoadBalancerConfig;
import org.tandemlb.core.frontend.ConnectionLimit;
import org.tandemlb.core.frontend.Frontend;
import org.tandemlb.core.frontend.ListenException;
import org.tandemlb.core.health.HealthChecks;
import org.tandemlb.core.health.NettyChecks;
import org.tandemlb.core.history.EventLog;
import org.tandemlb.core.history.History;
import org.tandemlb.core.metrics.LoadBalancerMetrics;
import org.tandemlb.core.proxy.HttpConnectionPool;
import org.tandemlb.core.proxy.ProxyContext;
import org.tandemlb.core.tls.ServerTls;
import org.tandemlb.core.tls.TicketKeys;
import org.tandemlb.core.tls.TlsFrontends;
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

    private final Transport transport;
    private final EventLoopGroup acceptors;
    private final EventLoopGroup workers;
    private final boolean ownsGroups;
    private final HttpConnectionPool pool = new HttpConnectionPool();
    private final ProxyContext context;
    private final Pipelines pipelines;
    private final LongSupplier ticker;
    /** The top-level max_connections, over all frontends. */
    private final ConnectionLimit processLimit;

    private final HealthChecks healthChecks;
    private final LoadBalancerMetrics metrics;
    private final TlsFrontends tls;
    private final EventLog events;
    private final History history;
    /** The once-a-second {@link History#sample()}; null before start and after stop. */
    private Future<?> sampler;

    private final Consumer<LoadBalancer> beforeListening;
    private volatile LoadBalancerConfig config;
    private volatile Map<String, Backend> backends = Map.of();
    private volatile Map<String, Frontend> frontends = Map.of();
    /** Frontends a reload replaced while they still had connections: stop ends those too. */
    private final List<Frontend> retired = new ArrayList<>();

    private boolean started;
    private boolean closed;

    private LoadBalancer(Builder b) {
        this.config = b.config;
        this.beforeListening = b.beforeListening;
        this.processLimit = new ConnectionLimit(b.config.maxConnections());
        this.transport = b.transport != null ? b.transport : Transport.best();
        if (b.workers != null) {
            this.workers = b.workers;
            this.acceptors = b.acceptors != null ? b.acceptors : b.workers;
            this.ownsGroups = false;
        } else {
            int threads = b.threads > 0 ? b.threads : Runtime.getRuntime().availableProcessors();
            this.workers = transport.newGroup(threads, "tandem-io");
            // The listeners live on the event loops themselves, as HAProxy accepts on its worker
            // threads: no accept thread to wake and hand each connection over from (measured with
            // io_uring, Connection: close: 6-10 % less CPU per connection, voluntary context
            // switches per connection 0.4-0.5 -> 0.05-0.15).
            this.acceptors = workers;
            this.ownsGroups = true;
        }
        this.metrics = b.registry == null ? null : new LoadBalancerMetrics(b.registry);
        this.ticker = b.ticker != null ? b.ticker : System::nanoTime;
        Clock clock = b.clock != null ? b.clock : Clock.systemUTC();
        this.events = new EventLog(clock);
        this.history = new History(clock, ticker);
        this.context =
                new ProxyContext(transport, name -> backends.get(name), listener(metrics, history, b.accessListener));
        this.pipelines = new Pipelines(context, pool);
        this.healthChecks = new HealthChecks(new NettyChecks(workers, transport, ticker, b.checkSource));
        this.tls = new TlsFrontends(
                workers,
                b.tlsProvider,
                b.ticketKeys != null ? b.ticketKeys : TicketKeys.random(TicketKeys.DEFAULT_PERIOD, Clock.systemUTC()),
                () -> frontends.values().stream()
                        .map(Frontend::tls)
                        .filter(Objects::nonNull)
                        .toList());
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
        backends = Map.copyOf(initial.apply(Map.of(), pool, ticker, events));
        if (beforeListening != null) {
            beforeListening.accept(this);
        }
        Map<String, ServerTls> tlsOf = loadTls(config, Map.of());
        Map<String, Frontend> bound = new LinkedHashMap<>();
        try {
            for (FrontendConfig fc : config.frontends()) {
                Frontend f = new Frontend(fc, tlsOf.get(fc.name()), pipelines, processLimit, ticker);
                listen(f, List.of());
                bound.put(fc.name(), f);
            }
        } catch (RuntimeException e) {
            bound.values().forEach(Frontend::close);
            throw e;
        }
        frontends = Map.copyOf(bound);
        healthChecks.sync(backends.values());
        syncMetrics();
        // With a fixed delay, not a fixed rate: after a pause (a GC, a busy loop) one longer sample
        // covers it, where a fixed rate would fire a burst of samples a few microseconds apart.
        sampler = workers.next().scheduleWithFixedDelay(history::sample, 1, 1, TimeUnit.SECONDS);
        log.info(
                "started with {} frontend(s) and {} backend(s) on {} ({} event loops)",
                frontends.size(),
                backends.size(),
                transport.configName(),
                loopCount());
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
        Map<String, Frontend> running = frontends;
        try {
            tls.prepare(future.frontends().stream()
                    .filter(fc -> !running.containsKey(fc.name()))
                    .toList());
        } catch (IllegalArgumentException e) {
            throw new LoadBalancerException(e.getMessage(), e);
        }
    }

    /** The TLS of {@code next}'s frontends, built on this thread (it reads files). */
    private Map<String, ServerTls> loadTls(LoadBalancerConfig next, Map<String, Frontend> previous) {
        try {
            return tls.build(
                    next,
                    name -> previous.containsKey(name) ? previous.get(name).tls() : null);
        } catch (IllegalArgumentException e) {
            throw new LoadBalancerException(e.getMessage(), e);
        }
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
        Map<String, Frontend> oldFrontends = frontends;
        Map<String, ServerTls> tlsOf = loadTls(next, oldFrontends);
        // The old frontends that do not carry on as they are: the new ones take their sockets over.
        List<Frontend> replaced = new ArrayList<>();
        for (Frontend old : oldFrontends.values()) {
            FrontendConfig fc = next.frontend(old.name());
            if (fc == null || !sameSockets(old.config(), fc)) {
                replaced.add(old);
            }
        }
        Map<String, Frontend> newFrontends = new LinkedHashMap<>();
        List<Frontend> fresh = new ArrayList<>();
        // Files first (the backends' ca files): a bad one fails the whole apply before anything changed.
        BackendUpdate backendUpdate = BackendUpdate.prepare(next, backends);
        // Bind the new listeners first; until they are all bound, nothing has changed.
        try {
            for (FrontendConfig fc : next.frontends()) {
                Frontend old = oldFrontends.get(fc.name());
                if (old != null && !replaced.contains(old)) {
                    newFrontends.put(fc.name(), old);
                } else {
                    Frontend f = new Frontend(fc, tlsOf.get(fc.name()), pipelines, processLimit, ticker);
                    listen(f, replaced);
                    fresh.add(f);
                    newFrontends.put(fc.name(), f);
                }
            }
        } catch (RuntimeException e) {
            // Closes what they bound and gives back what they took over.
            fresh.forEach(Frontend::close);
            throw e;
        }
        // Backends: keep and update, create, or drop.
        Map<String, Backend> applied = backendUpdate.apply(backends, pool, ticker, events);
        backends = Map.copyOf(applied);
        healthChecks.sync(backends.values());
        for (FrontendConfig fc : next.frontends()) {
            Frontend f = newFrontends.get(fc.name());
            if (fresh.contains(f)) {
                f.takeOver();
            } else {
                f.update(fc, tlsOf.get(fc.name()));
            }
        }
        for (Frontend old : replaced) {
            old.close();
            // As a stop does, and as HAProxy's and Nginx's old processes do at a reload: idle HTTP
            // connections close, busy ones after their response, HTTP/2 ones with a GOAWAY; TCP
            // connections run on.
            old.drain();
        }
        retired.removeIf(f -> f.currentConnections() == 0);
        replaced.stream().filter(f -> f.currentConnections() > 0).forEach(retired::add);
        frontends = Map.copyOf(newFrontends);
        config = next;
        processLimit.setMax(next.maxConnections());
        syncMetrics();
        log.info("configuration applied: {} frontend(s), {} backend(s)", frontends.size(), backends.size());
    }

    /** Binds {@code f}'s addresses (taking over those of {@code previous} it shares). */
    private void listen(Frontend f, List<Frontend> previous) {
        try {
            f.bind(transport, acceptors, workers, previous);
        } catch (ListenException e) {
            throw new LoadBalancerException(e.getMessage(), e.getCause());
        }
    }

    /** Whether a frontend configured as {@code a} can go on as {@code b} on the same sockets. */
    private static boolean sameSockets(FrontendConfig a, FrontendConfig b) {
        return a.binds().equals(b.binds()) && a.mode() == b.mode();
    }

    /** The metrics (if any), the history and the embedder's listener (if any) hear of every request. */
    private static AccessListener listener(AccessListener metrics, History history, AccessListener user) {
        AccessListener first = metrics == null
                ? history
                : entry -> {
                    metrics.ended(entry);
                    history.ended(entry);
                };
        if (user == null) {
            return first;
        }
        return entry -> {
            first.ended(entry);
            user.ended(entry);
        };
    }

    private void syncMetrics() {
        if (metrics != null) {
            metrics.sync(List.copyOf(frontends.values()), List.copyOf(backends.values()));
        }
        // In configuration order, which the maps of the running objects do not keep.
        Map<String, List<String>> servers = new LinkedHashMap<>();
        for (BackendConfig bc : config.backends()) {
            servers.put(
                    bc.name(),
                    backends.get(bc.name()).servers().stream().map(Server::name).toList());
        }
        history.sync(config.frontends().stream().map(FrontendConfig::name).toList(), servers);
    }

    /** The last ten minutes of traffic of every frontend, backend and server. */
    public History history() {
        return history;
    }

    /**
     * The last events: the servers' health, admin-state and weight changes; the program around the
     * engine records its own (reloads, configuration errors, cluster roles) here too.
     */
    public EventLog events() {
        return events;
    }

    /** The configuration in force. */
    public LoadBalancerConfig config() {
        return config;
    }

    /** The frontend called {@code name}, or null. */
    public Frontend frontend(String name) {
        return frontends.get(name);
    }

    /** The frontends, in configuration order. */
    public List<Frontend> frontends() {
        return List.copyOf(frontends.values());
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
        Frontend f = frontends.get(frontendName);
        if (f == null || f.boundAddresses().isEmpty()) {
            throw new IllegalArgumentException("no frontend " + frontendName + " is listening");
        }
        return f.boundAddresses().get(0);
    }

    private int loopCount() {
        int n = 0;
        for (var ignored : workers) {
            n++;
        }
        return n;
    }

    /** The event loops of the proxy, for embedders that want to share them. */
    public EventLoopGroup workers() {
        return workers;
    }

    /** The transport in use. */
    public Transport transport() {
        return transport;
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
        if (sampler != null) {
            sampler.cancel(false);
            sampler = null;
        }
        healthChecks.close();
        tls.close();
        List<Frontend> all = new ArrayList<>(frontends.values());
        all.addAll(retired);
        all.forEach(Frontend::close);
        all.forEach(Frontend::drain);
        long deadline = System.nanoTime() + drain.toNanos();
        while (System.nanoTime() < deadline && all.stream().anyMatch(f -> f.currentConnections() > 0)) {
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
        }
        int cut = all.stream().mapToInt(Frontend::currentConnections).sum();
        if (cut > 0) {
            log.warn("drain time {} is over: closing {} connection(s) still open", drain, cut);
        }
        all.forEach(Frontend::closeConnections);
        // The keep-alive connections to the servers, now all idle in the pool: event loops that
        // the embedder owns run on after this, and would keep them open until a timeout.
        for (Backend b : backends.values()) {
            b.servers().forEach(pool::closeIdle);
        }
        if (ownsGroups) {
            workers.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly();
        }
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
}
