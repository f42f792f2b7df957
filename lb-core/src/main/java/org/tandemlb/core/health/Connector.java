package org.tandemlb.core.health;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPromise;
import io.netty.channel.ConnectTimeoutException;
import io.netty.channel.EventLoop;
import io.netty.handler.ssl.SslHandler;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Objects;
import java.util.function.Consumer;
import org.tandemlb.core.config.HostPort;
import org.tandemlb.core.config.SendProxy;
import org.tandemlb.core.proxyprotocol.ProxyHeaderWriter;
import org.tandemlb.core.proxyprotocol.ProxyHeaders;
import org.tandemlb.core.tls.UpstreamTls;
import org.tandemlb.core.transport.Transport;

/**
 * Opens the connections of one server's checks: on the checker's event loop, with the transport's
 * channel class, a connect timeout equal to the check timeout and, when one is set, from a given
 * source address (HAProxy's {@code source}). With {@code send_proxy}, a PROXY protocol header goes
 * first on each connection, before what the check sends (HAProxy's {@code check-send-proxy}): v1
 * with the check connection's own addresses, v2 as a {@code LOCAL} command, which tells the server
 * the connection is the balancer's own.
 *
 * <p>With the backend's TLS side, a connection is a TLS client as live traffic's are (same
 * context, same name rules), and it counts as connected once the handshake is done; a failed
 * handshake fails the connection with its reason as message. The PROXY header goes before the
 * handshake.
 */
final class Connector {
    private final EventLoop loop;
    private final Transport transport;
    private final InetSocketAddress address;
    private final Duration timeout;
    private final InetAddress source;
    private final SendProxy sendProxy;
    private final UpstreamTls tls;
    private final HostPort configured;

    Connector(
            EventLoop loop,
            Transport transport,
            InetSocketAddress address,
            Duration timeout,
            InetAddress source,
            SendProxy sendProxy) {
        this(loop, transport, address, timeout, source, sendProxy, null, null);
    }

    /**
     * @param tls        the backend's TLS side, or null for plain connections
     * @param configured the server's address as configured (the name TLS expects), with {@code tls}
     */
    Connector(
            EventLoop loop,
            Transport transport,
            InetSocketAddress address,
            Duration timeout,
            InetAddress source,
            SendProxy sendProxy,
            UpstreamTls tls,
            HostPort configured) {
        this.loop = Objects.requireNonNull(loop);
        this.transport = Objects.requireNonNull(transport);
        this.address = Objects.requireNonNull(address);
        this.timeout = Objects.requireNonNull(timeout);
        this.source = source;
        this.sendProxy = Objects.requireNonNull(sendProxy);
        this.tls = tls;
        this.configured = tls == null ? null : Objects.requireNonNull(configured);
    }

    /** Whether connections are TLS connections. */
    boolean tls() {
        return tls != null;
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
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int)
                        Math.min(Integer.MAX_VALUE, Math.max(1, timeout.toMillis())))
                // TCP_NODELAY: on by default in Netty's socket channels.
                .option(ChannelOption.ALLOCATOR, PooledByteBufAllocator.DEFAULT)
                .handler(
                        sendProxy == SendProxy.NONE
                                ? withTls(handler)
                                : ProxyHeaderWriter.before(withTls(handler), this::header));
        options.accept(b);
        ChannelFuture connected =
                source == null ? b.connect(address) : b.connect(address, new InetSocketAddress(source, 0));
        return tls == null ? connected : handshaken(connected);
    }

    /** {@code handler}, behind a TLS handler when connections are TLS connections. */
    private ChannelHandler withTls(ChannelHandler handler) {
        return tls == null
                ? handler
                : new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ch.pipeline().addLast(tls.newHandler(ch.alloc(), configured, timeout), handler);
                    }
                };
    }

    /** A future of {@code connected}'s channel that completes when its TLS handshake is done. */
    private ChannelFuture handshaken(ChannelFuture connected) {
        Channel ch = connected.channel();
        ChannelPromise done = ch.newPromise();
        connected.addListener(c -> {
            if (!c.isSuccess()) {
                done.tryFailure(c.cause());
                return;
            }
            ch.pipeline().get(SslHandler.class).handshakeFuture().addListener(h -> {
                if (h.isSuccess()) {
                    done.trySuccess();
                } else {
                    done.tryFailure(new HandshakeFailed(tls.failureReason(h.cause(), configured)));
                }
            });
        });
        return done;
    }

    /** A failed TLS handshake, its message the reason. */
    private static final class HandshakeFailed extends Exception {
        private static final long serialVersionUID = 1L;

        HandshakeFailed(String reason) {
            super(reason, null, false, false);
        }
    }

    /** The PROXY header of a check connection: v1 with its own addresses, v2 as a {@code LOCAL} command. */
    private ByteBuf header(Channel ch) {
        return sendProxy == SendProxy.V2
                ? ProxyHeaders.v2Local(ch.alloc())
                : ProxyHeaders.header(ch.alloc(), sendProxy, (InetSocketAddress) ch.localAddress(), (InetSocketAddress)
                        ch.remoteAddress());
    }

    /**
     * A short description of why a connection failed, for the check's message: {@code connection
     * refused}, {@code connect timeout}, {@code no route to host}.
     */
    static String describe(Throwable cause) {
        if (cause instanceof HandshakeFailed) {
            return cause.getMessage();
        }
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
