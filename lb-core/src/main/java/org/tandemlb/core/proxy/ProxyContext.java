package org.tandemlb.core.proxy;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.WriteBufferWaterMark;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import org.tandemlb.core.accesslog.AccessListener;
import org.tandemlb.core.backend.Backend;
import org.tandemlb.core.transport.Transport;

/**
 * What every proxy pipeline shares: the transport and a way to find backends by name (the map is
 * swapped on reload, so handlers look a backend up when they need it rather than keeping it).
 */
public final class ProxyContext {
    /** Write-buffer water marks of both sides: a side stops reading past 64 KiB queued on its peer. */
    public static final WriteBufferWaterMark WATER_MARK = new WriteBufferWaterMark(32 * 1024, 64 * 1024);

    private final Transport transport;
    private final Function<String, Backend> backends;
    private final AccessListener accessListener;
    private final Map<EventLoop, DeferredFlush> deferredFlushes = new ConcurrentHashMap<>();

    /**
     * @param transport the transport of the event loops
     * @param backends  finds the current backend of a name, or null
     */
    public ProxyContext(Transport transport, Function<String, Backend> backends) {
        this(transport, backends, null);
    }

    /**
     * @param transport      the transport of the event loops
     * @param backends       finds the current backend of a name, or null
     * @param accessListener receives an entry per request and session, or null for none (then no
     *                       entry is even built)
     */
    public ProxyContext(Transport transport, Function<String, Backend> backends, AccessListener accessListener) {
        this.transport = Objects.requireNonNull(transport);
        this.backends = Objects.requireNonNull(backends);
        this.accessListener = accessListener;
    }

    /** The listener of finished requests and sessions, or null when nobody listens. */
    public AccessListener accessListener() {
        return accessListener;
    }

    /** The deferred flush of {@code loop}'s channels (one per loop, made on first use). */
    public DeferredFlush deferredFlush(EventLoop loop) {
        return deferredFlushes.computeIfAbsent(loop, l -> new DeferredFlush(l));
    }

    /** The backend called {@code name} now, or null. */
    public Backend backend(String name) {
        return backends.apply(name);
    }

    /**
     * A bootstrap for a server-side connection on {@code loop}, the client channel's own event
     * loop, so that both sides of a proxied connection are served by one thread.
     */
    public Bootstrap bootstrap(EventLoop loop, Duration connectTimeout, boolean halfClosure) {
        return options(
                new Bootstrap().group(loop).channel(transport.socketChannelClass()), connectTimeout, halfClosure);
    }

    /**
     * As {@link #bootstrap(EventLoop, Duration, boolean)}, with a socket of the address family of
     * {@code remote} (an IPv4 server gets an IPv4 socket, see {@link Transport#serverChannelFactory}).
     */
    public Bootstrap bootstrap(EventLoop loop, Duration connectTimeout, boolean halfClosure, InetSocketAddress remote) {
        Bootstrap b = new Bootstrap().group(loop);
        if (remote.getAddress() != null) {
            b.channelFactory(transport.socketChannelFactory(remote.getAddress()));
        } else {
            b.channel(transport.socketChannelClass());
        }
        return options(b, connectTimeout, halfClosure);
    }

    private static Bootstrap options(Bootstrap b, Duration connectTimeout, boolean halfClosure) {
        // TCP_NODELAY is not set here: Netty's socket channels turn it on by default (on every
        // platform Tandem runs on), and setting it again is one more system call per connection.
        // Nor SO_KEEPALIVE (HAProxy's srvtcpka is off by default too): the server timeout ends a
        // connection to a server that vanished.
        return b.option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int)
                        Math.min(Integer.MAX_VALUE, connectTimeout.toMillis()))
                .option(ChannelOption.ALLOCATOR, PooledByteBufAllocator.DEFAULT)
                .option(ChannelOption.WRITE_BUFFER_WATER_MARK, WATER_MARK)
                .option(ChannelOption.ALLOW_HALF_CLOSURE, halfClosure);
    }
}
