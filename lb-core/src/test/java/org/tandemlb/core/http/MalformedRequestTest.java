package org.tandemlb.core.http;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.tandemlb.core.LoadBalancer;
import org.tandemlb.core.config.Mode;
import org.tandemlb.core.config.ServerConfig;
import org.tandemlb.core.testsupport.Proxies;
import org.tandemlb.core.testsupport.RawHttp;
import org.tandemlb.core.testsupport.RawServer;

/**
 * docs/security.md: each malformed or ambiguous request of {@link MalformedRequests} gets its
 * status and a closed connection, and not one byte of it reaches the server, a raw recorder that
 * would answer anything.
 */
class MalformedRequestTest {
    private static RawServer server;
    private static LoadBalancer lb;

    @BeforeAll
    static void start() throws Exception {
        server = RawServer.recording();
        lb = Proxies.start(
                Mode.HTTP,
                b -> b.server(ServerConfig.builder("s", server.hostPort()).build()),
                f -> f,
                1);
    }

    @AfterAll
    static void stop() throws Exception {
        lb.close();
        server.close();
    }

    static List<MalformedRequests.Case> cases() {
        return MalformedRequests.all();
    }

    @Test
    void theTableIsLargeEnough() {
        assertTrue(cases().size() >= 60, "at least 60 requests: " + cases().size());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void refusedClosedAndNeverForwarded(MalformedRequests.Case c) throws Exception {
        int before = server.received().length();
        try (RawHttp client = new RawHttp(lb.address("fe"))) {
            RawHttp.Response r = client.send(c.raw()).read();
            assertEquals(c.status(), r.status(), c.name());
            assertEquals("close", r.header("connection"), c.name());
            assertTrue(client.closedByPeer(), "connection closed after " + c.name());
        }
        assertEquals("", sinceThenBesidesASentinel(before), c.name() + " must not reach the server");
    }

    @Test
    void aHeadTooLongToBeCheckedWholeIsRefusedNotPassedOn() throws Exception {
        // Many short lines, the head not ended: over the limit in bytes while each line is short.
        // Had the head gone to a parser unchecked, what follows could be anything (an obs-fold).
        String raw = "GET / HTTP/1.1\r\nHost: t\r\n" + "a:\r\n".repeat(7000);
        int before = server.received().length();
        try (RawHttp client = new RawHttp(lb.address("fe"))) {
            assertEquals(431, client.send(raw).read().status());
            assertTrue(client.closedByPeer());
        }
        assertEquals("", sinceThenBesidesASentinel(before));
        try (RawHttp client = new RawHttp(lb.address("fe"))) {
            assertEquals(
                    414, client.send("GET /" + "a".repeat(9000)).read().status(), "a request line without its end");
        }
    }

    /**
     * On a server and proxy of its own: the recorder answers every empty line it sees, so a
     * chunked body's last chunk draws a second, unasked-for 200 on a pooled connection, and a
     * request sent on that connection later would be recorded after its answer came, in the
     * next test's window. Within this test too: the next request may take that connection before
     * the stray 200 arrives and be answered by it, so each request is awaited at the server
     * rather than expected there the moment its 200 comes.
     */
    @Test
    void wellFormedRequestsPass() throws Exception {
        try (RawServer own = RawServer.recording();
                LoadBalancer ownLb = Proxies.start(
                        Mode.HTTP,
                        b -> b.server(ServerConfig.builder("s", own.hostPort()).build()),
                        f -> f,
                        1)) {
            wellFormedRequestsPass(ownLb, own);
        }
    }

    private static void wellFormedRequestsPass(LoadBalancer lb, RawServer server) throws Exception {
        String[] ok = {
            "GET / HTTP/1.1\r\nHost: t\r\n\r\n",
            "GET / HTTP/1.0\r\n\r\n",
            "\r\nGET /after-an-empty-line HTTP/1.1\r\nHost: t\r\n\r\n",
            "GET http://t/abs HTTP/1.1\r\nHost: t\r\n\r\n",
            "OPTIONS * HTTP/1.1\r\nHost: t\r\n\r\n",
            "GET / HTTP/1.1\r\nHost: [::1]:8080\r\nX-Obs-Text: caf\u00e9\r\nX-Tab: a\tb\r\n\r\n",
            "POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 3 \r\n\r\nabc",
            "POST / HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: Chunked\r\n\r\n3;ext=1\r\nabc\r\n0\r\n\r\n",
            "POST / HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\nX-T: a\r\nX-U: b c\r\n\r\n",
        };
        int received = server.received().length();
        for (String raw : ok) {
            try (RawHttp client = new RawHttp(lb.address("fe"))) {
                assertEquals(200, client.send(raw).read().status(), raw);
            }
            int had = received;
            await("reached the server: " + raw)
                    .atMost(Duration.ofSeconds(5))
                    .until(() -> server.received().length() > had);
            received = server.received().length();
        }
    }

    /**
     * What the server received since {@code before}, minus one sentinel request sent now on a new
     * connection: once the sentinel is answered, anything the refused request had made Tandem
     * send would have arrived (it would have been written first).
     */
    private static String sinceThenBesidesASentinel(int before) throws Exception {
        try (RawHttp client = new RawHttp(lb.address("fe"))) {
            assertEquals(200, client.get("/sentinel").status());
        }
        String since = server.received().substring(before);
        // Every copy: Tandem sends a GET again on a new connection when the pooled one it tried
        // turns out closed by the server, so the sentinel may have arrived twice.
        for (int start = since.indexOf("GET /sentinel HTTP/1.1\r\n");
                start >= 0;
                start = since.indexOf("GET /sentinel HTTP/1.1\r\n")) {
            int end = since.indexOf("\r\n\r\n", start);
            since = since.substring(0, start) + since.substring(end + 4);
        }
        return since;
    }
}
