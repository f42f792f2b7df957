package org.tandemlb.core.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** Flushes deferred to the end of the event loop's batch: none before, each channel's once, none lost. */
class DeferredFlushTest {
    /** The event loop's task queue: tasks run when the test says the batch of events is over. */
    private final ArrayDeque<Runnable> tasks = new ArrayDeque<>();

    private final DeferredFlush deferred = new DeferredFlush(tasks::add);

    private void endOfBatch() {
        Runnable r;
        while ((r = tasks.poll()) != null) {
            r.run();
        }
    }

    private static EmbeddedChannel channel(AtomicInteger flushes) {
        return new EmbeddedChannel(new ChannelOutboundHandlerAdapter() {
            @Override
            public void flush(ChannelHandlerContext ctx) {
                flushes.incrementAndGet();
                ctx.flush();
            }
        });
    }

    private static String read(EmbeddedChannel ch) {
        ByteBuf b = ch.readOutbound();
        if (b == null) {
            return null;
        }
        String s = b.toString(StandardCharsets.US_ASCII);
        b.release();
        return s;
    }

    @Test
    void flushesEachChannelOnceAfterTheBatch() {
        AtomicInteger flushes = new AtomicInteger();
        EmbeddedChannel a = channel(flushes);
        a.write(Unpooled.copiedBuffer("one", StandardCharsets.US_ASCII));
        deferred.flush(a);
        a.write(Unpooled.copiedBuffer("two", StandardCharsets.US_ASCII));
        deferred.flush(a);
        assertNull(read(a), "nothing leaves before the loop has run its tasks");
        assertEquals(0, flushes.get());
        endOfBatch();
        assertEquals(1, flushes.get(), "two requests for one channel in a row: one flush");
        assertEquals("one", read(a));
        assertEquals("two", read(a));
        // The next batch schedules again.
        a.write(Unpooled.copiedBuffer("three", StandardCharsets.US_ASCII));
        deferred.flush(a);
        endOfBatch();
        assertEquals("three", read(a));
        assertEquals(2, flushes.get());
    }

    @Test
    void aFlushRequestedWhileFlushingIsNotLost() {
        AtomicInteger flushesA = new AtomicInteger();
        AtomicInteger flushesB = new AtomicInteger();
        EmbeddedChannel a = channel(flushesA);
        EmbeddedChannel b = channel(flushesB);
        // b's flush is requested while a's runs (as a write listener would).
        a.pipeline().addFirst(new ChannelOutboundHandlerAdapter() {
            @Override
            public void flush(ChannelHandlerContext ctx) {
                b.write(Unpooled.copiedBuffer("from a", StandardCharsets.US_ASCII));
                deferred.flush(b);
                ctx.flush();
            }
        });
        deferred.flush(a);
        endOfBatch();
        assertEquals(1, flushesA.get());
        assertEquals(1, flushesB.get());
        assertEquals("from a", read(b));
    }
}
