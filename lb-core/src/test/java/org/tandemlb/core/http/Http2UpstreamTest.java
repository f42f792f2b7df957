package org.tandemlb.core.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http2.DefaultHttp2DataFrame;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersFrame;
import io.netty.handler.codec.http2.DefaultHttp2ResetFrame;
import io.netty.handler.codec.http2.Http2DataFrame;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.util.ReferenceCountUtil;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.tandemlb.core.LoadBalancer;
import org.tandemlb.core.config.Mode;
import org.tandemlb.core.config.ServerConfig;
import org.tandemlb.core.config.ServerProtocol;
import org.tandemlb.core.testsupport.Proxies;
import org.tandemlb.core.testsupport.RawHttp;

/**
 * HTTP/1.1 clients of a {@code protocol: h2} backend, against a small h2c server written with
 * Netty's codec that can misbehave on purpose: requests translated both ways, what the server
 * received (no connection-specific header, {@code te: trailers}), a reset stream and header or
 * trailer values an HTTP/1.1 client must never see (a CR LF would split its response) answered
 * 502 or cut short.
 */
class Http2UpstreamTest {
    private EventLoopGroup group;
    private Channel listener;
    private LoadBalancer lb;
    /** The header blocks the server received, in order. */
    private final Queue<Http2Headers> received = new ConcurrentLinkedQueue<>();

    @BeforeEach
    void start() throws Exception {
        group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        listener = new ServerBootstrap()
                .group(group)
                .channel(NioServerSocketChannel.class)
                .childHandler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ch.pipeline()
                                .addLast(
                                        Http2FrameCodecBuilder.forServer().build(),
                                        new Http2MultiplexHandler(new ChannelInitializer<Channel>() {
                                            @Override
                                            protected void initChannel(Channel stream) {
                                                stream.pipeline().addLast(new Answer());
                                            }
                                        }));
                    }
                })
                .bind(new InetSocketAddress("127.0.0.1", 0))
                .sync()
                .channel();
        int port = ((InetSocketAddress) listener.localAddress()).getPort();
        lb = Proxies.start(
                Mode.HTTP,
                b -> b.protocol(ServerProtocol.H2)
                        .retries(0)
                        .server(ServerConfig.builder("h2", "127.0.0.1:" + port).build()),
                f -> f,
                1);
    }

    @AfterEach
    void stop() throws Exception {
        lb.close();
        listener.close().sync();
        group.shutdownGracefully(0, 0, java.util.concurrent.TimeUnit.SECONDS).sync();
    }

    /** Answers each stream by its path once the request ended. */
    private final class Answer extends ChannelInboundHandlerAdapter {
        private String path;
        private final ByteArrayOutputStream body = new ByteArrayOutputStream();

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            try {
                boolean end = false;
                if (msg instanceof Http2HeadersFrame h) {
                    received.add(h.headers());
                    path = h.headers().path().toString();
                    end = h.isEndStream();
                } else if (msg instanceof Http2DataFrame d) {
                    ByteBuf c = d.content();
                    byte[] bytes = new byte[c.readableBytes()];
                    c.readBytes(bytes);
                    body.writeBytes(bytes);
                    end = d.isEndStream();
                }
                if (end) {
                    answer(ctx);
                }
            } finally {
                ReferenceCountUtil.release(msg);
            }
        }

        private void answer(ChannelHandlerContext ctx) {
            // Header blocks that do not check values: HPACK carries any byte.
            Http2Headers head = new DefaultHttp2Headers(true, false, 4).status("200");
            switch (path) {
                case "/reset" -> {
                    ctx.writeAndFlush(new DefaultHttp2ResetFrame(Http2Error.INTERNAL_ERROR));
                    return;
                }
                case "/bad-header" -> head.add("x-bad", "a\r\nx-injected: yes");
                default -> {}
            }
            ctx.write(new DefaultHttp2HeadersFrame(head, false));
            String text = "echo " + body.toString(StandardCharsets.UTF_8);
            ctx.write(new DefaultHttp2DataFrame(Unpooled.copiedBuffer(text, StandardCharsets.UTF_8), false));
            Http2Headers trailers = new DefaultHttp2Headers(true, false, 4).add("x-sum", "42");
            if (path.equals("/bad-trailer")) {
                trailers.add("x-bad", "a\r\n\r\nHTTP/1.1 200 OK");
            }
            ctx.writeAndFlush(new DefaultHttp2HeadersFrame(trailers, true));
        }
    }

    /** Sends {@code request} on a new connection and reads until the connection closes. */
    private String exchange(String request) throws Exception {
        try (Socket s = new Socket()) {
            s.connect(lb.address("fe"), 5000);
            s.setSoTimeout(10_000);
            s.getOutputStream().write(request.getBytes(StandardCharsets.US_ASCII));
            InputStream in = s.getInputStream();
            return new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
        }
    }

    @Test
    void anHttp11RequestIsTranslatedBothWays() throws Exception {
        String r = exchange("POST /sum?x=1 HTTP/1.1\r\nHost: shop.example\r\nContent-Length: 5\r\n"
                + "Connection: close\r\nKeep-Alive: timeout=5\r\nTE: gzip\r\nX-Mine: 1\r\n\r\nhello");
        assertTrue(r.startsWith("HTTP/1.1 200 "), r);
        assertTrue(r.contains("echo hello"), r);
        assertTrue(r.toLowerCase().contains("\r\n0\r\nx-sum: 42\r\n\r\n"), "the trailer in the last chunk: " + r);
        Http2Headers h = received.poll();
        assertEquals("POST", h.method().toString());
        assertEquals("/sum?x=1", h.path().toString());
        assertEquals("shop.example", h.authority().toString());
        assertEquals("http", h.scheme().toString());
        assertEquals("trailers", h.get("te").toString(), "te: trailers, whatever the client's TE");
        assertEquals("1", h.get("x-mine").toString());
        assertEquals("127.0.0.1", h.get("x-forwarded-for").toString());
        for (String banned : List.of("connection", "keep-alive", "host", "transfer-encoding", "x-http2-stream-id")) {
            assertTrue(!h.contains(banned), banned + " is not sent on HTTP/2: " + h);
        }
    }

    @Test
    void aGetWithoutBodyAndAResetStream() throws Exception {
        String ok = exchange("GET /hello HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        assertTrue(ok.startsWith("HTTP/1.1 200 ") && ok.contains("echo "), ok);
        String reset = exchange("GET /reset HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        assertTrue(reset.startsWith("HTTP/1.1 502 "), "a reset stream is a broken server: " + reset);
    }

    @Test
    void aWebSocketUpgradeGoesAsAPlainRequest() throws Exception {
        try (RawHttp c = new RawHttp(lb.address("fe"))) {
            RawHttp.Response r = c.send("GET /ws HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n"
                            + "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n")
                    .read();
            assertEquals(200, r.status(), "the server's answer, no switch");
            assertEquals("echo ", r.body());
        }
        Http2Headers h = received.poll();
        assertTrue(!h.contains("upgrade") && !h.contains("connection"), h.toString());
    }

    @Test
    void aControlCharacterInAHeaderValueIs502AndInATrailerCutsTheResponse() throws Exception {
        String header = exchange("GET /bad-header HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        assertTrue(header.startsWith("HTTP/1.1 502 "), header);
        assertTrue(!header.toLowerCase().contains("x-injected"), header);
        String trailer = exchange("GET /bad-trailer HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        assertTrue(trailer.startsWith("HTTP/1.1 200 "), trailer);
        assertTrue(!trailer.contains("\r\n0\r\n"), "no last chunk: the response is cut short: " + trailer);
        assertTrue(!trailer.contains("x-bad"), trailer);
    }
}
