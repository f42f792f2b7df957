package org.tandemlb.core.tcp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.tandemlb.core.LoadBalancer;
import org.tandemlb.core.config.Balance;
import org.tandemlb.core.config.Mode;
import org.tandemlb.core.config.ServerConfig;
import org.tandemlb.core.testsupport.MariaDbServer;
import org.tandemlb.core.testsupport.Proxies;

/** The TCP mode end to end: half-close, volume with back-pressure, retries, and a real MariaDB behind it. */
class TcpProxyTest {

    /**
     * A blocking server that reads until the client's FIN, then answers {@code got N} and closes:
     * it can only answer if the proxy relays the half-close.
     */
    static final class CountThenAnswerServer implements AutoCloseable {
        final ServerSocket socket;
        final AtomicInteger accepted = new AtomicInteger();
        final Thread thread;

        CountThenAnswerServer() throws IOException {
            socket = new ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress());
            thread = new Thread(this::serve, "count-then-answer");
            thread.setDaemon(true);
            thread.start();
        }

        String hostPort() {
            return "127.0.0.1:" + socket.getLocalPort();
        }

        private void serve() {
            while (!socket.isClosed()) {
                try (Socket s = socket.accept()) {
                    accepted.incrementAndGet();
                    s.setSoTimeout(30_000);
                    long n = 0;
                    byte[] buf = new byte[64 * 1024];
                    InputStream in = s.getInputStream();
                    for (int r = in.read(buf); r >= 0; r = in.read(buf)) {
                        n += r;
                    }
                    s.getOutputStream().write(("got " + n).getBytes(StandardCharsets.US_ASCII));
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

    private static String sendAndHalfClose(int port, long bytes) throws IOException {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 5000);
            s.setSoTimeout(30_000);
            OutputStream out = s.getOutputStream();
            byte[] chunk = new byte[64 * 1024];
            for (long sent = 0; sent < bytes; sent += chunk.length) {
                out.write(chunk, 0, (int) Math.min(chunk.length, bytes - sent));
            }
            s.shutdownOutput();
            return new String(s.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
        }
    }

    @Test
    void halfCloseIsRelayedAndBytesArriveIntact() throws Exception {
        try (CountThenAnswerServer server = new CountThenAnswerServer();
                LoadBalancer lb = Proxies.start(
                        Mode.TCP,
                        b -> b.server(
                                ServerConfig.builder("s", server.hostPort()).build()),
                        f -> f,
                        1)) {
            int port = lb.address("fe").getPort();
            assertEquals("got 5", sendAndHalfClose(port, 5));
            long big = 256L << 20;
            assertEquals("got " + big, sendAndHalfClose(port, big), "256 MiB relayed with back-pressure");
        }
    }

    @Test
    void connectFailureIsRetriedOnAnotherServer() throws Exception {
        CountThenAnswerServer dead = new CountThenAnswerServer();
        String deadAddress = dead.hostPort();
        dead.close();
        try (CountThenAnswerServer live = new CountThenAnswerServer();
                LoadBalancer lb = Proxies.start(
                        Mode.TCP,
                        b -> b.server(ServerConfig.builder("dead", deadAddress).build())
                                .server(ServerConfig.builder("live", live.hostPort())
                                        .build()),
                        f -> f,
                        1)) {
            int port = lb.address("fe").getPort();
            for (int i = 0; i < 10; i++) {
                assertEquals("got 3", sendAndHalfClose(port, 3));
            }
            assertEquals(10, live.accepted.get());
            assertTrue(lb.backend("be").server("dead").connectFailuresTotal() >= 5);
        }
    }

    @Test
    void noServerClosesTheClientAtOnce() throws Exception {
        try (CountThenAnswerServer server = new CountThenAnswerServer();
                LoadBalancer lb = Proxies.start(
                        Mode.TCP,
                        b -> b.server(
                                ServerConfig.builder("s", server.hostPort()).build()),
                        f -> f,
                        1)) {
            lb.backend("be").server("s").setUp(false);
            try (Socket s = new Socket()) {
                s.connect(lb.address("fe"), 5000);
                s.setSoTimeout(10_000);
                assertEquals(-1, s.getInputStream().read(), "closed without a byte");
            }
            assertEquals(0, server.accepted.get());
        }
    }

    @Test
    void mariadbClientWorksThroughTcpFrontend() throws Exception {
        try (MariaDbServer db = MariaDbServer.start("--max-connect-errors=3");
                LoadBalancer lb = Proxies.start(
                        Mode.TCP,
                        b -> b.balance(Balance.LEASTCONN)
                                .server(ServerConfig.builder("db1", "127.0.0.1:" + db.port())
                                        .build()),
                        f -> f,
                        2)) {
            db.createPasswordlessUser("app");
            int port = lb.address("fe").getPort();
            for (int i = 0; i < 5; i++) {
                String out = db.sqlOverTcp("127.0.0.1", port, "app", "SELECT 40 + " + i);
                assertEquals(Integer.toString(40 + i), out.trim());
            }
            String version = db.sqlOverTcp("127.0.0.1", port, "app", "SELECT VERSION()");
            assertTrue(version.contains("MariaDB"), version);
            assertEquals(6, lb.backend("be").server("db1").requestsTotal());
            org.awaitility.Awaitility.await()
                    .atMost(Duration.ofSeconds(5))
                    .until(() -> lb.backend("be").server("db1").activeConnections() == 0);
        }
    }
}
