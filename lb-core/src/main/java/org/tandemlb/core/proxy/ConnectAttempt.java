package org.tandemlb.core.proxy;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.handler.ssl.SslHandler;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tandemlb.core.backend.Backend;
import org.tandemlb.core.backend.Refusal;
import org.tandemlb.core.backend.Server;
import org.tandemlb.core.backend.ServerGrant;
import org.tandemlb.core.config.SendProxy;
import org.tandemlb.core.proxyprotocol.ClientAddresses;
import org.tandemlb.core.proxyprotocol.ProxyHeaderWriter;
import org.tandemlb.core.proxyprotocol.ProxyHeaders;
import org.tandemlb.core.tls.UpstreamTls;

/**
 * Gets a connected server-side channel for one client request or connection: asks the backend
 * for a server, reuses an idle pooled connection or connects a new one on the client's event
 * loop, and on a connect failure retries on another server up to the backend's {@code retries}
 * (HAProxy's {@code retries} with {@code option redispatch}). Once every server was tried, the
 * failed ones may be tried again while retries remain. A backend with {@code send_proxy} gets a
 * PROXY protocol header with the client's addresses first on each new connection.
 *
 * <p>With the backend's {@code tls}, a new connection gets a TLS handler first in its pipeline
 * (named {@value #TLS_HANDLER}) and counts as connected only once the handshake is done, within
 * {@code timeouts.connect} for connect and handshake together; a failed handshake is a failed
 * connect (retried, counted by the passive check) and logged with its reason. Pooled
 * connections stay TLS connections.
 *
 * <p>Everything here runs on the client channel's event loop.
 */
public abstract class ConnectAttempt implements ServerGrant {
    private static final Logger log = LoggerFactory.getLogger(ConnectAttempt.class);

    /** Why no connection could be made. */
    public enum Failure {
        /** No server could be chosen: 503. */
        NO_SERVER,
        /** Waited in the queue for {@code timeouts.queue}: 503. */
        QUEUE_TIMEOUT,
        /** Servers were chosen but none could be reached within the retries: 502. */
        UNREACHABLE
    }

    /** The name of the TLS handler in a server connection's pipeline. */
    public static final String TLS_HANDLER = "tls";

    protected final ProxyContext context;
    protected final Backend backend;
    protected final Channel client;
    private final byte[] clientKey;
    /** Servers a connect failed on, created at the first failure (most attempts never fail). */
    private Set<Server> excluded;

    private int attempts;
    private long grantedNanos = -1;

    protected ConnectAttempt(ProxyContext context, Backend backend, Channel client) {
        this(context, backend, client, clientKey(client));
    }

    /**
     * @param clientKey the client's address bytes, as {@link #clientKey(Channel)} gives them (a
     *                  connection serving many requests computes them once)
     */
    protected ConnectAttempt(ProxyContext context, Backend backend, Channel client, byte[] clientKey) {
        this.context = context;
        this.backend = backend;
        this.client = client;
        this.clientKey = clientKey;
    }

    /**
     * The client's address bytes, the key of {@code source} balancing: the address its PROXY
     * header carried, if it had one.
     */
    public static byte[] clientKey(Channel client) {
        InetSocketAddress isa = ClientAddresses.source(client);
        if (isa != null && isa.getAddress() != null) {
            return isa.getAddress().getAddress();
        }
        return new byte[0];
    }

    /**
     * Whether the client no longer wants the server connection: its connection closed (or, for
     * an HTTP/2 stream, the stream was reset or answered, which the subclass knows). A grant then
     * is given back, and a failed connection is not tried again.
     */
    protected boolean clientGone() {
        return !client.isActive();
    }

    /**
     * The server's value in the client's persistence cookie ({@code Server.cookie()}), for a
     * backend with cookie persistence; null otherwise (the default).
     */
    protected String persistenceCookie() {
        return null;
    }

    /** Starts: the answer is one call to {@link #connected} or {@link #failed}. */
    public final void start() {
        backend.acquire(
                clientKey, persistenceCookie(), excluded == null ? Set.of() : excluded, client.eventLoop(), this);
    }

    @Override
    public final void granted(Server server) {
        grantedNanos = System.nanoTime();
        if (clientGone()) {
            server.release();
            return;
        }
        Channel idle = reuse(server);
        if (idle != null) {
            connected(server, idle, true);
            return;
        }
        attempts++;
        UpstreamTls tls = backend.tls();
        Duration connectTimeout = backend.config().timeouts().connect();
        long connectStart = tls == null ? 0 : System.nanoTime();
        ChannelHandler handler = tls == null ? initializer(server) : withTls(tls, server, connectTimeout);
        SendProxy sendProxy = backend.config().sendProxy();
        if (sendProxy != SendProxy.NONE) {
            // The PROXY header goes out first, before a TLS handshake too.
            ClientAddresses a = ClientAddresses.of(client);
            handler = ProxyHeaderWriter.before(
                    handler, ch -> ProxyHeaders.header(ch.alloc(), sendProxy, a.source(), a.destination()));
        }
        ChannelFuture f = context.bootstrap(client.eventLoop(), connectTimeout, halfClosure(), server.address())
                .option(ChannelOption.AUTO_READ, false)
                .handler(handler)
                .connect(server.address());
        f.addListener(done -> {
            if (!done.isSuccess()) {
                log.debug(
                        "connect to {} ({}) failed: {}",
                        server,
                        server.address(),
                        done.cause().toString());
                connectFailed(server);
            } else if (tls == null) {
                server.connectSucceeded();
                connected(server, f.channel(), false);
            } else {
                handshake(tls, server, f.channel(), connectTimeout.toNanos() - (System.nanoTime() - connectStart));
            }
        });
    }

    /** The pipeline of a new TLS connection: the TLS handler first, then the caller's. */
    private ChannelHandler withTls(UpstreamTls tls, Server server, Duration connectTimeout) {
        ChannelHandler rest = initializer(server);
        return new ChannelInitializer<Channel>() {
            @Override
            protected void initChannel(Channel ch) {
                ch.pipeline()
                        .addLast(
                                TLS_HANDLER,
                                tls.newHandler(ch.alloc(), server.config().address(), connectTimeout));
                ch.pipeline().addLast(rest);
            }
        };
    }

    /**
     * The TCP connection is up: the server counts as connected once the TLS handshake is done,
     * within what is left of the connect timeout. A failed handshake is a failed connect.
     */
    private void handshake(UpstreamTls tls, Server server, Channel ch, long remainingNanos) {
        SslHandler ssl = ch.pipeline().get(SslHandler.class);
        // The connect promise is fulfilled before channelActive starts the handshake, so the
        // timeout set here is the one the handshake runs with: connect and handshake together
        // take at most timeouts.connect (set to the whole of it first, for any other order).
        ssl.setHandshakeTimeoutMillis(Math.max(1, TimeUnit.NANOSECONDS.toMillis(remainingNanos)));
        // With autoRead off, the handler reads the server's handshake messages as it needs them
        // once a first read is asked for.
        ch.read();
        ssl.handshakeFuture().addListener(h -> {
            if (h.isSuccess()) {
                tls.succeeded(server);
                server.connectSucceeded();
                connected(server, ch, false);
            } else {
                ch.close();
                if (!clientGone()) {
                    tls.logFailure(
                            server, tls.failureReason(h.cause(), server.config().address()));
                }
                connectFailed(server);
            }
        });
    }

    private void connectFailed(Server server) {
        server.connectFailed();
        server.release();
        retry(server);
    }

    private void retry(Server failed) {
        if (clientGone()) {
            return;
        }
        if (attempts > backend.config().retries()) {
            failed(Failure.UNREACHABLE);
            return;
        }
        if (excluded == null) {
            excluded = new HashSet<>();
        }
        excluded.add(failed);
        start();
    }

    @Override
    public final void refused(Refusal reason) {
        if (reason == Refusal.QUEUE_TIMEOUT) {
            failed(Failure.QUEUE_TIMEOUT);
        } else if (attempts == 0) {
            failed(Failure.NO_SERVER);
        } else if (excluded != null
                && !excluded.isEmpty()
                && attempts <= backend.config().retries()) {
            // Every usable server failed once: try them again while retries remain.
            excluded.clear();
            start();
        } else {
            failed(Failure.UNREACHABLE);
        }
    }

    /**
     * The key in the {@link HttpConnectionPool} of connections to {@code server} for this client:
     * with {@code send_proxy}, a connection carries its client's PROXY header and is private to it.
     */
    protected final Object poolKey(Server server) {
        boolean privateToClient = backend.config().sendProxy() != SendProxy.NONE;
        return HttpConnectionPool.key(server, privateToClient ? ClientAddresses.of(client) : null);
    }

    /** The backend the server comes from. */
    public final Backend backend() {
        return backend;
    }

    /** When the last server slot was granted ({@link System#nanoTime()}), or -1 before any. */
    protected final long grantedNanos() {
        return grantedNanos;
    }

    /** Whether the server-side channel relays half-closes (TCP mode). */
    protected abstract boolean halfClosure();

    /** The handler that sets up a new server-side channel's pipeline. */
    protected abstract ChannelHandler initializer(Server server);

    /** An idle pooled connection to {@code server} on this event loop, or null. */
    protected Channel reuse(Server server) {
        return null;
    }

    /**
     * A connection to {@code server} is ready; the receiver owns the server's slot and the channel
     * (which has {@code autoRead} off when new).
     */
    protected abstract void connected(Server server, Channel channel, boolean reused);

    /** No connection could be made; no slot is held. */
    protected abstract void failed(Failure failure);
}
