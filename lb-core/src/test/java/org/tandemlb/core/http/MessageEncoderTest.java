package org.tandemlb.core.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.AbstractByteBufAllocator;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Tandem's HTTP/1.1 encoder: the bytes it writes, how it frames bodies, and when it passes them on. */
class MessageEncoderTest {
    private final MessageEncoder encoder = new MessageEncoder();
    /** What the encoder passes on, as it passes it (an embedded channel shows writes only once flushed). */
    private final List<ByteBuf> passed = new ArrayList<>();

    private final EmbeddedChannel ch = new EmbeddedChannel(
            new ChannelOutboundHandlerAdapter() {
                @Override
                public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
                    passed.add(((ByteBuf) msg).retain());
                    ctx.write(msg, promise);
                }
            },
            encoder);

    /** Writes as the proxy does: void promises. */
    private void write(Object... msgs) {
        for (Object m : msgs) {
            ch.writeOneOutbound(m, ch.voidPromise());
        }
    }

    /** The buffers passed on so far, as text, one entry per buffer. */
    private List<String> out() {
        List<String> bufs = new ArrayList<>();
        for (ByteBuf b : passed) {
            bufs.add(b.toString(StandardCharsets.ISO_8859_1));
            b.release();
        }
        passed.clear();
        return bufs;
    }

    private static HttpResponse response(int code) {
        HttpResponse r = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.valueOf(code));
        r.headers().add("Server", "nginx").add("Content-Length", "3");
        return r;
    }

    private static DefaultHttpContent content(String s) {
        return new DefaultHttpContent(Unpooled.copiedBuffer(s, StandardCharsets.ISO_8859_1));
    }

    @Test
    void aSmallResponseLeavesAsOneBufferAtItsEnd() {
        write(response(200));
        assertEquals(List.of(), out(), "the head is kept back for its body");
        write(content("ok\n"));
        assertEquals(List.of(), out());
        write(LastHttpContent.EMPTY_LAST_CONTENT);
        assertEquals(List.of("HTTP/1.1 200 OK\r\nServer: nginx\r\nContent-Length: 3\r\n\r\nok\n"), out());
    }

    @Test
    void aFlushPassesOnWhatIsKeptBack() {
        write(response(200));
        ch.flushOutbound();
        assertEquals(List.of("HTTP/1.1 200 OK\r\nServer: nginx\r\nContent-Length: 3\r\n\r\n"), out());
        write(content("ok\n"), LastHttpContent.EMPTY_LAST_CONTENT);
        assertEquals(List.of("ok\n"), out());
    }

    @Test
    void largeContentFollowsItsHeadInOrder() {
        String big = "x".repeat(MessageEncoder.MERGE_LIMIT + 1);
        HttpResponse r = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
        r.headers().add("Content-Length", String.valueOf(big.length() + 1));
        write(r, content(big), content("y"), LastHttpContent.EMPTY_LAST_CONTENT);
        assertEquals(List.of("HTTP/1.1 200 OK\r\nContent-Length: 8194\r\n\r\n", big, "y"), out());
    }

    @Test
    void chunkedBodiesAreFramedWithTheirTrailers() {
        HttpResponse r = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
        r.headers().add("Transfer-Encoding", "chunked");
        LastHttpContent end = new DefaultLastHttpContent();
        end.trailingHeaders().add("X-Sum", "42");
        write(r, content("hello"), content(""), content("x".repeat(20)), end);
        assertEquals(
                List.of("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n14\r\n" + "x".repeat(20)
                        + "\r\n0\r\nX-Sum: 42\r\n\r\n"),
                out());
    }

    @Test
    void aChunkedBodyAfterAFlushEndsWithTheLastChunk() {
        HttpResponse r = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
        r.headers().add("Transfer-Encoding", "chunked");
        write(r);
        ch.flushOutbound();
        write(content("abc"));
        write(LastHttpContent.EMPTY_LAST_CONTENT);
        assertEquals(
                List.of("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", "3\r\n", "abc", "\r\n", "0\r\n\r\n"),
                out());
    }

    @Test
    void theAnswerToHeadHasNoBodyEvenWhenChunked() {
        encoder.nextResponseAnswersHead(true);
        HttpResponse r = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
        r.headers().add("Transfer-Encoding", "chunked");
        write(r, LastHttpContent.EMPTY_LAST_CONTENT);
        assertEquals(List.of("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"), out());
        // The next response answers another request: it has its body again.
        write(response(200), content("ok\n"), LastHttpContent.EMPTY_LAST_CONTENT);
        assertEquals(List.of("HTTP/1.1 200 OK\r\nServer: nginx\r\nContent-Length: 3\r\n\r\nok\n"), out());
    }

    @Test
    void bodilessStatusesAreSanitisedAsNettys() {
        write(response(204), LastHttpContent.EMPTY_LAST_CONTENT);
        assertEquals(List.of("HTTP/1.1 204 No Content\r\nServer: nginx\r\n\r\n"), out());
        write(response(304), LastHttpContent.EMPTY_LAST_CONTENT);
        assertEquals(List.of("HTTP/1.1 304 Not Modified\r\nServer: nginx\r\nContent-Length: 3\r\n\r\n"), out());
        HttpResponse early = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.valueOf(103));
        early.headers().add("Link", "</a.css>; rel=preload");
        write(early, response(200), content("ok\n"), LastHttpContent.EMPTY_LAST_CONTENT);
        assertEquals(
                List.of(
                        "HTTP/1.1 103 Early Hints\r\nLink: </a.css>; rel=preload\r\n\r\n",
                        "HTTP/1.1 200 OK\r\nServer: nginx\r\nContent-Length: 3\r\n\r\nok\n"),
                out());
    }

    @Test
    void requestsKeepTheirBytesAndGetARootPath() {
        HttpRequest req = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/caf\u00e9?q=\u00ff");
        req.headers().add("Host", "example.com").add("X-Obs", "a\u00e9b");
        write(req, LastHttpContent.EMPTY_LAST_CONTENT);
        byte[] expected = "GET /caf\u00e9?q=\u00ff HTTP/1.1\r\nHost: example.com\r\nX-Obs: a\u00e9b\r\n\r\n"
                .getBytes(StandardCharsets.ISO_8859_1);
        ByteBuf b = passed.remove(0);
        assertEquals(Unpooled.wrappedBuffer(expected), b, "bytes pass through as the decoder read them (ISO-8859-1)");
        b.release();
        write(
                new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.OPTIONS, "http://example.com"),
                LastHttpContent.EMPTY_LAST_CONTENT);
        write(
                new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "http://example.com?a=1"),
                LastHttpContent.EMPTY_LAST_CONTENT);
        write(new DefaultHttpRequest(HttpVersion.HTTP_1_0, HttpMethod.GET, ""), LastHttpContent.EMPTY_LAST_CONTENT);
        assertEquals(
                List.of(
                        "OPTIONS http://example.com/ HTTP/1.1\r\n\r\n",
                        "GET http://example.com?a=1 HTTP/1.1\r\n\r\n",
                        "GET / HTTP/1.0\r\n\r\n"),
                out());
    }

    @Test
    void otherBuffersGoOutAfterWhatIsKeptBack() {
        write(response(101));
        write(Unpooled.copiedBuffer("tunnel", StandardCharsets.US_ASCII));
        assertEquals(List.of("HTTP/1.1 101 Switching Protocols\r\nServer: nginx\r\n\r\n", "tunnel"), out());
    }

    @Test
    void promisesAreKeptAndNothingIsMergedUnderOne() {
        ChannelFuture head = ch.writeOneOutbound(response(200));
        ChannelFuture body = ch.writeOneOutbound(content("ok\n"));
        ChannelFuture end = ch.writeOneOutbound(LastHttpContent.EMPTY_LAST_CONTENT);
        ch.flushOutbound();
        assertTrue(head.isSuccess() && body.isSuccess() && end.isSuccess());
        assertEquals(List.of("HTTP/1.1 200 OK\r\nServer: nginx\r\nContent-Length: 3\r\n\r\n", "ok\n", ""), out());
    }

    @Test
    void closingReleasesWhatIsKeptBack() {
        List<ByteBuf> allocated = new ArrayList<>();
        ch.config().setAllocator(new AbstractByteBufAllocator(false) {
            @Override
            protected ByteBuf newDirectBuffer(int initialCapacity, int maxCapacity) {
                ByteBuf b = Unpooled.directBuffer(initialCapacity, maxCapacity);
                allocated.add(b);
                return b;
            }

            @Override
            protected ByteBuf newHeapBuffer(int initialCapacity, int maxCapacity) {
                return Unpooled.buffer(initialCapacity, maxCapacity);
            }

            @Override
            public boolean isDirectBufferPooled() {
                return false;
            }
        });
        write(response(200));
        assertEquals(1, allocated.size());
        assertEquals(1, allocated.get(0).refCnt(), "the head is kept back");
        ch.close();
        assertEquals(List.of(), out());
        assertEquals(0, allocated.get(0).refCnt(), "released at close");
    }
}
