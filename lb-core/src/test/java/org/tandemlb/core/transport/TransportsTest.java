package org.tandemlb.core.transport;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Arrays;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.tandemlb.core.LoadBalancer;
import org.tandemlb.core.config.Mode;
import org.tandemlb.core.config.ServerConfig;
import org.tandemlb.core.testsupport.Proxies;
import org.tandemlb.core.testsupport.RawHttp;
import org.tandemlb.core.testsupport.TestBackend;

/**
 * Every transport available here proxies alike. The point is the end of a connection: with
 * io_uring a flush only queues a write, which a close would cancel, so each test ends
 * connections right behind the last bytes and checks that every byte arrived.
 */
class TransportsTest {
    private static final int MIB = 1 << 20;

    static Stream<Transport> available() {
        return Arrays.stream(Transport.values()).filter(Transport::isAvailable);
    }

    @Test
    void bestIsTheFirstAvailableInOrderOfPreference() {
        assertEquals(available().findFirst().orElseThrow(), Transport.best());
        assertTrue(Transport.NIO.isAvailable());
        assertEquals(Transport.NIO, Transport.named(" NIO "));
        assertEquals(Transport.best(), Transport.named("auto"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Transport.named("kqueue"));
        assertEquals("unknown transport 'kqueue' (io_uring, epoll, nio or auto)", e.getMessage());
    }

    @ParameterizedTest
    @MethodSource("available")
    void httpResponsesArriveWholeBeforeTheConnectionCloses(Transport transport) throws Exception {
        try (TestBackend server = TestBackend.start("s1");
                LoadBalancer lb = Proxies.start(
                        transport,
                        Mode.HTTP,
                        b -> b.server(
                                ServerConfig.builder("s1", server.hostPort()).build()),
                        f -> f,
                        1)) {
            InetSocketAddress fe = lb.address("fe");
            // Keep-alive, then a 4 MiB response whose client asked to close after it.
            try (RawHttp c = new RawHttp(fe)) {
                for (int i = 0; i < 3; i++) {
                    assertEquals(200, c.get("/").status());
                }
                c.send("GET /download?bytes=" + 4 * MIB + " HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
                RawHttp.Response r = c.read();
                assertEquals(200, r.status());
                assertEquals(4 * MIB, r.body().length());
                assertTrue(c.closedByPeer());
            }
            // Many short connections, each closed right behind its response.
            for (int i = 0; i < 200; i++) {
                try (RawHttp c = new RawHttp(fe)) {
                    c.send("GET / HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
                    RawHttp.Response r = c.read();
                    assertEquals("s1\n", r.body(), "response " + i);
                    assertTrue(c.closedByPeer());
                }
            }
        }
    }

    @ParameterizedTest
    @MethodSource("available")
    void httpErrorAnswersArriveBeforeTheClose(Transport transport) throws Exception {
        String dead;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            dead = "127.0.0.1:" + s.getLocalPort();
        }
        try (LoadBalancer lb = Proxies.start(
                transport,
                Mode.HTTP,
                b -> b.retries(0).server(ServerConfig.builder("dead", dead).build()),
                f -> f,
                1)) {
            for (int i = 0; i < 50; i++) {
                try (RawHttp c = new RawHttp(lb.address("fe"))) {
                    assertEquals(502, c.get("/").status(), "answer " + i);
                    assertTrue(c.closedByPeer());
                }
            }
        }
    }

    @ParameterizedTest
    @MethodSource("available")
    void tcpRelaysEveryByteAndTheHalfCloseBothWays(Transport transport) throws Exception {
        try (AnswerAfterFinServer server = new AnswerAfterFinServer(4 * MIB);
                LoadBalancer lb = Proxies.start(
                        transport,
                        Mode.TCP,
                        b -> b.server(
                                ServerConfig.builder("s", server.hostPort()).build()),
                        f -> f,
                        1)) {
            int port = lb.address("fe").getPort();
            // A large exchange: the server answers only after the client's FIN, then closes at
            // once; the last bytes must still reach the client, in order.
            assertArrayEquals(AnswerAfterFinServer.pattern(4 * MIB), exchange(port, MIB));
            // Many small ones, as a Connection: close benchmark makes them.
            for (int i = 0; i < 200; i++) {
                assertEquals(4 * MIB, exchange(port, 10).length, "exchange " + i);
            }
            assertEquals(MIB + 200 * 10, server.received());
        }
    }

    /** Sends {@code bytes}, half-closes, and reads the answer to its end. */
    private static byte[] exchange(int port, int bytes) throws IOException {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 5000);
            s.setSoTimeout(30_000);
            OutputStream out = s.getOutputStream();
            out.write(new byte[bytes]);
            s.shutdownOutput();
            return s.getInputStream().readAllBytes();
        }
    }

    /**
     * A blocking server that reads to the client's FIN, then writes a fixed answer of
     * {@code answerBytes} (a counting pattern) and closes.
     */
    private static final class AnswerAfterFinServer implements AutoCloseable {
        private final ServerSocket socket;
        private final byte[] answer;
        private long received; // guarded by this

        AnswerAfterFinServer(int answerBytes) throws IOException {
            socket = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
            answer = pattern(answerBytes);
            Thread t = new Thread(this::serve, "answer-after-fin");
            t.setDaemon(true);
            t.start();
        }

        static byte[] pattern(int n) {
            byte[] b = new byte[n];
            for (int i = 0; i < n; i++) {
                b[i] = (byte) (i * 31 + (i >>> 13));
            }
            return b;
        }

        String hostPort() {
            return "127.0.0.1:" + socket.getLocalPort();
        }

        synchronized long received() {
            return received;
        }

        private void serve() {
            byte[] buf = new byte[64 * 1024];
            while (!socket.isClosed()) {
                try (Socket s = socket.accept()) {
                    s.setSoTimeout(30_000);
                    InputStream in = s.getInputStream();
                    long n = 0;
                    for (int r = in.read(buf); r >= 0; r = in.read(buf)) {
                        n += r;
                    }
                    synchronized (this) {
                        received += n;
                    }
                    s.getOutputStream().write(answer);
                } catch (IOException e) {
                    // closed by the test, or a client gone: serve the next one
                }
            }
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }
}
