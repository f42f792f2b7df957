package org.tandemlb.core.proxyprotocol;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.UnpooledByteBufAllocator;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.tandemlb.core.LoadBalancer;
import org.tandemlb.core.accesslog.AccessLogEntry;
import org.tandemlb.core.config.BackendConfig;
import org.tandemlb.core.config.Balance;
import org.tandemlb.core.config.FrontendConfig;
import org.tandemlb.core.config.LoadBalancerConfig;
import org.tandemlb.core.config.Mode;
import org.tandemlb.core.config.SendProxy;
import org.tandemlb.core.config.ServerConfig;
import org.tandemlb.core.config.Timeouts;
import org.tandemlb.core.testsupport.TestBackend;
import org.tandemlb.core.testsupport.TestBackends;

/**
 * {@code accept_proxy} end to end, over real sockets on loopback: a client that writes a PROXY
 * header (as a load balancer in front would) and its request in one write, and the addresses the
 * header carries everywhere Tandem uses the client's address.
 */
class AcceptProxyTest {
    private static final Duration HEADER_DEADLINE = Duration.ofSeconds(2);

    @RegisterExtension
    final TestBackends backends = new TestBackends();

    private final List<AccessLogEntry> log = new CopyOnWriteArrayList<>();

    private LoadBalancer start(Mode mode, Balance balance, TestBackend... servers) {
        BackendConfig.Builder be = BackendConfig.builder("be", mode).balance(balance);
        for (TestBackend s : servers) {
            be.server(ServerConfig.builder(s.name(), s.hostPort()).build());
        }
        Timeouts t = Timeouts.builder()
                .httpRequest(HEADER_DEADLINE)
                .client(HEADER_DEADLINE)
                .build();
        LoadBalancer lb = LoadBalancer.builder(LoadBalancerConfig.builder()
                        .backend(be.build())
                        .frontend(FrontendConfig.builder("fe", mode)
                                .bind("127.0.0.1:0")
                                .defaultBackend("be")
                                .acceptProxy(true)
                                .timeouts(t)
                                .build())
                        .build())
                .threads(1)
                .accessListener(log::add)
                .build();
        lb.start();
        return lb;
    }

    private static byte[] header(SendProxy version, String client, int port, InetSocketAddress to) {
        ByteBuf b =
                ProxyHeaders.header(UnpooledByteBufAllocator.DEFAULT, version, new InetSocketAddress(client, port), to);
        byte[] bytes = ByteBufUtil.getBytes(b);
        b.release();
        return bytes;
    }

    private static byte[] concat(byte[] a, String b) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(a);
        out.writeBytes(b.getBytes(StandardCharsets.US_ASCII));
        return out.toByteArray();
    }

    /** Writes {@code bytes} in one write and reads until the connection closes. */
    private static String exchange(InetSocketAddress to, byte[] bytes) throws IOException {
        try (Socket s = new Socket()) {
            s.connect(to, 5000);
            s.setSoTimeout(10_000);
            s.getOutputStream().write(bytes);
            s.getOutputStream().flush();
            return new String(s.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
        }
    }

    @Test
    void theHeadersAddressIsTheClientForForwardedForAndTheAccessLog() throws Exception {
        TestBackend a = backends.start("a");
        try (LoadBalancer lb = start(Mode.HTTP, Balance.ROUNDROBIN, a)) {
            InetSocketAddress fe = lb.address("fe");
            String request = "GET /hello HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n";
            assertTrue(
                    exchange(fe, concat(header(SendProxy.V1, "192.0.2.7", 4001, fe), request))
                            .startsWith("HTTP/1.1 200"),
                    "v1 header and request in one write");
            assertTrue(
                    exchange(
                                    fe,
                                    concat(
                                            header(
                                                    SendProxy.V2,
                                                    "2001:db8::9",
                                                    4002,
                                                    new InetSocketAddress("2001:db8::1", 443)),
                                            request))
                            .startsWith("HTTP/1.1 200"),
                    "v2 header and request in one write");
            assertTrue(exchange(fe, concat("PROXY UNKNOWN\r\n".getBytes(StandardCharsets.US_ASCII), request))
                    .startsWith("HTTP/1.1 200"));
            List<String> xff = a.receivedHeaders().stream()
                    .map(h -> h.get("X-Forwarded-For"))
                    .toList();
            assertEquals(
                    List.of("192.0.2.7", "2001:db8:0:0:0:0:0:9", "127.0.0.1"),
                    xff,
                    "UNKNOWN keeps the connection's own address");
            await().atMost(Duration.ofSeconds(5)).until(() -> log.size() == 3);
            assertEquals(
                    Set.of("192.0.2.7:4001", "[2001:db8:0:0:0:0:0:9]:4002"),
                    Set.of(hostPort(log.get(0).client()), hostPort(log.get(1).client())));
            assertEquals(0, lb.frontend("fe").proxyHeaderFailures());
        }
    }

    private static String hostPort(InetSocketAddress a) {
        String h = a.getAddress().getHostAddress();
        return (h.contains(":") ? "[" + h + "]" : h) + ":" + a.getPort();
    }

    @Test
    void sourceBalancingHashesTheHeadersAddress() throws Exception {
        TestBackend a = backends.start("a");
        TestBackend b = backends.start("b");
        TestBackend c = backends.start("c");
        try (LoadBalancer lb = start(Mode.HTTP, Balance.SOURCE, a, b, c)) {
            InetSocketAddress fe = lb.address("fe");
            Map<String, Set<String>> serversByClient = new HashMap<>();
            for (int round = 0; round < 3; round++) {
                for (int i = 1; i <= 12; i++) {
                    String client = "198.51.100." + i;
                    String response = exchange(
                            fe,
                            concat(
                                    header(SendProxy.V2, client, 5000 + round, fe),
                                    "GET / HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n"));
                    String server = response.substring(response.lastIndexOf("\r\n\r\n") + 4)
                            .trim();
                    serversByClient
                            .computeIfAbsent(client, k -> new HashSet<>())
                            .add(server);
                }
            }
            // Every connection came from 127.0.0.1: only the header's addresses can spread them.
            serversByClient.forEach(
                    (client, servers) -> assertEquals(1, servers.size(), client + " always on one server"));
            Set<String> used = new HashSet<>();
            serversByClient.values().forEach(used::addAll);
            assertTrue(used.size() > 1, "12 client addresses over 3 servers use more than one: " + serversByClient);
        }
    }

    @Test
    void noHeaderWithinTheDeadlineIsClosed() throws Exception {
        TestBackend a = backends.start("a");
        try (LoadBalancer lb = start(Mode.HTTP, Balance.ROUNDROBIN, a);
                Socket s = new Socket()) {
            s.connect(lb.address("fe"), 5000);
            s.setSoTimeout(10_000);
            long start = System.nanoTime();
            assertEquals(-1, s.getInputStream().read(), "closed without an answer");
            assertTrue(System.nanoTime() - start >= HEADER_DEADLINE.toNanos() / 2, "not before the deadline");
            await().atMost(Duration.ofSeconds(5)).until(() -> lb.frontend("fe").proxyHeaderFailures() == 1);
            assertEquals(0, a.requests());
        }
    }

    @Test
    void aRequestWithoutHeaderIsClosedAtOnce() throws Exception {
        TestBackend a = backends.start("a");
        try (LoadBalancer lb = start(Mode.HTTP, Balance.ROUNDROBIN, a);
                Socket s = new Socket()) {
            s.connect(lb.address("fe"), 5000);
            s.setSoTimeout(10_000);
            long start = System.nanoTime();
            s.getOutputStream().write("GET / HTTP/1.1\r\nHost: t\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            InputStream in = s.getInputStream();
            assertEquals(-1, in.read(), "closed without an answer");
            assertTrue(System.nanoTime() - start < HEADER_DEADLINE.toNanos(), "at once, not at the deadline");
            assertEquals(1, lb.frontend("fe").proxyHeaderFailures());
            assertEquals(0, a.requests());
        }
    }

    @Test
    void tcpModeTakesTheHeaderThenRelaysWhatFollowsIt() throws Exception {
        TestBackend a = backends.start("a");
        try (LoadBalancer lb = start(Mode.TCP, Balance.ROUNDROBIN, a)) {
            InetSocketAddress fe = lb.address("fe");
            String response = exchange(
                    fe,
                    concat(
                            header(SendProxy.V1, "203.0.113.5", 7000, fe),
                            "GET /tcp HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n"));
            assertTrue(response.startsWith("HTTP/1.1 200") && response.endsWith("a\n"), response);
            await().atMost(Duration.ofSeconds(5)).until(() -> log.size() == 1);
            assertEquals("203.0.113.5:7000", hostPort(log.get(0).client()));

            try (Socket s = new Socket()) {
                s.connect(fe, 5000);
                s.setSoTimeout(10_000);
                assertEquals(-1, s.getInputStream().read(), "no header within timeouts.client: closed");
            }
            assertEquals(1, lb.frontend("fe").proxyHeaderFailures());

            try (Socket s = new Socket()) {
                s.connect(fe, 5000);
                s.setSoTimeout(10_000);
                s.shutdownOutput(); // a plain TCP check of the balancer in front: connect, FIN
                assertEquals(-1, s.getInputStream().read(), "closed");
            }
            assertEquals(1, lb.frontend("fe").proxyHeaderFailures(), "not counted as a failed header");
        }
    }
}
