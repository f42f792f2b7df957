package org.tandemlb.core.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The server-side response decoder: framing as RFC 9112 §6.3, strictness, and what it keeps of a head. */
class ResponseDecoderTest {

    /** What came out of the decoder: heads and the body bytes, in order; {@code |} marks a message's end. */
    private static final class Decoded {
        final List<HttpResponse> heads = new ArrayList<>();
        final StringBuilder body = new StringBuilder();
        final List<LastHttpContent> ends = new ArrayList<>();
        final List<ByteBuf> raw = new ArrayList<>();
        boolean failed;
    }

    private static Decoded decode(EmbeddedChannel ch, String... parts) {
        Decoded d = new Decoded();
        for (String p : parts) {
            ch.writeInbound(Unpooled.copiedBuffer(p, StandardCharsets.ISO_8859_1));
            drain(ch, d);
        }
        return d;
    }

    private static void drain(EmbeddedChannel ch, Decoded d) {
        Object m;
        while ((m = ch.readInbound()) != null) {
            if (m instanceof HttpObject o && o.decoderResult().isFailure()) {
                d.failed = true;
            }
            if (m instanceof HttpResponse r) {
                d.heads.add(r);
            }
            if (m instanceof HttpContent c) {
                d.body.append(c.content().toString(StandardCharsets.ISO_8859_1));
                if (c instanceof LastHttpContent last) {
                    d.ends.add(last);
                    d.body.append('|');
                }
            }
            if (m instanceof ByteBuf b) {
                d.raw.add(b.retain());
            }
            ReferenceCountUtil.release(m);
        }
    }

    @Test
    void contentLengthBodyArrivingByteByByteKeepsTheServersSpelling() {
        EmbeddedChannel ch = new EmbeddedChannel(new ResponseDecoder());
        String response = "HTTP/1.1 200 OK\r\nServer: nginx\r\nContent-Type: text/plain\r\nX-odd-Case: v\r\n"
                + "Content-Length: 3\r\n\r\nok\n";
        Decoded d = decode(ch, response.split(""));
        assertEquals(1, d.heads.size());
        HttpResponse r = d.heads.get(0);
        assertSame(HttpResponseStatus.OK, r.status());
        assertSame(HttpVersion.HTTP_1_1, r.protocolVersion());
        assertEquals("nginx", r.headers().get("server"));
        List<String> names = new ArrayList<>();
        r.headers().forEach(e -> names.add(e.getKey()));
        assertEquals(List.of("Server", "Content-Type", "X-odd-Case", "Content-Length"), names);
        assertEquals("ok\n|", d.body.toString());
        assertFalse(d.failed);
        assertFalse(ch.finish());
    }

    @Test
    void chunkedBodyIsDechunkedWithTrailers() {
        ResponseDecoder decoder = new ResponseDecoder();
        EmbeddedChannel ch = new EmbeddedChannel(decoder);
        Decoded d = decode(
                ch,
                "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3;ext=1\r\nabc\r\n",
                "2 ;a=\"b\"\r\nde\r",
                "\n0\r\nX-Trailer: t\r\n\r\n");
        assertFalse(d.failed);
        assertEquals("abcde|", d.body.toString());
        assertEquals("t", d.ends.get(0).trailingHeaders().get("x-trailer"));
        assertTrue(decoder.reusable());
        ch.finishAndReleaseAll();
    }

    @Test
    void aLengthBesideChunkedIsRefusedNotDropped() {
        EmbeddedChannel ch = new EmbeddedChannel(new ResponseDecoder());
        Decoded d = decode(
                ch, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n3\r\nabc\r\n0\r\n\r\n");
        assertTrue(d.failed);
        ch.finishAndReleaseAll();
    }

    @Test
    void bytesBeyondTheResponseAreDroppedAndTheConnectionIsNotReusable() {
        ResponseDecoder decoder = new ResponseDecoder();
        EmbeddedChannel ch = new EmbeddedChannel(decoder);
        Decoded d = decode(
                ch, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokHTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
        assertFalse(d.failed);
        assertEquals(1, d.heads.size(), "the smuggled response is not decoded");
        assertEquals("ok|", d.body.toString());
        assertFalse(decoder.reusable());
        ch.finishAndReleaseAll();
    }

    @Test
    void lfOnlyLineEndsAndAFoldedLineAreRefused() {
        for (String raw : new String[] {
            "HTTP/1.1 200 OK\nContent-Length: 1\n\nz",
            "HTTP/1.1 200 OK\r\nX-Folded: a\r\n  b\r\nContent-Length: 1\r\n\r\nz"
        }) {
            EmbeddedChannel ch = new EmbeddedChannel(new ResponseDecoder());
            assertTrue(decode(ch, raw).failed, raw);
            ch.finishAndReleaseAll();
        }
    }

    @Test
    void noBodyForHeadAnd204And304And1xxThenTheNextResponseDecodes() {
        ResponseDecoder decoder = new ResponseDecoder();
        EmbeddedChannel ch = new EmbeddedChannel(decoder);
        decoder.expectResponseToHead(true);
        Decoded d = decode(
                ch,
                "HTTP/1.1 100 Continue\r\n\r\n",
                "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n",
                "HTTP/1.1 204 No Content\r\n\r\n",
                "HTTP/1.1 304 Not Modified\r\nContent-Length: 7\r\n\r\n",
                "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi");
        assertFalse(d.failed);
        assertEquals(5, d.heads.size());
        assertEquals(
                List.of(100, 200, 204, 304, 200),
                d.heads.stream().map(h -> h.status().code()).toList());
        assertEquals("||||hi|", d.body.toString());
        ch.finishAndReleaseAll();
    }

    @Test
    void aBodyWithoutFramingRunsToTheConnectionsEnd() {
        EmbeddedChannel ch = new EmbeddedChannel(new ResponseDecoder());
        Decoded d = decode(ch, "HTTP/1.0 200 OK\r\n\r\nsome", " more");
        assertEquals("some more", d.body.toString());
        ch.finish();
        drain(ch, d);
        assertEquals("some more|", d.body.toString());
        assertSame(HttpVersion.HTTP_1_0, d.heads.get(0).protocolVersion());
    }

    @Test
    void afterA101ToWebSocketEveryByteIsPassedThrough() {
        EmbeddedChannel ch = new EmbeddedChannel(new ResponseDecoder());
        Decoded d = decode(
                ch,
                "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n\u0081\u0002hi",
                "HTTP/1.1 200 not http any more");
        assertEquals(101, d.heads.get(0).status().code());
        StringBuilder raw = new StringBuilder();
        d.raw.forEach(b -> {
            raw.append(b.toString(StandardCharsets.ISO_8859_1));
            b.release();
        });
        assertEquals("\u0081\u0002hiHTTP/1.1 200 not http any more", raw.toString());
        ch.finishAndReleaseAll();
    }

    @Test
    void anUnusualReasonPhraseIsKept() {
        EmbeddedChannel ch = new EmbeddedChannel(new ResponseDecoder());
        Decoded d = decode(ch, "HTTP/1.1 200 Fine Thanks\r\nContent-Length: 0\r\n\r\n");
        assertEquals("Fine Thanks", d.heads.get(0).status().reasonPhrase());
        assertEquals(200, d.heads.get(0).status().code());
        ch.finishAndReleaseAll();
    }

    @Test
    void aHeadTooLargeIsRefused() {
        EmbeddedChannel ch = new EmbeddedChannel(new ResponseDecoder());
        Decoded d = decode(ch, "HTTP/1.1 200 OK\r\nX-Big: " + "a".repeat(ResponseDecoder.MAX_HEAD) + "\r\n");
        assertTrue(d.failed);
        ch.finishAndReleaseAll();
    }

    static Stream<Arguments> badHeads() {
        return Stream.of(
                Arguments.of("not a status line", "FOO\r\n\r\n"),
                Arguments.of("a status code of two digits", "HTTP/1.1 20 OK\r\n\r\n"),
                Arguments.of("not HTTP", "SSH-2.0-OpenSSH_9.2\r\n\r\n"),
                Arguments.of("a header without a colon", "HTTP/1.1 200 OK\r\nNoColon\r\n\r\n"),
                Arguments.of("a bad header name", "HTTP/1.1 200 OK\r\nBad(Name): x\r\n\r\n"),
                Arguments.of("a control character in a value", "HTTP/1.1 200 OK\r\nX: a\u0001b\r\n\r\n"),
                Arguments.of("a bare CR in a value", "HTTP/1.1 200 OK\r\nX: a\rb\r\n\r\n"),
                Arguments.of(
                        "two Content-Lengths", "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\nx"),
                Arguments.of("a Content-Length list", "HTTP/1.1 200 OK\r\nContent-Length: 1, 1\r\n\r\nx"),
                Arguments.of("a negative Content-Length", "HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n"),
                Arguments.of(
                        "Transfer-Encoding in HTTP/1.0",
                        "HTTP/1.0 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"),
                Arguments.of("chunked not last", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, gzip\r\n\r\n"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badHeads")
    void aMalformedHeadIsRefused(String what, String response) {
        EmbeddedChannel ch = new EmbeddedChannel(new ResponseDecoder());
        Decoded d = decode(ch, response);
        assertTrue(d.failed, what);
        ch.finishAndReleaseAll();
    }

    @Test
    void aBadChunkSizeOrChunkEndFailsTheBody() {
        EmbeddedChannel ch = new EmbeddedChannel(new ResponseDecoder());
        Decoded d = decode(ch, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n");
        assertFalse(d.heads.isEmpty());
        assertTrue(d.failed);
        ch.finishAndReleaseAll();

        EmbeddedChannel ch2 = new EmbeddedChannel(new ResponseDecoder());
        Decoded d2 = decode(ch2, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabcXX\r\n0\r\n\r\n");
        assertTrue(d2.failed);
        ch2.finishAndReleaseAll();
    }

    @Test
    void anotherCodingLastIsRefused() {
        EmbeddedChannel ch = new EmbeddedChannel(new ResponseDecoder());
        Decoded d = decode(ch, "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\nbytes");
        assertTrue(d.failed);
        ch.finishAndReleaseAll();
    }
}
