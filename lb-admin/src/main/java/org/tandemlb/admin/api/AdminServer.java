package org.tandemlb.admin.api;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.net.InetSocketAddress;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tandemlb.core.LoadBalancerException;
import org.tandemlb.core.config.HostPort;

/**
 * The admin HTTP server on {@code admin.listen}: the API, {@code /metrics}, {@code /healthz} and
 * the status page (see {@link AdminHandler} for the endpoints). A small HTTP/1.1 server of its
 * own, on one event loop of its own, so that neither a burst of scrapes nor a slow client touches
 * the proxy's event loops, and a busy proxy still answers its operator.
 */
public final class AdminServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(AdminServer.class);

    /** Request bodies above this get 413: the API's bodies are a few dozen bytes. */
    static final int MAX_BODY = 64 * 1024;
    /** An idle keep-alive connection (a browser tab's) is closed after this. */
    private static final int IDLE_SECONDS = 60;

    private final EventLoopGroup group;
    private final Channel listener;
    private final ChannelGroup connections;

    private AdminServer(EventLoopGroup group, Channel listener, ChannelGroup connections) {
        this.group = group;
        this.listener = listener;
        this.connections = connections;
    }

    /**
     * Listens on {@code listen} and serves {@code daemon}.
     *
     * @throws LoadBalancerException naming {@code admin.listen} when the address cannot be bound
     */
    public static AdminServer start(HostPort listen, AdminTarget daemon, AdminMetrics metrics) {
        Objects.requireNonNull(listen, "listen");
        Objects.requireNonNull(daemon, "daemon");
        Objects.requireNonNull(metrics, "metrics");
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(
                1, new DefaultThreadFactory("tandem-admin", true), NioIoHandler.newFactory());
        ChannelGroup connections = new DefaultChannelGroup(group.next());
        ServerBootstrap b = new ServerBootstrap()
                .group(group)
                .channel(NioServerSocketChannel.class)
                .option(ChannelOption.SO_REUSEADDR, true)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childOption(ChannelOption.ALLOCATOR, PooledByteBufAllocator.DEFAULT)
                .childHandler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        connections.add(ch);
                        ch.pipeline()
                                .addLast(new IdleStateHandler(0, 0, IDLE_SECONDS, TimeUnit.SECONDS))
                                .addLast(new CloseWhenIdle())
                                .addLast(new HttpServerCodec(4096, 8192, 8192))
                                .addLast(new HttpObjectAggregator(MAX_BODY))
                                .addLast(new AdminHandler(daemon, metrics));
                    }
                });
        InetSocketAddress address = new InetSocketAddress(listen.host(), listen.port());
        if (address.isUnresolved()) {
            group.shutdownGracefully(0, 0, TimeUnit.SECONDS);
            throw new LoadBalancerException("admin.listen " + listen + ": cannot resolve " + listen.host());
        }
        ChannelFuture bound = b.bind(address).awaitUninterruptibly();
        if (!bound.isSuccess()) {
            group.shutdownGracefully(0, 0, TimeUnit.SECONDS).awaitUninterruptibly();
            throw new LoadBalancerException(
                    "admin.listen " + listen + ": cannot listen: "
                            + bound.cause().getMessage(),
                    bound.cause());
        }
        AdminServer server = new AdminServer(group, bound.channel(), connections);
        // No "http://" here: the demo prints the URL to open itself, after its own lines.
        log.info(
                "admin API, /metrics and status page on {}",
                new HostPort(server.address().getHostString(), server.address().getPort()));
        return server;
    }

    /** The address it listens on (with the port the system chose for port 0). */
    public InetSocketAddress address() {
        return (InetSocketAddress) listener.localAddress();
    }

    /** Stops listening, closes every connection and the event loop; waits for them. */
    @Override
    public void close() {
        listener.close().awaitUninterruptibly();
        connections.close().awaitUninterruptibly();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly();
    }

    /** Closes a connection that has been idle for {@link #IDLE_SECONDS}. */
    private static final class CloseWhenIdle extends ChannelDuplexHandler {
        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
            if (evt instanceof IdleStateEvent) {
                ctx.close();
            } else {
                super.userEventTriggered(ctx, evt);
            }
        }
    }
}
