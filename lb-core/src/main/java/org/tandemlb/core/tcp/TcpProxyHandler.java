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
 * then a {@link Relay} on each side. The client is not read until the server is connected, so
 * nothing is buffered; a client whose backend has no server usable is closed at once (a TCP
 * client cannot be told why).
 */
public final class TcpProxyHandler extends ChannelInboundHandlerAdapter {
    private static final Logger log = LoggerFactory.getLogger(TcpProxyHandler.class);

    private final ProxyContext context;
    private final FrontendConfig frontend;

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
                upstream.config().setAutoRead(true);
                client.config().setAutoRead(true);
                if (!upstream.isActive()) {
                    client.close();
                }
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
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        log.debug("{}: {}", ctx.channel(), cause.toString());
        ctx.close();
    }
}
