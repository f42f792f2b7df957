package org.tandemlb.core.warmup;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.handler.codec.http2.DefaultHttp2DataFrame;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersFrame;
import io.netty.handler.codec.http2.Http2DataFrame;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.codec.http2.Http2StreamChannelBootstrap;
import io.netty.handler.codec.http2.Http2StreamFrame;
import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslProvider;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Future;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import javax.net.ssl.SSLException;
import org.tandemlb.core.transport.Transport;

/**
 * An HTTP/2 client over TLS on one connection (ALPN {@code h2} only): the warm-up's requests to
 * frontends that offer HTTP/2, one stream at a time, each waited for by the calling thread (never
 * an event loop).
 */
public final class Http2Client implements Client {

    /** How long a close waits for the channel to close. */
    private static final int CLOSE_WAIT_MS = 1000;

    private final Channel channel;

    private Http2Client(Channel channel) {
        this.channel = channel;
    }

    /** A client TLS context offering only {@code h2}, trusting only {@code served}. */
    public static SslContext tls(List<X509Certificate> served) {
        try {
            return SslContextBuilder.forClient()
                    .sslProvider(SslProvider.JDK)
                    .trustManager(PinnedTrust.trusting(served))
                    .applicationProtocolConfig(new ApplicationProtocolConfig(
                            ApplicationProtocolConfig.Protocol.ALPN,
                            ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
                            ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT,
                            ApplicationProtocolNames.HTTP_2))
                    .build();
        } catch (SSLException e) {
            throw new IllegalStateException("no HTTP/2 client context for the warm-up", e);
        }
    }

    /**
     * Connects to {@code address} and completes the TLS handshake.
     *
     * @throws IOException when it cannot, or the server did not choose {@code h2}
     */
    public static Http2Client connect(
            Transport transport, EventLoopGroup group, InetSocketAddress address, SslContext tls, int timeoutMs)
            throws IOException {
        Bootstrap bootstrap = new Bootstrap()
                .group(group)
                .channelFactory(transport.socketChannelFactory(address.getAddress()))
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, timeoutMs)
                .handler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ch.pipeline()
                                .addLast(tls.newHandler(ch.alloc(), "localhost", address.getPort()))
                                .addLast(Http2FrameCodecBuilder.forClient().build())
                                .addLast(new Http2MultiplexHandler(new ChannelInboundHandlerAdapter()));
                    }
                });
        Channel channel = await(bootstrap.connect(address), timeoutMs).channel();
        try {
            await(channel.pipeline().get(SslHandler.class).handshakeFuture(), timeoutMs);
            if (!ApplicationProtocolNames.HTTP_2.equals(
                    channel.pipeline().get(SslHandler.class).applicationProtocol())) {
                throw new IOException("the frontend did not choose h2");
            }
            return new Http2Client(channel);
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
    }

    /** Sends the request on a new stream. */
    @Override
    public int exchange(String path, byte[] body, int timeoutMs) throws IOException {
        CompletableFuture<Integer> done = new CompletableFuture<>();
        Http2StreamChannel stream = await(
                        new Http2StreamChannelBootstrap(channel)
                                .handler(new Response(done))
                                .open(),
                        timeoutMs)
                .getNow();
        Http2Headers headers = new DefaultHttp2Headers()
                .method(body == null ? "GET" : "POST")
                .scheme("https")
                .authority("localhost")
                .path(path)
                .add("user-agent", "tandem-warmup");
        if (body == null) {
            stream.writeAndFlush(new DefaultHttp2HeadersFrame(headers, true));
        } else {
            headers.addInt("content-length", body.length);
            stream.write(new DefaultHttp2HeadersFrame(headers, false));
            stream.writeAndFlush(new DefaultHttp2DataFrame(Unpooled.wrappedBuffer(body), true));
        }
        try {
            return done.get(timeoutMs, TimeUnit.MILLISECONDS);
        } catch (ExecutionException | TimeoutException e) {
            stream.close();
            throw new IOException("no response on the stream", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            stream.close();
            throw new IOException("interrupted", e);
        }
    }

    private static <F extends Future<?>> F await(F future, int timeoutMs) throws IOException {
        if (!future.awaitUninterruptibly(timeoutMs)) {
            throw new IOException("timed out");
        }
        if (!future.isSuccess()) {
            throw new IOException(future.cause());
        }
        return future;
    }

    @Override
    public boolean isOpen() {
        return channel.isActive();
    }

    @Override
    public void close() {
        channel.close().awaitUninterruptibly(CLOSE_WAIT_MS);
    }

    /** One stream's response: its status, complete at the end of the stream. */
    private static final class Response extends ChannelInboundHandlerAdapter {
        private final CompletableFuture<Integer> done;
        private int status;

        Response(CompletableFuture<Integer> done) {
            this.done = done;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            try {
                if (msg instanceof Http2HeadersFrame headers
                        && headers.headers().status() != null) {
                    status = Integer.parseInt(headers.headers().status().toString());
                }
                if (msg instanceof Http2StreamFrame frame && endOfStream(frame)) {
                    done.complete(status);
                    ctx.close();
                }
            } finally {
                ReferenceCountUtil.release(msg);
            }
        }

        private static boolean endOfStream(Http2StreamFrame frame) {
            return frame instanceof Http2HeadersFrame h && h.isEndStream()
                    || frame instanceof Http2DataFrame d && d.isEndStream();
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            done.completeExceptionally(new IOException("the stream closed before its end"));
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            done.completeExceptionally(cause);
            ctx.close();
        }
    }
}
