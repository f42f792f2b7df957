package org.tandemlb.core.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.tandemlb.core.LoadBalancer;
import org.tandemlb.core.testsupport.Proxies;
import org.tandemlb.core.testsupport.RawHttp;
import org.tandemlb.core.testsupport.TestBackend;

/**
 * docs/behaviour.md: requests that could be read two ways are refused with 400 and the connection closed,
 * and nothing of them reaches a server.
 */
class StrictParsingTest {
    private static TestBackend server;
    private static LoadBalancer lb;

    @BeforeAll
    static void start() {
        server = TestBackend.start("a");
        lb = Proxies.http(server);
    }

    @AfterAll
    static void stop() {
        lb.close();
        server.close();
    }

    static Stream<Arguments> ambiguousHeads() {
        return Stream.of(
                Arguments.of(
                        "Content-Length and Transfer-Encoding",
                        "POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n",
                        400),
                Arguments.of(
                        "two differing Content-Lengths",
                        "POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd",
                        400),
                Arguments.of(
                        "two equal Content-Lengths",
                        "POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\nabc",
                        400),
                Arguments.of(
                        "a Content-Length list", "POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 3, 3\r\n\r\nabc", 400),
                Arguments.of("a space before the colon", "GET / HTTP/1.1\r\nHost : t\r\n\r\n", 400),
                Arguments.of("a bare LF ending a header", "GET / HTTP/1.1\r\nHost: t\nX-A: b\r\n\r\n", 400),
                Arguments.of("a bare CR inside a header", "GET / HTTP/1.1\r\nHost: t\rX-A: b\r\n\r\n", 400),
                Arguments.of("no Host in HTTP/1.1", "GET / HTTP/1.1\r\nX-A: b\r\n\r\n", 400),
                Arguments.of("two Hosts", "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400),
                Arguments.of(
                        "chunked in HTTP/1.0",
                        "POST / HTTP/1.0\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
                        400),
                Arguments.of(
                        "a transfer coding other than chunked",
                        "POST / HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n",
                        501),
                Arguments.of("garbage instead of a request line", "\u0001\u0002 nonsense\r\n\r\n", 400));
    }

    @ParameterizedTest(name = "{0} gets {2}")
    @MethodSource("ambiguousHeads")
    void ambiguousRequestIsRefusedAndNeverForwarded(String what, String raw, int status) throws Exception {
        int before = server.requests();
        try (RawHttp c = new RawHttp(lb.address("fe"))) {
            RawHttp.Response r = c.send(raw).read();
            assertEquals(status, r.status(), what);
            assertEquals("close", r.header("connection"));
            assertTrue(c.closedByPeer(), "connection closed after " + what);
        }
        assertEquals(before, server.requests(), what + " must not reach the server");
    }

    @Test
    void obsoleteLineFoldingIsRefusedNotUnfolded() throws Exception {
        // RFC 9112 §5.2 lets a recipient unfold or refuse; a front door refuses, so that no server
        // behind it reads the folded line its own way.
        int before = server.requests();
        try (RawHttp c = new RawHttp(lb.address("fe"))) {
            assertEquals(
                    400,
                    c.send("GET / HTTP/1.1\r\nHost: t\r\nX-Folded: b\r\n c\r\n\r\n")
                            .read()
                            .status());
        }
        assertEquals(before, server.requests());
    }

    @Test
    void badChunkSizeGets400AndClose() throws Exception {
        try (RawHttp c = new RawHttp(lb.address("fe"))) {
            RawHttp.Response r = c.send("POST /upload HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n"
                            + "zz\r\nabc\r\n0\r\n\r\n")
                    .read();
            assertEquals(400, r.status());
            assertTrue(c.closedByPeer());
        }
    }

    @Test
    void oversizedHeadGets431() throws Exception {
        try (RawHttp c = new RawHttp(lb.address("fe"))) {
            RawHttp.Response r = c.send("GET / HTTP/1.1\r\nHost: t\r\nX-Big: " + "x".repeat(40_000) + "\r\n\r\n")
                    .read();
            assertEquals(431, r.status());
            assertTrue(c.closedByPeer());
        }
    }

    @Test
    void wellFormedChunkedUploadPasses() throws Exception {
        try (RawHttp c = new RawHttp(lb.address("fe"))) {
            RawHttp.Response r = c.send("POST /upload HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n"
                            + "3\r\nabc\r\n5\r\ndefgh\r\n0\r\n\r\n")
                    .read();
            assertEquals(200, r.status());
            assertEquals("8", r.body());
        }
    }
}
