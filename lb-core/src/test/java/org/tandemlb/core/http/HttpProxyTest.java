package org.tandemlb.core.http;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.handler.codec.http.HttpHeaders;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.tandemlb.core.LoadBalancer;
import org.tandemlb.core.backend.AdminState;
import org.tandemlb.core.backend.Backend;
import org.tandemlb.core.config.BackendConfig;
import org.tandemlb.core.config.Balance;
import org.tandemlb.core.config.FrontendConfig;
import org.tandemlb.core.config.LoadBalancerConfig;
import org.tandemlb.core.config.Mode;
import org.tandemlb.core.config.RouteConfig;
import org.tandemlb.core.config.ServerConfig;
import org.tandemlb.core.config.Timeouts;
import org.tandemlb.core.testsupport.Proxies;
import org.tandemlb.core.testsupport.RawHttp;
import org.tandemlb.core.testsupport.TestBackend;

/** The HTTP mode end to end: real sockets on loopback, in-process test servers behind the proxy. */
class HttpProxyTest {
    private final List<AutoCloseable> closeables = new ArrayList<>();
    private final HttpClient client = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build();

    @AfterEach
    void tearDown() throws Exception {
        for (int i = closeables.size() - 1; i >= 0; i--) {
            closeables.get(i).close();
        }
    }

    private <T extends AutoCloseable> T track(T c) {
        closeables.add(c);
        return c;
    }

    private TestBackend backend(String name) {
        return track(TestBackend.start(name));
    }

    private static URI uri(LoadBalancer lb, String path) {
        InetSocketAddress a = lb.address("fe");
        return URI.create("http://127.0.0.1:" + a.getPort() + path);
    }

    private HttpResponse<String> get(LoadBalancer lb, String path) throws IOException, InterruptedException {
        return client.send(
                HttpRequest.newBuilder(uri(lb, path))
                        .timeout(Duration.ofSeconds(20))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void roundRobinSplitsEqualServersExactly() throws Exception {
        TestBackend a = backend("a");
        TestBackend b = backend("b");
        LoadBalancer lb = track(Proxies.http(a, b));
        String previous = null;
        for (int i = 0; i < 100; i++) {
            HttpResponse<String> r = get(lb, "/");
            assertEquals(200, r.statusCode());
            assertTrue(previous == null || !previous.equals(r.body()), "round-robin alternates");
            previous = r.body();
        }
        assertEquals(50, a.requests());
        assertEquals(50, b.requests());
    }

    @Test
    void roundRobinFollowsWeights() throws Exception {
        TestBackend a = backend("a");
        TestBackend b = backend("b");
        LoadBalancer lb = track(Proxies.start(
                Mode.HTTP,
                be -> be.server(ServerConfig.builder("a", a.hostPort())
                                .weight(3)
                                .build())
                        .server(ServerConfig.builder("b", b.hostPort())
                                .weight(1)
                                .build()),
                f -> f,
                2));
        for (int i = 0; i < 100; i++) {
            assertEquals(200, get(lb, "/").statusCode());
        }
        assertEquals(75, a.requests());
        assertEquals(25, b.requests());
    }

    @Test
    void leastConnSteersAwayFromServerHoldingSlowRequests() throws Exception {
        TestBackend a = backend("a");
        TestBackend b = backend("b");
        LoadBalancer lb = track(Proxies.start(
                Mode.HTTP,
                be -> be.balance(Balance.LEASTCONN)
                        .server(ServerConfig.builder("a", a.hostPort()).build())
                        .server(ServerConfig.builder("b", b.hostPort()).build()),
                f -> f,
                2));
        Backend be = lb.backend("be");
        be.server("b").setAdminState(AdminState.DRAIN);
        List<CompletableFuture<HttpResponse<String>>> slow = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            slow.add(client.sendAsync(
                    HttpRequest.newBuilder(uri(lb, "/slow?ms=3000")).build(), HttpResponse.BodyHandlers.ofString()));
        }
        await().atMost(Duration.ofSeconds(5)).until(() -> be.server("a").activeConnections() == 3);
        be.server("b").setAdminState(AdminState.READY);
        for (int i = 0; i < 10; i++) {
            assertEquals("b\n", get(lb, "/").body());
        }
        for (CompletableFuture<HttpResponse<String>> f : slow) {
            assertEquals("a\n", f.get(10, TimeUnit.SECONDS).body());
        }
        assertEquals(13, a.requests() + b.requests());
        assertEquals(10, b.requests());
    }

    @Test
    void killedServerCausesNoClientError() throws Exception {
        TestBackend a = backend("a");
        TestBackend b = backend("b");
        LoadBalancer lb = track(Proxies.http(a, b));
        int ok = 0;
        for (int i = 0; i < 200; i++) {
            if (i == 40) {
                a.close(); // the pooled connections to it die, and new ones are refused
            }
            HttpResponse<String> r = get(lb, "/");
            if (r.statusCode() == 200) {
                ok++;
            }
        }
        assertEquals(200, ok, "every request answered 200 despite the dead server");
        assertEquals(180, b.requests());
        assertTrue(lb.backend("be").server("a").connectFailuresTotal() > 0, "the dead server's refusals were counted");
    }

    @Test
    void allServersDownGives503() throws Exception {
        TestBackend a = backend("a");
        TestBackend b = backend("b");
        LoadBalancer lb = track(Proxies.http(a, b));
        lb.backend("be").servers().forEach(s -> s.setUp(false));
        HttpResponse<String> r = get(lb, "/");
        assertEquals(503, r.statusCode());
        assertEquals("503 Service Unavailable\n", r.body());
        assertEquals(0, a.requests() + b.requests());
    }

    @Test
    void unreachableServersGive502AfterRetries() throws Exception {
        TestBackend a = backend("a");
        TestBackend b = backend("b");
        LoadBalancer lb = track(Proxies.http(a, b));
        a.close();
        b.close();
        HttpResponse<String> r = get(lb, "/");
        assertEquals(502, r.statusCode());
        long attempts = lb.backend("be").servers().stream()
                .mapToLong(s -> s.connectFailuresTotal())
                .sum();
        assertEquals(4, attempts, "one attempt and 3 retries");
    }

    @Test
    void backupServesOnlyWhilePrimariesAreDown() throws Exception {
        TestBackend a = backend("a");
        TestBackend spare = backend("spare");
        LoadBalancer lb = track(Proxies.start(
                Mode.HTTP,
                be -> be.server(ServerConfig.builder("a", a.hostPort()).build())
                        .server(ServerConfig.builder("spare", spare.hostPort())
                                .backup(true)
                                .build()),
                f -> f,
                1));
        assertEquals("a\n", get(lb, "/").body());
        lb.backend("be").server("a").setUp(false);
        assertEquals("spare\n", get(lb, "/").body());
        lb.backend("be").server("a").setUp(true);
        assertEquals("a\n", get(lb, "/").body());
        assertEquals(1, spare.requests());
    }

    @Test
    void forwardsClientHeadersAndDropsHopByHopOnes() throws Exception {
        TestBackend a = backend("a");
        LoadBalancer lb = track(Proxies.http(a));
        try (RawHttp c = new RawHttp(lb.address("fe"))) {
            RawHttp.Response r = c.send(
                            "GET /x HTTP/1.1\r\nHost: www.foobar.com\r\nConnection: keep-alive, X-Secret\r\n"
                                    + "X-Secret: 1\r\nKeep-Alive: timeout=5\r\nTE: trailers\r\nX-Forwarded-For: 10.1.1.1\r\n"
                                    + "X-Kept: yes\r\n\r\n")
                    .read();
            assertEquals(200, r.status());
        }
        HttpHeaders h = a.receivedHeaders().get(0);
        assertEquals("10.1.1.1, 127.0.0.1", h.get("X-Forwarded-For"));
        assertEquals("http", h.get("X-Forwarded-Proto"));
        assertEquals("www.foobar.com", h.get("X-Forwarded-Host"));
        assertEquals("www.foobar.com", h.get("Host"));
        assertEquals("yes", h.get("X-Kept"));
        assertNull(h.get("X-Secret"));
        assertNull(h.get("Keep-Alive"));
        assertNull(h.get("TE"));
        assertNull(h.get("Connection"));
    }

    @Test
    void keepAliveOnBothSidesReusesOneServerConnection() throws Exception {
        TestBackend a = backend("a");
        LoadBalancer lb = track(Proxies.http(a));
        try (RawHttp c = new RawHttp(lb.address("fe"))) {
            for (int i = 0; i < 50; i++) {
                RawHttp.Response r = c.get("/");
                assertEquals(200, r.status());
                assertEquals("a\n", r.body());
            }
        }
        assertEquals(50, a.requests());
        assertEquals(1, a.connections(), "one pooled server connection served every request");
    }

    @Test
    void idempotentRequestFailingOnReusedConnectionIsRetriedOnceOthersAreNot() throws Exception {
        TestBackend a = backend("a");
        LoadBalancer lb = track(Proxies.http(a));
        try (RawHttp c = new RawHttp(lb.address("fe"))) {
            assertEquals(200, c.get("/").status()); // leaves a pooled server connection behind
            RawHttp.Response r = c.get("/drop-once/get");
            assertEquals(200, r.status(), "a GET that died on a reused connection is sent again");
        }
        assertEquals(3, a.requests(), "/ once, /drop-once/get twice");
        try (RawHttp c = new RawHttp(lb.address("fe"))) {
            assertEquals(200, c.get("/").status());
            RawHttp.Response r = c.send("POST /drop-once/post HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\n\r\nhello")
                    .read();
            assertEquals(502, r.status(), "a POST that reached the server is never sent twice");
        }
        assertEquals(5, a.requests());
    }

    @Test
    void gracefulStopLetsInFlightRequestsFinishAndClosesIdleConnections() throws Exception {
        TestBackend a = backend("a");
        LoadBalancer lb = Proxies.http(a);
        try (RawHttp idle = new RawHttp(lb.address("fe"));
                RawHttp busy = new RawHttp(lb.address("fe"))) {
            assertEquals(200, idle.get("/").status());
            busy.send("GET /slow?ms=700 HTTP/1.1\r\nHost: t\r\n\r\n");
            await().atMost(Duration.ofSeconds(5))
                    .until(() -> lb.backend("be").server("a").activeConnections() == 1);
            long start = System.nanoTime();
            CompletableFuture<Void> stopped = CompletableFuture.runAsync(() -> lb.stop(Duration.ofSeconds(20)));
            assertTrue(idle.closedByPeer(), "an idle keep-alive connection is closed at once");
            RawHttp.Response r = busy.read();
            assertEquals(200, r.status(), "the in-flight request completes");
            assertEquals("close", r.header("connection"), "and its connection closes after it");
            assertTrue(busy.closedByPeer());
            stopped.get(10, TimeUnit.SECONDS);
            assertTrue(
                    System.nanoTime() - start < TimeUnit.SECONDS.toNanos(10), "stop did not wait out the drain time");
        }
    }

    @Test
    void pipelinedRequestsAreAnsweredInOrder() throws Exception {
        TestBackend a = backend("a");
        LoadBalancer lb = track(Proxies.http(a));
        try (RawHttp c = new RawHttp(lb.address("fe"))) {
            c.send("GET /slow?ms=300 HTTP/1.1\r\nHost: t\r\n\r\nGET /status?code=201 HTTP/1.1\r\nHost: t\r\n\r\n"
                    + "GET /status?code=202 HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
            assertEquals(200, c.read().status());
            assertEquals(201, c.read().status());
            RawHttp.Response last = c.read();
            assertEquals(202, last.status());
            assertEquals("close", last.header("connection"));
            assertTrue(c.closedByPeer());
        }
    }

    @Test
    void http10ClientGetsAnHttp10CompatibleAnswerAndClose() throws Exception {
        TestBackend a = backend("a");
        LoadBalancer lb = track(Proxies.http(a));
        try (RawHttp c = new RawHttp(lb.address("fe"))) {
            RawHttp.Response r =
                    c.send("GET /download?bytes=1000 HTTP/1.0\r\n\r\n").read();
            assertEquals(200, r.status());
            assertEquals(1000, r.body().length());
            assertNull(r.header("transfer-encoding"), "no chunked framing for an HTTP/1.0 client");
            assertTrue(c.closedByPeer());
        }
    }

    @Test
    void serverTooSlowGives504() throws Exception {
        TestBackend a = backend("a");
        LoadBalancer lb = track(Proxies.start(
                Mode.HTTP,
                be -> be.timeouts(Timeouts.builder()
                                .server(Duration.ofMillis(300))
                                .build())
                        .server(ServerConfig.builder("a", a.hostPort()).build()),
                f -> f,
                1));
        assertEquals(504, get(lb, "/slow?ms=3000").statusCode());
        assertEquals(200, get(lb, "/slow?ms=10").statusCode());
    }

    @Test
    void incompleteRequestHeadGets408() throws Exception {
        TestBackend a = backend("a");
        LoadBalancer lb = track(Proxies.start(
                Mode.HTTP,
                be -> be.server(ServerConfig.builder("a", a.hostPort()).build()),
                f -> f.timeouts(
                        Timeouts.builder().httpRequest(Duration.ofMillis(300)).build()),
                1));
        try (RawHttp c = new RawHttp(lb.address("fe"))) {
            RawHttp.Response r = c.send("GET / HTTP/1.1\r\nHost: t\r\n").read();
            assertEquals(408, r.status());
            assertTrue(c.closedByPeer());
        }
        assertEquals(0, a.requests());
    }

    @Test
    void serverMaxConnectionsQueuesThenGives503AfterQueueTimeout() throws Exception {
        TestBackend a = backend("a");
        LoadBalancer lb = track(Proxies.start(
                Mode.HTTP,
                be -> be.timeouts(
                                Timeouts.builder().queue(Duration.ofMillis(500)).build())
                        .server(ServerConfig.builder("a", a.hostPort())
                                .maxConnections(1)
                                .build()),
                f -> f,
                2));
        // A queued request is served once the slot frees up within the queue timeout.
        CompletableFuture<HttpResponse<String>> first = client.sendAsync(
                HttpRequest.newBuilder(uri(lb, "/slow?ms=200")).build(), HttpResponse.BodyHandlers.ofString());
        await().atMost(Duration.ofSeconds(5))
                .until(() -> lb.backend("be").server("a").activeConnections() == 1);
        assertEquals(200, get(lb, "/").statusCode());
        assertEquals(200, first.get(10, TimeUnit.SECONDS).statusCode());
        // One that waits longer than the queue timeout gets 503.
        CompletableFuture<HttpResponse<String>> hog = client.sendAsync(
                HttpRequest.newBuilder(uri(lb, "/slow?ms=2000")).build(), HttpResponse.BodyHandlers.ofString());
        await().atMost(Duration.ofSeconds(5))
                .until(() -> lb.backend("be").server("a").activeConnections() == 1);
        assertEquals(503, get(lb, "/").statusCode());
        assertEquals(200, hog.get(10, TimeUnit.SECONDS).statusCode());
    }

    @Test
    void webSocketEchoWorksThroughTheProxy() throws Exception {
        TestBackend a = backend("a");
        LoadBalancer lb = track(Proxies.http(a));
        CompletableFuture<String> reply = new CompletableFuture<>();
        InetSocketAddress addr = lb.address("fe");
        WebSocket ws = client.newWebSocketBuilder()
                .buildAsync(URI.create("ws://127.0.0.1:" + addr.getPort() + "/ws"), new WebSocket.Listener() {
                    @Override
                    public CompletionStage<?> onText(WebSocket w, CharSequence data, boolean last) {
                        reply.complete(data.toString());
                        return null;
                    }
                })
                .get(10, TimeUnit.SECONDS);
        ws.sendText("hello through tandem", true).get(5, TimeUnit.SECONDS);
        assertEquals("echo:hello through tandem", reply.get(10, TimeUnit.SECONDS));
        ws.sendClose(WebSocket.NORMAL_CLOSURE, "bye").get(5, TimeUnit.SECONDS);
    }

    @Test
    void routesPickBackendsByHostAndPathPrefix() throws Exception {
        TestBackend web = backend("web");
        TestBackend api = backend("api");
        var cfg = LoadBalancerConfig.builder()
                .backend(BackendConfig.builder("web", Mode.HTTP)
                        .server(ServerConfig.builder("web", web.hostPort()).build())
                        .build())
                .backend(BackendConfig.builder("api", Mode.HTTP)
                        .server(ServerConfig.builder("api", api.hostPort()).build())
                        .build())
                .frontend(FrontendConfig.builder("fe", Mode.HTTP)
                        .bind("127.0.0.1:0")
                        .defaultBackend("web")
                        .route(new RouteConfig(null, "/api/", "api"))
                        .route(new RouteConfig("api.foobar.com", null, "api"))
                        .build())
                .build();
        LoadBalancer lb = track(LoadBalancer.builder(cfg).threads(1).build());
        lb.start();
        try (RawHttp c = new RawHttp(lb.address("fe"))) {
            assertEquals("web\n", c.get("/index.html").body());
            assertEquals("api\n", c.get("/api/users").body());
            assertEquals(
                    "api\n",
                    c.send("GET / HTTP/1.1\r\nHost: API.foobar.com:8080\r\n\r\n")
                            .read()
                            .body());
        }
    }
}
