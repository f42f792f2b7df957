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
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.tandemlb.core.LoadBalancer;
import org.tandemlb.core.config.Mode;
import org.tandemlb.core.config.ServerConfig;
import org.tandemlb.core.config.Timeouts;
import org.tandemlb.core.http.MalformedResponses.Case;
import org.tandemlb.core.testsupport.Proxies;
import org.tandemlb.core.testsupport.RawHttp;
import org.tandemlb.core.testsupport.RawServer;

/**
 * docs/security.md: what a misbehaving server gets, for each response of
 * {@link MalformedResponses}. A malformed or ambiguous response head is a 502; a body that breaks
 * once its head went out cuts the client's connection (the truncation is visible, never presented
 * as complete); bytes beyond a response are dropped. In every case the server connection is closed
 * by Tandem, never reused. A server that trickles is timed per read; one that stops reading holds
 * the client back (back-pressure), it does not make Tandem buffer.
 */
class MalformedResponseTest {
    private static final String OK = "HTTP/1.1 200 OK\r\n";

    static List<Case> cases() {
        return MalformedResponses.all();
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

    @Test
    void aServerThatStopsReadingHoldsTheClientBackInsteadOfBuffering() throws Exception {
        // A server whose connections are never accepted: the kernel completes them, and what
        // Tandem sends fills the socket buffers and stays there. A 1 GiB upload must then stop
        // at what the sockets hold (Tandem stops reading the client), not pile up in Tandem.
        long body = 1L << 30;
        long bound = 64L << 20;
        try (ServerSocket stalled = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
                LoadBalancer lb = Proxies.start(
                        Mode.HTTP,
                        b -> b.server(ServerConfig.builder("s", "127.0.0.1:" + stalled.getLocalPort())
                                .build()),
                        f -> f,
                        1);
                RawHttp client = new RawHttp(lb.address("fe"))) {
            client.send("POST /upload HTTP/1.1\r\nHost: t\r\nContent-Length: " + body + "\r\n\r\n");
            AtomicLong sent = new AtomicLong();
            OutputStream out = client.socket().getOutputStream();
            Thread writer = new Thread(
                    () -> {
                        byte[] chunk = new byte[64 * 1024];
                        try {
                            while (sent.get() < body) {
                                out.write(chunk);
                                sent.addAndGet(chunk.length);
                            }
                        } catch (IOException e) {
                            // the test closed the connection
                        }
                    },
                    "uploader");
            writer.setDaemon(true);
            writer.start();
            long[] last = {-1, System.nanoTime()};
            await().atMost(Duration.ofSeconds(60))
                    .pollInterval(Duration.ofMillis(250))
                    .until(() -> {
                        long now = sent.get();
                        if (now != last[0]) {
                            last[0] = now;
                            last[1] = System.nanoTime();
                            return false;
                        }
                        return System.nanoTime() - last[1] > TimeUnit.SECONDS.toNanos(2); // no progress for 2 s
                    });
            System.out.printf(
                    "a server that stops reading: the client's upload stopped after %.1f MiB of 1 GiB%n",
                    sent.get() / 1048576.0);
            assertTrue(sent.get() < bound, "the upload stopped at what the sockets hold: " + sent.get() + " bytes");
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
