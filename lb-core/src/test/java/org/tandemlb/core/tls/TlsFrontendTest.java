package org.tandemlb.core.tls;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.tandemlb.core.tls.TlsClients.reused;
import static org.tandemlb.core.tls.TlsClients.sClient;
import static org.tandemlb.core.tls.TlsClients.sClientSending;
import static org.tandemlb.core.tls.TlsClients.subject;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.tandemlb.core.LoadBalancer;
import org.tandemlb.core.accesslog.AccessLogEntry;
import org.tandemlb.core.config.BackendConfig;
import org.tandemlb.core.config.FrontendConfig;
import org.tandemlb.core.config.LoadBalancerConfig;
import org.tandemlb.core.config.Mode;
import org.tandemlb.core.config.ServerConfig;
import org.tandemlb.core.config.Timeouts;
import org.tandemlb.core.config.TlsConfig;
import org.tandemlb.core.testsupport.TestBackend;
import org.tandemlb.core.testsupport.TestBackends;
import org.tandemlb.core.testsupport.TestCertificates;
import org.tandemlb.core.testsupport.TestCertificates.Issued;
import org.tandemlb.core.testsupport.TestCertificates.KeyFormat;
import org.tandemlb.core.testsupport.TestCertificates.KeyType;

/** TLS frontends end to end, with real clients (openssl s_client, curl), for both providers. */
class TlsFrontendTest {
    @TempDir
    static Path dir;

    static TestCertificates ca;
    static Issued a;
    static Issued b;

    @RegisterExtension
    final TestBackends backends = new TestBackends();

    private final List<LoadBalancer> started = new ArrayList<>();
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private TestBackend web;
    private final List<AccessLogEntry> logged = new CopyOnWriteArrayList<>();

    @BeforeAll
    static void certificates() {
        ca = TestCertificates.create(dir);
        a = ca.issue("a", KeyType.EC, KeyFormat.PKCS8, "a.test");
        b = ca.issue("b", KeyType.RSA, KeyFormat.TRADITIONAL, "b.test", "*.b.test");
    }

    @AfterEach
    void stop() {
        started.forEach(LoadBalancer::close);
    }

    private LoadBalancer start(
            TlsProvider provider, Mode mode, TicketKeys keys, UnaryOperator<FrontendConfig.Builder> fe) {
        TestBackend server = web != null ? web : backends.start("web");
        web = server;
        TlsConfig tls = TlsConfig.builder()
                .certificate(a.chain(), a.key())
                .certificate(b.chain(), b.key())
                .build();
        LoadBalancerConfig cfg = LoadBalancerConfig.builder()
                .backend(BackendConfig.builder("be", mode)
                        .server(ServerConfig.builder("web", server.hostPort()).build())
                        .build())
                .frontend(fe.apply(FrontendConfig.builder("fe", mode)
                                .bind("127.0.0.1:0")
                                .defaultBackend("be")
                                .tls(tls))
                        .build())
                .build();
        LoadBalancer.Builder lb = LoadBalancer.builder(cfg)
                .threads(1)
                .tlsProvider(provider)
                .meterRegistry(registry)
                .accessListener(logged::add);
        if (keys != null) {
            lb.ticketKeys(keys);
        }
        LoadBalancer started = lb.build();
        started.start();
        this.started.add(started);
        return started;
    }

    private LoadBalancer start(TlsProvider provider) {
        return start(provider, Mode.HTTP, null, f -> f);
    }

    private double failures(String reason) {
        return registry.get("tandem.tls.handshake.failures")
                .tags("frontend", "fe", "reason", reason)
                .functionCounter()
                .count();
    }

    private double handshakes() {
        return registry.get("tandem.tls.handshakes")
                .tags("frontend", "fe")
                .functionCounter()
                .count();
    }

    @ParameterizedTest
    @EnumSource(TlsProvider.class)
    void sniChoosesTheCertificateByNameAndTheFirstIsTheDefault(TlsProvider provider) {
        int port = start(provider).address("fe").getPort();
        assertEquals("a.test", subject(sClient(port, "-servername", "a.test")));
        assertEquals("b.test", subject(sClient(port, "-servername", "b.test")));
        assertEquals("b.test", subject(sClient(port, "-servername", "www.B.test")), "wildcard, any case");
        assertEquals("a.test", subject(sClient(port, "-servername", "unknown.test")));
        assertEquals("a.test", subject(sClient(port, "-noservername")));
        await().untilAsserted(() -> assertEquals(5, handshakes()));
    }

    @ParameterizedTest
    @EnumSource(TlsProvider.class)
    void curlGetsA200OverHttp11AndTheServerHearsHttps(TlsProvider provider) {
        int port = start(provider).address("fe").getPort();
        String out = curl("www.b.test", port, "--http1.1", "%{http_code} %{http_version} %{ssl_verify_result}");
        assertEquals("200 1.1 0", out.trim());
        assertEquals("https", web.receivedHeaders().get(0).get("X-Forwarded-Proto"));
        await().until(() -> logged.size() == 1);
        AccessLogEntry e = logged.get(0);
        assertEquals("HTTP/1.1", e.httpVersion());
        assertEquals("TLSv1.3", e.tlsVersion());
        assertTrue(e.tlsCipher().startsWith("TLS_AES_") || e.tlsCipher().startsWith("TLS_CHACHA20"), e.tlsCipher());
    }

    @ParameterizedTest
    @EnumSource(TlsProvider.class)
    void curlGetsHttp2ByAlpnOnTheSameFrontend(TlsProvider provider) {
        int port = start(provider).address("fe").getPort();
        String out = curl("www.b.test", port, "--http2", "%{http_code} %{http_version}");
        assertEquals("200 2", out.trim());
        assertEquals("https", web.receivedHeaders().get(0).get("X-Forwarded-Proto"));
        await().until(() -> logged.size() == 1);
        assertEquals("HTTP/2.0", logged.get(0).httpVersion());
        assertEquals("TLSv1.3", logged.get(0).tlsVersion());
    }

    @ParameterizedTest
    @EnumSource(TlsProvider.class)
    void tcpModeTerminatesTlsAndRelaysPlaintext(TlsProvider provider) {
        int port = start(provider, Mode.TCP, null, f -> f).address("fe").getPort();
        String out = curl("a.test", port, "--http1.1", "%{http_code}");
        assertEquals("200", out.trim());
        assertEquals(1, web.requests());
        assertEquals(null, web.receivedHeaders().get(0).get("X-Forwarded-Proto"), "tcp mode does not touch the bytes");
        await().until(() -> logged.size() == 1);
        assertEquals("TLSv1.3", logged.get(0).tlsVersion());
    }

    @ParameterizedTest
    @EnumSource(TlsProvider.class)
    void oldProtocolsAndWeakCiphersAreRefusedAndCountedByReason(TlsProvider provider) {
        int port = start(provider).address("fe").getPort();
        // SECLEVEL=0 so that the client itself is willing to try them.
        String tls11 = sClient(port, "-tls1_1", "-cipher", "DEFAULT@SECLEVEL=0");
        assertEquals(null, subject(tls11), tls11);
        String cbc = sClient(port, "-tls1_2", "-cipher", "ECDHE-RSA-AES128-SHA:ECDHE-ECDSA-AES128-SHA:AES128-SHA");
        assertEquals(null, subject(cbc), cbc);
        await().untilAsserted(() -> {
            assertEquals(1, failures("protocol"));
            assertEquals(1, failures("cipher"));
        });
        String tls12 = sClient(port, "-tls1_2");
        assertTrue(tls12.contains("Protocol  : TLSv1.2") || tls12.contains("TLSv1.2, Cipher is ECDHE-"), tls12);
        assertTrue(tls12.contains("-GCM-") || tls12.contains("CHACHA20"), tls12);
        assertTrue(sClient(port, "-tls1_3").contains("TLSv1.3"));
        await().untilAsserted(() -> assertEquals(2, handshakes()));
    }

    @ParameterizedTest
    @EnumSource(TlsProvider.class)
    void aClientThatNeverCompletesTheHandshakeIsClosedWithinHttpRequest(TlsProvider provider) throws Exception {
        Timeouts timeouts =
                Timeouts.builder().httpRequest(Duration.ofMillis(500)).build();
        assertClosedInTime(start(provider, Mode.HTTP, null, f -> f.timeouts(timeouts))
                .address("fe")
                .getPort());
    }

    @ParameterizedTest
    @EnumSource(TlsProvider.class)
    void aTcpClientThatNeverCompletesTheHandshakeIsClosedWithinClient(TlsProvider provider) throws Exception {
        Timeouts timeouts = Timeouts.builder().client(Duration.ofMillis(500)).build();
        assertClosedInTime(start(provider, Mode.TCP, null, f -> f.timeouts(timeouts))
                .address("fe")
                .getPort());
    }

    private void assertClosedInTime(int port) throws Exception {
        long start = System.nanoTime();
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(10_000);
            InputStream in = s.getInputStream();
            // Half a ClientHello record header: the handshake never gets anywhere.
            s.getOutputStream().write(new byte[] {0x16, 0x03});
            assertEquals(-1, in.read(), "closed by the proxy");
        }
        assertTrue(System.nanoTime() - start < Duration.ofSeconds(5).toNanos());
        await().untilAsserted(() -> assertEquals(1, failures("timeout")));
    }

    @ParameterizedTest
    @EnumSource(TlsProvider.class)
    void aClientHelloAnnouncedOver64KiBIsNotBufferedButClosed(TlsProvider provider) throws Exception {
        int port = start(provider).address("fe").getPort();
        long start = System.nanoTime();
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(20_000);
            // A handshake record whose ClientHello says it is 128 KiB long (RFC 8446 §5.1, §4).
            // A whole first record of 16 KiB is sent: the rest would follow in more records.
            byte[] record = new byte[5 + 0x4000];
            System.arraycopy(new byte[] {0x16, 0x03, 0x01, 0x40, 0x00, 0x01, 0x02, 0x00, 0x00}, 0, record, 0, 9);
            s.getOutputStream().write(record);
            assertEquals(-1, s.getInputStream().read());
        }
        // Not after the handshake timeout (http_request, 10 s here): at once.
        assertTrue(
                System.nanoTime() - start < Duration.ofSeconds(5).toNanos(), "closed at once, not waiting for 128 KiB");
    }

    @ParameterizedTest
    @EnumSource(TlsProvider.class)
    void aClientResumesItsSession(TlsProvider provider) {
        int port = start(provider).address("fe").getPort();
        String out = sClient(port, "-tls1_2", "-reconnect", "-servername", "a.test");
        assertTrue(reused(out), out);
    }

    @ParameterizedTest
    @EnumSource(value = TlsProvider.class, names = "OPENSSL")
    void sessionTicketsAndTheSessionCacheTurnOffOneByOne(TlsProvider provider) {
        int ticketsOff = start(
                        provider,
                        Mode.HTTP,
                        null,
                        f -> f.tls(TlsConfig.builder()
                                .certificate(a.chain(), a.key())
                                .sessionTickets(false)
                                .build()))
                .address("fe")
                .getPort();
        String tls12 = sClient(ticketsOff, "-tls1_2", "-reconnect", "-servername", "a.test");
        assertTrue(reused(tls12), "TLS 1.2 resumes by session id from the cache: " + tls12);
        assertFalse(tls12.contains("TLS session ticket:"), "no ticket was issued: " + tls12);
        String tls13 = sClientSending(TlsClients.request("a.test"), ticketsOff, "-tls1_3", "-reconnect");
        assertFalse(reused(tls13), "TLS 1.3 resumes by tickets only: " + tls13);

        int bothOff = start(
                        provider,
                        Mode.HTTP,
                        null,
                        f -> f.tls(TlsConfig.builder()
                                .certificate(a.chain(), a.key())
                                .sessionTickets(false)
                                .sessionCache(false)
                                .build()))
                .address("fe")
                .getPort();
        String none = sClient(bothOff, "-tls1_2", "-reconnect", "-servername", "a.test");
        assertFalse(reused(none), "every handshake is a full one: " + none);
        assertTrue(none.contains("New, TLSv1.2"), none);
    }

    @ParameterizedTest
    @EnumSource(value = TlsProvider.class, names = "OPENSSL")
    void aSessionResumesOnAnotherInstanceWithTheSameSecretOnly(TlsProvider provider) throws Exception {
        byte[] secret = "the cluster's secret".getBytes(StandardCharsets.UTF_8);
        int one = start(
                        provider,
                        Mode.HTTP,
                        TicketKeys.fromSecret(secret, TicketKeys.DEFAULT_PERIOD, Clock.systemUTC()),
                        f -> f)
                .address("fe")
                .getPort();
        int two = start(
                        provider,
                        Mode.HTTP,
                        TicketKeys.fromSecret(secret, TicketKeys.DEFAULT_PERIOD, Clock.systemUTC()),
                        f -> f)
                .address("fe")
                .getPort();
        int other = start(
                        provider,
                        Mode.HTTP,
                        TicketKeys.fromSecret(
                                "another".getBytes(StandardCharsets.UTF_8),
                                TicketKeys.DEFAULT_PERIOD,
                                Clock.systemUTC()),
                        f -> f)
                .address("fe")
                .getPort();
        for (String version : List.of("-tls1_2", "-tls1_3")) {
            Path session = dir.resolve("session" + version);
            // TLS 1.3 tickets come after the handshake: the client reads a whole response first.
            String first = sClientSending(
                    TlsClients.request("a.test"),
                    one,
                    version,
                    "-servername",
                    "a.test",
                    "-sess_out",
                    session.toString());
            assertTrue(first.contains("HTTP/1.1 200"), first);
            assertFalse(reused(first));
            String again = sClientSending(
                    TlsClients.request("a.test"),
                    two,
                    version,
                    "-servername",
                    "a.test",
                    "-sess_in",
                    session.toString());
            assertTrue(reused(again), version + " resumed on the second instance: " + again);
            assertTrue(again.contains("HTTP/1.1 200"), again);
            String elsewhere = sClient(other, version, "-servername", "a.test", "-sess_in", session.toString());
            assertFalse(reused(elsewhere), version + ": another secret, a full handshake");
        }
    }

    @ParameterizedTest
    @EnumSource(TlsProvider.class)
    void sslscanFindsOnlyTls12And13WithStrongCiphers(TlsProvider provider) {
        int port = start(provider).address("fe").getPort();
        String out = TlsClients.run(
                null,
                List.of(
                        "sslscan",
                        "--no-colour",
                        "--no-heartbleed",
                        "--no-compression",
                        "--sni-name=a.test",
                        "127.0.0.1:" + port));
        for (String old : List.of("SSLv2", "SSLv3", "TLSv1.0", "TLSv1.1")) {
            assertTrue(out.contains(old + "     disabled") || out.contains(old + "   disabled"), old + ": " + out);
        }
        assertTrue(out.contains("TLSv1.2   enabled") && out.contains("TLSv1.3   enabled"), out);
        List<String> accepted = out.lines()
                .filter(l -> l.startsWith("Accepted") || l.startsWith("Preferred"))
                .toList();
        assertFalse(accepted.isEmpty(), out);
        for (String line : accepted) {
            assertTrue(line.contains("GCM") || line.contains("CHACHA20"), "only AEAD ciphers: " + line);
            assertTrue(line.contains("TLSv1.2") || line.contains("TLSv1.3"), line);
            assertTrue(!line.contains("TLSv1.2") || line.contains("ECDHE"), "forward secrecy: " + line);
        }
    }

    /** curl over HTTPS to {@code host} on 127.0.0.1:{@code port}, trusting the test CA; what {@code -w} writes. */
    private String curl(String host, int port, String httpVersion, String writeOut) {
        return TlsClients.run(
                null,
                List.of(
                        "curl",
                        "-sS",
                        httpVersion,
                        "--cacert",
                        ca.caCertificate().toString(),
                        "--resolve",
                        host + ":" + port + ":127.0.0.1",
                        "-o",
                        "/dev/null",
                        "-w",
                        writeOut,
                        "https://" + host + ":" + port + "/"));
    }
}
