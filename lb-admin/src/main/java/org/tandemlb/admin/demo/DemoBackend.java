package org.tandemlb.admin.demo;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpServerExpectContinueHandler;
import io.netty.handler.codec.http.HttpServerKeepAliveHandler;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A tiny HTTP/1.1 server for {@code tandem demo}, standing in for a real web server. It answers
 * every request with 200 and {@code Hello from demo backend N (HOST:PORT)} in {@code text/plain},
 * except {@code /health}, which answers {@code ok} (for a health check to use). Keep-alive as
 * HTTP/1.1 wants it; a request body is read and ignored; HEAD gets the headers only.
 *
 * <p>It runs on the event loops it is given (NIO ones: the demo wants to run anywhere) and binds
 * a port the system chooses, so two of them never collide.
 */
public final class DemoBackend implements AutoCloseable {
    private final int number;
    private final Channel listener;
    private final ChannelGroup connections = new DefaultChannelGroup(GlobalEventExecutor.INSTANCE);
    private final AtomicLong requests = new AtomicLong();
    private final AtomicBoolean closed = new AtomicBoolean();

    private DemoBackend(int number, String host, EventLoopGroup group) {
        this.number = number;
        ServerBootstrap b = new ServerBootstrap()
                .group(group)
                .channel(NioServerSocketChannel.class)
                .childHandler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        connections.add(ch);
                        ch.pipeline().addLast(new HttpServerCodec());
                        ch.pipeline().addLast(new HttpServerExpectContinueHandler());
                        // Adds "Connection: keep-alive" for HTTP/1.0 clients that ask for it and
                        // closes after the response when the client did not ask to keep the connection.
                        ch.pipeline().addLast(new HttpServerKeepAliveHandler());
                        ch.pipeline().addLast(new Handler());
                    }
                });
        this.listener =
                b.bind(new InetSocketAddress(host, 0)).syncUninterruptibly().channel();
    }

    /**
     * Starts demo backend {@code number} on {@code host} and a port the system chooses.
     *
     * @param group the event loops to run on; must be NIO ones (the backend does not shut them down)
     */
    public static DemoBackend start(int number, String host, EventLoopGroup group) {
        return new DemoBackend(number, Objects.requireNonNull(host, "host"), Objects.requireNonNull(group, "group"));
    }

    /** Its number, 1 or 2 in the demo. */
    public int number() {
        return number;
    }

    /** The address it listens on. */
    public InetSocketAddress address() {
        return (InetSocketAddress) listener.localAddress();
    }

    /** Its address as {@code host:port}. */
    public String hostPort() {
        return address().getHostString() + ":" + address().getPort();
    }

    /** Requests answered so far. */
    public long requests() {
        return requests.get();
    }

    /** The body of its answers (other than {@code /health}). */
    public String greeting() {
        return "Hello from demo backend " + number + " (" + hostPort() + ")\n";
    }

    /** Stops listening and closes its connections; the event loops stay up. Idempotent. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        listener.close().syncUninterruptibly();
        connections.close().syncUninterruptibly();
    }

    private final class Handler extends ChannelInboundHandlerAdapter {
        private HttpRequest request;

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            try {
                if (msg instanceof HttpRequest r) {
                    if (r.decoderResult().isFailure()) {
                        respond(ctx, HttpResponseStatus.BAD_REQUEST, "bad request\n", false, true);
                        return;
                    }
                    request = r;
                }
                // A request without a body is one HttpRequest and an empty LastHttpContent (or a
                // FullHttpRequest, which is both): answer once the whole request is in.
                if (msg instanceof LastHttpContent && request != null) {
                    HttpRequest r = request;
                    request = null;
                    requests.incrementAndGet();
                    boolean health = "/health".equals(new QueryStringDecoder(r.uri()).path());
                    respond(
                            ctx,
                            HttpResponseStatus.OK,
                            health ? "ok" : greeting(),
                            HttpMethod.HEAD.equals(r.method()),
                            false);
                }
            } finally {
                ReferenceCountUtil.release(msg);
            }
        }

        private void respond(
                ChannelHandlerContext ctx, HttpResponseStatus status, String body, boolean head, boolean close) {
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            ByteBuf content = head ? Unpooled.EMPTY_BUFFER : Unpooled.wrappedBuffer(bytes);
            FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, content);
            response.headers()
                    .set(HttpHeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8")
                    .setInt(HttpHeaderNames.CONTENT_LENGTH, bytes.length);
            if (close) {
                response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
                ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
            } else {
                ctx.writeAndFlush(response);
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close(); // a reset client; nothing to tell anyone
        }
    }
}
