package org.tandemlb.core.health;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.channel.EventLoopGroup;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.tandemlb.core.backend.Backend;
import org.tandemlb.core.config.BackendConfig;
import org.tandemlb.core.config.HealthCheckConfig;
import org.tandemlb.core.config.Mode;
import org.tandemlb.core.config.ServerConfig;
import org.tandemlb.core.testsupport.TestBackend;
import org.tandemlb.core.transport.Transport;

/**
 * The real probes ({@code tcp}, {@code http}, {@code mysql}) over loopback sockets against
 * in-process servers, including a scripted MySQL server that checks the bytes of the login.
 */
class ProbesTest {
    private static final Transport TRANSPORT = Transport.best();
    private static EventLoopGroup loops;

    @BeforeAll
    static void startLoops() {
        loops = TRANSPORT.newGroup(1, "probe-test");
    }

    @AfterAll
    static void stopLoops() {
        loops.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    private static Check.Outcome probe(
            String address,
            InetAddress source,
            UnaryOperator<HealthCheckConfig.Builder> config,
            HealthCheckConfig.Type type)
            throws Exception {
        HealthCheckConfig hc = config.apply(HealthCheckConfig.builder(type).interval(Duration.ofSeconds(2)))
                .build();
        Backend backend = new Backend(BackendConfig.builder("be", Mode.TCP)
                .healthCheck(hc)
                .server(ServerConfig.builder("s", address).build())
                .build());
        NettyChecks factory = new NettyChecks(loops, TRANSPORT, System::nanoTime, source);
        EventLoopScheduler scheduler = (EventLoopScheduler) factory.scheduler();
        Check check = factory.check(backend.server("s"), hc, scheduler);
        CompletableFuture<Check.Outcome> result = new CompletableFuture<>();
        scheduler.execute(() -> check.start(result::complete));
        return result.get(10, TimeUnit.SECONDS);
    }

    private static Check.Outcome probe(
            String address, UnaryOperator<HealthCheckConfig.Builder> config, HealthCheckConfig.Type type)
            throws Exception {
        return probe(address, null, config, type);
    }

    // ---- tcp

    @Test
    void tcpPassesWhenTheConnectionIsAcceptedFromTheConfiguredSource() throws Exception {
        try (ServerSocket server = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"))) {
            CompletableFuture<InetSocketAddress> peer = new CompletableFuture<>();
            Thread t = new Thread(() -> {
                try (Socket s = server.accept()) {
                    peer.complete((InetSocketAddress) s.getRemoteSocketAddress());
                } catch (IOException e) {
                    peer.completeExceptionally(e);
                }
            });
            t.start();
            Check.Outcome o = probe(
                    "127.0.0.1:" + server.getLocalPort(),
                    InetAddress.getByName("127.0.0.2"),
                    c -> c,
                    HealthCheckConfig.Type.TCP);
            assertEquals(Check.Outcome.passed("connected"), o);
            assertEquals(
                    "127.0.0.2",
                    peer.get(5, TimeUnit.SECONDS).getAddress().getHostAddress(),
                    "checks connect from the source address");
        }
    }

    @Test
    void tcpFailsWithConnectionRefused() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"))) {
            port = s.getLocalPort();
        }
        Check.Outcome o = probe("127.0.0.1:" + port, c -> c, HealthCheckConfig.Type.TCP);
        assertEquals(Check.Outcome.failed("connection refused"), o);
    }

    @Test
    void anUnresolvableServerFailsWithoutTouchingTheNetwork() throws Exception {
        Check.Outcome o = probe("no-such-host.invalid:80", c -> c, HealthCheckConfig.Type.TCP);
        assertEquals(Check.Outcome.failed("no-such-host.invalid:80 does not resolve"), o);
    }

    // ---- http

    @Test
    void httpPassesOnAStatusInRangeAndSendsMethodPathAndHost() throws Exception {
        try (TestBackend web = TestBackend.start("web")) {
            Check.Outcome o =
                    probe(web.hostPort(), c -> c.path("/health").host("www.foobar.com"), HealthCheckConfig.Type.HTTP);
            assertEquals(Check.Outcome.passed("200"), o);
            assertEquals("www.foobar.com", web.receivedHeaders().get(0).get("Host"));
            assertEquals("close", web.receivedHeaders().get(0).get("Connection"));
            assertEquals(
                    Check.Outcome.passed("200"),
                    probe(web.hostPort(), c -> c.method("HEAD"), HealthCheckConfig.Type.HTTP));
            assertEquals(
                    web.hostPort(), web.receivedHeaders().get(1).get("Host"), "default Host: the server's address");
        }
    }

    @Test
    void httpFailsOnAStatusOutOfRangeWithTheStatusAsMessage() throws Exception {
        try (TestBackend web = TestBackend.start("web")) {
            assertEquals(
                    Check.Outcome.failed("503"),
                    probe(web.hostPort(), c -> c.path("/status?code=503"), HealthCheckConfig.Type.HTTP));
            assertEquals(
                    Check.Outcome.failed("404"),
                    probe(web.hostPort(), c -> c.path("/status?code=404"), HealthCheckConfig.Type.HTTP));
            assertEquals(
                    Check.Outcome.passed("503"),
                    probe(
                            web.hostPort(),
                            c -> c.path("/status?code=503")
                                    .expectStatus(HealthCheckConfig.StatusRange.parse("500-503")),
                            HealthCheckConfig.Type.HTTP));
            assertEquals(
                    Check.Outcome.failed("200"),
                    probe(
                            web.hostPort(),
                            c -> c.expectStatus(HealthCheckConfig.StatusRange.parse("204")),
                            HealthCheckConfig.Type.HTTP));
        }
    }

    @Test
    void httpChecksTheBodyForTheExpectedText() throws Exception {
        try (TestBackend web = TestBackend.start("web-ok")) {
            assertEquals(
                    Check.Outcome.passed("200"),
                    probe(web.hostPort(), c -> c.expectBody("-ok"), HealthCheckConfig.Type.HTTP));
            assertEquals(
                    Check.Outcome.failed("200, body lacks 'ready'"),
                    probe(web.hostPort(), c -> c.expectBody("ready"), HealthCheckConfig.Type.HTTP));
            assertEquals(
                    Check.Outcome.passed("200"),
                    probe(
                            web.hostPort(),
                            c -> c.path("/download?bytes=300000").expectBody("\0\0\0"),
                            HealthCheckConfig.Type.HTTP),
                    "found early in a large body");
        }
    }

    @Test
    void httpFailsOnSomethingThatIsNotHttp() throws Exception {
        try (ScriptedServer server = new ScriptedServer((in, out) -> {
            out.write("SSH-2.0-OpenSSH_9.2\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            in.read();
        })) {
            Check.Outcome o = probe(server.hostPort(), c -> c, HealthCheckConfig.Type.HTTP);
            assertFalse(o.passed());
            assertTrue(o.message().startsWith("not an HTTP response"), o.message());
        }
    }

    // ---- mysql

    /** A MySQL 8 style greeting: protocol 10, version, connection id, scramble, capabilities, plugin. */
    static byte[] greeting(String version, int capabilities, String plugin) {
        ByteArrayOutputStream p = new ByteArrayOutputStream();
        p.write(10);
        p.writeBytes(version.getBytes(StandardCharsets.US_ASCII));
        p.write(0);
        p.writeBytes(new byte[] {7, 0, 0, 0}); // connection id
        p.writeBytes("abcdefgh".getBytes(StandardCharsets.US_ASCII)); // auth-plugin-data-part-1
        p.write(0);
        p.write(capabilities & 0xff);
        p.write((capabilities >> 8) & 0xff);
        p.write(255); // charset
        p.writeBytes(new byte[] {2, 0}); // status
        p.write((capabilities >> 16) & 0xff);
        p.write((capabilities >> 24) & 0xff);
        p.write(21); // auth data length
        p.writeBytes(new byte[10]);
        p.writeBytes("ijklmnopqrst\0".getBytes(StandardCharsets.US_ASCII)); // part 2: 13 bytes
        p.writeBytes(plugin.getBytes(StandardCharsets.US_ASCII));
        p.write(0);
        return p.toByteArray();
    }

    static void writePacket(OutputStream out, int seq, byte[] payload) throws IOException {
        out.write(new byte[] {
            (byte) payload.length, (byte) (payload.length >> 8), (byte) (payload.length >> 16), (byte) seq
        });
        out.write(payload);
        out.flush();
    }

    /** A packet read off the wire: its sequence id and payload. */
    record Packet(int seq, byte[] payload) {}

    static Packet readPacket(InputStream in) throws IOException {
        byte[] h = in.readNBytes(4);
        if (h.length < 4) {
            return null;
        }
        int len = (h[0] & 0xff) | (h[1] & 0xff) << 8 | (h[2] & 0xff) << 16;
        return new Packet(h[3] & 0xff, in.readNBytes(len));
    }

    private static final int SERVER_CAPS = 0xFFFFF7FF; // everything MySQL 8 announces, roughly
    private static final byte[] OK = {0, 0, 0, 2, 0, 0, 0};

    @Test
    void mysqlLogsInAnswersAnAuthSwitchWithEmptyDataAndQuits() throws Exception {
        List<Packet> received = new CopyOnWriteArrayList<>();
        try (ScriptedServer server = new ScriptedServer((in, out) -> {
            writePacket(out, 0, greeting("8.0.36", SERVER_CAPS, "caching_sha2_password"));
            Packet login = readPacket(in);
            received.add(login);
            ByteArrayOutputStream sw = new ByteArrayOutputStream();
            sw.write(0xFE);
            sw.writeBytes("mysql_native_password\0".getBytes(StandardCharsets.US_ASCII));
            sw.writeBytes("01234567890123456789\0".getBytes(StandardCharsets.US_ASCII));
            writePacket(out, login.seq() + 1, sw.toByteArray());
            Packet authData = readPacket(in);
            received.add(authData);
            writePacket(out, authData.seq() + 1, OK);
            Packet quit = readPacket(in);
            received.add(quit);
            assertEquals(-1, in.read(), "then the client has nothing more to say");
        })) {
            Check.Outcome o = probe(server.hostPort(), c -> c.user("tandem_check"), HealthCheckConfig.Type.MYSQL);
            assertEquals(Check.Outcome.passed("8.0.36"), o);
            server.awaitDone();
        }
        Packet login = received.get(0);
        assertEquals(1, login.seq(), "the HandshakeResponse41 follows the greeting (sequence 0)");
        byte[] p = login.payload();
        int caps = (p[0] & 0xff) | (p[1] & 0xff) << 8 | (p[2] & 0xff) << 16 | (p[3] & 0xff) << 24;
        assertEquals(
                MysqlCheck.CLIENT_PROTOCOL_41
                        | MysqlCheck.CLIENT_SECURE_CONNECTION
                        | MysqlCheck.CLIENT_PLUGIN_AUTH
                        | MysqlCheck.CLIENT_LONG_PASSWORD,
                caps);
        assertArrayEquals(new byte[23], java.util.Arrays.copyOfRange(p, 9, 32), "23 reserved zero bytes");
        String rest = new String(p, 32, p.length - 32, StandardCharsets.ISO_8859_1);
        assertEquals(
                "tandem_check\0" + "\0" + "caching_sha2_password\0",
                rest,
                "user, an empty auth response, the server's plugin");
        assertEquals(new Packet(3, new byte[0]).seq(), received.get(1).seq(), "the answer to the switch: sequence 3");
        assertEquals(0, received.get(1).payload().length, "with empty auth data");
        assertEquals(0, received.get(2).seq(), "COM_QUIT starts a new command: sequence 0");
        assertArrayEquals(new byte[] {0x01}, received.get(2).payload());
    }

    @Test
    void mysqlFailsOnAnErrPacketAtLogin() throws Exception {
        try (ScriptedServer server = new ScriptedServer((in, out) -> {
            writePacket(out, 0, greeting("5.5.5-10.11.6-MariaDB", SERVER_CAPS, "mysql_native_password"));
            Packet login = readPacket(in);
            byte[] msg = "#28000Access denied for user 'nobody'@'localhost'".getBytes(StandardCharsets.US_ASCII);
            byte[] err = new byte[3 + msg.length];
            err[0] = (byte) 0xFF;
            err[1] = (byte) (1045 & 0xff);
            err[2] = (byte) (1045 >> 8);
            System.arraycopy(msg, 0, err, 3, msg.length);
            writePacket(out, login.seq() + 1, err);
        })) {
            Check.Outcome o = probe(server.hostPort(), c -> c.user("nobody"), HealthCheckConfig.Type.MYSQL);
            assertEquals(
                    Check.Outcome.failed("error 1045: Access denied for user 'nobody'@'localhost' (user 'nobody')"), o);
        }
    }

    @Test
    void mysqlFailsOnAnErrPacketInsteadOfTheGreeting() throws Exception {
        try (ScriptedServer server = new ScriptedServer((in, out) -> {
            byte[] msg =
                    "Host '127.0.0.2' is blocked because of many connection errors".getBytes(StandardCharsets.US_ASCII);
            byte[] err = new byte[3 + msg.length];
            err[0] = (byte) 0xFF;
            err[1] = (byte) (1129 & 0xff);
            err[2] = (byte) (1129 >> 8);
            System.arraycopy(msg, 0, err, 3, msg.length);
            writePacket(out, 0, err);
        })) {
            Check.Outcome o = probe(server.hostPort(), c -> c.user("tandem_check"), HealthCheckConfig.Type.MYSQL);
            assertEquals(
                    Check.Outcome.failed("error 1129: Host '127.0.0.2' is blocked because of many connection errors"),
                    o);
        }
    }

    @Test
    void mysqlWithoutUserReadsTheGreetingOnlyAndStripsMariaDbsVersionPrefix() throws Exception {
        CompletableFuture<Integer> bytesFromClient = new CompletableFuture<>();
        try (ScriptedServer server = new ScriptedServer((in, out) -> {
            writePacket(out, 0, greeting("5.5.5-10.11.6-MariaDB-0+deb12u1", SERVER_CAPS, "mysql_native_password"));
            bytesFromClient.complete(in.readAllBytes().length);
        })) {
            Check.Outcome o = probe(server.hostPort(), c -> c, HealthCheckConfig.Type.MYSQL);
            assertEquals(Check.Outcome.passed("10.11.6-MariaDB-0+deb12u1"), o);
            assertEquals(0, bytesFromClient.get(5, TimeUnit.SECONDS), "nothing sent, just closed");
        }
    }

    @Test
    void mysqlFailsOnSomethingElse() throws Exception {
        try (ScriptedServer server = new ScriptedServer((in, out) -> {
            out.write("HTTP/1.1 400 Bad Request\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            in.read();
        })) {
            Check.Outcome o = probe(server.hostPort(), c -> c.user("u"), HealthCheckConfig.Type.MYSQL);
            assertFalse(o.passed(), o.toString());
        }
    }

    /** A one-connection blocking server that runs a script, on its own thread. */
    static final class ScriptedServer implements AutoCloseable {
        interface Script {
            void run(InputStream in, OutputStream out) throws Exception;
        }

        private final ServerSocket socket;
        private final CompletableFuture<Void> done = new CompletableFuture<>();

        ScriptedServer(Script script) throws IOException {
            socket = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"));
            Thread t = new Thread(
                    () -> {
                        try (Socket s = socket.accept()) {
                            s.setSoTimeout(10_000);
                            script.run(s.getInputStream(), s.getOutputStream());
                            done.complete(null);
                        } catch (Throwable e) {
                            done.completeExceptionally(e);
                        }
                    },
                    "scripted-server");
            t.setDaemon(true);
            t.start();
        }

        String hostPort() {
            return "127.0.0.1:" + socket.getLocalPort();
        }

        /** Waits for the script to end and rethrows its failure (an assertion in it). */
        void awaitDone() throws Exception {
            done.get(10, TimeUnit.SECONDS);
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }
}
