package org.tandemlb.core.frontend;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tandemlb.core.LoadBalancerException;
import org.tandemlb.core.config.FrontendConfig;
import org.tandemlb.core.config.HostPort;
import org.tandemlb.core.config.Mode;
import org.tandemlb.core.http.HttpMode;
import org.tandemlb.core.proxy.Drain;
import org.tandemlb.core.proxy.HttpConnectionPool;
import org.tandemlb.core.proxy.ProxyContext;
import org.tandemlb.core.tcp.TcpProxyHandler;
import org.tandemlb.core.transport.Transport;

/**
 * A frontend at run time: its listening sockets, its connection counters, and the pipeline each
 * accepted connection gets ({@code http} or {@code tcp}). Connections past
 * {@code max_connections} are closed as soon as they are accepted.
 *
 * <p>The configuration is read at each accept, so a reload that keeps the bind addresses changes
 * routes, timeouts and limits for new connections without touching the sockets.
 */
public final class Frontend {
    private static final Logger log = LoggerFactory.getLogger(Frontend.class);

    private volatile FrontendConfig config;
    private final ProxyContext context;
    private final HttpConnectionPool pool;
    private final List<Channel> listeners = new ArrayList<>();
    private final io.netty.channel.group.ChannelGroup connections =
            new io.netty.channel.group.DefaultChannelGroup(io.netty.util.concurrent.ImmediateEventExecutor.INSTANCE);
    private final AtomicInteger current = new AtomicInteger();
    private final AtomicLong total = new AtomicLong();
    private final AtomicLong refused = new AtomicLong();
    /** Counts a connection out when it closes; one listener for all of them. */
    private final io.netty.channel.ChannelFutureListener closed = f -> current.decrementAndGet();

    /** A frontend not yet bound. */
    public Frontend(FrontendConfig config, ProxyContext context, HttpConnectionPool pool) {
        this.config = config;
        this.context = context;
        this.pool = pool;
    }

    /** The frontend's name. */
    public String name() {
        return config.name();
    }

    /** The configuration in force. */
    public FrontendConfig config() {
        return config;
    }

    /** Takes a new configuration with the same binds and mode; applies to new connections. */
    public void update(FrontendConfig next) {
        if (!next.binds().equals(config.binds()) || next.mode() != config.mode()) {
            throw new IllegalArgumentException("frontend " + next.name() + ": binds or mode changed; rebind instead");
        }
        config = next;
    }

    /** Client connections open now. */
    public int currentConnections() {
        return current.get();
    }

    /** Client connections accepted since start (including refused ones). */
    public long connectionsTotal() {
        return total.get();
    }

    /** Connections closed at once because {@code max_connections} was reached. */
    public long connectionsRefused() {
        return refused.get();
    }

    /** The addresses actually bound (with the port the system chose for port 0). */
    public List<InetSocketAddress> boundAddresses() {
        List<InetSocketAddress> out = new ArrayList<>();
        synchronized (listeners) {
            for (Channel ch : listeners) {
                SocketAddress a = ch.localAddress();
                if (a instanceof InetSocketAddress isa) {
                    out.add(isa);
                }
            }
        }
        return out;
    }

    /**
     * Binds every address; on a failure, closes what was bound and throws.
     *
     * @throws LoadBalancerException naming the frontend and the address that failed
     */
    public void bind(Transport transport, EventLoopGroup acceptors, EventLoopGroup workers) {
        // TCP_NODELAY is on by default in Netty's socket channels: not set again (a system call per
        // connection). SO_KEEPALIVE is not set, as in HAProxy (option clitcpka is off by default):
        // the inactivity timeouts end the connections of peers that vanished, long before the
        // kernel's two-hour keepalive would.
        ServerBootstrap b = new ServerBootstrap()
                .group(acceptors, workers)
                .option(ChannelOption.SO_BACKLOG, 4096)
                .option(ChannelOption.SO_REUSEADDR, true)
                .childOption(ChannelOption.ALLOCATOR, PooledByteBufAllocator.DEFAULT)
                .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, ProxyContext.WATER_MARK)
                .childOption(ChannelOption.ALLOW_HALF_CLOSURE, config.mode() == Mode.TCP)
                // The client is read only once there is somewhere to send its bytes.
                .childOption(ChannelOption.AUTO_READ, config.mode() == Mode.HTTP)
                .childHandler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        accept(ch);
                    }
                });
        for (HostPort hp : config.binds()) {
            InetSocketAddress addr = new InetSocketAddress(hp.host(), hp.port());
            if (addr.isUnresolved()) {
                close();
                throw new LoadBalancerException("frontend " + name() + ": cannot resolve bind address " + hp);
            }
            // An IPv4 address gets an IPv4 socket (Transport.serverChannelFactory says why).
            b.channelFactory(transport.serverChannelFactory(addr.getAddress()));
            ChannelFuture f = b.bind(addr).awaitUninterruptibly();
            if (!f.isSuccess()) {
                close();
                throw new LoadBalancerException("frontend " + name() + ": cannot listen on " + hp + ": "
                        + f.cause().getMessage(), f.cause());
            }
            synchronized (listeners) {
                listeners.add(f.channel());
            }
            log.info("frontend {} ({}) listening on {}", name(), config.mode().configName(), f.channel().localAddress());
        }
    }

    private void accept(Channel ch) {
        FrontendConfig cfg = config;
        total.incrementAndGet();
        int now = current.incrementAndGet();
        ch.closeFuture().addListener(closed);
        connections.add(ch);
        if (cfg.maxConnections() > 0 && now > cfg.maxConnections()) {
            refused.incrementAndGet();
            ch.close();
            return;
        }
        if (cfg.mode() == Mode.HTTP) {
            HttpMode.initClientPipeline(ch.pipeline(), context, cfg, new HttpRoutes(cfg), pool, "http");
        } else {
            ch.pipeline().addLast("proxy", new TcpProxyHandler(context, cfg));
        }
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

    /** Stops listening; open connections go on. */
    public void close() {
        synchronized (listeners) {
            for (Channel ch : listeners) {
                ch.close().awaitUninterruptibly();
            }
            listeners.clear();
        }
    }
}
