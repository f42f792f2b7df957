package org.tandemlb.admin.api;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tandemlb.admin.api.AdminClient.Answer;
import org.tandemlb.admin.api.AdminClient.Sample;
import org.tandemlb.admin.api.AdminClient.Scrape;
import org.tandemlb.admin.config.ConfigLoader;
import org.tandemlb.admin.daemon.Daemon;
import org.tandemlb.core.testsupport.ExternalProcesses;
import org.tandemlb.core.testsupport.RawHttp;
import org.tandemlb.core.testsupport.TestBackend;

/**
 * The admin API, /metrics and /healthz of a daemon started from a file, with a frontend in front
 * of two real backends, as an operator and Prometheus use them.
 */
class AdminApiTest {
    static final String TOKEN = "s3cret-t0ken";
    static final String BEARER = "Bearer " + TOKEN;

    @TempDir
    Path dir;

    private final List<TestBackend> backends = new ArrayList<>();
    private TestBackend a;
    private TestBackend b;
    private Path file;
    private Daemon daemon;
    private InetSocketAddress lb;
    private AdminClient admin;

    @BeforeEach
    void start() throws Exception {
        a = backend("a");
        b = backend("b");
        file = write(config(TOKEN, a, b));
        daemon = new Daemon(Map.of(), 2, Daemon.Admin.REQUIRED);
        daemon.start(ConfigLoader.load(file, Map.of()), file);
        lb = daemon.loadBalancer().address("www");
        admin = new AdminClient(daemon.adminAddress().orElseThrow());
    }

    @AfterEach
    void stop() {
        if (daemon != null) {
            daemon.stop();
        }
        backends.forEach(TestBackend::close);
    }

    private TestBackend backend(String name) {
        TestBackend t = TestBackend.start(name);
        backends.add(t);
        return t;
    }

    /**
     * Frontend www on 127.0.0.1:0 before backend web (round-robin, a tcp check every 200ms so that
     * health checks send no HTTP request to the backends), admin on 127.0.0.1:0.
     */
    static String config(String token, TestBackend... servers) {
        StringBuilder yaml = new StringBuilder("""
                node: lb-test
                admin:
                  listen: 127.0.0.1:0
                  token: "%s"
                frontends:
                  - name: www
                    bind: 127.0.0.1:0
                    default_backend: web
                backends:
                  - name: web
                    balance: roundrobin
                    health_check: { type: tcp, interval: 200ms, timeout: 1s, rise: 1, fall: 1 }
                    servers:
                """.formatted(token));
        for (TestBackend s : servers) {
            yaml.append("      - { name: ")
                    .append(s.name())
                    .append(", address: ")
                    .append(s.hostPort())
                    .append(" }\n");
        }
        return yaml.toString();
    }

    private Path write(String yaml) throws IOException {
        return Files.writeString(dir.resolve("tandem.yaml"), yaml, StandardCharsets.UTF_8);
    }

    /** The bodies of {@code n} requests through the load balancer, counted by backend name. */
    private Map<String, Integer> traffic(int n) throws IOException {
        Map<String, Integer> counts = new HashMap<>();
        try (RawHttp http = new RawHttp(lb)) {
            for (int i = 0; i < n; i++) {
                RawHttp.Response r = http.get("/");
                assertEquals(200, r.status(), r.body());
                counts.merge(r.body().trim(), 1, Integer::sum);
            }
        }
        return counts;
    }

    private String serverPath(String backend, String server) {
        return "/api/v1/backends/" + backend + "/servers/" + server;
    }

    // ---------------------------------------------------------------- /metrics

    /** Every metric of docs/admin-api.md but the cluster ones, with exactly its labels. */
    private static final Map<String, Set<String>> SPEC_SERIES = Map.ofEntries(
            Map.entry("tandem_frontend_connections_total", Set.of("frontend")),
            Map.entry("tandem_frontend_current_connections", Set.of("frontend")),
            Map.entry("tandem_frontend_http_requests_total", Set.of("frontend")),
            Map.entry("tandem_backend_http_responses_total", Set.of("backend", "code")),
            Map.entry("tandem_backend_response_seconds_bucket", Set.of("backend", "le")),
            Map.entry("tandem_backend_response_seconds_count", Set.of("backend")),
            Map.entry("tandem_backend_response_seconds_sum", Set.of("backend")),
            Map.entry("tandem_server_up", Set.of("backend", "server")),
            Map.entry("tandem_server_weight", Set.of("backend", "server")),
            Map.entry("tandem_server_current_connections", Set.of("backend", "server")),
            Map.entry("tandem_server_requests_total", Set.of("backend", "server")),
            Map.entry("tandem_server_connect_failures_total", Set.of("backend", "server")),
            Map.entry("tandem_server_check_failures_total", Set.of("backend", "server")),
            Map.entry("tandem_bytes_received_total", Set.of("frontend")),
            Map.entry("tandem_bytes_sent_total", Set.of("frontend")));

    @Test
    void metricsHaveEverySpecNameWithItsLabelsAndCountTheRequestsSent() throws IOException {
        Scrape before = admin.metrics();
        double aBefore = before.value("tandem_server_requests_total", "backend", "web", "server", "a");
        double bBefore = before.value("tandem_server_requests_total", "backend", "web", "server", "b");
        double requestsBefore = before.value("tandem_frontend_http_requests_total", "frontend", "www");

        assertEquals(Map.of("a", 10, "b", 10), traffic(20));

        // Per-request meters count a request when it has ended, a moment after its response.
        await().atMost(Duration.ofSeconds(10))
                .until(() -> admin.metrics().value("tandem_frontend_http_requests_total", "frontend", "www")
                        == requestsBefore + 20);
        Answer raw = admin.get("/metrics");
        assertEquals(200, raw.status());
        assertEquals("text/plain; version=0.0.4; charset=utf-8", raw.header("content-type"));
        Scrape after = Scrape.parse(raw.body());

        for (Map.Entry<String, Set<String>> e : SPEC_SERIES.entrySet()) {
            List<Sample> samples = after.named(e.getKey());
            assertFalse(samples.isEmpty(), e.getKey() + " is missing from\n" + raw.body());
            for (Sample s : samples) {
                assertEquals(e.getValue(), s.labels().keySet(), s.toString());
            }
        }
        assertEquals(aBefore + 10, after.value("tandem_server_requests_total", "backend", "web", "server", "a"));
        assertEquals(bBefore + 10, after.value("tandem_server_requests_total", "backend", "web", "server", "b"));
        assertEquals(20, after.value("tandem_backend_http_responses_total", "backend", "web", "code", "2xx"));
        assertEquals(
                Set.of("1xx", "2xx", "3xx", "4xx", "5xx"),
                after.named("tandem_backend_http_responses_total").stream()
                        .map(s -> s.labels().get("code"))
                        .collect(Collectors.toSet()));
        assertEquals(20, after.value("tandem_backend_response_seconds_count", "backend", "web"));
        assertEquals(20, after.value("tandem_backend_response_seconds_bucket", "backend", "web", "le", "+Inf"));
        assertTrue(after.value("tandem_backend_response_seconds_sum", "backend", "web") > 0);
        assertEquals(
                1, after.value("tandem_frontend_connections_total", "frontend", "www"), "one keep-alive connection");
        assertTrue(after.value("tandem_bytes_received_total", "frontend", "www") >= 20 * "GET / HTTP/1.1\r\n".length());
        assertTrue(after.value("tandem_bytes_sent_total", "frontend", "www") > 0);
        assertEquals(1, after.value("tandem_server_up", "backend", "web", "server", "a"));
        assertEquals(1, after.value("tandem_server_weight", "backend", "web", "server", "b"));
        assertEquals(0, after.value("tandem_server_connect_failures_total", "backend", "web", "server", "a"));
        assertEquals(0, after.value("tandem_server_check_failures_total", "backend", "web", "server", "a"));
        assertEquals(0, after.value("tandem_server_current_connections", "backend", "web", "server", "a"));

        // JVM and process meters from Micrometer's binders, and the proxy's buffer memory.
        for (String name : List.of(
                "jvm_memory_used_bytes",
                "jvm_gc_memory_allocated_bytes_total",
                "jvm_threads_live_threads",
                "jvm_classes_loaded_classes",
                "system_cpu_count",
                "process_uptime_seconds",
                "process_files_open_files",
                "tandem_netty_allocator_used_direct_bytes",
                "tandem_netty_allocator_used_heap_bytes")) {
            assertFalse(after.named(name).isEmpty(), name + " is missing");
        }
        assertTrue(
                after.value("tandem_netty_allocator_used_direct_bytes", Map.of()) > 0,
                "the proxy's pooled buffers are direct memory");
    }

    @Test
    void aServerThatGoesDownShowsInStatusAndMetrics() {
        a.close();

        await().atMost(Duration.ofSeconds(10))
                .until(() -> admin.server("web", "a").get("health").asText().equals("down"));
        JsonNode down = admin.server("web", "a");
        assertEquals("failed", down.get("last_check").get("status").asText());
        assertEquals("tcp", down.get("last_check").get("type").asText());
        Scrape m = admin.metrics();
        assertEquals(0, m.value("tandem_server_up", "backend", "web", "server", "a"));
        assertTrue(m.value("tandem_server_check_failures_total", "backend", "web", "server", "a") >= 1);
        assertEquals(1, m.value("tandem_server_up", "backend", "web", "server", "b"));
    }

    @Test
    void aNodeWithoutAClusterSectionIsActiveAndAloneInTheMetrics() {
        // So that one set of alert rules ("no active node", "two active nodes") fits a solo node.
        Scrape m = admin.metrics();
        assertEquals(List.of(new Sample("tandem_cluster_active", Map.of(), 1)), m.named("tandem_cluster_active"));
        assertEquals(List.of(new Sample("tandem_cluster_members", Map.of(), 1)), m.named("tandem_cluster_members"));
    }

    // ---------------------------------------------------------------- /api/v1/status

    @Test
    void statusDescribesTheNodeFrontendsBackendsAndServers() throws IOException {
        traffic(4);
        await().atMost(Duration.ofSeconds(10))
                .until(() -> !admin.server("web", "a").get("last_check").isNull());

        Answer answer = admin.get("/api/v1/status");

        assertEquals(200, answer.status());
        assertEquals("application/json", answer.header("content-type"));
        JsonNode status = answer.json();
        assertEquals(List.of("node", "cluster", "frontends", "backends"), fieldNames(status));
        assertEquals("lb-test", status.get("node").asText());
        assertEquals(
                AdminClient.JSON.readTree(
                        "{\"role\": \"solo\", \"members\": [\"lb-test\"], \"vips\": [], \"groups\": []}"),
                status.get("cluster"));

        JsonNode www = status.get("frontends").get(0);
        assertEquals(
                List.of("name", "mode", "binds", "current_connections", "connections_total", "tls", "rules"),
                fieldNames(www));
        assertTrue(www.get("tls").isNull(), "a cleartext frontend");
        assertTrue(www.get("rules").isNull(), "no routes, header rules, request id or error pages");
        assertEquals("www", www.get("name").asText());
        assertEquals("http", www.get("mode").asText());
        assertEquals("127.0.0.1:" + lb.getPort(), www.get("binds").get(0).asText(), "the port actually bound");
        assertEquals(1, www.get("connections_total").asLong());

        JsonNode web = status.get("backends").get(0);
        assertEquals("web", web.get("name").asText());
        assertEquals("http", web.get("mode").asText());
        assertEquals("roundrobin", web.get("balance").asText());
        assertEquals("http1", web.get("protocol").asText(), "HTTP/1.1 to the servers, the default");
        assertTrue(web.get("persistence").isNull(), "no cookie persistence");
        assertTrue(web.get("rules").isNull());
        assertEquals(2, web.get("servers").size());
        JsonNode serverA = web.get("servers").get(0);
        assertEquals(
                List.of(
                        "name",
                        "address",
                        "state",
                        "health",
                        "health_since",
                        "weight",
                        "target_weight",
                        "backup",
                        "active_connections",
                        "requests_total",
                        "last_check"),
                fieldNames(serverA));
        assertEquals("a", serverA.get("name").asText());
        assertEquals(a.hostPort(), serverA.get("address").asText());
        assertEquals("ready", serverA.get("state").asText());
        assertEquals("up", serverA.get("health").asText());
        assertEquals(1, serverA.get("weight").asInt());
        assertEquals(0, serverA.get("active_connections").asInt());
        assertEquals(2, serverA.get("requests_total").asLong());
        JsonNode check = serverA.get("last_check");
        assertEquals(List.of("status", "type", "message", "duration_ms", "time"), fieldNames(check));
        assertEquals("passed", check.get("status").asText());
        assertEquals("tcp", check.get("type").asText());
        assertTrue(check.get("duration_ms").isIntegralNumber());
        java.time.Instant.parse(check.get("time").asText()); // ISO-8601
    }

    private static List<String> fieldNames(JsonNode node) {
        List<String> names = new ArrayList<>();
        node.fieldNames().forEachRemaining(names::add);
        return names;
    }

    // ---------------------------------------------------------------- POST .../servers/{server}

    @Test
    void aServerDrainedThroughTheApiGetsNoNewRequests() throws IOException {
        assertEquals(Map.of("a", 2, "b", 2), traffic(4));

        Answer drained = admin.post(serverPath("web", "a"), "{\"state\": \"drain\"}", BEARER);

        assertEquals(200, drained.status(), drained.body());
        assertEquals("a", drained.json().get("name").asText());
        assertEquals("drain", drained.json().get("state").asText());
        assertEquals("up", drained.json().get("health").asText());
        int aSoFar = a.requests();
        assertEquals(Map.of("b", 10), traffic(10));
        assertEquals(aSoFar, a.requests(), "the drained server received nothing");
        assertEquals("drain", admin.server("web", "a").get("state").asText());
        assertEquals(2, admin.metrics().value("tandem_server_requests_total", "backend", "web", "server", "a"));

        Answer ready = admin.post(serverPath("web", "a"), "{\"state\": \"ready\"}", BEARER);
        assertEquals(200, ready.status(), ready.body());
        assertEquals(Map.of("a", 5, "b", 5), traffic(10));
    }

    @Test
    void changesNeedTheTokenButReadsDoNot() throws IOException {
        for (String authorization :
                new String[] {null, "Bearer wrong", "Bearer " + TOKEN + "x", "Bearer ", "Basic " + TOKEN, TOKEN}) {
            Answer refused = admin.post(serverPath("web", "a"), "{\"state\": \"maint\"}", authorization);
            assertEquals(401, refused.status(), "Authorization: " + authorization);
            assertEquals("Bearer realm=\"tandem\"", refused.header("www-authenticate"));
            assertTrue(refused.json().get("error").isTextual(), refused.body());
        }
        Answer reload = admin.post("/api/v1/reload", "", null);
        assertEquals(401, reload.status(), reload.body());

        assertEquals("ready", admin.server("web", "a").get("state").asText());
        assertEquals(Map.of("a", 2, "b", 2), traffic(4), "nothing changed");
        assertEquals(200, admin.get("/api/v1/status").status());
        assertEquals(200, admin.get("/metrics").status());
        assertEquals(200, admin.get("/").status());
        // The scheme is case-insensitive (RFC 7235 §2.1).
        assertEquals(
                200,
                admin.post(serverPath("web", "a"), "{\"state\": \"ready\"}", "bearer " + TOKEN)
                        .status());
    }

    @Test
    void withoutATokenChangesNeedNone() throws Exception {
        daemon.stop();
        Path open = Files.writeString(dir.resolve("open.yaml"), config("", a, b));
        daemon = new Daemon(Map.of(), 1, Daemon.Admin.REQUIRED);
        daemon.start(ConfigLoader.load(open, Map.of()), open);
        admin = new AdminClient(daemon.adminAddress().orElseThrow());

        Answer drained = admin.post(serverPath("web", "b"), "{\"state\": \"drain\"}", null);

        assertEquals(200, drained.status(), drained.body());
        assertEquals("drain", admin.server("web", "b").get("state").asText());
    }

    @Test
    void unknownBackendsAndServersAre404() {
        Answer backend = admin.post(serverPath("nope", "a"), "{\"state\": \"drain\"}", BEARER);
        Answer server = admin.post(serverPath("web", "nope"), "{\"state\": \"drain\"}", BEARER);

        assertEquals(404, backend.status());
        assertEquals("no backend 'nope'", backend.json().get("error").asText());
        assertEquals(404, server.status());
        assertEquals(
                "backend web has no server 'nope'", server.json().get("error").asText());
        assertEquals("application/json", server.header("content-type"));
    }

    @Test
    void badBodiesAre400AndChangeNothing() throws IOException {
        for (String body : List.of(
                "",
                " ",
                "{}",
                "[]",
                "null",
                "\"drain\"",
                "drain",
                "{\"state\": \"drain\"",
                "{\"state\": \"down\"}",
                "{\"state\": \"DRAIN\"}",
                "{\"state\": null}",
                "{\"state\": 1}",
                "{\"weight\": 257}",
                "{\"weight\": -1}",
                "{\"weight\": 1.5}",
                "{\"weight\": \"50\"}",
                "{\"weight\": 99999999999}",
                "{\"weight\": null}",
                "{\"state\": \"drain\", \"colour\": \"red\"}",
                "{\"state\": \"drain\"} {}",
                "{\"state\": \"drain\", \"state\": \"ready\"}",
                "{\"weight\": 50, \"state\": \"sleep\"}")) {
            Answer answer = admin.post(serverPath("web", "a"), body, BEARER);
            assertEquals(400, answer.status(), body + " -> " + answer.body());
            assertFalse(answer.json().get("error").asText().isBlank(), body);
        }
        JsonNode a1 = admin.server("web", "a");
        assertEquals("ready", a1.get("state").asText());
        assertEquals(1, a1.get("target_weight").asInt());
        assertEquals(Map.of("a", 2, "b", 2), traffic(4));
    }

    @Test
    void aWeightSetThroughTheApiShowsInStatusMetricsAndTraffic() throws IOException {
        Answer answer = admin.post(serverPath("web", "b"), "{\"weight\": 3}", BEARER);

        assertEquals(200, answer.status(), answer.body());
        assertEquals(3, answer.json().get("weight").asInt());
        assertEquals(3, admin.server("web", "b").get("weight").asInt());
        assertEquals(3, admin.metrics().value("tandem_server_weight", "backend", "web", "server", "b"));
        assertEquals(Map.of("a", 3, "b", 9), traffic(12), "weights 1:3");

        Answer both = admin.post(serverPath("web", "b"), "{\"state\": \"maint\", \"weight\": 0}", BEARER);
        assertEquals(200, both.status(), both.body());
        assertEquals("maint", both.json().get("state").asText());
        assertEquals(0, both.json().get("weight").asInt());
        assertEquals(0, admin.metrics().value("tandem_server_weight", "backend", "web", "server", "b"));
        assertEquals(Map.of("a", 4), traffic(4));
    }

    @Test
    void aBodyOver64KiBIs413() {
        String big = "{\"state\": \"drain\", \"x\": \"" + "x".repeat(70 * 1024) + "\"}";

        Answer answer = admin.post(serverPath("web", "a"), big, BEARER);

        assertEquals(413, answer.status());
        assertEquals("ready", admin.server("web", "a").get("state").asText());
    }

    @Test
    void aPageFromAnotherOriginCannotChangeAnything() {
        Answer answer = admin.send(HttpRequest.newBuilder(URI.create(base() + serverPath("web", "a")))
                .POST(HttpRequest.BodyPublishers.ofString("{\"state\": \"maint\"}"))
                .header("Authorization", BEARER)
                .header("Origin", "http://evil.example"));

        assertEquals(403, answer.status(), answer.body());
        assertEquals("ready", admin.server("web", "a").get("state").asText());
    }

    private String base() {
        InetSocketAddress address = daemon.adminAddress().orElseThrow();
        return "http://127.0.0.1:" + address.getPort();
    }

    // ---------------------------------------------------------------- POST /api/v1/reload

    @Test
    void aValidFileReloadedThroughTheApiAddsItsServer() throws IOException {
        TestBackend c = backend("c");
        write(config(TOKEN, a, b, c));

        Answer answer = admin.post("/api/v1/reload", "", BEARER);

        assertEquals(200, answer.status(), answer.body());
        assertEquals(AdminClient.JSON.readTree("{\"reloaded\": true}"), answer.json());
        assertNotNull(admin.server("web", "c"), "c appears in the status");
        assertEquals("up", admin.server("web", "c").get("health").asText());
        assertEquals(Map.of("a", 1, "b", 1, "c", 1), traffic(3));
        assertEquals(1, admin.metrics().value("tandem_server_requests_total", "backend", "web", "server", "c"));
    }

    @Test
    void anInvalidFileIs400WithItsErrorsAndChangesNothing() throws IOException {
        TestBackend c = backend("c");
        write(config(TOKEN, a, b, c)
                .replace("default_backend: web", "default_backend: webb")
                .replace("node: lb-test", "node: lb-test\nnodes: 2"));

        Answer answer = admin.post("/api/v1/reload", "", BEARER);

        assertEquals(400, answer.status(), answer.body());
        JsonNode errors = answer.json().get("errors");
        assertEquals(2, errors.size(), answer.body());
        for (JsonNode e : errors) {
            assertTrue(e.asText().matches(Pattern.quote(file.toString()) + ":\\d+:\\d+: .+"), e.asText());
        }
        assertEquals(2, admin.status().get("backends").get(0).get("servers").size(), "c did not appear");
        assertEquals(Map.of("a", 1, "b", 1), traffic(2));
    }

    @Test
    void reloadWithoutAConfigFileIs409() throws Exception {
        daemon.stop();
        daemon = new Daemon(Map.of(), 1, Daemon.Admin.REQUIRED);
        daemon.start(ConfigLoader.load(file, Map.of())); // as the demo does: no file to read again
        admin = new AdminClient(daemon.adminAddress().orElseThrow());

        Answer answer = admin.post("/api/v1/reload", "", BEARER);

        assertEquals(409, answer.status(), answer.body());
        assertTrue(answer.json().get("error").asText().contains("config file"), answer.body());
    }

    /** A reload is answered later, on its own thread; a request pipelined behind it waits its turn. */
    @Test
    void pipelinedRequestsAreAnsweredInOrder() throws IOException {
        write(config(TOKEN, a));
        try (RawHttp http = new RawHttp(daemon.adminAddress().orElseThrow())) {
            http.send("POST /api/v1/reload HTTP/1.1\r\nHost: x\r\nAuthorization: " + BEARER
                    + "\r\nContent-Length: 0\r\n\r\n"
                    + "GET /api/v1/status HTTP/1.1\r\nHost: x\r\n\r\n"
                    + "HEAD /healthz HTTP/1.1\r\nHost: x\r\n\r\n");

            RawHttp.Response reload = http.read();
            RawHttp.Response status = http.read();
            RawHttp.Response health = http.readHeadResponse();

            assertEquals(200, reload.status(), reload.body());
            assertEquals("{\"reloaded\":true}", reload.body());
            assertEquals(200, status.status());
            JsonNode servers = AdminClient.JSON
                    .readTree(status.body())
                    .get("backends")
                    .get(0)
                    .get("servers");
            assertEquals(1, servers.size(), "the status comes after the reload: " + status.body());
            assertEquals(200, health.status());
            assertEquals("3", health.header("content-length"));
            assertEquals(200, http.get("/healthz").status(), "the connection is still usable");
        }
    }

    // ---------------------------------------------------------------- the rest

    @Test
    void aMalformedRequestIs400AndClosesTheConnection() throws IOException {
        try (RawHttp http = new RawHttp(daemon.adminAddress().orElseThrow())) {
            http.send("GET /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n");

            RawHttp.Response r = http.read();

            assertEquals(400, r.status(), r.body());
            assertEquals("close", r.header("connection"));
            assertTrue(http.closedByPeer());
        }
    }

    @Test
    void unknownPathsAre404AndWrongMethods405() {
        Answer missing = admin.get("/api/v1/nope");
        assertEquals(404, missing.status());
        assertTrue(missing.json().get("error").asText().contains("/api/v1/nope"), missing.body());
        assertEquals(404, admin.get("/api/v1/backends/web/servers").status());
        assertEquals(404, admin.get("/api/v1/backends/web/servers/a/more").status());

        Answer getServer = admin.get(serverPath("web", "a"));
        assertEquals(405, getServer.status());
        assertEquals("POST", getServer.header("allow"));
        Answer getReload = admin.get("/api/v1/reload");
        assertEquals(405, getReload.status());
        Answer postMetrics = admin.post("/metrics", "", BEARER);
        assertEquals(405, postMetrics.status());
        assertEquals("GET, HEAD", postMetrics.header("allow"));
        assertTrue(postMetrics.json().get("error").isTextual());
    }

    @Test
    void healthzIsOkWhileServingAndStoppingDuringTheDrain() throws Exception {
        InetSocketAddress adminAddress = daemon.adminAddress().orElseThrow();
        Answer ok = admin.get("/healthz");
        assertEquals(200, ok.status());
        assertEquals("ok\n", ok.body());

        // A slow request keeps the graceful stop draining for a while.
        try (RawHttp slow = new RawHttp(lb)) {
            slow.send("GET /slow?ms=1500 HTTP/1.1\r\nHost: x\r\n\r\n");
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> daemon.loadBalancer().backend("web").servers().stream()
                                    .mapToInt(s -> s.activeConnections())
                                    .sum()
                            == 1);
            CompletableFuture<Void> stopping = CompletableFuture.runAsync(daemon::stop);

            await().atMost(Duration.ofSeconds(5))
                    .until(() -> admin.get("/healthz").status() == 503);
            assertEquals("stopping\n", admin.get("/healthz").body());
            assertEquals(200, slow.read().status(), "the request in flight finishes");
            stopping.join();
        }
        assertFalse(ExternalProcesses.acceptsConnections(adminAddress), "the admin server is gone after the stop");
        assertTrue(daemon.adminAddress().isEmpty());
    }

    @Test
    void theStatusPageIsServedWithItsSecurityHeaders() {
        Answer page = admin.get("/");

        assertEquals(200, page.status());
        assertEquals("text/html; charset=utf-8", page.header("content-type"));
        assertTrue(page.body().contains("/api/v1/status"), "it polls the status API");
        String csp = page.header("content-security-policy");
        assertTrue(csp.contains("script-src 'sha256-"), csp);
        assertTrue(csp.contains("connect-src 'self'"), csp);
        assertEquals("DENY", page.header("x-frame-options"));
        assertFalse(page.body().contains("innerHTML"), "server strings never become markup");
        assertFalse(page.body().matches("(?s).*(src|href)=\"https?:.*"), "nothing from another site");
    }

    @Test
    void aServerRemovedByAReloadLeavesTheStatusAndTheMetrics() throws Exception {
        // Reload to a single server and back: the API follows the configuration in force.
        write(config(TOKEN, b));
        assertEquals(200, admin.post("/api/v1/reload", "", BEARER).status());
        Set<String> names = new TreeSet<>();
        admin.status()
                .get("backends")
                .get(0)
                .get("servers")
                .forEach(s -> names.add(s.get("name").asText()));
        assertEquals(Set.of("b"), names);
        Scrape m = admin.metrics();
        assertTrue(
                m.named("tandem_server_up").stream()
                        .noneMatch(s -> "a".equals(s.labels().get("server"))),
                "a's series are gone");
    }
}
