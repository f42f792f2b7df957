package org.tandemlb.core.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.util.ReferenceCountUtil;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.tandemlb.core.accesslog.AccessLogEntry;
import org.tandemlb.core.config.FrontendConfig;
import org.tandemlb.core.config.Mode;
import org.tandemlb.core.config.RouteConfig;
import org.tandemlb.core.proxy.HttpConnectionPool;
import org.tandemlb.core.proxy.ProxyContext;
import org.tandemlb.core.transport.Transport;

/**
 * An invalid request is answered once, by design: Netty hands an invalid head over as a full
 * request (head and content in one object), and only a request that got an exchange has its
 * content streamed, so the refusal cannot be made twice. The socket here is slow (no write
 * completes), as a real one can be: the close that follows a refusal then waits, and a second
 * refusal of the same request would be written.
 */
class RefusedOnceTest {
    @ParameterizedTest
    @ValueSource(
            strings = {
                "GET / HTTP/1.1\r\nHost : t\r\n\r\n", // refused on its bytes
                "GET / HTTP/1.1\r\nHost: t\r\nContent-Length: 1, 2\r\n\r\nab", // refused by Netty's decoder
                "POST / HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: gzip\r\n\r\n" // refused by the policy
            })
    void anInvalidRequestIsAnsweredAndLoggedOnce(String raw) {
        List<HttpResponse> written = new ArrayList<>();
        List<AccessLogEntry> logged = new ArrayList<>();
        Http1Connection connection = new Http1Connection(
                new ProxyContext(Transport.NIO, name -> null, logged::add),
                FrontendConfig.builder("fe", Mode.HTTP)
                        .bind("127.0.0.1:0")
                        .defaultBackend("be")
                        .build(),
                new Router() {
                    @Override
                    public RouteConfig route(HttpRequest request, byte[] client) {
                        return null;
                    }

                    @Override
                    public String defaultBackend() {
                        return "be";
                    }
                },
                new HttpConnectionPool(),
                "http");
        EmbeddedChannel ch = new EmbeddedChannel();
        ch.pipeline().addLast("slow-socket", new ChannelOutboundHandlerAdapter() {
            @Override
            public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
                if (msg instanceof HttpResponse r) {
                    written.add(r);
                }
                ReferenceCountUtil.release(msg); // never completes the promise: the write is under way
            }
        });
        Http1Connection.initClientPipeline(ch.pipeline(), connection);
        ch.pipeline().remove("http-encoder"); // the slow socket sees the responses as objects
        ch.writeInbound(Unpooled.copiedBuffer(raw, StandardCharsets.ISO_8859_1));
        ch.runPendingTasks();
        assertEquals(1, written.size(), "one answer: " + written);
        assertEquals(1, logged.size(), "one access-log entry");
        assertTrue(written.get(0).status().code() >= 400);
        assertEquals("bad_request", logged.get(0).termination());
        ch.finishAndReleaseAll();
    }
}
