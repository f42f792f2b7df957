package org.tandemlb.core.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http2.DefaultHttp2DataFrame;
import io.netty.handler.codec.http2.Http2DataFrame;
import io.netty.handler.codec.http2.Http2StreamFrame;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class Http2InboundTest {
    private final List<String> handled = new ArrayList<>();
    /** Stops reading after the frame with this text, as a server that takes no more would. */
    private String pauseAfter;

    private Http2Inbound inbound;

    Http2InboundTest() {
        inbound = new Http2Inbound(this::handle);
    }

    private void handle(Http2StreamFrame f) {
        Http2DataFrame d = (Http2DataFrame) f;
        String text = d.content().toString(StandardCharsets.US_ASCII);
        d.release();
        handled.add(text);
        if (text.equals(pauseAfter)) {
            inbound.reading(false);
        }
    }

    private static Http2DataFrame data(String text) {
        return new DefaultHttp2DataFrame(Unpooled.copiedBuffer(text, StandardCharsets.US_ASCII));
    }

    @Test
    void framesAreHandledAsTheyComeWhileTheStreamIsRead() {
        inbound.frame(data("a"));
        inbound.frame(data("b"));
        assertEquals(List.of("a", "b"), handled);
    }

    @Test
    void framesWaitInOrderWhileTheStreamIsNotReadAndComeWhenItIsAgain() {
        inbound.frame(data("a"));
        assertFalse(inbound.reading(false));
        inbound.frame(data("b"));
        inbound.frame(data("c"));
        assertEquals(List.of("a"), handled);
        assertTrue(inbound.reading(true), "the kept frames were handed over");
        assertEquals(List.of("a", "b", "c"), handled);
        inbound.frame(data("d"));
        assertEquals(List.of("a", "b", "c", "d"), handled);
    }

    @Test
    void aStreamThatStopsReadingAgainWhileFramesAreHandedOverKeepsTheRest() {
        inbound.reading(false);
        inbound.frame(data("a"));
        inbound.frame(data("b"));
        inbound.frame(data("c"));
        pauseAfter = "a";
        inbound.reading(true);
        assertEquals(List.of("a"), handled);
        inbound.frame(data("d")); // behind the kept ones, although nothing else is in the way now
        pauseAfter = null;
        inbound.reading(true);
        assertEquals(List.of("a", "b", "c", "d"), handled);
    }

    @Test
    void closingReleasesTheKeptFramesAndLaterOnes() {
        inbound.reading(false);
        Http2DataFrame kept = data("a");
        inbound.frame(kept);
        inbound.close();
        assertEquals(0, kept.refCnt());
        Http2DataFrame late = data("b");
        inbound.frame(late);
        assertEquals(0, late.refCnt());
        inbound.reading(true);
        assertEquals(List.of(), handled);
    }

    @Test
    void onlyTheFirstFrameOfAReadAsksForTheReadsEnd() {
        assertTrue(inbound.firstInThisRead());
        assertFalse(inbound.firstInThisRead());
        inbound.readComplete();
        assertTrue(inbound.firstInThisRead());
    }
}
