package org.tandemlb.core.http;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.tandemlb.core.LoadBalancer;
import org.tandemlb.core.config.FrontendConfig;
import org.tandemlb.core.config.Http2Config;
import org.tandemlb.core.config.LimitsConfig;
import org.tandemlb.core.config.Mode;
import org.tandemlb.core.config.ServerConfig;
import org.tandemlb.core.config.Timeouts;
import org.tandemlb.core.testsupport.Proxies;
import org.tandemlb.core.testsupport.RawHttp;
import org.tandemlb.core.testsupport.TestBackend;

/**
 * A frontend's {@code limits} over real sockets: 431, 414 and 413 before anything reaches the
 * server (a chunked body cut when it passes the limit), 429 past the per-client limits, 408 for
 * a slowloris head and for a body slower than {@code min_body_rate}; each counted in
 * {@code tandem_frontend_requests_refused_total}.
 */
class RequestLimitsTest {
    private final List<AutoCloseable> open = new ArrayList<>();
    private TestBackend server;
    private LoadBalancer lb;

    @AfterEach
    void closeAll() throws Exception {
        for (int i = open.size() - 1; i >= 0; i--) {
            open.get(i).close();
        }
    }

    private <T extends AutoCloseable> T track(T c) {
        open.add(c);
        return c;
    }

    private void start(LimitsConfig limits, UnaryOperator<FrontendConfig.Builder> more) {
        server = track(TestBackend.start("a"));
        lb = track(Proxies.start(
                Mode.HTTP,
                b -> b.server(ServerConfig.builder("a", server.hostPort()).build()),
                f -> more.apply(f.limits(limits)),
                1));
    }

    private RawHttp client() throws IOException {
        return track(new RawHttp(lb.address("fe")));
    }

    private long refused(String reason) {
        return lb.frontend("fe").requestsRefused(reason);
    }

    private static LimitsConfig limits(int headerSize, int headers, int uri, long body, int conns, int rate) {
        return new LimitsConfig(headerSize, headers, uri, body, 0, new LimitsConfig.PerClient(conns, rate));
    }

    private static LimitsConfig minBodyRate(long bytesPerSecond) {
        LimitsConfig d = LimitsConfig.DEFAULTS;
        return new LimitsConfig(
                d.maxHeaderSize(), d.maxHeaders(), d.maxUriLength(), 0, bytesPerSecond, LimitsConfig.PerClient.NONE);
    }

    @Test
    void oversizedHeadsAndTargetsAreRefusedBeforeTheServer() throws Exception {
        start(limits(1024, 5, 256, 0, 0, 0), f -> f);
        RawHttp big = client().send("GET / HTTP/1.1\r\nHost: t\r\nX-Big: " + "a".repeat(2000) + "\r\n\r\n");
        assertEquals(431, big.read().status());
        assertTrue(big.closedByPeer());
        StringBuilder many = new StringBuilder("GET / HTTP/1.1\r\nHost: t\r\n");
        for (int i = 0; i < 5; i++) {
            many.append("X-H").append(i).append(": v\r\n");
        }
        assertEquals(431, client().send(many + "\r\n").read().status(), "6 headers past max_headers 5");
        assertEquals(414, client().get("/" + "u".repeat(300)).status());
        assertEquals(200, client().get("/" + "u".repeat(200)).status(), "within the limits");
        assertEquals(1, server.requests(), "only the request within the limits reached the server");
        assertEquals(3, refused("too_large"));
    }

    @Test
    void aDeclaredBodyPastTheLimitIsRefusedBeforeAnyByteReachesTheServer() throws Exception {
        start(limits(16384, 100, 8192, 1000, 0, 0), f -> f);
        RawHttp c = client().send("POST /up HTTP/1.1\r\nHost: t\r\nContent-Length: 1001\r\n\r\n" + "b".repeat(1001));
        assertEquals(413, c.read().status());
        assertEquals(0, server.requests());
        assertEquals(0, server.connections(), "not even a connection to the server");
        RawHttp ok = client().send("POST /up HTTP/1.1\r\nHost: t\r\nContent-Length: 1000\r\n\r\n" + "b".repeat(1000));
        assertEquals(200, ok.read().status());
        assertEquals(1, refused("too_large"));
    }

    @Test
    void aChunkedBodyIsCutWhenItsRunningTotalPassesTheLimit() throws Exception {
        start(limits(16384, 100, 8192, 1000, 0, 0), f -> f);
        RawHttp c = client().send("POST /up HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n");
        c.send("258\r\n" + "c".repeat(600) + "\r\n"); // 600 bytes: within
        c.send("258\r\n" + "c".repeat(600) + "\r\n"); // 1200: past
        assertEquals(413, c.read().status());
        assertTrue(c.closedByPeer());
        // The server saw the start of a request that will never end: its connection is closed, not reused.
        await().atMost(Duration.ofSeconds(5)).until(() -> server.openConnections() == 0);
        assertEquals(1, refused("too_large"));
    }

    @Test
    void http2StreamsAreHeldToTheSameLimits() throws Exception {
        start(limits(16384, 100, 256, 10, 0, 0), f -> f.http2(Http2Config.DEFAULTS.withH2c(true)));
        try (RawH2 c = new RawH2(lb.address("fe").getPort())) {
            c.frame(RawH2.HEADERS, RawH2.END_HEADERS | RawH2.END_STREAM, 1, RawH2.get("/" + "u".repeat(300)));
            assertEquals(414, c.answer(1));
            c.frame(RawH2.HEADERS, RawH2.END_HEADERS, 3, post("content-length", "11"));
            assertEquals(413, c.answer(3), "a declared body past max_body_size");
            RawH2.Frame reset = c.await(RawH2.RST_STREAM, 3);
            assertNotNull(reset, "the stream the client had not ended is reset once its answer is out");
            assertEquals(0, reset.errorCode(), "NO_ERROR (RFC 9113 §8.1): stop sending, nothing went wrong");
            c.frame(RawH2.HEADERS, RawH2.END_HEADERS, 5, post());
            c.frame(RawH2.DATA, 0, 5, "0123456789".getBytes(StandardCharsets.US_ASCII));
            c.frame(RawH2.DATA, RawH2.END_STREAM, 5, "a".getBytes(StandardCharsets.US_ASCII));
            int cut = c.answer(5);
            assertTrue(cut == 413 || cut < 0, "a body whose running total passes it: " + cut);
            c.frame(RawH2.HEADERS, RawH2.END_HEADERS | RawH2.END_STREAM, 7, RawH2.get("/next"));
            assertEquals(200, c.answer(7), "the connection serves the next stream");
        }
        assertEquals(3, refused("too_large"));
    }

    @Test
    void anHttp2StreamWhoseBodyStallsGets408AndAWaitForTheServerIsNotCut() throws Exception {
        start(
                LimitsConfig.DEFAULTS,
                f -> f.http2(Http2Config.DEFAULTS.withH2c(true))
                        .timeouts(Timeouts.builder()
                                .client(Duration.ofMillis(400))
                                .build()));
        try (RawH2 c = new RawH2(lb.address("fe").getPort())) {
            c.frame(RawH2.HEADERS, RawH2.END_HEADERS, 1, post("content-length", "5"));
            c.frame(RawH2.DATA, 0, 1, "ab".getBytes(StandardCharsets.US_ASCII));
            assertEquals(408, c.answer(1), "the rest of the body never comes");
            // A request without a body has nothing to wait for from the client: a server slower
            // than the client timeout is the server timeout's business.
            c.frame(RawH2.HEADERS, RawH2.END_HEADERS | RawH2.END_STREAM, 3, RawH2.get("/slow?ms=900"));
            assertEquals(200, c.answer(3));
        }
    }

    private static byte[] post(String... extra) {
        List<String> fields =
                new ArrayList<>(List.of(":method", "POST", ":scheme", "http", ":path", "/up", ":authority", "t"));
        fields.addAll(List.of(extra));
        return RawH2.block(fields.toArray(String[]::new));
    }

    @Test
    void malformedRequestsAreCountedAsBadRequest() throws Exception {
        start(LimitsConfig.DEFAULTS, f -> f);
        assertEquals(
                400,
                client().send("GET / HTTP/1.1\r\nHost: t\r\nBad Name: x\r\n\r\n")
                        .read()
                        .status());
        assertEquals(1, refused("bad_request"));
        assertEquals(0, server.requests());
    }

    @Test
    void requestsPastTheRatePerClientGet429() throws Exception {
        start(limits(16384, 100, 8192, 0, 0, 5), f -> f);
        int ok = 0;
        int limited = 0;
        for (int i = 0; i < 20; i++) {
            int status = client().get("/").status();
            if (status == 200) {
                ok++;
            } else {
                assertEquals(429, status);
                limited++;
            }
        }
        // A burst of 5 plus what refilled while the 20 requests ran (5 per second).
        assertTrue(ok >= 5 && ok < 20, "served " + ok);
        assertEquals(limited, refused("rate_limited"));
        assertEquals(ok, server.requests());
    }

    @Test
    void idleKeepAliveConnectionsCountAgainstThePerClientLimit() throws Exception {
        // What one address may hold: two connections, each idle in keep-alive after a request.
        start(limits(16384, 100, 8192, 0, 2, 0), f -> f);
        RawHttp c1 = client();
        RawHttp c2 = client();
        assertEquals(200, c1.get("/").status());
        assertEquals(200, c2.get("/").status());
        assertEquals(200, c1.get("/again").status(), "kept alive: idle between requests, not closed");
        RawHttp c3 = client();
        assertEquals(429, c3.get("/").status());
        assertTrue(c3.closedByPeer());
        assertEquals(1, refused("rate_limited"));
        c1.close();
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
            try (RawHttp c4 = new RawHttp(lb.address("fe"))) {
                assertEquals(200, c4.get("/").status());
            }
        });
    }

    @Test
    void aSlowlorisHeadGets408AfterHttpRequestHoweverItTrickles() throws Exception {
        Duration httpRequest = Duration.ofSeconds(1);
        start(
                LimitsConfig.DEFAULTS,
                f -> f.timeouts(
                        Timeouts.DEFAULTS.toBuilder().httpRequest(httpRequest).build()));
        RawHttp c = client().send("GET / HTTP/1.1\r\nHost: t\r\nX-Slow: ");
        InputStream in = c.socket().getInputStream();
        long start = System.nanoTime();
        // One byte every 100 ms for as long as no answer has come: a deadline that each byte
        // pushed back would never fire, and this would time out after 10 s.
        await().atMost(Duration.ofSeconds(10))
                .pollInterval(Duration.ofMillis(100))
                .until(() -> {
                    if (in.available() > 0) {
                        return true;
                    }
                    c.send("a");
                    return false;
                });
        long elapsed = System.nanoTime() - start;
        assertEquals(408, c.read().status());
        assertTrue(c.closedByPeer());
        assertTrue(
                elapsed >= httpRequest.toNanos() * 9 / 10, "not before http_request: " + elapsed / 1_000_000 + " ms");
        assertEquals(1, refused("timeout"));
        assertEquals(0, server.requests());
    }

    @Test
    void aBodySlowerThanMinBodyRateGets408AfterTheGraceAFasterOneIsServed() throws Exception {
        // 1000 bytes a second: a body trickling 50 bytes a second (enough to keep timeouts.client
        // away) is refused once the 5 s grace is spent; one at 2400 bytes a second, sent in step
        // with it on another connection, is served.
        start(minBodyRate(1000), f -> f);
        int fastBytes = 480 * 50;
        RawHttp slow = client().send("POST /upload HTTP/1.1\r\nHost: t\r\nContent-Length: 100000\r\n\r\n");
        RawHttp fast = client().send("POST /upload HTTP/1.1\r\nHost: t\r\nContent-Length: " + fastBytes + "\r\n\r\n");
        InputStream in = slow.socket().getInputStream();
        int[] fastSent = {0};
        long start = System.nanoTime();
        // Refused after about 6 s (the grace, then a check a second); 20 s only bounds a broken build.
        await().atMost(Duration.ofSeconds(20))
                .pollInterval(Duration.ofMillis(200))
                .until(() -> {
                    if (in.available() > 0) {
                        return true;
                    }
                    slow.send("s".repeat(10));
                    if (fastSent[0] < fastBytes) {
                        fast.send("f".repeat(480));
                        fastSent[0] += 480;
                    }
                    return false;
                });
        long elapsed = System.nanoTime() - start;
        assertEquals(408, slow.read().status());
        assertTrue(slow.closedByPeer());
        assertTrue(
                elapsed >= LimitsConfig.BODY_RATE_GRACE.toNanos() * 9 / 10,
                "not within the grace: " + elapsed / 1_000_000 + " ms");
        assertEquals(1, refused("timeout"));
        fast.send("f".repeat(fastBytes - fastSent[0]));
        RawHttp.Response r = fast.read();
        assertEquals(200, r.status());
        assertEquals(String.valueOf(fastBytes), r.body());
    }
}
