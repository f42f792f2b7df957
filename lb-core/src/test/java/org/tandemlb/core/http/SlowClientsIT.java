package org.tandemlb.core.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.tandemlb.core.testsupport.ProxyProcess;
import org.tandemlb.core.testsupport.RawHttp;
import org.tandemlb.core.testsupport.TestBackend;

/**
 * Issue 14's acceptance: 10 000 concurrent slow clients (slowloris: each holds a connection with
 * half a request head and adds a byte now and then) do not stop a normal client from being served,
 * and the proxy's heap stays within its bound. The proxy runs in a JVM of its own with a 256 MiB
 * heap (and its own descriptors: 10 000 there, 10 000 here, each side under the machine's 20 000);
 * the slow clients are NIO sockets driven by this one thread. The figures go to the output; the
 * latency is printed, not asserted (this box is shared and loaded), serving is.
 */
class SlowClientsIT {
    private static final int SLOW_CLIENTS = 10_000;
    private static final int NORMAL_REQUESTS = 300;
    private static final Duration OPEN_BUDGET = Duration.ofSeconds(90);

    @Test
    void tenThousandSlowClientsDoNotStopANormalOne() throws Exception {
        List<SocketChannel> slow = new ArrayList<>(SLOW_CLIENTS);
        try (TestBackend server = TestBackend.start("a");
                // http_request well past the test's length: the slow clients are still there at the end.
                ProxyProcess proxy = new ProxyProcess("256m", Duration.ofMinutes(5), "http", server.hostPort())) {
            InetSocketAddress address = new InetSocketAddress("127.0.0.1", proxy.port());
            ByteBuffer halfHead = ByteBuffer.wrap(
                    "GET /slow HTTP/1.1\r\nHost: test\r\nX-Slow: ".getBytes(StandardCharsets.ISO_8859_1));
            long deadline = System.nanoTime() + OPEN_BUDGET.toNanos();
            try {
                for (int i = 0; i < SLOW_CLIENTS && System.nanoTime() < deadline; i++) {
                    SocketChannel ch = SocketChannel.open(address); // loopback: the kernel's backlog answers
                    ch.write(halfHead.duplicate());
                    ch.configureBlocking(false);
                    slow.add(ch);
                }
                assertEquals(SLOW_CLIENTS, slow.size(), "slow clients connected within " + OPEN_BUDGET);

                long[] nanos = new long[NORMAL_REQUESTS];
                ByteBuffer trickle = ByteBuffer.wrap(new byte[] {'a'});
                int next = 0;
                for (int r = 0; r < NORMAL_REQUESTS; r++) {
                    // Between two normal requests, a slice of the slow clients each sends one byte more.
                    for (int k = 0; k < SLOW_CLIENTS / 50; k++) {
                        slow.get(next).write(trickle.duplicate());
                        next = (next + 1) % SLOW_CLIENTS;
                    }
                    long t0 = System.nanoTime();
                    try (RawHttp c = new RawHttp(address)) { // a new connection each time: accept is measured too
                        assertEquals(200, c.get("/normal").status(), "normal request " + r);
                    }
                    nanos[r] = System.nanoTime() - t0;
                }
                Arrays.sort(nanos);
                long open = slow.stream().filter(SlowClientsIT::stillOpen).count();
                long[] memory = proxy.memory();
                System.out.printf(
                        "SlowClientsIT: %d slow clients (%d still open), %d normal requests: p50 %.1f ms, p99 %.1f"
                                + " ms, max %.1f ms; proxy heap peak %d MiB (bound 256 MiB), Netty direct %d MiB%n",
                        slow.size(),
                        open,
                        NORMAL_REQUESTS,
                        nanos[NORMAL_REQUESTS / 2] / 1e6,
                        nanos[NORMAL_REQUESTS * 99 / 100] / 1e6,
                        nanos[NORMAL_REQUESTS - 1] / 1e6,
                        memory[0] >> 20,
                        memory[1] >> 20);
                assertEquals(SLOW_CLIENTS, open, "the slow clients were held, not dropped");
                assertTrue(proxy.alive(), "the proxy lived through it within its heap");
                assertTrue(memory[0] < 256L << 20, "heap peak within the bound");
            } finally {
                for (SocketChannel ch : slow) {
                    ch.close();
                }
            }
        }
    }

    /** Whether the proxy has not closed {@code ch} (a non-blocking read finds no end of stream). */
    private static boolean stillOpen(SocketChannel ch) {
        try {
            return ch.read(ByteBuffer.allocate(1)) == 0;
        } catch (IOException e) {
            return false;
        }
    }
}
