package org.tandemlb.core.transport;

import io.netty.channel.ChannelFactory;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.SocketProtocolFamily;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.nio.channels.spi.SelectorProvider;
import java.util.Locale;
import java.util.concurrent.ThreadFactory;
import io.netty.util.concurrent.DefaultThreadFactory;

/**
 * The socket transport: native epoll on Linux when its library loads, Java NIO otherwise. The
 * event-loop groups and the channel classes always come from the same transport, so that a
 * server-side channel can be opened on the client channel's own event loop.
 */
public enum Transport {
    /** Linux epoll, through Netty's native transport. */
    EPOLL,
    /** Java NIO, available everywhere. */
    NIO;

    /** The best transport available here: epoll when it loads, otherwise NIO. */
    public static Transport best() {
        return Epoll.isAvailable() ? EPOLL : NIO;
    }

    /**
     * The transport named {@code name} ({@code epoll}, {@code nio} or {@code auto}).
     *
     * @throws IllegalArgumentException for another name, or epoll where it is unavailable
     */
    public static Transport named(String name) {
        return switch (name.toLowerCase(Locale.ROOT)) {
            case "auto" -> best();
            case "nio" -> NIO;
            case "epoll" -> {
                if (!Epoll.isAvailable()) {
                    throw new IllegalArgumentException("epoll is not available: " + Epoll.unavailabilityCause());
                }
                yield EPOLL;
            }
            default -> throw new IllegalArgumentException("unknown transport '" + name + "' (epoll, nio or auto)");
        };
    }

    /** A new event-loop group of {@code threads} threads named {@code name-N}. */
    public EventLoopGroup newGroup(int threads, String name) {
        ThreadFactory tf = new DefaultThreadFactory(name, true);
        IoHandlerFactory factory = this == EPOLL ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
        return new MultiThreadIoEventLoopGroup(threads, tf, factory);
    }

    /** The listening channel class. */
    public Class<? extends ServerChannel> serverChannelClass() {
        return this == EPOLL ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
    }

    /** The connecting channel class. */
    public Class<? extends SocketChannel> socketChannelClass() {
        return this == EPOLL ? EpollSocketChannel.class : NioSocketChannel.class;
    }

    /**
     * Makes listening channels of the address family of {@code local}: an IPv4 address gets an
     * IPv4 socket. The default channel class opens dual-stack IPv6 sockets, which cost an extra
     * system call or two per connection ({@code IPV6_V6ONLY}, address conversions) and route every
     * IPv4 packet through the IPv6 code; measured in the Connection: close benchmarks.
     */
    public ChannelFactory<ServerChannel> serverChannelFactory(InetAddress local) {
        boolean v4 = local instanceof Inet4Address;
        if (this == EPOLL) {
            return v4 ? () -> new EpollServerSocketChannel(SocketProtocolFamily.INET)
                    : () -> new EpollServerSocketChannel(SocketProtocolFamily.INET6);
        }
        return v4 ? () -> new NioServerSocketChannel(SelectorProvider.provider(), SocketProtocolFamily.INET)
                : () -> new NioServerSocketChannel(SelectorProvider.provider(), SocketProtocolFamily.INET6);
    }

    /** Makes connecting channels of the address family of {@code remote} (see {@link #serverChannelFactory}). */
    public ChannelFactory<SocketChannel> socketChannelFactory(InetAddress remote) {
        boolean v4 = remote instanceof Inet4Address;
        if (this == EPOLL) {
            return v4 ? V4_EPOLL : V6_EPOLL;
        }
        return v4 ? V4_NIO : V6_NIO;
    }

    private static final ChannelFactory<SocketChannel> V4_EPOLL = () -> new EpollSocketChannel(SocketProtocolFamily.INET);
    private static final ChannelFactory<SocketChannel> V6_EPOLL = () -> new EpollSocketChannel(SocketProtocolFamily.INET6);
    private static final ChannelFactory<SocketChannel> V4_NIO =
            () -> new NioSocketChannel(SelectorProvider.provider(), SocketProtocolFamily.INET);
    private static final ChannelFactory<SocketChannel> V6_NIO =
            () -> new NioSocketChannel(SelectorProvider.provider(), SocketProtocolFamily.INET6);
}
