package org.tandemlb.core.health;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.ConnectTimeoutException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Objects;
import java.util.function.Consumer;
import org.tandemlb.core.config.SendProxy;
import org.tandemlb.core.proxyprotocol.ProxyHeaderWriter;
import org.tandemlb.core.proxyprotocol.ProxyHeaders;
import org.tandemlb.core.transport.Transport;

/**
 * Opens the connections of one server's checks: on the checker's event loop, with the transport's
 * channel class, a connect timeout equal to the check timeout and, when one is set, from a given
 * source address (HAProxy's {@code source}). With {@code send_proxy}, a PROXY protocol header goes
 * first on each connection, before what the check sends (HAProxy's {@code check-send-proxy}): v1
 * with the check connection's own addresses, v2 as a {@code LOCAL} command, which tells the server
 * the connection is the balancer's own.
 */
final class Connector {
    private final EventLoop loop;
    private final Transport transport;
    private final InetSocketAddress address;
    private final Duration timeout;
    private final InetAddress source;
    private final SendProxy sendProxy;

    Connector(EventLoop loop, Transport transport, InetSocketAddress address, Duration timeout, InetAddress source,
              SendProxy sendProxy) {
        this.loop = Objects.requireNonNull(loop);
        this.transport = Objects.requireNonNull(transport);
        this.address = Objects.requireNonNull(address);
        this.timeout = Objects.requireNonNull(timeout);
        this.source = source;
        this.sendProxy = Objects.requireNonNull(sendProxy);
    }

    /** The server's address. */
    InetSocketAddress address() {
        return address;
    }

    /**
     * Connects with {@code handler} in the pipeline; {@code options} may set more options. Never
     * resolves a name: the server's address was resolved off the event loops.
     */
    ChannelFuture connect(ChannelHandler handler, Consumer<Bootstrap> options) {
        Bootstrap b = new Bootstrap()
                .group(loop)
                .channelFactory(transport.socketChannelFactory(address.getAddress()))
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.min(Integer.MAX_VALUE, Math.max(1, timeout.toMillis())))
                // TCP_NODELAY: on by default in Netty's socket channels.
                .option(ChannelOption.ALLOCATOR, PooledByteBufAllocator.DEFAULT)
                .handler(sendProxy == SendProxy.NONE ? handler : ProxyHeaderWriter.before(handler, this::header));
        options.accept(b);
        return source == null ? b.connect(address) : b.connect(address, new InetSocketAddress(source, 0));
    }

    /** The PROXY header of a check connection: v1 with its own addresses, v2 as a {@code LOCAL} command. */
    private ByteBuf header(Channel ch) {
        return sendProxy == SendProxy.V2 ? ProxyHeaders.v2Local(ch.alloc())
                : ProxyHeaders.header(ch.alloc(), sendProxy, (InetSocketAddress) ch.localAddress(),
                        (InetSocketAddress) ch.remoteAddress());
    }

    /**
     * A short description of why a connection failed, for the check's message: {@code connection
     * refused}, {@code connect timeout}, {@code no route to host}.
     */
    static String describe(Throwable cause) {
        if (cause instanceof ConnectTimeoutException) {
            return "connect timeout";
        }
        String m = cause.getMessage();
        if (m == null || m.isBlank()) {
            return cause.getClass().getSimpleName();
        }
        // Netty's messages carry the system call and the address ("finishConnect(..) failed
        // with error(-111): Connection refused: /10.0.0.1:80"); the server is named in the log
        // line already. Only the words are kept; nothing is decided on them.
        int call = m.indexOf("(..) failed");
        int colon = call < 0 ? -1 : m.indexOf(": ", call);
        if (colon >= 0) {
            m = m.substring(colon + 2);
        }
        int addr = m.indexOf(": /");
        if (addr > 0) {
            m = m.substring(0, addr);
        }
        return m.isEmpty() ? cause.getClass().getSimpleName() : Character.toLowerCase(m.charAt(0)) + m.substring(1);
    }
}
