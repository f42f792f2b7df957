package org.tandemlb.core.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A chunked request's trailer section is checked for obs-fold on its bytes before Netty, which
 * would unfold it, reads it: in one piece, and a byte at a time.
 */
class TrailerScanTest {
    private static final String HEAD = "POST / HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n";

    /** What the decoder makes of {@code raw}, fed a byte at a time or in one piece. */
    private static List<HttpObject> decode(String raw, boolean byteByByte) {
        EmbeddedChannel ch = new EmbeddedChannel(new RequestDecoder(HttpLimits.REQUEST_DECODING));
        byte[] bytes = raw.getBytes(StandardCharsets.ISO_8859_1);
        if (byteByByte) {
            for (byte b : bytes) {
                ch.writeInbound(Unpooled.wrappedBuffer(new byte[] {b}));
            }
        } else {
            ch.writeInbound(Unpooled.wrappedBuffer(bytes));
        }
        List<HttpObject> out = new ArrayList<>();
        Object m;
        while ((m = ch.readInbound()) != null) {
            out.add((HttpObject) m);
        }
        ch.finishAndReleaseAll();
        return out;
    }

    private static void release(List<HttpObject> out) {
        out.forEach(ReferenceCountUtil::release);
    }

    @Test
    void aFoldedTrailerInOnePieceIsAnInvalidRequest() {
        List<HttpObject> out = decode(HEAD + "3\r\nabc\r\n0\r\nX-T: a\r\n b\r\n\r\n", false);
        assertEquals(1, out.size(), out.toString());
        assertTrue(out.get(0).decoderResult().isFailure(), "the head never goes on");
        release(out);
    }

    @Test
    void aFoldedTrailerArrivingAfterTheHeadCutsTheBody() {
        List<HttpObject> out = decode(HEAD + "3\r\nabc\r\n0\r\nX-T: a\r\n\tb\r\n\r\n", true);
        assertTrue(out.get(0) instanceof HttpRequest r && r.decoderResult().isSuccess());
        HttpObject last = out.get(out.size() - 1);
        assertTrue(last instanceof LastHttpContent && last.decoderResult().isFailure(), out.toString());
        release(out);
    }

    @Test
    void wellFormedTrailersPassAndTheNextRequestIsReadAfterThem() {
        String body = "3\r\na b\r\n10\r\n" + " ".repeat(16) + "\r\n0\r\nX-T: a\r\nX-U: b c\r\n\r\n";
        for (boolean byteByByte : new boolean[] {false, true}) {
            List<HttpObject> out = decode(HEAD + body + "GET /next HTTP/1.1\r\nHost: t\r\n\r\n", byteByByte);
            long requests = out.stream().filter(HttpRequest.class::isInstance).count();
            assertEquals(2, requests, out.toString());
            assertFalse(out.stream().anyMatch(o -> o.decoderResult().isFailure()), out.toString());
            LastHttpContent end = (LastHttpContent) out.stream()
                    .filter(o -> o instanceof LastHttpContent l
                            && !l.trailingHeaders().isEmpty())
                    .findFirst()
                    .orElseThrow();
            assertEquals("b c", end.trailingHeaders().get("X-U"));
            long bodyBytes = out.stream()
                    .filter(HttpContent.class::isInstance)
                    .mapToLong(o -> ((HttpContent) o).content().readableBytes())
                    .sum();
            assertEquals(19, bodyBytes);
            release(out);
        }
    }
    /** The fuzzer's finding: a chunk size of sixteen hexadecimal digits made the scan go backwards. */
    @Test
    void aChunkSizeBeyondAnIntIsLeftToNettyWhichRefusesIt() {
        for (String size : new String[] {"FFFFFFFFFFFFBFFc", "80000000", "0000000000000000FFFFFFFFF"}) {
            for (boolean byteByByte : new boolean[] {false, true}) {
                List<HttpObject> out = decode(HEAD + size + "\r\n0\r\n\r\n", byteByByte);
                assertTrue(
                        out.stream().anyMatch(o -> o.decoderResult().isFailure()),
                        size + " (byte by byte " + byteByByte + "): " + out);
                release(out);
            }
        }
    }
}
