package org.tandemlb.core.proxyprotocol;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import java.net.SocketAddress;
import java.util.function.Function;

/**
 * Puts a PROXY protocol header first on a connection being made to a server: the first handler of
 * its pipeline, it writes the header as soon as the connection is established, at the pipeline's
 * head, before anything else can be written: before what the connect's listeners write, and
 * before a TLS handshake that starts when the channel becomes active. Then it leaves the pipeline.
 */
public final class ProxyHeaderWriter extends ChannelOutboundHandlerAdapter {
    private final Function<Channel, ByteBuf> header;

    private ProxyHeaderWriter(Function<Channel, ByteBuf> header) {
        this.header = header;
    }

    /**
     * A channel handler that sets up a new connection's pipeline: this writer first, then
     * {@code handler} (a {@link ChannelInitializer} or any handler).
     *
     * @param header makes the header once connected (the channel's own addresses are known then)
     */
    public static ChannelHandler before(ChannelHandler handler, Function<Channel, ByteBuf> header) {
        return new ChannelInitializer<Channel>() {
            @Override
            protected void initChannel(Channel ch) {
                ch.pipeline().addLast(new ProxyHeaderWriter(header), handler);
            }
        };
    }

    @Override
    public void connect(ChannelHandlerContext ctx, SocketAddress remote, SocketAddress local, ChannelPromise promise) {
        // The caller's promise completes only once the header is written: its listeners (a check
        // that writes its request, the proxy that writes the client's) and, after them, the
        // channel's activation (a TLS handshake) all come after the header.
        ChannelPromise connected = ctx.newPromise();
        connected.addListener(f -> {
            if (!ctx.isRemoved()) {
                ctx.pipeline().remove(this);
            }
            if (f.isSuccess()) {
                // Flushed at once: a server that speaks first (MySQL) waits for the header.
                ctx.writeAndFlush(header.apply(ctx.channel()), ctx.voidPromise());
                promise.trySuccess();
            } else {
                promise.tryFailure(f.cause());
            }
        });
        ctx.connect(remote, local, connected);
    }
}
