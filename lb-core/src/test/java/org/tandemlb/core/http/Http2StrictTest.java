package org.tandemlb.core.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.tandemlb.core.LoadBalancer;
import org.tandemlb.core.testsupport.Proxies;
import org.tandemlb.core.testsupport.TestBackend;

/**
 * HTTP/2 requests are held to what HTTP/1.1 ones are, plus RFC 9113's own rules (§8.2, §8.3):
 * every malformed or ambiguous request is refused on its stream (400, 405, or RST_STREAM
 * PROTOCOL_ERROR) without reaching the server, and the connection goes on serving the next one.
 */
class Http2StrictTest {
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

    /** Sends {@code block} as a request on stream 1, then a good GET on stream 3; answers stream 1's outcome. */
    private int refusedThenServed(byte[] block, boolean endStream) throws Exception {
        int before = server.requests();
        try (RawH2 c = new RawH2(lb.address("fe").getPort())) {
            c.frame(RawH2.HEADERS, RawH2.END_HEADERS | (endStream ? RawH2.END_STREAM : 0), 1, block);
            int answer = c.answer(1);
            c.frame(RawH2.HEADERS, RawH2.END_HEADERS | RawH2.END_STREAM, 3, RawH2.get("/next"));
            assertEquals(200, c.answer(3), "the connection serves the next stream");
            assertEquals(before + 1, server.requests(), "only the good request reached the server");
            return answer;
        }
    }

    private static void assertRefused(int answer, int... allowed) {
        for (int a : allowed) {
            if (a == answer) {
                return;
            }
        }
        throw new AssertionError("answer " + answer + " (status, or -1 for RST_STREAM PROTOCOL_ERROR)");
    }

    @Test
    void uppercaseHeaderNameIsRefused() throws Exception {
        assertRefused(refusedThenServed(RawH2.get("/", "X-Upper", "1"), true), -1, 400);
    }

    @Test
    void connectionSpecificHeadersAreRefused() throws Exception {
        assertRefused(refusedThenServed(RawH2.get("/", "connection", "keep-alive"), true), -1, 400);
    }

    @Test
    void transferEncodingIsRefused() throws Exception {
        assertRefused(refusedThenServed(RawH2.get("/", "transfer-encoding", "chunked"), true), -1, 400);
    }

    /**
     * RFC 9113 §8.3.1: every request has :method, and :scheme and :path unless it is CONNECT; one
     * without is malformed, a stream error (§8.1.1): reset with PROTOCOL_ERROR, no response (as
     * HAProxy, and as h2spec's 8.1.2.3 cases ask).
     */
    @Test
    void requestsWithoutTheirPseudoHeadersAreReset() throws Exception {
        String[][] blocks = {
            {":scheme", "http", ":path", "/", ":authority", "t"},
            {":method", "GET", ":path", "/", ":authority", "t"},
            {":method", "GET", ":scheme", "", ":path", "/", ":authority", "t"},
            {":method", "GET", ":scheme", "http", ":authority", "t"},
            {":method", "G(T", ":scheme", "http", ":path", "/", ":authority", "t"},
            {":method", "CONNECT"},
        };
        for (String[] block : blocks) {
            assertEquals(-1, refusedThenServed(RawH2.block(block), true), String.join(" ", block));
        }
    }

    @Test
    void pseudoHeaderAfterRegularOneIsRefused() throws Exception {
        assertRefused(
                refusedThenServed(
                        RawH2.block(
                                ":method", "GET", "accept", "*/*", ":path", "/", ":scheme", "http", ":authority", "t"),
                        true),
                -1,
                400);
    }

    @Test
    void lineBreakInValueIsRefused() throws Exception {
        assertRefused(refusedThenServed(RawH2.get("/", "x-a", "1\r\nx-smuggled: 1"), true), -1, 400);
    }

    @Test
    void spaceInPathIsRefused() throws Exception {
        assertRefused(refusedThenServed(RawH2.get("/a b HTTP/1.1"), true), -1, 400);
    }

    @Test
    void hostDisagreeingWithAuthorityIsRefused() throws Exception {
        assertEquals(400, refusedThenServed(RawH2.get("/", "host", "other"), true));
    }

    @Test
    void neitherAuthorityNorHostIsRefused() throws Exception {
        assertEquals(400, refusedThenServed(RawH2.block(":method", "GET", ":scheme", "http", ":path", "/"), true));
    }

    @Test
    void connectIsRefused() throws Exception {
        assertEquals(405, refusedThenServed(RawH2.block(":method", "CONNECT", ":authority", "example.com:443"), true));
    }

    @Test
    void contentLengthDisagreeingWithDataIsRefused() throws Exception {
        try (RawH2 c = new RawH2(lb.address("fe").getPort())) {
            c.frame(
                    RawH2.HEADERS,
                    RawH2.END_HEADERS,
                    1,
                    RawH2.block(
                            ":method",
                            "POST",
                            ":scheme",
                            "http",
                            ":path",
                            "/upload",
                            ":authority",
                            "t",
                            "content-length",
                            "3"));
            c.frame(RawH2.DATA, RawH2.END_STREAM, 1, "too long".getBytes(StandardCharsets.US_ASCII));
            int answer = c.answer(1);
            // Reset (PROTOCOL_ERROR, or CANCEL from Netty's multiplexer), the server's request cut short.
            assertTrue(answer == -1 || answer == -2, "refused: " + answer);
            c.frame(RawH2.HEADERS, RawH2.END_HEADERS | RawH2.END_STREAM, 3, RawH2.get("/next"));
            assertEquals(200, c.answer(3));
        }
    }

    @Test
    void goodRequestPassesWithCookiesJoined() throws Exception {
        try (RawH2 c = new RawH2(lb.address("fe").getPort())) {
            c.frame(
                    RawH2.HEADERS,
                    RawH2.END_HEADERS | RawH2.END_STREAM,
                    1,
                    RawH2.get("/", "cookie", "a=1", "cookie", "b=2"));
            assertEquals(200, c.answer(1));
        }
        assertEquals("a=1; b=2", server.receivedHeaders().get(0).get("cookie"));
        assertEquals("t", server.receivedHeaders().get(0).get("host"));
    }
}
