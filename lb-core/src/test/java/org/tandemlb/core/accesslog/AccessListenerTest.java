package org.tandemlb.core.accesslog;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.OutputStream;
import java.net.Socket;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.tandemlb.core.LoadBalancer;
import org.tandemlb.core.config.BackendConfig;
import org.tandemlb.core.config.FrontendConfig;
import org.tandemlb.core.config.LoadBalancerConfig;
import org.tandemlb.core.config.Mode;
import org.tandemlb.core.config.ServerConfig;
import org.tandemlb.core.testsupport.RawHttp;
import org.tandemlb.core.testsupport.TestBackend;

/** Every request and session that ends is reported once, with what an access log line needs. */
class AccessListenerTest {

    @Test
    void requestsAndSessionsAreReportedOnceWithTheirOutcome() throws Exception {
        List<AccessLogEntry> entries = new CopyOnWriteArrayList<>();
        try (TestBackend a = TestBackend.start("a")) {
            LoadBalancerConfig cfg = LoadBalancerConfig.builder()
                    .backend(BackendConfig.builder("web", Mode.HTTP)
                            .server(ServerConfig.builder("a", a.hostPort()).build())
                            .build())
                    .backend(BackendConfig.builder("raw", Mode.TCP)
                            .server(ServerConfig.builder("a", a.hostPort()).build())
                            .build())
                    .backend(BackendConfig.builder("empty", Mode.HTTP).build())
                    .frontend(FrontendConfig.builder("www", Mode.HTTP)
                            .bind("127.0.0.1:0")
                            .defaultBackend("web")
                            .build())
                    .frontend(FrontendConfig.builder("none", Mode.HTTP)
                            .bind("127.0.0.1:0")
                            .defaultBackend("empty")
                            .build())
                    .frontend(FrontendConfig.builder("tcp", Mode.TCP)
                            .bind("127.0.0.1:0")
                            .defaultBackend("raw")
                            .build())
                    .build();
            try (LoadBalancer lb = LoadBalancer.builder(cfg)
                    .threads(1)
                    .accessListener(entries::add)
                    .build()) {
                lb.start();
                try (RawHttp c = new RawHttp(lb.address("www"))) {
                    assertEquals(200, c.get("/hello?x=1").status());
                    assertEquals(
                            400,
                            c.send("GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n")
                                    .read()
                                    .status());
                }
                try (RawHttp c = new RawHttp(lb.address("none"))) {
                    assertEquals(503, c.get("/").status());
                }
                try (Socket s = new Socket()) {
                    s.connect(lb.address("tcp"), 5000);
                    s.setSoTimeout(10_000);
                    OutputStream out = s.getOutputStream();
                    out.write("GET /tcp HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n".getBytes());
                    out.flush();
                    assertTrue(new String(s.getInputStream().readAllBytes()).endsWith("a\n"));
                }
                await().atMost(Duration.ofSeconds(5)).until(() -> entries.size() == 4);

                AccessLogEntry ok = entries.stream()
                        .filter(e -> "/hello?x=1".equals(e.uri()))
                        .findFirst()
                        .orElseThrow();
                assertEquals(Mode.HTTP, ok.mode());
                assertEquals("www", ok.frontend());
                assertEquals("web", ok.backend());
                assertEquals("a", ok.server());
                assertEquals("GET", ok.method());
                assertEquals(200, ok.status());
                assertEquals("ok", ok.termination());
                assertEquals("GET /hello?x=1 HTTP/1.1\r\nHost: test\r\n\r\n".length(), ok.bytesIn());
                assertTrue(ok.bytesOut() > 2, "the response was counted");
                assertTrue(ok.queueNanos() >= 0 && ok.connectNanos() >= 0 && ok.responseNanos() >= 0);
                assertTrue(ok.totalNanos() >= ok.responseNanos());
                assertEquals("127.0.0.1", ok.client().getAddress().getHostAddress());

                AccessLogEntry bad = entries.stream()
                        .filter(e -> e.status() == 400)
                        .findFirst()
                        .orElseThrow();
                assertEquals("bad_request", bad.termination());
                assertNull(bad.server());

                AccessLogEntry none = entries.stream()
                        .filter(e -> e.frontend().equals("none"))
                        .findFirst()
                        .orElseThrow();
                assertEquals(503, none.status());
                assertEquals("no_server", none.termination());
                assertEquals("empty", none.backend());

                AccessLogEntry tcp = entries.stream()
                        .filter(e -> e.mode() == Mode.TCP)
                        .findFirst()
                        .orElseThrow();
                assertEquals("raw", tcp.backend());
                assertEquals("a", tcp.server());
                assertEquals("GET /tcp HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n".length(), tcp.bytesIn());
                assertTrue(tcp.bytesOut() > 0);
                assertEquals("ok", tcp.termination());
            }
        }
    }
}
