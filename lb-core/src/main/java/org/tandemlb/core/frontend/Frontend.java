package org.tandemlb.core.frontend;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.util.concurrent.ImmediateEventExecutor;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tandemlb.core.config.FrontendConfig;
import org.tandemlb.core.config.HostPort;
import org.tandemlb.core.config.Mode;
import org.tandemlb.core.proxy.ClientGuard;
import org.tandemlb.core.proxy.Drain;
import org.tandemlb.core.proxy.ProxyContext;
import org.tandemlb.core.proxy.Refusal;
import org.tandemlb.core.proxyprotocol.ClientAddresses;
import org.tandemlb.core.tls.HandshakeStats;
import org.tandemlb.core.tls.ServerTls;
import org.tandemlb.core.transport.Transport;

/**
 * A frontend at run time: its listening sockets, its connection counters, and the pipeline each
 * accepted connection gets ({@code http} or {@code tcp}). At {@code max_connections} (its own, or
 * the process-wide {@link ConnectionLimit}) it stops accepting, by no longer reading its listening
 * sockets, until a connection closes: the kernel's backlog holds the clients meanwhile. Each
 * connection carries the frontend's {@link ClientGuard} (refusal counts, per-client table); one
 * past {@code limits.per_client.connections} is closed (tcp) or marked for 429 (http). With {@code accept_proxy}, a
 * connection gets its pipeline only once its PROXY protocol header has been read
 * ({@link ProxyHeaderReader}).
 *
 * <p>The configuration is read at each accept, so a reload that keeps the bind addresses changes
 * routes, timeouts and limits for new connections without touching the sockets. A reload that
 * renames a frontend, changes its mode or moves one of its addresses to another frontend hands
 * the listening socket over ({@link #bind} with the previous frontends, then {@link #takeOver}).
 */
public final class Frontend {
    private static final Logger log = LoggerFactory.getLogger(Frontend.class);

    private volatile FrontendConfig config;
    /** The TLS of {@code config.tls()}, or null; replaced together with the config. */
    private volatile ServerTls tls;

    private final HandshakeStats handshakes = new HandshakeStats();
    private final ConnectionSetup setup;
    private final List<Listener> listeners = new ArrayList<>();
    private final ChannelGroup connections = new DefaultChannelGroup(ImmediateEventExecutor.INSTANCE);
    private final AtomicInteger current = new AtomicInteger();
    private final AtomicLong total = new AtomicLong();
    private final ConnectionLimit processLimit;
    private final ClientGuard guard;
    private final AcceptGate gate = new AcceptGate(this::hasRoom, this::setListenersReading);

    private final AtomicLong proxyHeaderFailures = new AtomicLong();
    private final LongAdder http2Streams = new LongAdder();
    /** Counts a connection out when it closes; one listener for all of them. */
    private final ChannelFutureListener closed = f -> connectionClosed();

    /**
     * A frontend not yet bound, alone (no process-wide limit).
     *
     * @param tls   its TLS, built from {@code config.tls()}; null when that is null
     * @param setup what its connections become (the load balancer's http and tcp pipelines)
     */
    public Frontend(FrontendConfig config, ServerTls tls, ConnectionSetup setup) {
        this(config, tls, setup, ConnectionLimit.none(), System::nanoTime);
    }

    /**
     * A frontend not yet bound.
     *
     * @param tls          its TLS, built from {@code config.tls()}; null when that is null
     * @param setup        what its connections become (the load balancer's http and tcp pipelines)
     * @param processLimit the bound on the connections of all frontends together
     * @param ticker       nanoseconds, for the per-client limits
     */
    public Frontend(
            FrontendConfig config,
            ServerTls tls,
            ConnectionSetup setup,
            ConnectionLimit processLimit,
            LongSupplier ticker) {
        checkTls(config, tls);
        this.config = config;
        this.tls = tls;
        this.setup = Objects.requireNonNull(setup, "setup");
        this.processLimit = Objects.requireNonNull(processLimit, "processLimit");
        this.guard = new ClientGuard(ticker);
    }

    private static void checkTls(FrontendConfig config, ServerTls tls) {
        if ((config.tls() == null) != (tls == null)
                || (tls != null && !tls.config().equals(config.tls()))) {
            throw new IllegalArgumentException(
                    "frontend " + config.name() + ": the TLS given is not its tls setting's");
        }
    }

    /** The frontend's name. */
    public String name() {
        return config.name();
    }

    /** The configuration in force. */
    public FrontendConfig config() {
        return config;
    }

    /** The TLS in force, or null for a cleartext frontend. */
    public ServerTls tls() {
        return tls;
    }

    /** The TLS handshakes of its connections. */
    public HandshakeStats handshakes() {
        return handshakes;
    }

    /**
     * Takes a new configuration with the same binds and mode, and its TLS (null when it has
     * none); applies to new connections, established ones keep their certificates.
     */
    public void update(FrontendConfig next, ServerTls nextTls) {
        if (!next.binds().equals(config.binds()) || next.mode() != config.mode()) {
            throw new IllegalArgumentException("frontend " + next.name() + ": binds or mode changed; rebind instead");
        }
        checkTls(next, nextTls);
        // A connection accepted between these two writes may pair the new config with the old
        // TLS: both are complete settings of their own, and accept reads each once.
        tls = nextTls;
        config = next;
        updateAccepting(); // max_connections may have changed
    }

    /** Client connections open now. */
    public int currentConnections() {
        return current.get();
    }

    /** Client connections accepted since start (including refused ones). */
    public long connectionsTotal() {
        return total.get();
    }

    /** Whether the frontend accepts connections now (false at {@code max_connections}). */
    public boolean accepting() {
        return gate.accepting();
    }

    /**
     * Requests (and, in tcp mode, connections) refused since start for {@code reason}, one of
     * {@code bad_request}, {@code too_large}, {@code timeout}, {@code rate_limited}, {@code denied};
     * 0 for another.
     */
    public long requestsRefused(String reason) {
        for (Refusal r : Refusal.values()) {
            if (r.label().equals(reason)) {
                return guard.refusedTotal(r);
            }
        }
        return 0;
    }

    /**
     * {@code accept_proxy} connections closed because no valid PROXY protocol header came: a
     * malformed one, or none within the deadline.
     */
    public long proxyHeaderFailures() {
        return proxyHeaderFailures.get();
    }

    /** HTTP/2 streams opened by clients since start (h2c and h2 over TLS). */
    public long http2StreamsTotal() {
        return http2Streams.sum();
    }

    /** The addresses actually bound (with the port the system chose for port 0). */
    public List<InetSocketAddress> boundAddresses() {
        List<InetSocketAddress> out = new ArrayList<>();
        synchronized (listeners) {
            for (Listener l : listeners) {
                if (l.channel.localAddress() instanceof InetSocketAddress isa) {
                    out.add(isa);
                }
            }
        }
        return out;
    }

    /**
     * Listens on every bind address. Where one of {@code previous} (the frontends a reload
     * replaces) listens on the same address, this frontend takes that socket over instead of
     * binding a second one: the port never closes and no connection waiting in its accept queue
     * is lost. A socket taken over goes on serving its old frontend until {@link #takeOver()}.
     * On a failure, this frontend closes the sockets it bound, gives back those it took, and
     * throws; nothing else has changed then.
     *
     * @param previous frontends whose sockets may be taken over (empty at start-up)
     * @throws ListenException naming the frontend and the address that failed
     */
    public void bind(
            Transport transport, EventLoopGroup acceptors, EventLoopGroup workers, Collection<Frontend> previous) {
        processLimit.join(this);
        for (HostPort hp : config.binds()) {
            InetSocketAddress addr = new InetSocketAddress(hp.host(), hp.port());
            if (addr.isUnresolved()) {
                close();
                throw new ListenException("frontend " + name() + ": cannot resolve bind address " + hp, null);
            }
            Listener taken = handedOver(previous, hp, addr);
            if (taken != null) {
                synchronized (listeners) {
                    listeners.add(taken);
                }
                continue;
            }
            Listener l = new Listener(hp, this);
            // An IPv4 address gets an IPv4 socket (Transport.serverChannelFactory says why).
            ChannelFuture f = l.bootstrap(acceptors, workers)
                    .channelFactory(transport.serverChannelFactory(addr.getAddress()))
                    .bind(addr)
                    .awaitUninterruptibly();
            if (!f.isSuccess()) {
                close();
                throw new ListenException(
                        "frontend " + name() + ": cannot listen on " + hp + ": "
                                + f.cause().getMessage(),
                        f.cause());
            }
            l.channel = f.channel();
            synchronized (listeners) {
                listeners.add(l);
            }
            log.info(
                    "frontend {} ({}) listening on {}",
                    name(),
                    config.mode().configName(),
                    f.channel().localAddress());
        }
    }

    /**
     * A socket of {@code previous} listening on {@code hp}: bound as the same bind, or, for a fixed
     * port, bound to the same address (e.g. {@code 127.0.0.1:46515} for a socket bound as
     * {@code 127.0.0.1:0}), and not yet promised to another frontend. It is promised to this one;
     * null when there is none.
     */
    private Listener handedOver(Collection<Frontend> previous, HostPort hp, InetSocketAddress addr) {
        for (Frontend f : previous) {
            synchronized (f.listeners) {
                for (Listener l : f.listeners) {
                    boolean same = l.bind.equals(hp) || (hp.port() != 0 && addr.equals(l.channel.localAddress()));
                    if (same && l.owner == f && l.heir == null) {
                        l.heir = this;
                        return l;
                    }
                }
            }
        }
        return null;
    }

    /**
     * Makes the sockets {@link #bind} took over from the previous frontends accept for this one
     * (call once the whole reload has succeeded): new connections get this frontend's settings.
     */
    public void takeOver() {
        synchronized (listeners) {
            for (Listener l : listeners) {
                if (l.heir == this) {
                    Frontend was = l.owner;
                    l.owner = this;
                    l.heir = null;
                    log.info(
                            "frontend {} ({}) listening on {}, taken over from frontend {}",
                            name(),
                            config.mode().configName(),
                            l.channel.localAddress(),
                            was.name());
                }
            }
        }
        gate.refresh();
    }

    /**
     * Counts a connection in, on its listening socket's event loop, as soon as the kernel gave it
     * (before its own event loop sets it up), and stops accepting when that fills a limit.
     */
    private void accepted(Channel ch) {
        total.incrementAndGet();
        current.incrementAndGet();
        processLimit.opened();
        ch.closeFuture().addListener(closed);
        connections.add(ch);
        guard.attach(ch);
        if (config.maxConnections() > 0) {
            updateAccepting();
        }
    }

    private void connectionClosed() {
        current.decrementAndGet();
        processLimit.closed();
        if (config.maxConnections() > 0 || !gate.accepting()) {
            updateAccepting();
        }
    }

    private boolean hasRoom() {
        int max = config.maxConnections();
        return (max == 0 || current.get() < max) && processLimit.hasRoom();
    }

    /** Checks whether this frontend accepts now (see {@link AcceptGate}). */
    void updateAccepting() {
        gate.update();
    }

    private void setListenersReading(boolean on) {
        synchronized (listeners) {
            for (Listener l : listeners) {
                if (l.owner == this && l.channel.config().isAutoRead() != on) {
                    l.channel.config().setAutoRead(on);
                }
            }
        }
    }

    private void accept(Channel ch) {
        FrontendConfig cfg = config;
        ServerTls serverTls = tls;
        if (cfg.mode() == Mode.TCP) {
            // Set here rather than as the listener's child options, so that one listening socket
            // can serve either mode (a reload may hand it to a frontend of the other mode). This
            // runs before the channel is active, so before its first read.
            ch.config().setOption(ChannelOption.ALLOW_HALF_CLOSURE, true);
        }
        if (cfg.acceptProxy()) {
            // The header is read first (with reading on); the rest follows it. The deadline is the
            // one for a request head (http), or the client's inactivity (tcp).
            ProxyHeaderReader.expect(
                    ch.pipeline(),
                    cfg.mode() == Mode.HTTP
                            ? cfg.timeouts().httpRequest()
                            : cfg.timeouts().client(),
                    proxyHeaderFailures::incrementAndGet,
                    c -> initPipeline(c, cfg, serverTls, true));
        } else {
            initPipeline(ch, cfg, serverTls, false);
        }
    }

    /**
     * Sets up TLS when the frontend has it, then the pipeline of {@code cfg}'s mode;
     * {@code running}: after a PROXY header, so active already.
     */
    private void initPipeline(Channel ch, FrontendConfig cfg, ServerTls serverTls, boolean running) {
        if (!countClient(ch, cfg)) {
            if (cfg.mode() == Mode.TCP) {
                guard.refused(Refusal.RATE_LIMITED);
                ch.close();
                return;
            }
            ClientGuard.markOverLimit(ch); // answered 429 by the http pipeline, which counts it
        }
        if (cfg.mode() == Mode.HTTP) {
            if (serverTls == null) {
                setup.http(ch.pipeline(), cfg, null, http2Streams);
            } else {
                // The handshake must be done within http_request, as the request head would.
                serverTls.initPipeline(
                        ch.pipeline(),
                        handshakes,
                        cfg.timeouts().httpRequest(),
                        (p, protocol) -> setup.http(p, cfg, protocol, http2Streams));
            }
        } else {
            // The client is read only once there is somewhere to send its bytes.
            ch.config().setAutoRead(false);
            if (serverTls != null) {
                // TLS is terminated and the servers get plaintext. The server connection is made
                // first (the relay reads the client once it is up); SslHandler then reads the
                // handshake itself, and the relay sees only decrypted bytes.
                serverTls.initPipeline(ch.pipeline(), handshakes, cfg.timeouts().client(), null);
            }
            setup.tcp(ch.pipeline(), cfg, running);
        }
    }

    /**
     * Counts {@code ch} in its client address's connections (the PROXY header's address with
     * {@code accept_proxy}); false when that is past {@code limits.per_client.connections}.
     */
    private boolean countClient(Channel ch, FrontendConfig cfg) {
        int limit = cfg.limits().perClient().connections();
        InetSocketAddress source = ClientAddresses.source(ch);
        if (limit == 0 || source == null || source.getAddress() == null) {
            return true;
        }
        InetAddress address = source.getAddress();
        if (!guard.clients().connectionOpened(address, limit)) {
            return false;
        }
        ch.closeFuture().addListener(f -> guard.clients().connectionClosed(address));
        return true;
    }

    /**
     * Asks every open connection to finish: idle HTTP connections close at once, busy ones after
     * their current response. Call {@link #closeConnections()} when the drain time is over.
     */
    public void drain() {
        for (Channel ch : connections) {
            ch.pipeline().fireUserEventTriggered(Drain.EVENT);
        }
    }

    /** Closes every open connection at once. */
    public void closeConnections() {
        connections.close();
    }

    /**
     * Stops listening; open connections go on. Sockets handed over to another frontend are its
     * own now and stay open; sockets only promised to one by a {@link #bind} in progress are given
     * back.
     */
    public void close() {
        processLimit.leave(this);
        List<Channel> owned = new ArrayList<>();
        synchronized (listeners) {
            for (Listener l : listeners) {
                if (l.owner == this) {
                    owned.add(l.channel);
                } else if (l.heir == this) {
                    l.heir = null;
                }
            }
            listeners.clear();
        }
        // Waited for outside the lock: an event loop takes it to pause or resume accepting.
        for (Channel ch : owned) {
            ch.close().awaitUninterruptibly();
        }
    }

    /**
     * A listening socket, and the frontend whose settings the connections it accepts get. The
     * socket does not depend on the frontend's mode (the child options that do are set per
     * connection, in {@link #accept}), so any frontend on the same address can take it over.
     */
    private static final class Listener {
        final HostPort bind;
        /** Set once bound, before the listener is visible to anyone else. */
        Channel channel;
        /** The frontend it accepts for; changes only when a reload succeeds ({@link #takeOver}). */
        volatile Frontend owner;
        /** The frontend of a reload in progress that will take it over, or null (apply is serialized). */
        volatile Frontend heir;

        Listener(HostPort bind, Frontend owner) {
            this.bind = bind;
            this.owner = owner;
        }

        ServerBootstrap bootstrap(EventLoopGroup acceptors, EventLoopGroup workers) {
            // TCP_NODELAY is on by default in Netty's socket channels: not set again (a system call
            // per connection). SO_KEEPALIVE is not set, as in HAProxy (option clitcpka is off by
            // default): the inactivity timeouts end the connections of peers that vanished, long
            // before the kernel's two-hour keepalive would.
            return new ServerBootstrap()
                    .group(acceptors, workers)
                    .option(ChannelOption.SO_BACKLOG, 4096)
                    .option(ChannelOption.SO_REUSEADDR, true)
                    .childOption(ChannelOption.ALLOCATOR, PooledByteBufAllocator.DEFAULT)
                    .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, ProxyContext.WATER_MARK)
                    .handler(new ChannelInboundHandlerAdapter() {
                        @Override
                        public void channelRead(ChannelHandlerContext ctx, Object child) {
                            owner.accepted((Channel) child); // on the listening socket's loop
                            ctx.fireChannelRead(child);
                        }
                    })
                    .childHandler(new ChannelInitializer<Channel>() {
                        @Override
                        protected void initChannel(Channel ch) {
                            owner.accept(ch);
                        }
                    });
        }
    }
}
