package org.tandemlb.core.tcp;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.DuplexChannel;
import io.netty.util.ReferenceCountUtil;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tandemlb.core.accesslog.AccessListener;
import org.tandemlb.core.accesslog.AccessLogEntry;
import org.tandemlb.core.backend.Backend;
import org.tandemlb.core.backend.Server;
import org.tandemlb.core.config.FrontendConfig;
import org.tandemlb.core.config.Mode;
import org.tandemlb.core.proxy.Closing;
import org.tandemlb.core.proxy.ConnectAttempt;
import org.tandemlb.core.proxy.DeferredFlush;
import org.tandemlb.core.proxy.ProxyContext;
import org.tandemlb.core.proxy.Relay;
import org.tandemlb.core.proxyprotocol.ClientAddresses;
import org.tandemlb.core.tls.TlsSession;

/**
 * The {@code tcp} mode: for each client connection, a server connection on the same event loop,
 * then a {@link Relay} on each side. The client is not read until the server is connected; what
 * the transport reads anyway (epoll reads a half-closed socket to its end to see the FIN) is kept
 * and sent first, and a FIN that came early is relayed once connected. A client whose backend has
 * no usable server is closed at once (a TCP client cannot be told why).
 */
public final class TcpProxyHandler extends ChannelInboundHandlerAdapter {
    private static final Logger log = LoggerFactory.getLogger(TcpProxyHandler.class);

    private final ProxyContext context;
    private final FrontendConfig frontend;
    private final java.util.List<Object> early = new java.util.ArrayList<>(1);
    /** Whether the connection was running already when this handler was added (after a PROXY header). */
    private final boolean running;

    private boolean inputShutdown;
    private long earlyBytes;

    /**
     * A handler for one client connection of {@code frontend} (whose channel has autoRead off).
     *
     * @param running whether the channel is past its {@code channelActive} already (its PROXY
     *                header was read): the server is then chosen as soon as the handler is added
     */
    public TcpProxyHandler(ProxyContext context, FrontendConfig frontend, boolean running) {
        this.context = context;
        this.frontend = frontend;
        this.running = running;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        if (running) {
            start(ctx);
        }
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        if (!running) {
            start(ctx);
        }
        ctx.fireChannelActive();
    }

    private void start(ChannelHandlerContext ctx) {
        Channel client = ctx.channel();
        long start = System.nanoTime();
        long startMillis = System.currentTimeMillis();
        Backend backend = context.backend(frontend.defaultBackend());
        if (backend == null) {
            logSession(client, startMillis, start, null, null, -1, -1, null, null, "no_server");
            client.close();
            return;
        }
        new ConnectAttempt(context, backend, client) {
            @Override
            protected boolean halfClosure() {
                return true;
            }

            @Override
            protected ChannelHandler initializer(Server server) {
                return new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        // The relay is added once connected.
                    }
                };
            }

            @Override
            protected void connected(Server server, Channel upstream, boolean reused) {
                upstream.closeFuture().addListener(f -> server.release());
                if (!client.isActive()) {
                    upstream.close();
                    return;
                }
                DeferredFlush flusher = context.deferredFlush(client.eventLoop());
                Relay fromServer = new Relay(client, backend.config().timeouts().server(), flusher);
                Relay fromClient = new Relay(upstream, frontend.timeouts().client(), flusher);
                long queued = grantedNanos() - start;
                long connect = System.nanoTime() - grantedNanos();
                client.closeFuture()
                        .addListener(f -> logSession(
                                client,
                                startMillis,
                                start,
                                backend,
                                server,
                                queued,
                                connect,
                                fromClient,
                                fromServer,
                                "ok"));
                upstream.pipeline().addLast("relay", fromServer);
                client.pipeline().replace(TcpProxyHandler.this, "relay", fromClient);
                early.forEach(m -> upstream.write(m, upstream.voidPromise()));
                early.clear();
                if (inputShutdown) {
                    Closing.shutdownOutputAfterWrites((DuplexChannel) upstream);
                } else {
                    upstream.flush();
                    client.config().setAutoRead(true);
                }
                upstream.config().setAutoRead(true);
            }

            @Override
            protected void failed(Failure failure) {
                log.debug("{}: no server for frontend {}: {}", client, frontend.name(), failure);
                logSession(
                        client,
                        startMillis,
                        start,
                        backend,
                        null,
                        -1,
                        -1,
                        null,
                        null,
                        failure == Failure.UNREACHABLE
                                ? "connect_failed"
                                : failure == Failure.QUEUE_TIMEOUT ? "queue_timeout" : "no_server");
                client.close();
            }
        }.start();
    }

    private void logSession(
            Channel client,
            long startMillis,
            long start,
            Backend backend,
            Server server,
            long queued,
            long connect,
            Relay fromClient,
            Relay fromServer,
            String termination) {
        AccessListener listener = context.accessListener();
        if (listener == null) {
            return;
        }
        TlsSession tls = TlsSession.of(client);
        listener.ended(new AccessLogEntry(
                Mode.TCP,
                startMillis,
                ClientAddresses.source(client),
                frontend.name(),
                backend == null ? null : backend.name(),
                server == null ? null : server.name(),
                null,
                null,
                0,
                earlyBytes + (fromClient == null ? 0 : fromClient.bytesRead()),
                fromServer == null ? 0 : fromServer.bytesRead(),
                queued,
                connect,
                -1,
                System.nanoTime() - start,
                termination,
                null,
                tls == null ? null : tls.protocol(),
                tls == null ? null : tls.cipher(),
                null));
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof ByteBuf buf) {
            earlyBytes += buf.readableBytes();
        }
        early.add(msg);
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof ChannelInputShutdownEvent) {
            inputShutdown = true;
        }
        ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        early.forEach(ReferenceCountUtil::release);
        early.clear();
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        log.debug("{}: {}", ctx.channel(), cause.toString());
        ctx.close();
    }
}
