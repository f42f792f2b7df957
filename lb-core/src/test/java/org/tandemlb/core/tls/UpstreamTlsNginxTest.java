package org.tandemlb.core.tls;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;
import org.tandemlb.core.LoadBalancer;
import org.tandemlb.core.LoadBalancerException;
import org.tandemlb.core.backend.CheckResult;
import org.tandemlb.core.backend.Server;
import org.tandemlb.core.config.BackendConfig;
import org.tandemlb.core.config.HealthCheckConfig;
import org.tandemlb.core.config.LoadBalancerConfig;
import org.tandemlb.core.config.Mode;
import org.tandemlb.core.config.ServerConfig;
import org.tandemlb.core.config.Timeouts;
import org.tandemlb.core.config.UpstreamTlsConfig;
import org.tandemlb.core.testsupport.NginxServer;
import org.tandemlb.core.testsupport.Proxies;
import org.tandemlb.core.testsupport.RawHttp;
import org.tandemlb.core.testsupport.TestCertificates;
import org.tandemlb.core.testsupport.TestCertificates.Issued;
import org.tandemlb.core.testsupport.TestCertificates.KeyFormat;
import org.tandemlb.core.testsupport.TestCertificates.KeyType;

/**
 * A backend's {@code tls} against a real Nginx listening with {@code ssl}: plain HTTP clients in
 * front, TLS to the server, its certificate verified against a test CA (or not), SNI, keep-alive
 * over one TLS connection, failures that are 502s with their reason in the log, and health checks
 * over TLS. Nginx's own log tells what it saw ({@code $connection}, {@code $ssl_server_name}).
 */
class UpstreamTlsNginxTest {
    @TempDir
    static Path dir;

    private static TestCertificates ca;
    private static TestCertificates otherCa;
    private static Issued ip;
    private static Issued web;

    private final ListAppender<ILoggingEvent> logged = new ListAppender<>();
    private final ch.qos.logback.classic.Logger tlsLog =
            (ch.qos.logback.classic.Logger) LoggerFactory.getLogger(UpstreamTls.class);

    @BeforeAll
    static void certificates() {
        ca = TestCertificates.create(dir.resolve("ca"));
        otherCa = TestCertificates.create(dir.resolve("other-ca"));
        ip = ca.issue("ip", KeyType.EC, KeyFormat.PKCS8, "127.0.0.1");
        web = ca.issue("web", KeyType.RSA, KeyFormat.TRADITIONAL, "web.internal");
    }

    @BeforeEach
    void captureLog() {
        logged.start();
        tlsLog.addAppender(logged);
    }

    @AfterEach
    void releaseLog() {
        tlsLog.detachAppender(logged);
    }

    /** WARN lines of {@link UpstreamTls}. */
    private List<String> warnings() {
        synchronized (logged) {
            return logged.list.stream()
                    .filter(e -> e.getLevel() == Level.WARN)
                    .map(ILoggingEvent::getFormattedMessage)
                    .toList();
        }
    }

    /**
     * Nginx with TLS on its port: the {@code web.internal} certificate for that SNI name, the
     * {@code 127.0.0.1} one otherwise; every request logged as "connection requests sni protocol"
     * in {@code log}.
     */
    private static NginxServer nginx(Path log, String protocols) {
        return NginxServer.builder()
                .listenParameters("ssl")
                .http(
                        "map $ssl_server_name $cert { web.internal " + web.chain() + "; default " + ip.chain() + "; }\n"
                                + "map $ssl_server_name $certkey { web.internal " + web.key() + "; default " + ip.key()
                                + "; }\n"
                                + "log_format tls '$connection $connection_requests [$ssl_server_name] $ssl_protocol $ssl_alpn_protocol';\n")
                .server("ssl_certificate $cert; ssl_certificate_key $certkey; ssl_protocols " + protocols + ";\n"
                        + "access_log " + log + " tls;\n"
                        + "location / { return 200 \"nginx over $ssl_protocol\\n\"; }")
                .start();
    }

    private static LoadBalancer proxy(
            Mode mode, int port, UpstreamTlsConfig tls, UnaryOperator<BackendConfig.Builder> more) {
        return Proxies.start(
                mode,
                b -> more.apply(b.tls(tls)
                        .timeouts(Timeouts.builder()
                                .connect(Duration.ofSeconds(2))
                                .build())
                        .server(ServerConfig.builder("web1", "127.0.0.1:" + port)
                                .build())),
                f -> f,
                1);
    }

    private static UpstreamTlsConfig.Builder trusting(TestCertificates authority) {
        return UpstreamTlsConfig.builder().ca(authority.caCertificate());
    }

    private static List<String> lines(Path file) throws IOException {
        return Files.exists(file) ? Files.readAllLines(file) : List.of();
    }

    @Test
    void aPlainClientGetsNginxOverOneVerifiedTlsConnection() throws Exception {
        Path log = dir.resolve("keepalive.log");
        try (NginxServer nginx = nginx(log, "TLSv1.2 TLSv1.3");
                LoadBalancer lb = proxy(Mode.HTTP, nginx.port(), trusting(ca).build(), b -> b);
                RawHttp client = new RawHttp(lb.address("fe"))) {
            for (int i = 0; i < 20; i++) {
                RawHttp.Response r = client.get("/");
                assertEquals(200, r.status());
                assertEquals("nginx over TLSv1.3\n", r.body());
            }
            // One TLS connection served the 20 requests: Nginx numbers them 1 to 20 on one
            // connection; no SNI was sent for an IP address; ALPN chose http/1.1.
            await().atMost(Duration.ofSeconds(5)).until(() -> lines(log).size() == 20);
            List<String> seen = lines(log);
            String connection = seen.get(0).split(" ")[0];
            for (int i = 0; i < 20; i++) {
                assertEquals(connection + " " + (i + 1) + " [-] TLSv1.3 http/1.1", seen.get(i));
            }
        }
    }

    @Test
    void sniIsSentAndTheCertificateOfThatNameIsVerified() throws Exception {
        Path log = dir.resolve("sni.log");
        try (NginxServer nginx = nginx(log, "TLSv1.2 TLSv1.3");
                LoadBalancer lb = proxy(
                        Mode.HTTP,
                        nginx.port(),
                        trusting(ca).sni("web.internal").build(),
                        b -> b);
                RawHttp client = new RawHttp(lb.address("fe"))) {
            assertEquals(200, client.get("/").status());
            await().atMost(Duration.ofSeconds(5)).until(() -> lines(log).size() == 1);
            assertTrue(
                    lines(log).get(0).endsWith(" 1 [web.internal] TLSv1.3 http/1.1"),
                    lines(log).get(0));
        }
        // A name the server has no certificate for: it presents its default one, which does not match.
        try (NginxServer nginx = nginx(dir.resolve("sni-other.log"), "TLSv1.2 TLSv1.3");
                LoadBalancer lb = proxy(
                        Mode.HTTP,
                        nginx.port(),
                        trusting(ca).sni("api.internal").build(),
                        b -> b);
                RawHttp client = new RawHttp(lb.address("fe"))) {
            assertEquals(502, client.get("/").status());
            assertTrue(
                    warnings()
                            .contains("server be/web1: TLS handshake failed: certificate does not match api.internal"),
                    warnings().toString());
        }
    }

    @Test
    void aCertificateForAnotherNameIs502WithTheReason() throws Exception {
        try (NginxServer nginx = NginxServer.builder()
                        .listenParameters("ssl")
                        .server("ssl_certificate " + web.chain() + "; ssl_certificate_key " + web.key() + ";\n"
                                + "location / { return 200 \"web.internal\\n\"; }")
                        .start();
                LoadBalancer lb = proxy(Mode.HTTP, nginx.port(), trusting(ca).build(), b -> b);
                RawHttp client = new RawHttp(lb.address("fe"))) {
            assertEquals(502, client.get("/").status());
            assertEquals(
                    List.of("server be/web1: TLS handshake failed: certificate does not match 127.0.0.1"), warnings());
        }
    }

    @Test
    void aFailedHandshakeIsRetriedOnAnotherServer() throws Exception {
        try (NginxServer wrongName = NginxServer.builder()
                        .listenParameters("ssl")
                        .server("ssl_certificate " + web.chain() + "; ssl_certificate_key " + web.key() + ";\n"
                                + "location / { return 200 \"web.internal\\n\"; }")
                        .start();
                NginxServer good = nginx(dir.resolve("retry.log"), "TLSv1.2 TLSv1.3");
                LoadBalancer lb = Proxies.start(
                        Mode.HTTP,
                        b -> b.tls(trusting(ca).build())
                                .server(ServerConfig.builder("web1", "127.0.0.1:" + wrongName.port())
                                        .build())
                                .server(ServerConfig.builder("web2", "127.0.0.1:" + good.port())
                                        .build()),
                        f -> f,
                        1)) {
            for (int i = 0; i < 6; i++) {
                try (RawHttp client = new RawHttp(lb.address("fe"))) {
                    assertEquals("nginx over TLSv1.3\n", client.get("/").body());
                }
            }
            assertTrue(lb.backend("be").server("web1").connectFailuresTotal() >= 3);
            assertEquals(
                    List.of("server be/web1: TLS handshake failed: certificate does not match 127.0.0.1"),
                    warnings(),
                    "one warning for the run of failures");
        }
    }

    @Test
    void aWrongCaIs502AndTheHttpCheckTakesTheServerDown() throws Exception {
        HealthCheckConfig check = HealthCheckConfig.builder(HealthCheckConfig.Type.HTTP)
                .path("/")
                .interval(Duration.ofMillis(100))
                .timeout(Duration.ofSeconds(2))
                .fall(1)
                .build();
        try (NginxServer nginx = nginx(dir.resolve("wrong-ca.log"), "TLSv1.2 TLSv1.3");
                LoadBalancer lb =
                        proxy(Mode.HTTP, nginx.port(), trusting(otherCa).build(), b -> b.retries(0));
                RawHttp client = new RawHttp(lb.address("fe"))) {
            Server web1 = lb.backend("be").server("web1");
            assertEquals(502, client.get("/").status());
            String reason = "TLS handshake failed: the server's certificate is not signed by a CA of "
                    + otherCa.caCertificate();
            assertEquals(List.of("server be/web1: " + reason), warnings());
            assertEquals(1, web1.connectFailuresTotal(), "a failed handshake is a failed connect");

            BackendConfig checked = BackendConfig.builder("be", Mode.HTTP)
                    .tls(trusting(otherCa).build())
                    .retries(0)
                    .servers(lb.config().backend("be").servers())
                    .healthCheck(check)
                    .build();
            lb.apply(new LoadBalancerConfig(lb.config().frontends(), List.of(checked)));
            await().atMost(Duration.ofSeconds(10)).until(() -> !web1.isUp());
            CheckResult last = web1.lastCheck();
            assertEquals(CheckResult.Status.FAILED, last.status());
            assertEquals(reason, last.message());
        }
    }

    @Test
    void aReloadThatChangesTlsClosesTheIdleConnectionsMadeWithTheOldSettings() throws Exception {
        try (NginxServer nginx = nginx(dir.resolve("reload.log"), "TLSv1.2 TLSv1.3");
                LoadBalancer lb = proxy(Mode.HTTP, nginx.port(), trusting(ca).build(), b -> b.retries(0));
                RawHttp client = new RawHttp(lb.address("fe"))) {
            assertEquals(200, client.get("/").status());
            BackendConfig distrusting = BackendConfig.builder("be", Mode.HTTP)
                    .tls(trusting(otherCa).build())
                    .retries(0)
                    .servers(lb.config().backend("be").servers())
                    .build();
            lb.apply(new LoadBalancerConfig(lb.config().frontends(), List.of(distrusting)));
            // The pooled connection, verified with the old CA, is not reused: a new one fails to verify.
            assertEquals(502, client.get("/").status());
        }
    }

    @Test
    void withoutCaTheSystemTrustStoreDecides() throws Exception {
        try (NginxServer nginx = nginx(dir.resolve("system.log"), "TLSv1.2 TLSv1.3");
                LoadBalancer lb = proxy(Mode.HTTP, nginx.port(), UpstreamTlsConfig.DEFAULTS, b -> b.retries(0));
                RawHttp client = new RawHttp(lb.address("fe"))) {
            assertEquals(502, client.get("/").status(), "the test CA is in no system trust store");
            assertEquals(
                    List.of("server be/web1: TLS handshake failed: the server's certificate is not signed by a CA of"
                            + " the system's trust store"),
                    warnings());
        }
    }

    @Test
    void verifyFalseAcceptsAnyCertificateAndWarnsOnce() throws Exception {
        try (NginxServer nginx = nginx(dir.resolve("noverify.log"), "TLSv1.2 TLSv1.3");
                LoadBalancer lb = proxy(
                        Mode.HTTP,
                        nginx.port(),
                        trusting(otherCa).verify(false).sni("api.internal").build(),
                        b -> b);
                RawHttp client = new RawHttp(lb.address("fe"))) {
            assertEquals(200, client.get("/").status());
            assertEquals(
                    List.of("backend be: tls.verify is false: the servers' certificates are not checked"), warnings());
        }
    }

    @Test
    void aServerWithTls13OnlyWorksAndTheHttpCheckPasses() throws Exception {
        HealthCheckConfig check = HealthCheckConfig.builder(HealthCheckConfig.Type.HTTP)
                .path("/")
                .interval(Duration.ofMillis(100))
                .timeout(Duration.ofSeconds(2))
                .build();
        try (NginxServer nginx = nginx(dir.resolve("tls13.log"), "TLSv1.3");
                LoadBalancer lb = proxy(Mode.HTTP, nginx.port(), trusting(ca).build(), b -> b.healthCheck(check));
                RawHttp client = new RawHttp(lb.address("fe"))) {
            assertEquals("nginx over TLSv1.3\n", client.get("/").body());
            Server web1 = lb.backend("be").server("web1");
            await().atMost(Duration.ofSeconds(10)).until(() -> web1.lastCheck() != null);
            assertEquals(
                    CheckResult.Status.PASSED,
                    web1.lastCheck().status(),
                    web1.lastCheck().message());
            assertEquals("200", web1.lastCheck().message());
        }
    }

    @Test
    void aPlainHttpServerWhereTlsIsExpectedIs502AtOnce() throws Exception {
        try (NginxServer nginx = NginxServer.start("location / { return 200 \"plain\\n\"; }");
                LoadBalancer lb = proxy(Mode.HTTP, nginx.port(), trusting(ca).build(), b -> b.retries(0));
                RawHttp client = new RawHttp(lb.address("fe"))) {
            long start = System.nanoTime();
            assertEquals(502, client.get("/").status());
            assertTrue(
                    Duration.ofNanos(System.nanoTime() - start).compareTo(Duration.ofSeconds(2)) < 0,
                    "no wait for the connect timeout: the server answered");
            assertEquals(List.of("server be/web1: TLS handshake failed: the server does not speak TLS"), warnings());
        }
    }

    @Test
    void aSilentServerIs502AfterTheConnectTimeout() throws Exception {
        // Accepted by the kernel (backlog), never answered: the handshake waits for nothing.
        try (ServerSocket silent = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
                LoadBalancer lb = Proxies.start(
                        Mode.HTTP,
                        b -> b.retries(0)
                                .tls(trusting(ca).build())
                                .timeouts(Timeouts.builder()
                                        .connect(Duration.ofMillis(500))
                                        .build())
                                .server(ServerConfig.builder("web1", "127.0.0.1:" + silent.getLocalPort())
                                        .build()),
                        f -> f,
                        1);
                RawHttp client = new RawHttp(lb.address("fe"))) {
            long start = System.nanoTime();
            assertEquals(502, client.get("/").status());
            Duration took = Duration.ofNanos(System.nanoTime() - start);
            assertTrue(
                    took.compareTo(Duration.ofMillis(450)) > 0 && took.compareTo(Duration.ofMillis(2500)) < 0,
                    "the handshake is bounded by timeouts.connect (500 ms): " + took);
            assertEquals(List.of("server be/web1: TLS handshake timed out"), warnings());
        }
    }

    @Test
    void tcpModeRelaysDecryptedBytesAndTheTcpCheckDoesAHandshake() throws Exception {
        HealthCheckConfig check = HealthCheckConfig.builder(HealthCheckConfig.Type.TCP)
                .interval(Duration.ofMillis(100))
                .timeout(Duration.ofSeconds(2))
                .build();
        try (NginxServer nginx = nginx(dir.resolve("tcp.log"), "TLSv1.2 TLSv1.3");
                LoadBalancer lb = proxy(Mode.TCP, nginx.port(), trusting(ca).build(), b -> b.healthCheck(check));
                RawHttp client = new RawHttp(lb.address("fe"))) {
            RawHttp.Response r = client.send("GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
                    .read();
            assertEquals(200, r.status());
            assertEquals("nginx over TLSv1.3\n", r.body());
            await().atMost(Duration.ofSeconds(5))
                    .until(() -> !lines(dir.resolve("tcp.log")).isEmpty());
            assertTrue(lines(dir.resolve("tcp.log")).get(0).endsWith(" 1 [-] TLSv1.3 -"), "no ALPN in tcp mode");
            // A client that half-closes after its request still gets the whole answer.
            try (RawHttp halfClosing = new RawHttp(lb.address("fe"))) {
                halfClosing
                        .send("GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
                        .socket()
                        .shutdownOutput();
                assertEquals("nginx over TLSv1.3\n", halfClosing.read().body());
            }
            Server web1 = lb.backend("be").server("web1");
            await().atMost(Duration.ofSeconds(10)).until(() -> web1.lastCheck() != null);
            assertEquals("TLS handshake done", web1.lastCheck().message());
        }
        try (NginxServer nginx = nginx(dir.resolve("tcp-wrong.log"), "TLSv1.2 TLSv1.3");
                LoadBalancer lb = proxy(
                        Mode.TCP,
                        nginx.port(),
                        trusting(otherCa).build(),
                        b -> b.healthCheck(HealthCheckConfig.builder(HealthCheckConfig.Type.TCP)
                                .interval(Duration.ofMillis(100))
                                .timeout(Duration.ofSeconds(2))
                                .fall(1)
                                .build()))) {
            Server web1 = lb.backend("be").server("web1");
            await().atMost(Duration.ofSeconds(10)).until(() -> !web1.isUp());
            assertTrue(
                    web1.lastCheck()
                            .message()
                            .startsWith("TLS handshake failed: the server's certificate is not signed"),
                    web1.lastCheck().message());
        }
    }

    @Test
    void anUnreadableCaFailsTheStartNamingTheFile() {
        Path missing = dir.resolve("missing-ca.crt");
        LoadBalancerConfig config = LoadBalancerConfig.builder()
                .backend(BackendConfig.builder("be", Mode.HTTP)
                        .tls(UpstreamTlsConfig.builder().ca(missing).build())
                        .server(ServerConfig.builder("web1", "127.0.0.1:8443").build())
                        .build())
                .build();
        try (LoadBalancer lb = LoadBalancer.builder(config).threads(1).build()) {
            LoadBalancerException e = assertThrows(LoadBalancerException.class, lb::start);
            assertEquals("backend be: tls.ca: cannot read " + missing + ": no such file", e.getMessage());
        }
    }
}
