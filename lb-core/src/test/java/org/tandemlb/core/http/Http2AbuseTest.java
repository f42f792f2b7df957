package org.tandemlb.core.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.tandemlb.core.LoadBalancer;
import org.tandemlb.core.testsupport.ChildProcess;
import org.tandemlb.core.testsupport.Proxies;
import org.tandemlb.core.testsupport.TestBackend;

/**
 * HTTP/2's own attacks are bounded by the frontend's limits: a client that resets streams as fast
 * as it opens them (CVE-2023-44487), one that sends a header block that never ends, and one that
 * sends an oversized one are answered with GOAWAY, a closed connection or 431, after a bounded
 * amount of their input, while other clients are served.
 */
class Http2AbuseTest {
    private static final long ENHANCE_YOUR_CALM = 0xb;
    private TestBackend server;
    private LoadBalancer lb;

    @BeforeEach
    void start() {
        server = TestBackend.start("b1");
        lb = Proxies.h2c(server);
    }

    @AfterEach
    void stop() {
        lb.close();
        server.close();
    }

    private int port() {
        return lb.address("fe").getPort();
    }

    /** Another client, on a connection of its own, is served. */
    private void othersAreServed() throws Exception {
        String out = Http2ClientTest.curl(
                "--http2-prior-knowledge",
                "-o",
                "/dev/null",
                "-w",
                "%{http_version} %{http_code}",
                "http://127.0.0.1:" + port() + "/other");
        assertEquals("2 200", out);
    }

    @Test
    void rapidResetGetsGoAwayEnhanceYourCalm() throws Exception {
        try (RawH2 c = new RawH2(port())) {
            // Past the default limit of 200 resets in 30 s, in one burst the server reads whole (so
            // that it closes on an empty receive buffer, with a FIN rather than a TCP reset that
            // would discard its GOAWAY on the way).
            for (int i = 0, stream = 1; i < 300; i++, stream += 2) {
                c.frame(RawH2.HEADERS, RawH2.END_HEADERS, stream, RawH2.get("/slow?ms=2000"));
                c.frame(RawH2.RST_STREAM, 0, stream, new byte[] {0, 0, 0, 8});
            }
            RawH2.Frame f = c.await(RawH2.GOAWAY, 0);
            assertNotNull(f, "GOAWAY before the close");
            assertEquals(ENHANCE_YOUR_CALM, f.errorCode());
            assertTrue(c.closedByServer(), "connection closed");
        }
        othersAreServed();
    }

    @Test
    void endlessContinuationGetsTheConnectionClosed() throws Exception {
        try (RawH2 c = new RawH2(port())) {
            c.frame(RawH2.HEADERS, 0, 1, RawH2.get("/"));
            long sent = 0;
            byte[] piece = RawH2.block("x-filler", "y".repeat(100));
            try {
                // Small frames (the CONTINUATION flood of 2024), then large ones would follow:
                // either way the block is cut off long before this loop's 64 MiB.
                while (sent < (64L << 20)) {
                    c.frame(RawH2.CONTINUATION, 0, 1, piece);
                    sent += piece.length;
                }
            } catch (IOException closed) {
                // reset by the server
            }
            assertTrue(c.closedByServer(), "connection closed after " + sent + " bytes of header block");
            assertTrue(sent < (64L << 20), "cut off before the flood ended");
        }
        othersAreServed();
    }

    @Test
    void largeContinuationFramesAreBoundedByTheHeaderListLimit() throws Exception {
        try (RawH2 c = new RawH2(port())) {
            c.frame(RawH2.HEADERS, 0, 1, RawH2.get("/"));
            long sent = 0;
            byte[] piece = RawH2.block("x-filler", "y".repeat(16000));
            try {
                while (sent < (64L << 20)) {
                    c.frame(RawH2.CONTINUATION, 0, 1, piece);
                    sent += piece.length;
                }
            } catch (IOException closed) {
                // reset by the server
            }
            assertTrue(c.closedByServer(), "connection closed");
            assertTrue(sent < (64L << 20), "cut off before the flood ended: " + sent);
        }
        othersAreServed();
    }

    @Test
    void oversizedHeaderBlockGets431() throws Exception {
        try (RawH2 c = new RawH2(port())) {
            // Over the 16 KiB list limit, under the quarter more past which the connection closes.
            // Split in two frames, each within the 16 KiB frame size.
            byte[] block = RawH2.get("/", "x-big", "b".repeat(17000));
            c.frame(RawH2.HEADERS, RawH2.END_STREAM, 1, java.util.Arrays.copyOfRange(block, 0, 16000));
            c.frame(RawH2.CONTINUATION, RawH2.END_HEADERS, 1, java.util.Arrays.copyOfRange(block, 16000, block.length));
            int answer = c.answer(1);
            assertEquals(431, answer);
            assertEquals(0, server.requests(), "the server never saw it");
        }
        othersAreServed();
    }

    @Test
    void manyConcurrentStreamsOnOneConnectionAllComplete() throws Exception {
        // 200 streams at once against SETTINGS_MAX_CONCURRENT_STREAMS 100: h2load queues the rest.
        try (ChildProcess h2load = ChildProcess.command(
                        "h2load", "-c", "1", "-m", "200", "-n", "2000", "http://127.0.0.1:" + port() + "/")
                .name("h2load")
                .start()) {
            assertTrue(h2load.awaitExit(Duration.ofSeconds(60)), "h2load ended");
            String out = h2load.text();
            assertTrue(out.contains("2000 succeeded, 0 failed, 0 errored"), out);
            assertTrue(out.contains("status codes: 2000 2xx"), out);
        }
        assertEquals(2000, server.requests());
    }
}
