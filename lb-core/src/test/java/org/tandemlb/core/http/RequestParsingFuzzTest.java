package org.tandemlb.core.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.netty.buffer.ByteBuf;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.tandemlb.core.testsupport.FuzzInput;

/**
 * Fuzzes the reading of requests from clients: Tandem's request decoder ({@link RequestDecoder},
 * its head check before Netty's parsing, with {@link HttpLimits#REQUEST_DECODING}), with the checks
 * of {@link RequestPolicy}, over the head and the chunked or fixed-length body, the input in
 * pieces (CONTRIBUTING.md, "Fuzzing"). Invariants: nothing throws; every request is either
 * refused (a failed {@code DecoderResult} or a status from {@link RequestPolicy}: the client gets
 * it and the connection closes, nothing more is read) or well-framed, as it would be forwarded
 * (method a token, a target without whitespace or CR/LF/NUL, headers that cannot split the
 * forwarded head, exactly one framing: a single {@code chunked}, one numeric
 * {@code Content-Length} whose body is exactly that long, or no body); and no buffer leaks.
 */
class RequestParsingFuzzTest {

    @FuzzTest(maxDuration = "20s")
    void requestsAreRefusedOrWellFramed(FuzzedDataProvider data) {
        List<ByteBuf> pieces = FuzzInput.pieces(data);
        EmbeddedChannel ch = new EmbeddedChannel(new RequestDecoder(HttpLimits.REQUEST_DECODING));
        Framing framing = new Framing();
        for (ByteBuf piece : pieces) {
            ch.writeInbound(piece); // rethrows whatever the decoder threw
            framing.check(ch);
        }
        ch.finish();
        framing.check(ch);
        FuzzInput.assertReleased(pieces);
    }

    /** Follows the requests of one client connection as {@code Http1Connection} does. */
    private static final class Framing {
        private boolean refused;
        /** The length the current body must have (-1: chunked), or null outside a body. */
        private Long expected;

        private long received;

        void check(EmbeddedChannel ch) {
            Object m;
            while ((m = ch.readInbound()) != null) {
                try {
                    if (!refused) {
                        follow(m);
                    }
                } finally {
                    ReferenceCountUtil.release(m);
                }
            }
        }

        private void follow(Object m) {
            if (m instanceof HttpRequest req) {
                assertNull(expected, "a request head inside a body");
                if (RequestPolicy.validate(req) != null) {
                    refused = true; // answered with that status, and the connection closed
                    return;
                }
                head(req);
            }
            if (m instanceof HttpContent c) {
                if (c.decoderResult().isFailure()) {
                    refused = true; // a bad chunk: 400 and closed; the server sees a truncated request
                    return;
                }
                assertTrue(expected != null, "content outside a body");
                received += c.content().readableBytes();
                if (expected >= 0) {
                    assertTrue(received <= expected, "more bytes than Content-Length");
                }
                if (c instanceof LastHttpContent) {
                    if (expected >= 0) {
                        assertEquals(expected, received, "a body forwarded as complete must have its length");
                    }
                    expected = null;
                }
            }
        }

        private void head(HttpRequest req) {
            String method = req.method().name();
            FuzzInput.assertForwardable(method, "");
            String uri = req.uri();
            assertFalse(uri.isEmpty(), "an empty request target");
            for (int i = 0; i < uri.length(); i++) {
                char c = uri.charAt(i);
                assertTrue(c > ' ' && c != 0x7f, "whitespace or a control character in the target: " + uri);
            }
            for (Map.Entry<String, String> h : req.headers()) {
                FuzzInput.assertForwardable(h.getKey(), h.getValue());
            }
            List<String> te = req.headers().getAll(HttpHeaderNames.TRANSFER_ENCODING);
            List<String> lengths = req.headers().getAll(HttpHeaderNames.CONTENT_LENGTH);
            received = 0;
            if (!te.isEmpty()) {
                assertEquals(1, te.size(), "more than one Transfer-Encoding");
                assertEquals("chunked", te.get(0).trim().toLowerCase(Locale.ROOT));
                assertTrue(lengths.isEmpty(), "both Content-Length and Transfer-Encoding");
                expected = -1L;
            } else if (!lengths.isEmpty()) {
                assertEquals(1, lengths.size(), "more than one Content-Length");
                String value = lengths.get(0).trim();
                assertTrue(
                        value.chars().allMatch(c -> c >= '0' && c <= '9') && !value.isEmpty(),
                        "Content-Length " + value);
                expected = Long.parseLong(value);
            } else {
                expected = 0L;
            }
        }
    }
}
