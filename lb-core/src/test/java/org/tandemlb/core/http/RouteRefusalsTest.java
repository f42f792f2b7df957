package org.tandemlb.core.http;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.prometheus.PrometheusConfig;
import io.micrometer.prometheus.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.tandemlb.core.LoadBalancer;
import org.tandemlb.core.accesslog.AccessLogEntry;
import org.tandemlb.core.config.BackendConfig;
import org.tandemlb.core.config.Cidr;
import org.tandemlb.core.config.FrontendConfig;
import org.tandemlb.core.config.Http2Config;
import org.tandemlb.core.config.LoadBalancerConfig;
import org.tandemlb.core.config.Mode;
import org.tandemlb.core.config.RouteConfig;
import org.tandemlb.core.config.ServerConfig;
import org.tandemlb.core.testsupport.RawHttp;
import org.tandemlb.core.testsupport.TestBackend;
import org.tandemlb.core.testsupport.TestBackends;

/**
 * A route's denials ({@code deny} with any status, a client outside {@code allow_from}) are counted
 * as {@code denied} in {@code tandem_frontend_requests_refused_total} and logged as such, over
 * HTTP/1.1 and HTTP/2, whatever their status; a redirect is no refusal.
 */
// The registry users scrape is Micrometer's Prometheus "simpleclient" one, as the daemon's.
@SuppressWarnings("deprecation")
class RouteRefusalsTest {
    @RegisterExtension
    final TestBackends backends = new TestBackends();

    @Test
    void everyDenialOfARouteIsCountedAsDeniedWhateverItsStatus() throws Exception {
        TestBackend app = backends.start("app");
        LoadBalancerConfig cfg = LoadBalancerConfig.builder()
                .backend(BackendConfig.builder("be", Mode.HTTP)
                        .server(ServerConfig.builder("app", app.hostPort()).build())
                        .build())
                .frontend(FrontendConfig.builder("fe", Mode.HTTP)
                        .bind("127.0.0.1:0")
                        .defaultBackend("be")
                        .route(RouteConfig.builder()
                                .pathPrefix("/gone")
                                .deny(410)
                                .build())
                        .route(RouteConfig.builder().method("DELETE").deny(405).build())
                        .route(RouteConfig.builder()
                                .pathPrefix("/busy")
                                .deny(429)
                                .build())
                        .route(RouteConfig.builder()
                                .pathPrefix("/broken")
                                .deny(400)
                                .build())
                        .route(RouteConfig.builder()
                                .pathPrefix("/admin")
                                .allowFrom(Cidr.parse("10.0.0.0/8"))
                                .backend("be")
                                .build())
                        .route(RouteConfig.builder()
                                .pathPrefix("/old")
                                .redirect(new RouteConfig.Redirect(301, "https://new.example.com{path}", false))
                                .build())
                        .http2(Http2Config.DEFAULTS.withH2c(true))
                        .build())
                .build();
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        ConcurrentLinkedQueue<AccessLogEntry> log = new ConcurrentLinkedQueue<>();
        try (LoadBalancer lb = LoadBalancer.builder(cfg)
                .threads(1)
                .meterRegistry(registry)
                .accessListener(log::add)
                .build()) {
            lb.start();
            Map<String, Integer> expected = Map.of(
                    "GET /gone", 410,
                    "DELETE /x", 405,
                    "GET /busy", 429,
                    "GET /broken", 400,
                    "GET /admin", 403,
                    "GET /old", 301,
                    "GET /", 200);
            for (Map.Entry<String, Integer> e : expected.entrySet()) {
                try (RawHttp c = new RawHttp(lb.address("fe"))) { // a refusal closes the connection
                    int status = c.send(e.getKey() + " HTTP/1.1\r\nHost: x\r\n\r\n")
                            .read()
                            .status();
                    assertEquals(e.getValue(), status, e.getKey());
                }
            }
            String url = "http://127.0.0.1:" + lb.address("fe").getPort();
            String h2 = Http2ClientTest.curl(
                    "--http2-prior-knowledge", "-o", "/dev/null", "-w", "%{http_version} %{http_code}", url + "/gone");
            assertEquals("2 410", h2);

            String prefix = "tandem_frontend_requests_refused_total{frontend=\"fe\",reason=";
            await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
                String text = registry.scrape();
                assertTrue(
                        text.contains(prefix + "\"denied\",} 6.0"), "five denials over HTTP/1.1, one over h2: " + text);
                assertTrue(text.contains(prefix + "\"bad_request\",} 0.0"), "deny: 400 and deny: 405 too: " + text);
                assertTrue(text.contains(prefix + "\"rate_limited\",} 0.0"), "deny: 429 too: " + text);
                assertTrue(text.contains("tandem_frontend_http_requests_total{frontend=\"fe\",} 8.0"), text);
            });
            Map<Integer, List<String>> terminations = log.stream()
                    .collect(Collectors.groupingBy(
                            AccessLogEntry::status,
                            Collectors.mapping(AccessLogEntry::termination, Collectors.toList())));
            for (int denied : List.of(400, 403, 405, 429)) {
                assertEquals(List.of("denied"), terminations.get(denied), "status " + denied);
            }
            assertEquals(List.of("denied", "denied"), terminations.get(410));
            assertEquals(List.of("redirect"), terminations.get(301));
        }
    }
}
