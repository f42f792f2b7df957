package org.tandemlb.core.frontend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.embedded.EmbeddedChannel;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.tandemlb.core.config.SendProxy;
import org.tandemlb.core.proxyprotocol.ClientAddresses;
import org.tandemlb.core.proxyprotocol.ProxyHeaders;

/** The reading of a PROXY header at the start of a connection, on an {@link EmbeddedChannel}. */
class ProxyHeaderReaderTest {
    private final AtomicInteger failures = new AtomicInteger();
    private final List<Channel> continued = new ArrayList<>();

    private EmbeddedChannel channel() {
        EmbeddedChannel ch = new EmbeddedChannel();
        ProxyHeaderReader.expect(ch.pipeline(), Duration.ofSeconds(5), failures::incrementAndGet, continued::add);
        return ch;
    }

    @Test
    void theHeaderAndWhatFollowsItInOneReadArriveApart() {
        EmbeddedChannel ch = channel();
        ByteBuf in = Unpooled.buffer();
        in.writeBytes(ProxyHeaders.header(
                Unpooled.buffer().alloc(),
                SendProxy.V2,
                new InetSocketAddress("192.0.2.7", 4000),
                new InetSocketAddress("198.51.100.1", 80)));
        in.writeCharSequence("GET / HTTP/1.1\r\n\r\n", StandardCharsets.US_ASCII);
        ch.writeInbound(in);
        assertEquals(List.of(ch), continued);
        assertEquals(new InetSocketAddress("192.0.2.7", 4000), ClientAddresses.source(ch));
        assertNull(ch.pipeline().get("proxy-protocol"));
        assertNull(ch.pipeline().get("proxy-protocol-decoder"));
        ByteBuf rest = ch.readInbound();
        assertEquals("GET / HTTP/1.1\r\n\r\n", rest.toString(StandardCharsets.US_ASCII), "not one byte lost");
        rest.release();
        assertTrue(ch.isOpen());
        assertEquals(0, failures.get());
        ch.finishAndReleaseAll();
    }

    @Test
    void aHeaderInPiecesIsWaitedFor() {
        EmbeddedChannel ch = channel();
        ch.writeInbound(Unpooled.copiedBuffer("PROXY TCP4 192.0.2.7 198.51.", StandardCharsets.US_ASCII));
        assertTrue(continued.isEmpty());
        ch.writeInbound(Unpooled.copiedBuffer("100.1 4000 80\r\n", StandardCharsets.US_ASCII));
        assertEquals(List.of(ch), continued);
        assertEquals("192.0.2.7", ClientAddresses.source(ch).getHostString());
        ch.finishAndReleaseAll();
    }

    @Test
    void aMalformedHeaderClosesAtOnce() {
        EmbeddedChannel ch = channel();
        ch.writeInbound(Unpooled.copiedBuffer("GET / HTTP/1.1\r\nHost: a\r\n\r\n", StandardCharsets.US_ASCII));
        assertFalse(ch.isOpen());
        assertTrue(continued.isEmpty());
        assertEquals(1, failures.get());
        ch.finishAndReleaseAll();
    }

    @Test
    void noHeaderWithinTheDeadlineCloses() {
        EmbeddedChannel ch = channel();
        ch.advanceTimeBy(4, TimeUnit.SECONDS);
        ch.runScheduledPendingTasks();
        assertTrue(ch.isOpen());
        ch.advanceTimeBy(2, TimeUnit.SECONDS);
        ch.runScheduledPendingTasks();
        assertFalse(ch.isOpen());
        assertEquals(1, failures.get());
        ch.finishAndReleaseAll();
    }

    @Test
    void unknownKeepsTheConnectionsOwnAddress() {
        EmbeddedChannel ch = channel();
        ch.writeInbound(Unpooled.copiedBuffer("PROXY UNKNOWN\r\n", StandardCharsets.US_ASCII));
        assertEquals(List.of(ch), continued);
        // An EmbeddedChannel's own address is not an inet one: nothing stands in for it.
        assertNull(ClientAddresses.source(ch), "the socket's own addresses stand");
        ch.finishAndReleaseAll();
    }
}
