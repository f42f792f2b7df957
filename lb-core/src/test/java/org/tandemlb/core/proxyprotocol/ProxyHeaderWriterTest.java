package org.tandemlb.core.proxyprotocol;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.ssl.SslContextBuilder;
import java.io.DataInputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * The header goes out before anything else on a real connection: before what a connect listener
 * writes, and before a TLS handshake that starts when the channel becomes active (TLS to servers
 * behind a {@code send_proxy} backend).
 */
class ProxyHeaderWriterTest {

    @Test
    void theHeaderPrecedesATlsHandshakeAndAConnectListenersWrite() throws Exception {
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            var tls = SslContextBuilder.forClient().build();
            Bootstrap b = new Bootstrap()
                    .group(group)
                    .channel(NioSocketChannel.class)
                    .handler(ProxyHeaderWriter.before(
                            new ChannelInitializer<Channel>() {
                                @Override
                                protected void initChannel(Channel ch) {
                                    ch.pipeline()
                                            .addLast(tls.newHandler(ch.alloc()), new ChannelInboundHandlerAdapter() {
                                                @Override
                                                public void exceptionCaught(
                                                        ChannelHandlerContext ctx, Throwable cause) {
                                                    ctx.close(); // the test server never answers the handshake
                                                }
                                            });
                                }
                            },
                            ch -> Unpooled.copiedBuffer("PROXY UNKNOWN\r\n", StandardCharsets.US_ASCII)));
            Channel ch = b.connect(server.getLocalSocketAddress()).sync().channel();
            try (Socket accepted = server.accept()) {
                accepted.setSoTimeout(10_000);
                DataInputStream in = new DataInputStream(accepted.getInputStream());
                byte[] header = new byte["PROXY UNKNOWN\r\n".length()];
                in.readFully(header);
                assertArrayEquals("PROXY UNKNOWN\r\n".getBytes(StandardCharsets.US_ASCII), header);
                assertEquals(0x16, in.readUnsignedByte(), "then a TLS handshake record (the ClientHello)");
            }
            assertNull(ch.pipeline().get(ProxyHeaderWriter.class), "the writer left the pipeline");
            ch.close().sync();
        } finally {
            group.shutdownGracefully().sync();
        }
    }

    @Test
    void theHeaderPrecedesWhatAConnectListenerWrites() throws Exception {
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            Bootstrap b = new Bootstrap()
                    .group(group)
                    .channel(NioSocketChannel.class)
                    .handler(ProxyHeaderWriter.before(
                            new ChannelInboundHandlerAdapter(),
                            ch -> Unpooled.copiedBuffer("HEADER|", StandardCharsets.US_ASCII)));
            b.connect(server.getLocalSocketAddress())
                    .addListener(f -> ((ChannelFuture) f)
                            .channel()
                            .writeAndFlush(Unpooled.copiedBuffer("REQUEST", StandardCharsets.US_ASCII))
                            .channel()
                            .close());
            try (Socket accepted = server.accept()) {
                accepted.setSoTimeout(10_000);
                byte[] all = accepted.getInputStream().readAllBytes();
                assertEquals("HEADER|REQUEST", new String(Arrays.copyOf(all, all.length), StandardCharsets.US_ASCII));
            }
        } finally {
            group.shutdownGracefully().sync();
        }
    }
}
