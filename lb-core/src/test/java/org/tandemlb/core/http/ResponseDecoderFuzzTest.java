package org.tandemlb.core.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.netty.buffer.ByteBuf;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import java.util.List;
import java.util.Map;
import org.tandemlb.core.testsupport.FuzzInput;

/**
 * Fuzzes the server side's {@link ResponseDecoder} with whatever a server might send, in pieces
 * (CONTRIBUTING.md, "Fuzzing"). Invariants: the decoder throws nothing; every response is either
 * refused (a failed {@code DecoderResult}, which the proxy answers with 502 and a closed server
 * connection) or well-framed (no header that could split the head it is forwarded in, at most one
 * of {@code Content-Length} and chunked, a fixed-length body ends with exactly its length); and no
 * buffer is leaked: every input buffer is released once the outputs are and the channel closed.
 */
class ResponseDecoderFuzzTest {

    @FuzzTest(maxDuration = "20s")
    void responsesAreRefusedOrWellFramed(FuzzedDataProvider data) {
        boolean answersHead = data.consumeBoolean();
        List<ByteBuf> pieces = FuzzInput.pieces(data);

        ResponseDecoder decoder = new ResponseDecoder();
        decoder.expectResponseToHead(answersHead);
        EmbeddedChannel ch = new EmbeddedChannel(decoder);
        Framing framing = new Framing(answersHead);
        for (ByteBuf piece : pieces) {
            ch.writeInbound(piece); // rethrows whatever the decoder threw
            framing.check(ch);
        }
        ch.finish();
        framing.check(ch);
        FuzzInput.assertReleased(pieces);
    }

    /** Follows the decoded messages of one connection and checks each response's framing. */
    private static final class Framing {
        private boolean firstFinal = true;
        private final boolean answersHead;
        private boolean refused;
        private boolean switched;
        private boolean upgraded;
        /** The length the current body must have (-1: chunked or to the close), or null outside a body. */
        private Long expected;

        private long received;

        Framing(boolean answersHead) {
            this.answersHead = answersHead;
        }

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
            if (m instanceof HttpObject o && o.decoderResult().isFailure()) {
                refused = true; // the proxy answers 502 and closes the server connection: nothing more is read
                return;
            }
            if (m instanceof ByteBuf) {
                // Raw bytes: only once a 101 switched the connection to another protocol.
                assertTrue(switched && expected == null, "raw bytes outside an upgraded connection");
                upgraded = true;
                return;
            }
            assertFalse(upgraded, "HTTP after the switch to another protocol: " + m);
            if (m instanceof HttpResponse r) {
                assertEquals(null, expected, "a head inside a body");
                head(r);
            }
            if (m instanceof HttpContent c) {
                assertTrue(expected != null, "content outside a body");
                received += c.content().readableBytes();
                if (expected >= 0) {
                    assertTrue(received <= expected, "more bytes than Content-Length");
                }
                if (c instanceof LastHttpContent) {
                    if (expected >= 0) {
                        assertEquals(expected, received, "a body presented as complete must have its length");
                    }
                    expected = null;
                }
            }
        }

        private void head(HttpResponse r) {
            int code = r.status().code();
            assertTrue(code >= 100 && code <= 999, "status " + code);
            for (Map.Entry<String, String> h : r.headers()) {
                FuzzInput.assertForwardable(h.getKey(), h.getValue());
            }
            boolean chunked = HttpUtil.isTransferEncodingChunked(r);
            int lengths = r.headers().getAll(HttpHeaderNames.CONTENT_LENGTH).size();
            assertTrue(lengths <= 1, "more than one Content-Length");
            boolean interim = code < 200;
            boolean head = !interim && firstFinal && answersHead;
            if (!interim) {
                firstFinal = false;
            }
            received = 0;
            boolean bodiless = interim || head || code == 204 || code == 304;
            // Where a body follows, the head that frames it must say one thing (where none does,
            // RFC 9112 §6.3 has the client ignore both).
            assertFalse(!bodiless && chunked && lengths > 0, "both Content-Length and chunked");
            if (bodiless) {
                expected = 0L;
                switched = code == 101;
            } else if (!chunked && lengths == 1) {
                String value = r.headers().get(HttpHeaderNames.CONTENT_LENGTH);
                try {
                    expected = Long.parseLong(value);
                } catch (NumberFormatException e) {
                    fail("an unreadable Content-Length accepted: " + value);
                }
            } else {
                expected = -1L;
            }
        }
    }
}
