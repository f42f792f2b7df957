package org.tandemlb.core.http;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tandemlb.core.LoadBalancer;
import org.tandemlb.core.accesslog.AccessLogEntry;
import org.tandemlb.core.config.BackendConfig;
import org.tandemlb.core.config.Cidr;
import org.tandemlb.core.config.ErrorPage;
import org.tandemlb.core.config.FrontendConfig;
import org.tandemlb.core.config.HeaderRule;
import org.tandemlb.core.config.Http2Config;
import org.tandemlb.core.config.HttpRules;
import org.tandemlb.core.config.LoadBalancerConfig;
import org.tandemlb.core.config.Mode;
import org.tandemlb.core.config.RouteConfig;
import org.tandemlb.core.config.ServerConfig;
import org.tandemlb.core.testsupport.NginxServer;
import org.tandemlb.core.testsupport.RawHttp;

/**
 * Header rules, request ids, redirects, CIDR allow/deny and error pages in front of a real Nginx
 * that logs the headers it received (and echoes them), with clients from 127.0.0.2 and 127.0.0.3.
 */
class PolicyNginxTest {
    private static final String RECEIVED =
            "$request_uri|$http_x_request_id|$http_x_client|$http_x_via|$http_x_debug|$http_x_backend_rule";

    @TempDir
    static Path dir;

    private static NginxServer nginx;
    private static LoadBalancer lb;
    private static final List<AccessLogEntry> entries = new CopyOnWriteArrayList<>();

    @BeforeAll
    static void start() throws IOException {
        nginx = NginxServer.builder()
                .http("log_format received '" + RECEIVED + "';")
                .server("access_log logs/received.log received;\n"
                        + "location / { add_header X-Upstream nginx; return 200 \"" + RECEIVED + "\\n\"; }")
                .start();
        Path forbidden = Files.writeString(dir.resolve("403.html"), "<h1>Not from here</h1>\n");
        Path unavailable = Files.writeString(
                dir.resolve("503.http"),
                "HTTP/1.1 503 Service Unavailable\r\nRetry-After: 30\r\nContent-Type: text/plain\r\n\r\nback soon\n");
        HttpRules frontendRules = new HttpRules(
                List.of(
                        new HeaderRule(HeaderRule.Op.SET, "X-Client", "{client_ip}"),
                        new HeaderRule(HeaderRule.Op.ADD, "X-Via", "tandem {frontend}"),
                        new HeaderRule(HeaderRule.Op.DELETE, "X-Debug", null)),
                List.of(
                        new HeaderRule(HeaderRule.Op.SET, "X-Served-By", "{server}"),
                        new HeaderRule(HeaderRule.Op.DELETE, "Server", null)),
                "X-Request-Id",
                Map.of(403, ErrorPage.read(403, forbidden)));
        HttpRules backendRules = new HttpRules(
                List.of(new HeaderRule(HeaderRule.Op.SET, "X-Backend-Rule", "be")), List.of(), null, Map.of());
        LoadBalancerConfig cfg = LoadBalancerConfig.builder()
                .backend(BackendConfig.builder("be", Mode.HTTP)
                        .server(ServerConfig.builder("ngx", "127.0.0.1:" + nginx.port())
                                .build())
                        .rules(backendRules)
                        .build())
                .backend(BackendConfig.builder("empty", Mode.HTTP)
                        .rules(new HttpRules(List.of(), List.of(), null, Map.of(503, ErrorPage.read(503, unavailable))))
                        .build())
                .frontend(FrontendConfig.builder("fe", Mode.HTTP)
                        .bind("127.0.0.1:0")
                        .defaultBackend("be")
                        .route(RouteConfig.builder()
                                .pathPrefix("/old/")
                                .redirect(new RouteConfig.Redirect(301, "https://new.example.com{path}", false))
                                .build())
                        .route(RouteConfig.builder()
                                .pathPrefix("/moved")
                                .redirect(new RouteConfig.Redirect(307, "{scheme}://{host}/new{path}", true))
                                .build())
                        .route(RouteConfig.builder()
                                .pathPrefix("/admin")
                                .allowFrom(Cidr.parse("127.0.0.2/32"))
                                .allowFrom(Cidr.parse("2001:db8::/32"))
                                .backend("be")
                                .build())
                        .route(RouteConfig.builder()
                                .pathRegex("^/private/.*\\.txt$")
                                .deny(403)
                                .build())
                        .route(RouteConfig.builder().method("DELETE").deny(405).build())
                        .route(RouteConfig.builder()
                                .host("down.example.com")
                                .backend("empty")
                                .build())
                        .rules(frontendRules)
                        .http2(Http2Config.DEFAULTS.withH2c(true))
                        .build())
                .build();
        lb = LoadBalancer.builder(cfg).threads(1).accessListener(entries::add).build();
        lb.start();
    }

    @AfterAll
    static void stop() {
        if (lb != null) {
            lb.close();
        }
        if (nginx != null) {
            nginx.close();
        }
    }

    private static RawHttp from(String source) throws IOException {
        return new RawHttp(lb.address("fe"), InetAddress.getByName(source));
    }

    private static List<String> received() throws IOException {
        Path log = nginx.accessLog().resolveSibling("received.log");
        return Files.exists(log) ? Files.readAllLines(log, StandardCharsets.ISO_8859_1) : List.of();
    }

    @Test
    void headerRulesAndAGeneratedRequestIdReachNginxAndComeBack() throws IOException {
        RawHttp.Response r;
        try (RawHttp c = from("127.0.0.2")) {
            r = c.send("GET /echo HTTP/1.1\r\nHost: www.example.com\r\nX-Debug: on\r\nX-Client: forged\r\n\r\n")
                    .read();
        }
        assertEquals(200, r.status());
        String id = r.header("x-request-id");
        assertTrue(id != null && id.matches("[0-9a-f]{32}"), "a new id of 32 hex digits: " + id);
        // X-Client is replaced, X-Via added; X-Debug is gone before nginx sees it.
        assertEquals("/echo|" + id + "|127.0.0.2|tandem fe||be\n", r.body());
        assertEquals("ngx", r.header("x-served-by"));
        assertNull(r.header("server"), "the frontend's response rule deletes Server");
        assertEquals("nginx", r.header("x-upstream"), "other headers pass");
        await().atMost(Duration.ofSeconds(10))
                .until(() -> received().contains("/echo|" + id + "|127.0.0.2|tandem fe|-|be"));
        await().atMost(Duration.ofSeconds(10))
                .until(() -> entries.stream().anyMatch(e -> id.equals(e.requestId()) && e.status() == 200));
    }

    @Test
    void aClientsRequestIdIsKept() throws IOException {
        try (RawHttp c = from("127.0.0.2")) {
            RawHttp.Response r = c.send("GET /mine HTTP/1.1\r\nHost: t\r\nX-Request-Id: trace-42\r\n\r\n")
                    .read();
            assertEquals(200, r.status());
            assertEquals("trace-42", r.header("x-request-id"));
            assertTrue(r.body().startsWith("/mine|trace-42|"), r.body());
        }
        await().atMost(Duration.ofSeconds(10))
                .until(() -> entries.stream().anyMatch(e -> "trace-42".equals(e.requestId())));
    }

    @Test
    void routesRedirectWithoutReachingTheServer() throws IOException {
        try (RawHttp c = from("127.0.0.2")) {
            RawHttp.Response r =
                    c.send("GET /old/page?x=1 HTTP/1.1\r\nHost: t\r\n\r\n").read();
            assertEquals(301, r.status());
            assertEquals("https://new.example.com/old/page?x=1", r.header("location"));
        }
        try (RawHttp c = from("127.0.0.2")) {
            RawHttp.Response r = c.send("GET /moved/a?b=c HTTP/1.1\r\nHost: shop.example.com:8080\r\n\r\n")
                    .read();
            assertEquals(307, r.status());
            assertEquals("http://shop.example.com:8080/new/moved/a", r.header("location"), "strip_query");
        }
        assertTrue(received().stream().noneMatch(l -> l.startsWith("/old/") || l.startsWith("/moved")));
        await().atMost(Duration.ofSeconds(10))
                .until(() -> entries.stream()
                        .anyMatch(e -> "/old/page?x=1".equals(e.uri()) && "redirect".equals(e.termination())));
    }

    @Test
    void allowFromLetsOnlyItsNetworksIn() throws IOException {
        try (RawHttp c = from("127.0.0.2")) {
            RawHttp.Response r =
                    c.send("GET /admin/users HTTP/1.1\r\nHost: t\r\n\r\n").read();
            assertEquals(200, r.status());
            assertTrue(r.body().startsWith("/admin/users|"), r.body());
        }
        try (RawHttp c = from("127.0.0.3")) {
            RawHttp.Response r =
                    c.send("GET /admin/secrets HTTP/1.1\r\nHost: t\r\n\r\n").read();
            assertEquals(403, r.status());
            assertEquals("<h1>Not from here</h1>\n", r.body(), "the frontend's 403 page");
            assertEquals("text/html; charset=utf-8", r.header("content-type"));
        }
        assertTrue(received().stream().noneMatch(l -> l.startsWith("/admin/secrets")));
        await().atMost(Duration.ofSeconds(10))
                .until(() -> entries.stream()
                        .anyMatch(e -> "/admin/secrets".equals(e.uri())
                                && e.status() == 403
                                && "denied".equals(e.termination())));
    }

    @Test
    void denyByPathExpressionAndByMethod() throws IOException {
        try (RawHttp c = from("127.0.0.2")) {
            assertEquals(
                    403,
                    c.send("GET /private/notes.txt HTTP/1.1\r\nHost: t\r\n\r\n")
                            .read()
                            .status());
        }
        try (RawHttp c = from("127.0.0.2")) {
            assertEquals(
                    200,
                    c.send("GET /private/notes.html HTTP/1.1\r\nHost: t\r\n\r\n")
                            .read()
                            .status(),
                    "the expression does not match");
        }
        try (RawHttp c = from("127.0.0.2")) {
            assertEquals(
                    405, c.send("DELETE /x HTTP/1.1\r\nHost: t\r\n\r\n").read().status());
        }
        assertTrue(received().stream().noneMatch(l -> l.startsWith("/private/notes.txt") || l.startsWith("/x")));
    }

    @Test
    void aBackendsErrorPageIsAWholeResponse() throws IOException {
        try (RawHttp c = from("127.0.0.2")) {
            RawHttp.Response r =
                    c.send("GET / HTTP/1.1\r\nHost: down.example.com\r\n\r\n").read();
            assertEquals(503, r.status());
            assertEquals("30", r.header("retry-after"));
            assertEquals("text/plain", r.header("content-type"));
            assertEquals("back soon\n", r.body());
            assertEquals("close", r.header("connection"));
            assertTrue(r.header("x-request-id").matches("[0-9a-f]{32}"), "Tandem's own answer has the id too");
        }
    }

    @Test
    void http2StreamsGetTheSameRulesIdsAndPages() throws Exception {
        String url = "http://127.0.0.1:" + lb.address("fe").getPort();
        String echo = Http2ClientTest.curl(
                "--http2-prior-knowledge", "--interface", "127.0.0.2", "-D", "-", "-H", "X-Debug: on", url + "/h2echo");
        assertTrue(echo.startsWith("HTTP/2 200"), echo);
        String id = echo.lines()
                .filter(l -> l.startsWith("x-request-id: "))
                .map(l -> l.substring("x-request-id: ".length()).trim())
                .findFirst()
                .orElseThrow(() -> new AssertionError("no request id in " + echo));
        assertTrue(echo.contains("x-served-by: ngx"), echo);
        assertTrue(echo.endsWith("/h2echo|" + id + "|127.0.0.2|tandem fe||be"), echo);

        String denied = Http2ClientTest.curl(
                "--http2-prior-knowledge", "--interface", "127.0.0.3", "-D", "-", url + "/admin/h2");
        assertTrue(denied.startsWith("HTTP/2 403"), denied);
        assertTrue(denied.endsWith("<h1>Not from here</h1>"), denied);
        String moved = Http2ClientTest.curl(
                "--http2-prior-knowledge",
                "-o",
                "/dev/null",
                "-w",
                "%{http_code} %{redirect_url}",
                url + "/old/h2?q=1");
        assertEquals("301 https://new.example.com/old/h2?q=1", moved);
    }
}
