package org.tandemlb.core.http;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.prometheus.PrometheusConfig;
import io.micrometer.prometheus.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.tandemlb.core.LoadBalancer;
import org.tandemlb.core.accesslog.AccessLogEntry;
import org.tandemlb.core.config.BackendConfig;
import org.tandemlb.core.config.FrontendConfig;
import org.tandemlb.core.config.Http2Config;
import org.tandemlb.core.config.LoadBalancerConfig;
import org.tandemlb.core.config.Mode;
import org.tandemlb.core.config.ServerConfig;
import org.tandemlb.core.testsupport.ChildProcess;
import org.tandemlb.core.testsupport.TestBackend;

/**
 * HTTP/2 from real clients (curl, h2load) through an {@code h2c} frontend: each stream is proxied
 * to the HTTP/1.1 backend, HTTP/1.1 clients are still served on the same port.
 */
@SuppressWarnings("deprecation") // the simpleclient Prometheus registry, whose names the metrics contract fixes
class Http2ClientTest {
    private TestBackend server;
    private LoadBalancer lb;
    private final Queue<AccessLogEntry> accessLog = new ConcurrentLinkedQueue<>();
    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);

    @BeforeEach
    void start() {
        server = TestBackend.start("b1");
        LoadBalancerConfig cfg = LoadBalancerConfig.builder()
                .backend(BackendConfig.builder("be", Mode.HTTP)
                        .server(ServerConfig.builder("b1", server.hostPort()).build())
                        .build())
                .frontend(FrontendConfig.builder("fe", Mode.HTTP)
                        .bind("127.0.0.1:0")
                        .defaultBackend("be")
                        .http2(Http2Config.DEFAULTS.withH2c(true))
                        .build())
                .build();
        lb = LoadBalancer.builder(cfg)
                .threads(1)
                .meterRegistry(registry)
                .accessListener(accessLog::add)
                .build();
        lb.start();
    }

    @AfterEach
    void stop() {
        lb.close();
        server.close();
    }

    private String url(String path) {
        return "http://127.0.0.1:" + lb.address("fe").getPort() + path;
    }

    /** Runs curl with {@code args}, answers what it printed (its -w format). */
    static String curl(String... args) throws Exception {
        try (ChildProcess c = ChildProcess.command("curl")
                .args("-sS", "--max-time", "20")
                .args(args)
                .name("curl")
                .separateStderr()
                .start()) {
            assertTrue(c.awaitExit(Duration.ofSeconds(30)), "curl ended");
            assertEquals(0, c.exitCode(), "curl: " + c.errorText());
            return c.text().trim();
        }
    }

    @Test
    void priorKnowledgeGetsHttp2AndHttp11StaysHttp11OnTheSamePort() throws Exception {
        String h2 = curl("--http2-prior-knowledge", "-D", "-", "-o", "/dev/null", url("/hello"));
        assertTrue(h2.startsWith("HTTP/2 200"), h2);
        assertTrue(h2.contains("x-backend: b1"), h2);
        // A chunked response from the server too: its framing headers are HTTP/1.1's alone.
        String chunked = curl("--http2-prior-knowledge", "-D", "-", "-o", "/dev/null", url("/download?bytes=10"));
        assertTrue(chunked.startsWith("HTTP/2 200"), chunked);
        for (String banned : List.of("connection:", "transfer-encoding:", "keep-alive:")) {
            assertFalse(h2.toLowerCase().contains(banned), "no connection-specific header in " + h2);
            assertFalse(chunked.toLowerCase().contains(banned), "no connection-specific header in " + chunked);
        }
        await().atMost(Duration.ofSeconds(5)).until(() -> !accessLog.isEmpty());
        AccessLogEntry e = accessLog.poll();
        assertEquals(
                List.of("GET", "/hello", 200, "b1", "ok", 3L),
                List.of(e.method(), e.uri(), e.status(), e.server(), e.termination(), e.bytesOut()),
                "the stream's access-log entry");
        String h1 = curl("--http1.1", "-D", "-", "-o", "/dev/null", url("/hello"));
        assertTrue(h1.startsWith("HTTP/1.1 200"), h1);
        assertEquals("http", server.receivedHeaders().get(0).get("X-Forwarded-Proto"), "h2c is cleartext");
        assertEquals("127.0.0.1", server.receivedHeaders().get(0).get("X-Forwarded-For"));
    }

    @Test
    void streamsAreCountedPerFrontend() throws Exception {
        // Two streams on one connection (nghttp: curl 7.88 fails to reuse an h2c connection).
        try (ChildProcess c = ChildProcess.command("nghttp", "-n", url("/a"), url("/b"))
                .name("nghttp")
                .start()) {
            assertTrue(c.awaitExit(Duration.ofSeconds(30)), "nghttp ended");
            assertEquals(0, c.exitCode(), c.text());
        }
        String scrape = registry.scrape();
        assertTrue(
                Pattern.compile("(?m)^tandem_frontend_http2_streams_total\\{frontend=\"fe\",?} 2\\.0$")
                        .matcher(scrape)
                        .find(),
                scrape);
    }

    @Test
    void gracefulStopSendsGoAwayAndLetsTheStreamInFlightComplete() throws Exception {
        try (RawH2 c = new RawH2(lb.address("fe").getPort())) {
            c.frame(RawH2.HEADERS, RawH2.END_HEADERS | RawH2.END_STREAM, 1, RawH2.get("/slow?ms=1500"));
            await().atMost(Duration.ofSeconds(10)).until(() -> server.requests() == 1);
            CompletableFuture<Void> stopped = CompletableFuture.runAsync(() -> lb.stop(Duration.ofSeconds(20)));
            RawH2.Frame goAway = c.await(RawH2.GOAWAY, 0);
            assertNotNull(goAway, "GOAWAY on stop");
            assertEquals(0, goAway.errorCode(), "NO_ERROR");
            assertEquals(200, c.answer(1), "the stream in flight completes");
            assertTrue(c.closedByServer(), "then the connection closes");
            stopped.get(20, TimeUnit.SECONDS);
        }
    }

    @Test
    void aReloadThatRemovesTheFrontendSendsGoAwayAndLetsTheStreamInFlightComplete() throws Exception {
        try (RawH2 c = new RawH2(lb.address("fe").getPort())) {
            c.frame(RawH2.HEADERS, RawH2.END_HEADERS | RawH2.END_STREAM, 1, RawH2.get("/slow?ms=1500"));
            await().atMost(Duration.ofSeconds(10)).until(() -> server.requests() == 1);
            LoadBalancerConfig without = LoadBalancerConfig.builder()
                    .backend(lb.config().backends().get(0))
                    .frontend(FrontendConfig.builder("other", Mode.HTTP)
                            .bind("127.0.0.2:0")
                            .defaultBackend("be")
                            .build())
                    .build();
            lb.apply(without);
            RawH2.Frame goAway = c.await(RawH2.GOAWAY, 0);
            assertNotNull(goAway, "GOAWAY at the reload");
            assertEquals(0, goAway.errorCode(), "NO_ERROR");
            assertEquals(200, c.answer(1), "the stream in flight completes");
            assertTrue(c.closedByServer(), "then the connection closes");
        }
    }

    @Test
    void streamsGetTheErrorsOfHttp11Requests() throws Exception {
        String passed = curl(
                "--http2-prior-knowledge",
                "-o",
                "/dev/null",
                "-w",
                "%{http_version} %{http_code}",
                url("/status?code=404"));
        assertEquals("2 404", passed, "the server's own status passes");
        server.close(); // nothing listens on the server's port any more: every connect fails
        String unreachable =
                curl("--http2-prior-knowledge", "-o", "/dev/null", "-w", "%{http_version} %{http_code}", url("/gone"));
        assertEquals("2 502", unreachable);
    }

    @Test
    void aStreamStillOpenWhenTheDrainTimeIsOverIsCut() throws Exception {
        try (RawH2 c = new RawH2(lb.address("fe").getPort())) {
            c.frame(RawH2.HEADERS, RawH2.END_HEADERS | RawH2.END_STREAM, 1, RawH2.get("/slow?ms=8000"));
            await().atMost(Duration.ofSeconds(10)).until(() -> server.requests() == 1);
            long start = System.nanoTime();
            lb.stop(Duration.ofMillis(500));
            assertTrue(c.closedByServer(), "closed");
            assertTrue(System.nanoTime() - start < Duration.ofSeconds(5).toNanos(), "closed at the drain's end");
        }
    }
}
