package org.tandemlb.core.http;

import io.netty.channel.Channel;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPromise;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http2.Http2FrameCodec;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2GoAwayFrame;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.codec.http2.Http2StreamChannelBootstrap;
import io.netty.handler.codec.http2.Http2StreamFrameToHttpObjectCodec;
import io.netty.handler.codec.http2.HttpConversionUtil.ExtensionHeaderNames;
import io.netty.util.AsciiString;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Future;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tandemlb.core.backend.Server;
import org.tandemlb.core.proxy.Drain;
import org.tandemlb.core.proxy.HttpConnectionPool;
import org.tandemlb.core.proxy.InactivityTimer;
import org.tandemlb.core.tls.UpstreamTls;

/**
 * HTTP/2 to the servers of a {@code protocol: h2} backend (h2c with prior knowledge on plain TCP,
 * h2 over the backend's {@code tls}, which then offers {@code h2} by ALPN). An exchange gets a
 * stream, not a connection: {@link #stream} opens one on a connection of the client's event loop
 * that has room under the server's {@code MAX_CONCURRENT_STREAMS}, or the exchange connects a new
 * one ({@link #initializer}, then {@link #firstStream}), which then serves the loop's next
 * requests too. So each server has one connection per event loop, more only while every one is
 * full (or while several are being connected at once).
 *
 * <p>A stream's channel carries Netty's HTTP objects both ways ({@link
 * Http2StreamFrameToHttpObjectCodec}), with an {@link UpstreamHandler} for the exchange last, so
 * that the {@link Exchange} writes and reads a stream as it does an HTTP/1.1 connection. Trailers
 * come and go as a {@code LastHttpContent}'s trailing headers. Every request carries {@code te:
 * trailers} (gRPC servers want it; Tandem takes trailers from them).
 *
 * <p>A stream reset by the server, or refused by its GOAWAY, closes the stream's channel: the
 * exchange answers 502 (or cuts the response short). A GOAWAY retires the connection: it takes no
 * new stream and closes once its streams are done, as does a connection closed by a reload
 * (the pool's {@link Drain} event). A connection without streams closes after the backend's
 * {@code keep_alive} timeout.
 */
final class Http2Upstream {
    private static final Logger log = LoggerFactory.getLogger(Http2Upstream.class);

    private Http2Upstream() {}

    /**
     * Sets up a new server connection's pipeline: the HTTP/2 codec (client, no server push,
     * streams beyond the server's {@code MAX_CONCURRENT_STREAMS} wait for room), the multiplexer
     * that gives each stream a channel, and the connection's own handler.
     */
    static ChannelHandler initializer(Server server, HttpConnectionPool pool, Object poolKey) {
        return new ChannelInitializer<Channel>() {
            @Override
            protected void initChannel(Channel ch) {
                ch.pipeline()
                        .addLast(
                                "h2",
                                Http2FrameCodecBuilder.forClient()
                                        .initialSettings(
                                                Http2Settings.defaultSettings().pushEnabled(false))
                                        .encoderEnforceMaxConcurrentStreams(true)
                                        .build());
                ch.pipeline().addLast("h2-streams", new Http2MultiplexHandler(NO_PUSH));
                ch.pipeline().addLast("h2-connection", new Connection(server, pool, poolKey));
            }
        };
    }

    /**
     * A new stream on a connection of {@code poolKey} on {@code loop} that has room, or null
     * when there is none. Connections that turned out retired (a GOAWAY, a reload that changed
     * the backend's TLS) are dropped from the pool on the way.
     */
    static Channel stream(HttpConnectionPool pool, EventLoop loop, Object poolKey) {
        List<Channel> open = pool.multiplexed(loop, poolKey);
        int i = 0;
        while (i < open.size()) {
            Channel ch = open.get(i);
            Connection c = ch.pipeline().get(Connection.class);
            if (c == null) {
                pool.removeMultiplexed(loop, poolKey, ch); // closed and taken apart
            } else if (!c.retiredNow()) { // a retired one left the list
                if (c.hasRoom()) {
                    return c.open();
                }
                i++;
            }
        }
        return null;
    }

    /**
     * The first stream of a connection just made (by {@link #initializer}), which joins the pool;
     * null when it could not be opened (the connection closed already).
     */
    static Channel firstStream(Channel connection) {
        Connection c = connection.pipeline().get(Connection.class);
        if (c == null) {
            connection.close();
            return null;
        }
        c.pool();
        return c.open();
    }

    /** Server push is refused by the settings: a pushed stream (a broken server) is closed. */
    private static final ChannelHandler NO_PUSH = new NoPush();

    @ChannelHandler.Sharable
    private static final class NoPush extends ChannelInboundHandlerAdapter {
        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            ctx.close();
        }
    }

    /** One HTTP/2 connection to a server: its streams, its place in the pool, its idle timeout. */
    private static final class Connection extends ChannelInboundHandlerAdapter {
        private final Server server;
        private final HttpConnectionPool pool;
        private final Object poolKey;
        /** The backend's TLS side the connection was made with (null: plain). */
        private final UpstreamTls tls;

        private Channel channel;
        private Http2FrameCodec codec;
        private Http2StreamChannelBootstrap streams;
        private InactivityTimer idle;
        private int openStreams;
        private boolean pooled;

        Connection(Server server, HttpConnectionPool pool, Object poolKey) {
            this.server = server;
            this.pool = pool;
            this.poolKey = poolKey;
            this.tls = server.backend().tls();
        }

        @Override
        public void handlerAdded(ChannelHandlerContext ctx) {
            channel = ctx.channel();
            codec = ctx.pipeline().get(Http2FrameCodec.class);
            idle = new InactivityTimer(channel.eventLoop());
            streams = new Http2StreamChannelBootstrap(channel).handler(new ChannelInitializer<Channel>() {
                @Override
                protected void initChannel(Channel ch) {
                    ch.pipeline().addLast("h2-http", new Http2StreamFrameToHttpObjectCodec(false));
                    ch.pipeline().addLast("h2-fields", new StreamFields());
                    ch.pipeline().addLast("upstream", UpstreamHandler.forStream(server));
                }
            });
        }

        /** Lists the connection in the pool and reads it from now on (the streams have their own back-pressure). */
        void pool() {
            pooled = true;
            pool.addMultiplexed(channel.eventLoop(), poolKey, channel);
            channel.config().setAutoRead(true);
            channel.read();
        }

        /** Whether another stream fits under the server's {@code MAX_CONCURRENT_STREAMS}. */
        boolean hasRoom() {
            return openStreams < codec.connection().local().maxActiveStreams();
        }

        /**
         * Whether the connection takes no new stream: closed, told to go away, or made before a
         * reload changed the backend's TLS. Such a one leaves the pool and closes once its
         * streams are done.
         */
        boolean retiredNow() {
            if (channel.isActive()
                    && !codec.connection().goAwayReceived()
                    && server.backend().tls() == tls) {
                return false;
            }
            retire();
            return true;
        }

        /**
         * Takes the connection out of the pool and closes it once its streams are done (at once
         * without any). Closing it under open streams, even gracefully, could cut a stream whose
         * request is still being written.
         */
        private void retire() {
            if (pooled) {
                pooled = false;
                pool.removeMultiplexed(channel.eventLoop(), poolKey, channel);
            }
            idle.stop();
            if (openStreams == 0) {
                channel.close();
            }
        }

        /** A new stream's channel, or null when the connection cannot open one. */
        Channel open() {
            Future<Http2StreamChannel> f = streams.open();
            // On the connection's loop the child channel registers at once.
            Http2StreamChannel stream = f.getNow();
            if (stream == null) {
                log.debug("{}: could not open a stream: {}", channel, f.cause());
                return null;
            }
            openStreams++;
            idle.stop();
            stream.closeFuture().addListener(done -> streamClosed());
            return stream;
        }

        private void streamClosed() {
            openStreams--;
            if (openStreams > 0) {
                return;
            }
            if (pooled) {
                idle.start(server.backend().config().timeouts().keepAlive(), this::retire);
            } else {
                channel.close(); // retired: its last stream is done
            }
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof Http2GoAwayFrame goAway) {
                log.debug("{}: GOAWAY from {} ({})", ctx.channel(), server, goAway.errorCode());
                retire();
            }
            ReferenceCountUtil.release(msg);
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt == Drain.EVENT) {
                retire(); // the server was removed or changed by a reload
            } else {
                ctx.fireUserEventTriggered(evt);
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            idle.cancel();
            if (pooled) {
                pooled = false;
                pool.removeMultiplexed(ctx.channel().eventLoop(), poolKey, ctx.channel());
            }
            ctx.fireChannelInactive();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            log.debug("{}: HTTP/2 connection to {} failed: {}", ctx.channel(), server, cause.toString());
            ctx.close();
        }
    }

    /**
     * The fields Netty's conversion would take from the HTTP objects, put right: a request's
     * {@code x-http2-*} headers (which the conversion reads as the scheme, path or stream; from a
     * client, they are only headers) dropped and {@code te: trailers} added; the stream id the
     * conversion adds to a response as {@code x-http2-stream-id} dropped. A response that ends
     * with its head (a {@code FullHttpResponse} from the conversion) becomes a head and an end, as
     * the exchange reads HTTP/1.1; if it is gRPC's "trailers-only" answer (an error, mostly), its
     * fields but the content type are the end's trailers, where a client finds them whatever it
     * speaks (an HTTP/1.1 client gets them in the last chunk). (A header or trailer value with a
     * control character, which HPACK could carry, never gets here: Netty's conversion refuses it,
     * and the stream fails as a broken one.)
     */
    private static final class StreamFields extends ChannelDuplexHandler {
        private static final AsciiString GRPC_STATUS = AsciiString.cached("grpc-status");

        @Override
        public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
            if (msg instanceof HttpRequest req) {
                HttpHeaders h = req.headers();
                for (ExtensionHeaderNames n : ExtensionHeaderNames.values()) {
                    h.remove(n.text());
                }
                h.set(HttpHeaderNames.TE, HttpHeaderValues.TRAILERS);
            }
            ctx.write(msg, promise);
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (!(msg instanceof HttpResponse resp)) {
                ctx.fireChannelRead(msg);
                return;
            }
            HttpHeaders h = resp.headers();
            h.remove(ExtensionHeaderNames.STREAM_ID.text());
            if (!(msg instanceof FullHttpResponse full)) {
                ctx.fireChannelRead(msg);
                return;
            }
            LastHttpContent end = new DefaultLastHttpContent(full.content());
            end.trailingHeaders().set(full.trailingHeaders());
            HttpHeaders head = h;
            if (h.contains(GRPC_STATUS)) {
                // Trailers-only: every field but the content type is a trailer (the gRPC protocol).
                head = new DefaultHttpHeaders();
                for (Map.Entry<String, String> e : h) {
                    if (HttpHeaderNames.CONTENT_TYPE.contentEqualsIgnoreCase(e.getKey())) {
                        head.add(e.getKey(), e.getValue());
                    } else if (!HttpHeaderNames.CONTENT_LENGTH.contentEqualsIgnoreCase(e.getKey())) {
                        end.trailingHeaders().add(e.getKey(), e.getValue());
                    }
                }
            }
            ctx.fireChannelRead(new DefaultHttpResponse(full.protocolVersion(), full.status(), head));
            ctx.fireChannelRead(end);
        }
    }
}
