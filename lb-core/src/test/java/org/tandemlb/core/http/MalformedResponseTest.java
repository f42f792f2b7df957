package org.tandemlb.core.http;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.tandemlb.core.LoadBalancer;
import org.tandemlb.core.config.Mode;
import org.tandemlb.core.config.ServerConfig;
import org.tandemlb.core.config.Timeouts;
import org.tandemlb.core.testsupport.Proxies;
import org.tandemlb.core.testsupport.RawHttp;
import org.tandemlb.core.testsupport.RawServer;

/**
 * docs/security.md: what a misbehaving server gets. A malformed or ambiguous response head is a
 * 502; a body that breaks once its head went out cuts the client's connection (the truncation is
 * visible, never presented as complete); bytes beyond a response are dropped. In every case the
 * server connection is closed by Tandem, never reused.
 */
class MalformedResponseTest {
    enum Outcome {
        /** The client gets 502. */
        BAD_GATEWAY,
        /** The client gets the head, then the connection closes before the body's end. */
        TRUNCATED,
        /** The client gets the response as announced (the server's extra bytes are not passed on). */
        COMPLETE
    }

    record Case(String name, String response, boolean serverCloses, Outcome outcome) {
        @Override
        public String toString() {
            return name;
        }
    }

    private static final String OK = "HTTP/1.1 200 OK\r\n";
    private static final String CHUNKED = OK + "Transfer-Encoding: chunked\r\n\r\n";

    static List<Case> cases() {
        return List.of(
                bad("garbage instead of HTTP", "hello world\r\n\r\n"),
                bad("binary garbage", "\u0000\u0001\u0002\u0003\r\n\r\n"),
                bad("no status line (HTTP/0.9 style)", "<html>hi</html>\r\n\r\n"),
                bad(
                        "Content-Length and Transfer-Encoding",
                        OK + "Content-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n"),
                bad("two differing Content-Lengths", OK + "Content-Length: 2\r\nContent-Length: 3\r\n\r\nabc"),
                bad("two equal Content-Lengths", OK + "Content-Length: 2\r\nContent-Length: 2\r\n\r\nok"),
                bad("Content-Length list", OK + "Content-Length: 2, 2\r\n\r\nok"),
                bad("Content-Length with a plus sign", OK + "Content-Length: +2\r\n\r\nok"),
                bad("negative Content-Length", OK + "Content-Length: -1\r\n\r\nok"),
                bad("a coding other than chunked last", OK + "Transfer-Encoding: gzip\r\n\r\nok"),
                bad("chunked twice", OK + "Transfer-Encoding: chunked, chunked\r\n\r\n0\r\n\r\n"),
                bad("Transfer-Encoding in HTTP/1.0", "HTTP/1.0 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"),
                bad("obs-fold", OK + "Content-Length: 2\r\nX-Folded: a\r\n b\r\n\r\nok"),
                bad("space before a colon", OK + "Content-Length : 2\r\n\r\nok"),
                bad("NUL in a field value", OK + "X-A: a\u0000b\r\nContent-Length: 2\r\n\r\nok"),
                bad("bare CR in the head", OK + "X-A: a\rb\r\nContent-Length: 2\r\n\r\nok"),
                bad("bare LF line ends", "HTTP/1.1 200 OK\nContent-Length: 2\n\nok"),
                bad("invalid field name", OK + "X(A): b\r\nContent-Length: 2\r\n\r\nok"),
                bad("four-digit status code", "HTTP/1.1 2000 OK\r\nContent-Length: 2\r\n\r\nok"),
                bad("status code 600", "HTTP/1.1 600 Odd\r\nContent-Length: 2\r\n\r\nok"),
                bad("status code of letters", "HTTP/1.1 abc OK\r\nContent-Length: 2\r\n\r\nok"),
                bad("HTTP/2.0 status line", "HTTP/2.0 200 OK\r\nContent-Length: 2\r\n\r\nok"),
                bad("space before the status line", " HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"),
                bad("head larger than 20 KiB", OK + "X-Big: " + "x".repeat(24_000) + "\r\nContent-Length: 2\r\n\r\nok"),
                new Case("closes before answering", "", true, Outcome.BAD_GATEWAY),
                cut("bad chunk size", CHUNKED + "zz\r\nabc\r\n0\r\n\r\n"),
                cut("control character in a chunk extension", CHUNKED + "3;a=\u0001\r\nabc\r\n0\r\n\r\n"),
                cut("bare LF after a chunk size", CHUNKED + "3\nabc\r\n0\r\n\r\n"),
                cut("chunk data longer than its size", CHUNKED + "3\r\nabcdef\r\n0\r\n\r\n"),
                new Case("closes mid-body", OK + "Content-Length: 10\r\n\r\nhello", true, Outcome.TRUNCATED),
                new Case("closes mid-chunked-body", CHUNKED + "5\r\nhello\r\n", true, Outcome.TRUNCATED),
                new Case(
                        "longer than its Content-Length",
                        OK + "Content-Length: 2\r\n\r\nokEXTRA",
                        false,
                        Outcome.COMPLETE),
                new Case(
                        "a second response smuggled after the first",
                        OK + "Content-Length: 2\r\n\r\nok" + OK + "Content-Length: 6\r\n\r\nsmuggl",
                        false,
                        Outcome.COMPLETE));
    }

    private static Case bad(String name, String response) {
        return new Case(name, response, false, Outcome.BAD_GATEWAY);
    }

    private static Case cut(String name, String response) {
        return new Case(name, response, false, Outcome.TRUNCATED);
    }

    @Test
    void theTableIsLargeEnough() {
        assertTrue(cases().size() >= 15, "at least 15 responses: " + cases().size());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void misbehavingServer(Case c) throws Exception {
        try (RawServer server = RawServer.answering(c.response(), c.serverCloses());
                LoadBalancer lb = Proxies.start(
                        Mode.HTTP,
                        b -> b.server(
                                ServerConfig.builder("s", server.hostPort()).build()),
                        f -> f,
                        1);
                RawHttp client = new RawHttp(lb.address("fe"))) {
            client.send("GET / HTTP/1.1\r\nHost: t\r\n\r\n");
            switch (c.outcome()) {
                case BAD_GATEWAY -> {
                    RawHttp.Response r = client.read();
                    assertEquals(502, r.status(), c.name());
                    assertTrue(client.closedByPeer(), "client connection closed");
                }
                case TRUNCATED -> {
                    String all = readToEnd(client.socket().getInputStream());
                    assertTrue(all.startsWith("HTTP/1.1 200"), c.name() + ": the head went out: " + all);
                    assertFalse(all.endsWith("0\r\n\r\n"), c.name() + ": no chunked end is made up: " + all);
                    assertFalse(all.endsWith("hello\r\n") && all.contains("Content-Length"), all);
                }
                case COMPLETE -> {
                    RawHttp.Response r = client.read();
                    assertEquals(200, r.status());
                    assertEquals("ok", r.body());
                    // The next request on the same client connection gets a new server connection.
                    assertEquals(200, client.get("/next").status());
                    assertEquals(2, server.connections(), "the first server connection was not reused");
                }
            }
            if (!c.serverCloses()) {
                await().atMost(Duration.ofSeconds(5)).until(() -> server.closedByPeer() >= 1); // never pooled for reuse
            }
        }
    }

    @Test
    void aTricklingServerIsTimedPerReadNotPerResponse() throws Exception {
        // Pieces 100 ms apart with a 400 ms server timeout: the response takes 1 s and arrives whole.
        String[] pieces = new String[11];
        pieces[0] = OK + "Content-Length: 10\r\n\r\n";
        for (int i = 1; i <= 10; i++) {
            pieces[i] = String.valueOf(i % 10);
        }
        try (Trickler server = new Trickler(pieces, 100, false);
                LoadBalancer lb = slowProxy(server)) {
            try (RawHttp client = new RawHttp(lb.address("fe"))) {
                RawHttp.Response r = client.get("/");
                assertEquals(200, r.status());
                assertEquals("1234567890", r.body());
            }
        }
    }

    @Test
    void aServerThatStallsMidResponseHasTheClientConnectionCut() throws Exception {
        try (Trickler server = new Trickler(new String[] {OK + "Content-Length: 10\r\n\r\nhello"}, 0, true);
                LoadBalancer lb = slowProxy(server);
                RawHttp client = new RawHttp(lb.address("fe"))) {
            long start = System.nanoTime();
            client.send("GET / HTTP/1.1\r\nHost: t\r\n\r\n");
            String all = readToEnd(client.socket().getInputStream());
            long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            assertTrue(all.startsWith("HTTP/1.1 200") && all.endsWith("hello"), all);
            assertTrue(ms >= 350 && ms < 5000, "cut after the server timeout (400 ms), took " + ms + " ms");
        }
    }

    private static LoadBalancer slowProxy(Trickler server) {
        return Proxies.start(
                Mode.HTTP,
                b -> b.server(ServerConfig.builder("s", "127.0.0.1:" + server.port())
                                .build())
                        .timeouts(Timeouts.builder()
                                .server(Duration.ofMillis(400))
                                .build()),
                f -> f,
                1);
    }

    /** Everything until the peer closes (or 10 s pass). */
    private static String readToEnd(InputStream in) throws IOException {
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        byte[] buf = new byte[4096];
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        try {
            int n;
            while (System.nanoTime() < deadline && (n = in.read(buf)) >= 0) {
                all.write(buf, 0, n);
            }
        } catch (SocketTimeoutException e) {
            throw new AssertionError("the connection stayed open: " + all, e);
        } catch (IOException e) {
            // reset: the end too
        }
        return all.toString(StandardCharsets.ISO_8859_1);
    }

    /** A server that answers one request with {@code pieces}, {@code gapMs} apart, then stalls or closes. */
    private static final class Trickler implements AutoCloseable {
        private final ServerSocket listener;
        private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();

        Trickler(String[] pieces, long gapMs, boolean stall) throws IOException {
            listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
            Thread t = new Thread(
                    () -> {
                        try {
                            Socket s = listener.accept();
                            InputStream in = s.getInputStream();
                            StringBuilder head = new StringBuilder();
                            while (head.indexOf("\r\n\r\n") < 0) {
                                int b = in.read();
                                if (b < 0) {
                                    return;
                                }
                                head.append((char) b);
                            }
                            OutputStream out = s.getOutputStream();
                            for (int i = 0; i < pieces.length; i++) {
                                String p = pieces[i];
                                timer.schedule(
                                        () -> {
                                            try {
                                                out.write(p.getBytes(StandardCharsets.ISO_8859_1));
                                                out.flush();
                                            } catch (IOException e) {
                                                // the proxy closed: fine
                                            }
                                        },
                                        i * gapMs,
                                        TimeUnit.MILLISECONDS);
                            }
                            // stall: the socket stays open until close()
                        } catch (IOException e) {
                            // closed
                        }
                    },
                    "trickler");
            t.setDaemon(true);
            t.start();
        }

        int port() {
            return listener.getLocalPort();
        }

        @Override
        public void close() throws IOException {
            timer.shutdownNow();
            listener.close();
        }
    }
}
