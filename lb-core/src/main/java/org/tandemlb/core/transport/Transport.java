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
import io.netty.channel.uring.IoUring;
import io.netty.channel.uring.IoUringIoHandler;
import io.netty.channel.uring.IoUringServerSocketChannel;
import io.netty.channel.uring.IoUringSocketChannel;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.nio.channels.spi.SelectorProvider;
import java.util.Locale;
import java.util.concurrent.ThreadFactory;

/**
 * The socket transport: io_uring on Linux where the kernel allows it, else native epoll, else Java
 * NIO. The event-loop groups and the channel classes always come from the same transport, so that
 * a server-side channel can be opened on the client channel's own event loop.
 *
 * <p>io_uring is preferred because it was measured faster on every benchmark scenario (see
 * docs/performance.md): it submits a loop's socket operations in batches, one system call for
 * many, and completes a read without a separate readiness wake-up. Kernels, containers and
 * seccomp profiles that refuse it ({@code io_uring_setup} failing, or
 * {@code kernel.io_uring_disabled}) get epoll without being asked.
 */
public enum Transport {
    /** Linux io_uring, through Netty's native transport (kernel 5.14 or later). */
    IO_URING("io_uring"),
    /** Linux epoll, through Netty's native transport. */
    EPOLL("epoll"),
    /** Java NIO, available everywhere. */
    NIO("nio");

    private final String configName;

    Transport(String configName) {
        this.configName = configName;
    }

    /** The name {@link #named} takes: {@code io_uring}, {@code epoll} or {@code nio}. */
    public String configName() {
        return configName;
    }

    /** The best transport available here: io_uring, else epoll, else NIO. */
    public static Transport best() {
        if (IoUring.isAvailable()) {
            return IO_URING;
        }
        return Epoll.isAvailable() ? EPOLL : NIO;
    }

    /** Whether this transport can be used here (its native library loads and the kernel allows it). */
    public boolean isAvailable() {
        return switch (this) {
            case IO_URING -> IoUring.isAvailable();
            case EPOLL -> Epoll.isAvailable();
            case NIO -> true;
        };
    }

    /**
     * The transport named {@code name} ({@code io_uring}, {@code epoll}, {@code nio} or
     * {@code auto} for {@link #best()}).
     *
     * @throws IllegalArgumentException for another name, or a transport unavailable here (with
     *                                  the reason)
     */
    public static Transport named(String name) {
        String n = name.trim().toLowerCase(Locale.ROOT);
        if (n.equals("auto")) {
            return best();
        }
        for (Transport t : values()) {
            if (t.configName.equals(n)) {
                if (!t.isAvailable()) {
                    Throwable why = t == IO_URING ? IoUring.unavailabilityCause() : Epoll.unavailabilityCause();
                    throw new IllegalArgumentException(n + " is not available here: " + why);
                }
                return t;
            }
        }
        throw new IllegalArgumentException("unknown transport '" + name + "' (io_uring, epoll, nio or auto)");
    }

    /** A new event-loop group of {@code threads} threads named {@code name-N}. */
    public EventLoopGroup newGroup(int threads, String name) {
        ThreadFactory tf = new DefaultThreadFactory(name, true);
        IoHandlerFactory factory = switch (this) {
            case IO_URING -> IoUringIoHandler.newFactory();
            case EPOLL -> KeepRegisteredEpoll.wrap(EpollIoHandler.newFactory());
            case NIO -> NioIoHandler.newFactory();
        };
        return new MultiThreadIoEventLoopGroup(threads, tf, factory);
    }

    /** The listening channel class. */
    public Class<? extends ServerChannel> serverChannelClass() {
        return switch (this) {
            case IO_URING -> IoUringServerSocketChannel.class;
            case EPOLL -> EpollServerSocketChannel.class;
            case NIO -> NioServerSocketChannel.class;
        };
    }

    /** The connecting channel class. */
    public Class<? extends SocketChannel> socketChannelClass() {
        return switch (this) {
            case IO_URING -> IoUringSocketChannel.class;
            case EPOLL -> EpollSocketChannel.class;
            case NIO -> NioSocketChannel.class;
        };
    }

    /**
     * Makes listening channels of the address family of {@code local}: an IPv4 address gets an
     * IPv4 socket. The default channel class opens dual-stack IPv6 sockets, which cost an extra
     * system call or two per connection ({@code IPV6_V6ONLY}, address conversions) and route every
     * IPv4 packet through the IPv6 code; measured in the Connection: close benchmarks. (Netty's
     * io_uring channels offer no choice of family: they are always dual-stack.)
     */
    public ChannelFactory<ServerChannel> serverChannelFactory(InetAddress local) {
        boolean v4 = local instanceof Inet4Address;
        if (this == IO_URING) {
            return IoUringServerSocketChannel::new;
        }
        if (this == EPOLL) {
            return v4
                    ? () -> new EpollServerSocketChannel(SocketProtocolFamily.INET)
                    : () -> new EpollServerSocketChannel(SocketProtocolFamily.INET6);
        }
        return v4
                ? () -> new NioServerSocketChannel(SelectorProvider.provider(), SocketProtocolFamily.INET)
                : () -> new NioServerSocketChannel(SelectorProvider.provider(), SocketProtocolFamily.INET6);
    }

    /** Makes connecting channels of the address family of {@code remote} (see {@link #serverChannelFactory}). */
    public ChannelFactory<SocketChannel> socketChannelFactory(InetAddress remote) {
        boolean v4 = remote instanceof Inet4Address;
        if (this == IO_URING) {
            return IoUringSocketChannel::new;
        }
        if (this == EPOLL) {
            return v4 ? V4_EPOLL : V6_EPOLL;
        }
        return v4 ? V4_NIO : V6_NIO;
    }

    private static final ChannelFactory<SocketChannel> V4_EPOLL =
            () -> new EpollSocketChannel(SocketProtocolFamily.INET);
    private static final ChannelFactory<SocketChannel> V6_EPOLL =
            () -> new EpollSocketChannel(SocketProtocolFamily.INET6);
    private static final ChannelFactory<SocketChannel> V4_NIO =
            () -> new NioSocketChannel(SelectorProvider.provider(), SocketProtocolFamily.INET);
    private static final ChannelFactory<SocketChannel> V6_NIO =
            () -> new NioSocketChannel(SelectorProvider.provider(), SocketProtocolFamily.INET6);
}
