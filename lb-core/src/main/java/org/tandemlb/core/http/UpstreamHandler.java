package org.tandemlb.core.http;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoop;
import io.netty.util.ReferenceCountUtil;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tandemlb.core.backend.Server;
import org.tandemlb.core.proxy.HttpConnectionPool;
import org.tandemlb.core.proxy.InactivityTimer;
import org.tandemlb.core.tls.UpstreamTls;

/**
 * The last handler of a server-side HTTP connection. It lives as long as the connection, which
 * serves one exchange after another: while an exchange is attached it hands everything to it;
 * while the connection idles in the {@link HttpConnectionPool} it closes it on unexpected data or
 * after the keep-alive timeout, and forgets it from the pool when the server closes it.
 *
 * <p>On an HTTP/2 stream to a server ({@link Http2Upstream}) it is the same for the stream's one
 * exchange, without a pool or a decoder of its own: the stream is never reused.
 */
final class UpstreamHandler extends ChannelInboundHandlerAdapter {
    private static final Logger log = LoggerFactory.getLogger(UpstreamHandler.class);

    /** Receives what the server sends for the attached exchange. */
    interface Listener {
        void upstreamRead(Object msg);

        void upstreamReadComplete();

        void upstreamWritabilityChanged();

        void upstreamClosed();
    }

    private final Server server;
    private final HttpConnectionPool pool;
    /** The key the connection is pooled under ({@link HttpConnectionPool#key}). */
    private final Object poolKey;

    /** Null on an HTTP/2 stream (the stream's codec decodes), which is never pooled either. */
    private final ResponseDecoder decoder;
    /** The backend's TLS side the connection was made with (null: plain). */
    private final UpstreamTls tls;

    private Channel channel;
    private Listener listener;
    /**
     * The connection's one timer: the keep-alive timeout while it idles in the pool, the server
     * timeout of the attached exchange otherwise (the two never run at once, and one timer per
     * connection keeps at most one wake-up per connection in the event loop's queue).
     */
    private InactivityTimer timer;

    private Runnable close;

    UpstreamHandler(Server server, HttpConnectionPool pool, Object poolKey, ResponseDecoder decoder) {
        this.server = server;
        this.pool = pool;
        this.poolKey = poolKey;
        this.decoder = decoder;
        this.tls = server.backend().tls();
    }

    /**
     * Sets up a new server connection's pipeline: Tandem's own encoder and decoder (see
     * {@link MessageEncoder} and {@link ResponseDecoder} for why), the pair that Netty's
     * {@code HttpClientCodec} would otherwise be, then this handler. The decoder is named
     * {@code http} (a tunnel takes it out by that name).
     *
     * @param poolKey the key the connection is pooled under ({@link HttpConnectionPool#key})
     */
    static ChannelHandler initializer(Server server, HttpConnectionPool pool, Object poolKey) {
        return new ChannelInitializer<Channel>() {
            @Override
            protected void initChannel(Channel ch) {
                ResponseDecoder decoder = new ResponseDecoder();
                ch.pipeline().addLast("http-encoder", new MessageEncoder());
                ch.pipeline().addLast("http", decoder);
                ch.pipeline().addLast("upstream", new UpstreamHandler(server, pool, poolKey, decoder));
            }
        };
    }

    /**
     * An idle connection from {@code pool} for {@code poolKey} on {@code loop}, or null. A reload
     * that changed the backend's TLS closes the idle connections made before it, with a task on
     * this loop that may not have run yet: such a one is closed here rather than reused.
     */
    static Channel pooled(HttpConnectionPool pool, EventLoop loop, Object poolKey) {
        Channel ch;
        while ((ch = pool.poll(loop, poolKey)) != null) {
            if (!ch.pipeline().get(UpstreamHandler.class).outdated()) {
                return ch;
            }
            ch.close();
        }
        return null;
    }

    /** The handler of an HTTP/2 stream to {@code server}: one exchange, no pool. */
    static UpstreamHandler forStream(Server server) {
        return new UpstreamHandler(server, null, null, null);
    }

    /** Tells the decoder whether the response is to a HEAD request (no body follows its head). */
    void expectResponseToHead(boolean head) {
        if (decoder != null) {
            decoder.expectResponseToHead(head);
        }
    }

    /**
     * Whether the connection may serve another exchange once this response ended: the decoder
     * saw nothing past the response. Never for an HTTP/2 stream.
     */
    boolean reusable() {
        return decoder != null && decoder.reusable();
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        channel = ctx.channel();
        timer = new InactivityTimer(channel.eventLoop());
        close = channel::close;
    }

    /** The connection's timer, which the attached exchange uses for the server timeout. */
    InactivityTimer timer() {
        return timer;
    }

    /** Attaches an exchange (taking the connection out of the pool). */
    void attach(Listener l) {
        timer.stop();
        listener = l;
    }

    /**
     * Detaches the exchange and parks the connection in the pool for {@code keepAlive}; closes it
     * instead when a reload changed the backend's TLS settings since it was made.
     */
    void park(Duration keepAlive) {
        listener = null;
        if (outdated()) {
            channel.close();
            return;
        }
        timer.stop();
        pool.offer(channel.eventLoop(), poolKey, channel);
        timer.start(keepAlive, close);
        // Read while idle so that a close by the server is noticed at once.
        channel.config().setAutoRead(true);
    }

    /** Whether a reload changed the backend's TLS settings since this connection was made. */
    boolean outdated() {
        return server.backend().tls() != tls;
    }

    /** Detaches the exchange without pooling (the caller closes the connection). */
    void detach() {
        listener = null;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (listener != null) {
            listener.upstreamRead(msg);
        } else {
            ReferenceCountUtil.release(msg);
            log.debug("{}: unexpected data from idle server connection to {}, closing", ctx.channel(), server);
            ctx.close();
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        if (listener != null) {
            listener.upstreamReadComplete();
        }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (listener != null) {
            listener.upstreamWritabilityChanged();
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        timer.cancel();
        Listener l = listener;
        listener = null;
        if (l != null) {
            l.upstreamClosed();
        } else if (pool != null) {
            pool.remove(ctx.channel().eventLoop(), poolKey, ctx.channel());
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        log.debug("{}: connection to {} failed: {}", ctx.channel(), server, cause.toString());
        ctx.close();
    }
}
