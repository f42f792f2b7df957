package org.tandemlb.core.metrics;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.prometheus.PrometheusConfig;
import io.micrometer.prometheus.PrometheusMeterRegistry;
import io.netty.channel.ChannelPipeline;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.LongAdder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tandemlb.core.LoadBalancer;
import org.tandemlb.core.backend.Backend;
import org.tandemlb.core.config.BackendConfig;
import org.tandemlb.core.config.FrontendConfig;
import org.tandemlb.core.config.HealthCheckConfig;
import org.tandemlb.core.config.LoadBalancerConfig;
import org.tandemlb.core.config.Mode;
import org.tandemlb.core.config.ServerConfig;
import org.tandemlb.core.config.TlsConfig;
import org.tandemlb.core.frontend.ConnectionSetup;
import org.tandemlb.core.frontend.Frontend;
import org.tandemlb.core.testsupport.ExternalProcesses;
import org.tandemlb.core.testsupport.RawHttp;
import org.tandemlb.core.testsupport.TestBackend;
import org.tandemlb.core.testsupport.TestCertificates;
import org.tandemlb.core.testsupport.TestCertificates.Issued;
import org.tandemlb.core.testsupport.TestCertificates.KeyFormat;
import org.tandemlb.core.testsupport.TestCertificates.KeyType;
import org.tandemlb.core.tls.ServerTls;
import org.tandemlb.core.tls.TlsProvider;

/** The meters come out of a Prometheus registry under the exact names and labels of docs/admin-api.md. */
// The registry users scrape is Micrometer's Prometheus "simpleclient" one, as the daemon's; Micrometer
// deprecates it in favour of the client 1.x registry, which would change the text it serves.
@SuppressWarnings("deprecation")
class LoadBalancerMetricsTest {
    @TempDir
    Path dir;

    /** Never bound: its meters are read, no connection is accepted. */
    private static final ConnectionSetup NONE = new ConnectionSetup() {
        @Override
        public void http(ChannelPipeline p, FrontendConfig c, String protocol, LongAdder http2Streams) {
            throw new AssertionError("not bound");
        }

        @Override
        public void tcp(ChannelPipeline p, FrontendConfig c, boolean running) {
            throw new AssertionError("not bound");
        }
    };

    @Test
    void aRunningLoadBalancerPublishesTrafficAndHealth() throws Exception {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        // "sick" points at a port nothing listens on: its checks fail.
        try (TestBackend ok = TestBackend.start("ok")) {
            LoadBalancerConfig cfg = LoadBalancerConfig.builder()
                    .backend(BackendConfig.builder("web", Mode.HTTP)
                            .healthCheck(HealthCheckConfig.builder(HealthCheckConfig.Type.HTTP)
                                    .path("/status?code=200")
                                    .interval(Duration.ofMillis(200))
                                    .timeout(Duration.ofSeconds(2))
                                    .build())
                            .server(ServerConfig.builder("ok", ok.hostPort()).build())
                            .server(ServerConfig.builder("sick", "127.0.0.1:1").build())
                            .build())
                    .frontend(FrontendConfig.builder("www", Mode.HTTP)
                            .bind("127.0.0.1:0")
                            .defaultBackend("web")
                            .build())
                    .build();
            try (LoadBalancer lb =
                    LoadBalancer.builder(cfg).threads(1).meterRegistry(registry).build()) {
                lb.start();
                await().atMost(Duration.ofSeconds(5))
                        .until(() ->
                                registry.scrape().contains("tandem_server_up{backend=\"web\",server=\"sick\",} 0.0")
                                        && lb.backend("web").server("ok").lastCheck() != null
                                        && lb.backend("web").server("ok").isUp());
                try (RawHttp c = new RawHttp(lb.address("www"))) {
                    for (int i = 0; i < 3; i++) {
                        assertEquals(200, c.get("/").status());
                    }
                }
                String text = registry.scrape();
                assertTrue(text.contains("tandem_server_up{backend=\"web\",server=\"ok\",} 1.0"), text);
                assertTrue(text.contains("tandem_server_requests_total{backend=\"web\",server=\"ok\",} 3.0"), text);
                assertTrue(text.contains("tandem_frontend_connections_total{frontend=\"www\",} 1.0"), text);
                assertTrue(text.contains("tandem_frontend_http_requests_total{frontend=\"www\",} 3.0"), text);
                assertTrue(
                        text.contains("tandem_backend_http_responses_total{backend=\"web\",code=\"2xx\",} 3.0"), text);
                assertTrue(
                        text.contains("tandem_backend_http_responses_total{backend=\"web\",code=\"5xx\",} 0.0"), text);
                assertTrue(text.contains("tandem_backend_response_seconds_count{backend=\"web\",} 3.0"), text);
                assertTrue(
                        text.contains("tandem_backend_response_seconds_bucket{backend=\"web\",le=\"+Inf\",} 3.0"),
                        text);
                assertTrue(
                        text.contains("tandem_bytes_received_total{frontend=\"www\",} 90.0"),
                        "3 x 30-byte GETs: " + text);
                assertTrue(text.contains("tandem_bytes_sent_total{frontend=\"www\","), text);
                assertFalse(
                        text.contains("tandem_server_check_failures_total{backend=\"web\",server=\"sick\",} 0.0"),
                        text);
                assertTrue(text.contains("tandem_server_check_failures_total{backend=\"web\",server=\"sick\","), text);
                try (RawHttp bad = new RawHttp(lb.address("www"))) {
                    assertEquals(400, bad.send("GET / HTTP/1.1\r\n\r\n").read().status()); // no Host
                }
                text = registry.scrape();
                assertTrue(
                        text.contains(
                                "tandem_frontend_requests_refused_total{frontend=\"www\",reason=\"bad_request\",} 1.0"),
                        text);
                assertTrue(
                        text.contains(
                                "tandem_frontend_requests_refused_total{frontend=\"www\",reason=\"too_large\",} 0.0"),
                        text);
            }
        }
    }

    @Test
    void serverAndFrontendMetersHaveTheSpecNamesAndFollowReloads() {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        LoadBalancerMetrics metrics = new LoadBalancerMetrics(registry);
        Backend web = new Backend(BackendConfig.builder("web", Mode.HTTP)
                .server(ServerConfig.builder("web1", "127.0.0.1:8081")
                        .weight(100)
                        .build())
                .server(ServerConfig.builder("web2", "127.0.0.1:8082")
                        .weight(50)
                        .build())
                .build());
        Frontend www = new Frontend(
                FrontendConfig.builder("www", Mode.HTTP)
                        .bind("127.0.0.1:0")
                        .defaultBackend("web")
                        .build(),
                null,
                NONE);
        metrics.sync(List.of(www), List.of(web));
        web.server("web2").setUp(false);

        String text = registry.scrape();
        assertTrue(text.contains("tandem_server_up{backend=\"web\",server=\"web1\",} 1.0"), text);
        assertTrue(text.contains("tandem_server_up{backend=\"web\",server=\"web2\",} 0.0"), text);
        assertTrue(text.contains("tandem_server_weight{backend=\"web\",server=\"web2\",} 50.0"), text);
        assertTrue(text.contains("tandem_server_current_connections{backend=\"web\",server=\"web1\",} 0.0"), text);
        assertTrue(text.contains("tandem_server_requests_total{backend=\"web\",server=\"web1\",} 0.0"), text);
        assertTrue(text.contains("tandem_server_connect_failures_total{backend=\"web\",server=\"web1\",} 0.0"), text);
        assertTrue(text.contains("tandem_server_check_failures_total{backend=\"web\",server=\"web1\",} 0.0"), text);
        assertTrue(text.contains("tandem_frontend_connections_total{frontend=\"www\",} 0.0"), text);
        assertTrue(text.contains("tandem_frontend_current_connections{frontend=\"www\",} 0.0"), text);

        // A reload that drops web2: its series disappear.
        web.update(BackendConfig.builder("web", Mode.HTTP)
                .server(ServerConfig.builder("web1", "127.0.0.1:8081")
                        .weight(100)
                        .build())
                .build());
        metrics.sync(List.of(www), List.of(web));
        String after = registry.scrape();
        assertFalse(after.contains("server=\"web2\""), after);
        assertTrue(after.contains("tandem_server_up{backend=\"web\",server=\"web1\",} 1.0"), after);
    }

    @Test
    void eachCertificateOfATlsFrontendHasItsExpiryAndARenewalInPlaceShowsAfterTheReload() throws Exception {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        LoadBalancerMetrics metrics = new LoadBalancerMetrics(registry);
        TestCertificates ca = TestCertificates.create(dir);
        Issued a = ca.issue("a", KeyType.EC, KeyFormat.PKCS8, "a.test");
        Issued b = ca.issue("b", KeyType.EC, KeyFormat.PKCS8, "b.test");
        TlsConfig both = TlsConfig.builder()
                .certificate(a.chain(), a.key())
                .certificate(b.chain(), b.key())
                .build();
        FrontendConfig https = https(both);
        ServerTls tls = ServerTls.build("https", both, true, TlsProvider.JDK, null, null);
        Frontend frontend = new Frontend(https, tls, NONE);
        Frontend plain = new Frontend(
                FrontendConfig.builder("plain", Mode.HTTP)
                        .bind("127.0.0.1:0")
                        .defaultBackend("web")
                        .build(),
                null,
                NONE);
        Backend web = new Backend(BackendConfig.builder("web", Mode.HTTP)
                .server(ServerConfig.builder("web1", "127.0.0.1:8081").build())
                .build());

        metrics.sync(List.of(frontend, plain), List.of(web));
        assertEquals(notAfter(a.certificate()), expiry(registry, "https", a.chain()));
        assertEquals(notAfter(b.certificate()), expiry(registry, "https", b.chain()));
        assertEquals(2, registry.find("tandem.tls.certificate.expiry").gauges().size(), "none for the plain frontend");
        assertTrue(registry.scrape()
                .contains("tandem_tls_certificate_expiry_seconds{certificate=\"" + a.chain()
                        + "\",frontend=\"https\",}"));

        // a's file renewed in place (a certificate valid 30 days instead of 1), b's removed: after the
        // reload a shows its new date and b's series is gone.
        Path renewedCert = dir.resolve("renewed.crt");
        Path renewedKey = dir.resolve("renewed.key");
        ExternalProcesses.run(
                        Duration.ofSeconds(30),
                        "openssl",
                        "req",
                        "-x509",
                        "-newkey",
                        "ec",
                        "-pkeyopt",
                        "ec_paramgen_curve:prime256v1",
                        "-nodes",
                        "-days",
                        "30",
                        "-subj",
                        "/CN=a.test",
                        "-keyout",
                        renewedKey.toString(),
                        "-out",
                        renewedCert.toString())
                .orThrow();
        Files.move(renewedCert, a.chain(), StandardCopyOption.REPLACE_EXISTING);
        Files.move(renewedKey, a.key(), StandardCopyOption.REPLACE_EXISTING);
        TlsConfig onlyA = TlsConfig.builder().certificate(a.chain(), a.key()).build();
        frontend.update(https(onlyA), ServerTls.build("https", onlyA, true, TlsProvider.JDK, null, tls));
        metrics.sync(List.of(frontend, plain), List.of(web));
        double renewed = notAfter(a.chain());
        assertTrue(renewed > notAfter(a.certificate()) + 20 * 86_400, "the renewed certificate is valid 30 days");
        assertEquals(renewed, expiry(registry, "https", a.chain()));
        assertEquals(1, registry.find("tandem.tls.certificate.expiry").gauges().size());

        // A reload that removes the frontend removes its series.
        metrics.sync(List.of(plain), List.of(web));
        assertTrue(registry.find("tandem.tls.certificate.expiry").gauges().isEmpty());
    }

    private static FrontendConfig https(TlsConfig tls) {
        return FrontendConfig.builder("https", Mode.HTTP)
                .bind("127.0.0.1:0")
                .defaultBackend("web")
                .tls(tls)
                .build();
    }

    private static double expiry(PrometheusMeterRegistry registry, String frontend, Path cert) {
        return registry.get("tandem.tls.certificate.expiry")
                .tags("frontend", frontend, "certificate", cert.toString())
                .gauge()
                .value();
    }

    /** The notAfter of the first certificate in {@code pem}, in seconds since the epoch. */
    private static double notAfter(Path pem) throws Exception {
        try (var in = Files.newInputStream(pem)) {
            X509Certificate cert =
                    (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
            return cert.getNotAfter().toInstant().getEpochSecond();
        }
    }
}
