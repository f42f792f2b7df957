package org.tandemlb.core.http;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http2.DefaultHttp2GoAwayFrame;
import io.netty.handler.codec.http2.DefaultHttp2ResetFrame;
import io.netty.handler.codec.http2.Http2DataFrame;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Exception;
import io.netty.handler.codec.http2.Http2FrameCodec;
import io.netty.handler.codec.http2.Http2FrameStream;
import io.netty.handler.codec.http2.Http2FrameStreamEvent;
import io.netty.handler.codec.http2.Http2FrameStreamException;
import io.netty.handler.codec.http2.Http2GoAwayFrame;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.netty.handler.codec.http2.Http2Stream.State;
import io.netty.handler.codec.http2.Http2StreamFrame;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.collection.IntObjectHashMap;
import io.netty.util.collection.IntObjectMap;
import java.util.ArrayList;
import java.util.List;
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
 * An HTTP/2 client connection, the handler after Netty's frame codec: it hands each stream's
 * frames to the stream's {@link Http2Stream} (made at the stream's first HEADERS, dropped when
 * the codec closes the stream), writes the streams' frames to the codec, and holds what they
 * share (the frontend, the router, the client's address worked out once), how many are open, and
 * when the connection ends. Streams are not channels of their own (Netty's
 * {@code Http2MultiplexHandler} would give each a channel and a pipeline): a stream is an object
 * in a map, and its frames go to the codec through this handler.
 *
 * <p>Flow control, which the multiplexer's channels did: a stream's flow-control window (and the
 * connection's) is given back for a DATA frame once the stream has handled it
 * ({@link #consumed}); a stream that does not read now keeps its frames until it does. A stream
 * takes more response while both the connection and its own window do ({@link #isWritable}); a
 * change of either is passed on to the streams.
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
    private Http2FrameCodec codec;
    private final IntObjectMap<Http2Stream> streams = new IntObjectHashMap<>();
    /** The streams that read frames in the current read of the connection. */
    private final List<Http2Stream> readNow = new ArrayList<>();

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
        codec = ctx.pipeline().get(Http2FrameCodec.class);
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

    /** The client connection, which carries the streams. */
    Channel channel() {
        return channel;
    }

    /** Writes a frame of a stream to the codec; not flushed. */
    void write(Http2StreamFrame frame) {
        ctx.write(frame, ctx.voidPromise());
    }

    /** Writes a frame of a stream to the codec, not flushed; the future tells when it is out. */
    ChannelFuture writeObserved(Http2StreamFrame frame) {
        return ctx.write(frame);
    }

    /** Resets {@code stream} with {@code error} (RST_STREAM) unless it is closed; flushed with the loop's batch. */
    void reset(Http2FrameStream stream, Http2Error error) {
        if (stream.state() != State.CLOSED && channel.isActive()) {
            ctx.write(new DefaultHttp2ResetFrame(error).stream(stream), ctx.voidPromise());
            flusher.flush(channel);
        }
    }

    /**
     * Gives back {@code bytes} of flow-control window, of {@code stream} and of the connection,
     * for DATA the stream has handled. The WINDOW_UPDATE frames go with the next flush.
     */
    void consumed(Http2FrameStream stream, int bytes) {
        var s = codec.connection().stream(stream.id());
        if (s == null || bytes == 0) {
            return; // closed: the codec gave its window back already
        }
        try {
            codec.connection().local().flowController().consumeBytes(s, bytes);
        } catch (Http2Exception e) {
            ctx.fireExceptionCaught(e);
        }
    }

    /** Whether the connection, and {@code stream}'s flow-control window, take more now. */
    boolean isWritable(Http2FrameStream stream) {
        if (!channel.isWritable()) {
            return false;
        }
        var s = codec.connection().stream(stream.id());
        return s != null && codec.connection().remote().flowController().isWritable(s);
    }

    /** A stream opened. */
    private void streamOpened() {
        streamsTotal.increment();
        if (openStreams++ == 0) {
            idleTimer.stop();
        }
    }

    /** A stream closed. */
    private void streamClosed() {
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
        if (msg instanceof Http2HeadersFrame || msg instanceof Http2DataFrame) {
            Http2StreamFrame frame = (Http2StreamFrame) msg;
            Http2FrameStream fs = frame.stream();
            Http2Stream stream = streams.get(fs.id());
            if (stream == null) {
                if (!(msg instanceof Http2HeadersFrame) || fs.state() == State.CLOSED) {
                    ReferenceCountUtil.release(msg); // the codec lets no DATA open a stream
                    return;
                }
                stream = new Http2Stream(this, fs);
                streams.put(fs.id(), stream);
                streamOpened();
            }
            if (stream.inbound().firstInThisRead()) {
                readNow.add(stream);
            }
            stream.inbound().frame(frame);
            return;
        }
        if (msg instanceof Http2GoAwayFrame) {
            log.debug("{}: client sent GOAWAY", ctx.channel());
        }
        // RST_STREAM (the stream's close follows), PRIORITY, WINDOW_UPDATE; SETTINGS, PING and
        // GOAWAY of the connection: the codec has acted on them already.
        ReferenceCountUtil.release(msg);
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        for (int i = 0; i < readNow.size(); i++) {
            readNow.get(i).readComplete();
        }
        readNow.clear();
        flusher.flush(channel);
        ctx.fireChannelReadComplete();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof Http2FrameStreamEvent e) {
            Http2Stream stream = streams.get(e.stream().id());
            if (stream == null) {
                return;
            }
            if (e.type() == Http2FrameStreamEvent.Type.Writability) {
                stream.writabilityChanged();
            } else if (e.stream().state() == State.CLOSED) {
                streams.remove(e.stream().id());
                stream.closed();
                streamClosed();
            }
            return;
        }
        if (evt == Drain.EVENT) {
            goAway();
            return;
        }
        ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        for (Http2Stream stream : streams.values()) {
            stream.writabilityChanged();
        }
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        idleTimer.cancel();
        // The codec closes the streams as the connection goes; any it did not tell of end here.
        List<Http2Stream> left = new ArrayList<>(streams.values());
        streams.clear();
        for (Http2Stream stream : left) {
            stream.closed();
        }
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof Http2FrameStreamException e) {
            // A protocol error on one stream (a content-length the DATA frames belie, say): the
            // stream is told, then reset with the error's code; the connection goes on.
            log.debug("{}: stream {}: {}", ctx.channel(), e.stream().id(), cause.getCause());
            Http2Stream stream = streams.get(e.stream().id());
            if (stream != null) {
                stream.failed(e.getCause());
            }
            reset(e.stream(), e.error());
            return;
        }
        log.debug("{}: {}", ctx.channel(), cause.toString());
        if (cause instanceof Http2Exception) {
            // The codec tells of a connection error before it answers it (GOAWAY with its code,
            // ENHANCE_YOUR_CALM for a flood, then the close): a close here would come first.
            return;
        }
        ctx.close();
    }
}
