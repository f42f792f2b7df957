package org.tandemlb.core.http;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http2.DefaultHttp2GoAwayFrame;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Exception;
import io.netty.handler.codec.http2.Http2GoAwayFrame;
import io.netty.util.ReferenceCountUtil;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tandemlb.core.config.FrontendConfig;
import org.tandemlb.core.proxy.Closing;
import org.tandemlb.core.proxy.DeferredFlush;
import org.tandemlb.core.proxy.Drain;
import org.tandemlb.core.proxy.HttpConnectionPool;
import org.tandemlb.core.proxy.InactivityTimer;
import org.tandemlb.core.proxy.ProxyContext;

/**
 * An HTTP/2 client connection, above Netty's frame codec and stream multiplexer: what its streams
 * ({@link Http2Stream}) share (the frontend, the router, the client's address worked out once),
 * how many are open, and when the connection ends.
 *
 * <p>It ends gracefully (GOAWAY NO_ERROR with the last stream id, the open streams finish, then
 * the close) when its frontend drains ({@link Drain#EVENT}: on stop, also for the connections
 * of frontends a reload removed) and when it has had no open stream for {@code keep_alive}
 * ({@code http_request} before its first stream, as HTTP/1.1 waits for a first request). This
 * class does it rather
 * than Netty's graceful {@code close()}, which a second {@code close()} would only postpone:
 * a {@code close()} of the channel closes it at once (the codec is built with
 * {@code decoupleCloseAndGoAway}), so streams still open when the drain time is over are cut by
 * the frontend's close, as HTTP/1.1 responses are.
 */
final class Http2Connection extends ChannelInboundHandlerAdapter {
    private static final Logger log = LoggerFactory.getLogger(Http2Connection.class);

    final ProxyContext context;
    final FrontendConfig frontend;
    final Router router;
    final HttpConnectionPool pool;
    private final String forwardedProto;

    private final LongAdder streamsTotal;
    private Channel channel;
    private ChannelHandlerContext ctx;
    private DeferredFlush flusher;
    private InactivityTimer idleTimer;
    private ClientIdentity identity;
    private int openStreams;
    private boolean draining;
    private final Runnable idle = this::idleTimedOut;

    Http2Connection(
            ProxyContext context,
            FrontendConfig frontend,
            Router router,
            HttpConnectionPool pool,
            String forwardedProto,
            LongAdder streamsTotal) {
        this.context = context;
        this.frontend = frontend;
        this.router = router;
        this.pool = pool;
        this.forwardedProto = forwardedProto;
        this.streamsTotal = streamsTotal;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        channel = ctx.channel();
        flusher = context.deferredFlush(channel.eventLoop());
        idleTimer = new InactivityTimer(channel.eventLoop());
        identity = ClientIdentity.of(channel, frontend, forwardedProto);
        idleTimer.start(frontend.timeouts().httpRequest(), idle);
    }

    DeferredFlush flusher() {
        return flusher;
    }

    /** Who the client is, for every stream. */
    ClientIdentity identity() {
        return identity;
    }

    /** Whether the connection is going away (GOAWAY sent): streams' responses say so. */
    boolean draining() {
        return draining;
    }

    /** A stream opened (its handler was added). */
    void streamOpened() {
        streamsTotal.increment();
        if (openStreams++ == 0) {
            idleTimer.stop();
        }
    }

    /** A stream closed. */
    void streamClosed() {
        if (--openStreams == 0 && channel.isActive()) {
            if (draining) {
                Closing.afterWrites(channel, frontend.timeouts().client()); // the last response goes out first
            } else {
                idleTimer.start(frontend.timeouts().keepAlive(), idle);
            }
        }
    }

    private void idleTimedOut() {
        log.debug("{}: no HTTP/2 stream for a while, going away", channel);
        goAway();
    }

    /**
     * Sends GOAWAY (streams the client opens after it are refused) and closes once the open
     * streams are done, or at once when none is open.
     */
    private void goAway() {
        if (draining || !channel.isActive()) {
            return;
        }
        draining = true;
        idleTimer.stop();
        ctx.writeAndFlush(new DefaultHttp2GoAwayFrame(Http2Error.NO_ERROR));
        if (openStreams == 0) {
            Closing.afterWrites(channel, frontend.timeouts().client());
        }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof Http2GoAwayFrame) {
            log.debug("{}: client sent GOAWAY", ctx.channel());
        }
        // SETTINGS, PING and GOAWAY frames of the connection: the codec has acted on them already.
        ReferenceCountUtil.release(msg);
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt == Drain.EVENT) {
            goAway();
            return;
        }
        ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        idleTimer.cancel();
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        log.debug("{}: {}", ctx.channel(), cause.toString());
        if (cause instanceof Http2Exception) {
            // The codec tells of a connection error before it answers it (GOAWAY with its code,
            // ENHANCE_YOUR_CALM for a flood, then the close): a close here would come first.
            return;
        }
        ctx.close();
    }
}
