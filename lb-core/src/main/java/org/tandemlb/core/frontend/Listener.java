package org.tandemlb.core.frontend;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import org.tandemlb.core.config.HostPort;
import org.tandemlb.core.proxy.ProxyContext;

/**
 * A listening socket, and the frontend whose settings the connections it accepts get. The
 * socket does not depend on the frontend's mode (the child options that do are set per
 * connection, in {@link ConnectionInit}), so any frontend on the same address can take it over.
 */
final class Listener {
    final HostPort bind;
    /** Set once bound, before the listener is visible to anyone else. */
    Channel channel;
    /** The frontend it accepts for; changes only when a reload succeeds ({@link Listeners#takeOver}). */
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
