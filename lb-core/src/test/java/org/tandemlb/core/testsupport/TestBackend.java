package org.tandemlb.core.testsupport;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandler;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * An in-process HTTP server for tests, on 127.0.0.1 and a port the system picks. It answers:
 * <ul>
 * <li>any path: 200 with its name and a newline, header {@code X-Backend: name};</li>
 * <li>{@code /slow?ms=N}: the same after N milliseconds (scheduled, nothing blocks);</li>
 * <li>{@code POST /upload}: counts the streamed body without keeping it, answers the count;</li>
 * <li>{@code /upload-sha256} (any method): the same, answering the count, a space and the
 * body's SHA-256 in hex;</li>
 * <li>{@code /download?bytes=N}: N bytes, chunked, written as the connection drains: the
 * {@link #pattern(long, byte[])} chunks, whose digest {@link #patternSha256(long)} gives;</li>
 * <li>{@code /status?code=N}: status N;</li>
 * <li>{@code /ws}: a WebSocket echo;</li>
 * <li>{@code /drop-once/...}: the first request for each such path is dropped: the connection is
 * closed without an answer (a server closing an idle keep-alive connection as the request came).</li>
 * </ul>
 * It records the headers of every request it received.
 */
public final class TestBackend implements AutoCloseable {
    private final String name;
    private final EventLoopGroup group;
    private final Channel listener;
    private final AtomicInteger requests = new AtomicInteger();
    private final AtomicInteger open = new AtomicInteger();
    private final AtomicLong connections = new AtomicLong();
    private final ConcurrentLinkedQueue<HttpHeaders> received = new ConcurrentLinkedQueue<>();
    private final java.util.Set<String> dropped = ConcurrentHashMap.newKeySet();
    private final ChannelGroup children = new DefaultChannelGroup(GlobalEventExecutor.INSTANCE);

    private TestBackend(String name) {
        this.name = name;
        this.group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        ServerBootstrap b = new ServerBootstrap()
                .group(group)
                .channel(NioServerSocketChannel.class)
                .childHandler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        connections.incrementAndGet();
                        children.add(ch);
                        open.incrementAndGet();
                        ch.closeFuture().addListener(f -> open.decrementAndGet());
                        ch.pipeline().addLast(new HttpServerCodec());
                        ch.pipeline().addLast(new WebSocketServerProtocolHandler("/ws"));
                        ch.pipeline().addLast(new Handler());
                    }
                });
        this.listener = b.bind(new InetSocketAddress("127.0.0.1", 0))
                .syncUninterruptibly()
                .channel();
    }

    /** The size of a download's chunks. */
    public static final int CHUNK = 64 * 1024;

    /**
     * Fills {@code chunk} with the {@code index}th chunk of a download: the same bytes for every
     * chunk but the first eight, which are its index, so that chunks out of order change the digest.
     */
    public static void pattern(long index, byte[] chunk) {
        for (int i = 8; i < chunk.length; i++) {
            chunk[i] = (byte) (i * 31 + (i >>> 8));
        }
        for (int i = 0; i < 8; i++) {
            chunk[i] = (byte) (index >>> (56 - 8 * i));
        }
    }

    /** The SHA-256, in hex, of a download of {@code bytes}. */
    public static String patternSha256(long bytes) {
        java.security.MessageDigest d = sha256();
        byte[] chunk = new byte[CHUNK];
        for (long at = 0; at < bytes; at += CHUNK) {
            pattern(at / CHUNK, chunk);
            d.update(chunk, 0, (int) Math.min(CHUNK, bytes - at));
        }
        return java.util.HexFormat.of().formatHex(d.digest());
    }

    private static java.security.MessageDigest sha256() {
        try {
            return java.security.MessageDigest.getInstance("SHA-256");
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Starts a backend called {@code name}. */
    public static TestBackend start(String name) {
        return new TestBackend(name);
    }

    /** Its name (the body of its answers). */
    public String name() {
        return name;
    }

    /** Its {@code host:port}. */
    public String hostPort() {
        return "127.0.0.1:" + port();
    }

    /** Its port. */
    public int port() {
        return ((InetSocketAddress) listener.localAddress()).getPort();
    }

    /** Requests received. */
    public int requests() {
        return requests.get();
    }

    /** TCP connections accepted. */
    public long connections() {
        return connections.get();
    }

    /** Connections open now. */
    public int openConnections() {
        return open.get();
    }

    /** The headers of the requests received, oldest first. */
    public java.util.List<HttpHeaders> receivedHeaders() {
        return java.util.List.copyOf(received);
    }

    /** Stops listening and closes every connection, as the kernel does for a killed process. */
    @Override
    public void close() {
        if (group.isShuttingDown()) {
            return;
        }
        listener.close().syncUninterruptibly();
        children.close().syncUninterruptibly();
        group.shutdownGracefully(0, 0, TimeUnit.SECONDS).syncUninterruptibly();
    }

    private final class Handler extends ChannelInboundHandlerAdapter {
        private HttpRequest request;
        private long uploaded;
        private java.security.MessageDigest digest;

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof TextWebSocketFrame frame) {
                ctx.writeAndFlush(new TextWebSocketFrame("echo:" + frame.text()));
                frame.release();
                return;
            }
            if (msg instanceof HttpRequest req) {
                request = req;
                uploaded = 0;
                digest = new QueryStringDecoder(req.uri()).path().equals("/upload-sha256") ? sha256() : null;
                requests.incrementAndGet();
                received.add(req.headers().copy());
            }
            if (msg instanceof HttpContent c) {
                uploaded += c.content().readableBytes();
                if (digest != null) {
                    digest.update(c.content().nioBuffer());
                }
                boolean last = c instanceof LastHttpContent;
                c.release();
                if (last) {
                    respond(ctx, request, uploaded);
                }
            } else if (!(msg instanceof HttpRequest)) {
                ReferenceCountUtil.release(msg);
            }
        }

        private void respond(ChannelHandlerContext ctx, HttpRequest req, long bodyBytes) {
            QueryStringDecoder q = new QueryStringDecoder(req.uri());
            boolean keepAlive = HttpUtil.isKeepAlive(req);
            if (q.path().startsWith("/drop-once/") && dropped.add(q.path())) {
                ctx.close();
                return;
            }
            switch (q.path()) {
                case "/slow" -> {
                    long ms = Long.parseLong(q.parameters().get("ms").get(0));
                    ctx.executor()
                            .schedule(
                                    () -> text(ctx, keepAlive, HttpResponseStatus.OK, name + "\n"),
                                    ms,
                                    TimeUnit.MILLISECONDS);
                }
                case "/upload" -> text(ctx, keepAlive, HttpResponseStatus.OK, Long.toString(bodyBytes));
                case "/upload-sha256" ->
                    text(
                            ctx,
                            keepAlive,
                            HttpResponseStatus.OK,
                            bodyBytes + " " + java.util.HexFormat.of().formatHex(digest.digest()));
                case "/status" ->
                    text(
                            ctx,
                            keepAlive,
                            HttpResponseStatus.valueOf(
                                    Integer.parseInt(q.parameters().get("code").get(0))),
                            name + "\n");
                case "/download" ->
                    download(ctx, Long.parseLong(q.parameters().get("bytes").get(0)));
                default -> text(ctx, keepAlive, HttpResponseStatus.OK, name + "\n");
            }
        }

        private void text(ChannelHandlerContext ctx, boolean keepAlive, HttpResponseStatus status, String body) {
            if (!ctx.channel().isActive()) {
                return;
            }
            ByteBuf buf = Unpooled.copiedBuffer(body, StandardCharsets.UTF_8);
            FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, buf);
            r.headers().set(HttpHeaderNames.CONTENT_LENGTH, buf.readableBytes()).set("X-Backend", name);
            if (!keepAlive) {
                r.headers().set(HttpHeaderNames.CONNECTION, "close");
                ctx.writeAndFlush(r).addListener(ChannelFutureListener.CLOSE);
            } else {
                ctx.writeAndFlush(r);
            }
        }

        private long remaining;

        private void download(ChannelHandlerContext ctx, long bytes) {
            HttpResponse r = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
            HttpUtil.setTransferEncodingChunked(r, true);
            r.headers().set("X-Backend", name);
            ctx.write(r);
            remaining = bytes;
            writeMore(ctx);
        }

        private long written;

        private void writeMore(ChannelHandlerContext ctx) {
            byte[] chunk = new byte[CHUNK];
            while (remaining > 0 && ctx.channel().isWritable()) {
                int n = (int) Math.min(chunk.length, remaining);
                pattern(written / CHUNK, chunk);
                remaining -= n;
                written += n;
                ctx.write(new DefaultHttpContent(Unpooled.wrappedBuffer(chunk.clone(), 0, n)));
            }
            if (remaining == 0) {
                remaining = -1;
                written = 0;
                ctx.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT);
            } else {
                ctx.flush();
            }
        }

        @Override
        public void channelWritabilityChanged(ChannelHandlerContext ctx) {
            if (ctx.channel().isWritable() && remaining > 0) {
                writeMore(ctx);
            }
            ctx.fireChannelWritabilityChanged();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }
}
