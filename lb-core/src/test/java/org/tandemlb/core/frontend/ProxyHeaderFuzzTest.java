package org.tandemlb.core.frontend;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import java.io.ByteArrayOutputStream;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.tandemlb.core.proxyprotocol.ClientAddresses;
import org.tandemlb.core.testsupport.FuzzInput;

/**
 * Fuzzes the start of an {@code accept_proxy} connection: the PROXY protocol decoder and
 * {@link ProxyHeaderReader}, with v1 and v2 headers and whatever follows them, in pieces
 * (CONTRIBUTING.md, "Fuzzing"). Invariants: nothing throws; the connection is either closed
 * without going on (an invalid header, counted) or goes on exactly once, with addresses that are
 * real socket addresses, and every byte after the header reaches the frontend's pipeline, none
 * lost, none added; no buffer leaks.
 */
class ProxyHeaderFuzzTest {

    @FuzzTest(maxDuration = "20s")
    void aHeaderIsRefusedOrReadExactly(FuzzedDataProvider data) {
        List<ByteBuf> pieces = FuzzInput.pieces(data);
        byte[] input = concat(pieces);
        AtomicInteger failures = new AtomicInteger();
        AtomicInteger continued = new AtomicInteger();
        ByteArrayOutputStream after = new ByteArrayOutputStream();

        EmbeddedChannel ch = new EmbeddedChannel();
        ProxyHeaderReader.expect(ch.pipeline(), Duration.ofSeconds(5), failures::incrementAndGet, c -> {
            continued.incrementAndGet();
            c.pipeline().addLast(new ChannelInboundHandlerAdapter() {
                @Override
                public void channelRead(ChannelHandlerContext ctx, Object msg) {
                    ByteBuf b = (ByteBuf) msg;
                    try {
                        after.writeBytes(ByteBufUtil.getBytes(b));
                    } finally {
                        b.release();
                    }
                }
            });
        });
        for (ByteBuf piece : pieces) {
            if (!ch.isOpen()) {
                piece.release(); // a closed connection reads nothing more
                continue;
            }
            ch.writeInbound(piece); // rethrows whatever a handler threw
        }
        boolean closedEarly = !ch.isOpen();
        ch.finishAndReleaseAll();

        assertTrue(continued.get() <= 1, "the frontend's pipeline set up twice");
        if (continued.get() == 1) {
            assertEquals(0, failures.get(), "a header both read and refused");
            ClientAddresses carried = ClientAddresses.of(ch);
            if (carried != null) {
                assertReal(carried.source());
                assertReal(carried.destination());
            }
            byte[] rest = after.toByteArray();
            assertTrue(rest.length < input.length, "the header itself was passed on");
            byte[] tail = Arrays.copyOfRange(input, input.length - rest.length, input.length);
            assertArrayEquals(tail, rest, "the bytes after the header, none lost or added");
        } else {
            assertEquals(0, after.size());
            if (failures.get() > 0) {
                assertTrue(closedEarly, "an invalid header must close the connection");
            }
        }
        FuzzInput.assertReleased(pieces);
    }

    private static void assertReal(InetSocketAddress a) {
        if (a != null) {
            assertFalse(a.isUnresolved() && a.getHostString().isEmpty(), "an address without a host");
            assertTrue(a.getPort() >= 0 && a.getPort() <= 65535);
        }
    }

    private static byte[] concat(List<ByteBuf> pieces) {
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        for (ByteBuf p : pieces) {
            all.writeBytes(ByteBufUtil.getBytes(p));
        }
        return all.toByteArray();
    }
}
