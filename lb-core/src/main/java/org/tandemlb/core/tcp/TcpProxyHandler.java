package org.tandemlb.core.tcp;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tandemlb.core.backend.Backend;
import org.tandemlb.core.backend.Server;
import org.tandemlb.core.config.FrontendConfig;
import org.tandemlb.core.proxy.ConnectAttempt;
import org.tandemlb.core.proxy.ProxyContext;
import org.tandemlb.core.proxy.Relay;

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
    private boolean inputShutdown;

    /** A handler for one client connection of {@code frontend} (whose channel has autoRead off). */
    public TcpProxyHandler(ProxyContext context, FrontendConfig frontend) {
        this.context = context;
        this.frontend = frontend;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        Channel client = ctx.channel();
        Backend backend = context.backend(frontend.defaultBackend());
        if (backend == null) {
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
                upstream.pipeline().addLast("relay", new Relay(client, backend.config().timeouts().server()));
                client.pipeline().replace(TcpProxyHandler.this, "relay", new Relay(upstream, frontend.timeouts().client()));
                early.forEach(m -> upstream.write(m, upstream.voidPromise()));
                early.clear();
                upstream.flush();
                if (inputShutdown) {
                    ((io.netty.channel.socket.DuplexChannel) upstream).shutdownOutput();
                } else {
                    client.config().setAutoRead(true);
                }
                upstream.config().setAutoRead(true);
            }

            @Override
            protected void failed(Failure failure) {
                log.debug("{}: no server for frontend {}: {}", client, frontend.name(), failure);
                client.close();
            }
        }.start();
        ctx.fireChannelActive();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        early.add(msg);
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof io.netty.channel.socket.ChannelInputShutdownEvent) {
            inputShutdown = true;
        }
        ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        early.forEach(io.netty.util.ReferenceCountUtil::release);
        early.clear();
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        log.debug("{}: {}", ctx.channel(), cause.toString());
        ctx.close();
    }
}
