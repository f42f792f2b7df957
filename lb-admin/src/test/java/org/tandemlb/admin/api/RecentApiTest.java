package org.tandemlb.admin.api;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tandemlb.admin.api.AdminClient.Answer;
import org.tandemlb.admin.config.ConfigLoader;
import org.tandemlb.admin.daemon.Daemon;
import org.tandemlb.core.testsupport.RawHttp;
import org.tandemlb.core.testsupport.TestBackend;

/**
 * {@code GET /api/v1/events} and {@code GET /api/v1/history} of a daemon started from a file, in
 * front of two real backends: what an operator changes and what happens to the servers shows in
 * the events, the traffic sent shows in the history.
 */
class RecentApiTest {
    @TempDir
    Path dir;

    private final List<TestBackend> backends = new ArrayList<>();
    private TestBackend a;
    private TestBackend b;
    private Path file;
    private Daemon daemon;
    private AdminClient admin;

    @BeforeEach
    void start() throws Exception {
        a = backend("a");
        b = backend("b");
        file = Files.writeString(
                dir.resolve("tandem.yaml"), AdminApiTest.config(AdminApiTest.TOKEN, a, b), StandardCharsets.UTF_8);
        daemon = new Daemon(Map.of(), 1, Daemon.Admin.REQUIRED);
        daemon.start(ConfigLoader.load(file, Map.of()), file);
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

    private JsonNode ok(String path) {
        Answer answer = admin.get(path);
        assertEquals(200, answer.status(), path + ": " + answer.body());
        return answer.json();
    }

    /** Each event as {@code type subject message}. */
    private static List<String> lines(JsonNode events) {
        List<String> out = new ArrayList<>();
        events.get("events")
                .forEach(e -> out.add(e.get("type").asText() + " "
                        + e.get("subject").asText() + " " + e.get("message").asText()));
        return out;
    }

    @Test
    void changesHealthAndReloadsAreEventsInOrder() throws Exception {
        assertEquals(List.of(), lines(ok("/api/v1/events")), "nothing happened yet");
        assertEquals(
                200,
                admin.post("/api/v1/backends/web/servers/b", "{\"state\": \"drain\"}", AdminApiTest.BEARER)
                        .status());
        assertEquals(
                200,
                admin.post("/api/v1/backends/web/servers/b", "{\"weight\": 7}", AdminApiTest.BEARER)
                        .status());
        a.close();
        await("a is down")
                .atMost(Duration.ofSeconds(10))
                .until(() -> !daemon.loadBalancer().backend("web").server("a").isUp());
        Files.writeString(file, "node: lb-test\nfrontends: 3\n", StandardCharsets.UTF_8);
        assertEquals(400, admin.post("/api/v1/reload", "", AdminApiTest.BEARER).status());

        List<String> events = lines(ok("/api/v1/events"));
        assertEquals("server_state web/b drain (was ready)", events.get(0));
        assertEquals("server_weight web/b weight 7 (was 1)", events.get(1));
        assertTrue(events.get(2).startsWith("server_health web/a tcp check failed: "), events.get(2));
        assertTrue(events.get(3).startsWith("server_health web/a down: tcp check: "), events.get(3));
        assertTrue(events.get(4).startsWith("config_error lb-test " + file + ":"), events.get(4));
        assertTrue(
                events.get(events.size() - 1).startsWith("reload lb-test refused: " + file + " has "),
                events.toString());

        JsonNode all = ok("/api/v1/events").get("events");
        for (int i = 0; i < all.size(); i++) {
            assertEquals(i + 1, all.get(i).get("seq").asLong(), "numbered from 1, oldest first");
            Instant.parse(all.get(i).get("time").asText()); // ISO-8601
            assertTrue(all.get(i).get("time").asText().endsWith("Z"), "in UTC");
        }
        assertEquals(events.subList(2, 4), lines(ok("/api/v1/events?since=2&limit=2")), "the two after 2");
        assertEquals(events.subList(events.size() - 1, events.size()), lines(ok("/api/v1/events?limit=1")), "the last");
        assertEquals(List.of(), lines(ok("/api/v1/events?since=" + all.size())));

        // A good file again: the reload is an event too.
        Files.writeString(file, AdminApiTest.config(AdminApiTest.TOKEN, b), StandardCharsets.UTF_8);
        assertEquals(200, admin.post("/api/v1/reload", "", AdminApiTest.BEARER).status());
        assertEquals(
                List.of("reload lb-test applied " + file + ": 1 frontend(s), 1 backend(s), 1 server(s)"),
                lines(ok("/api/v1/events?limit=1")));

        for (String bad : List.of("since=-1", "since=x", "limit=0", "limit=1001", "limit=1&limit=2", "from=3")) {
            Answer answer = admin.get("/api/v1/events?" + bad);
            assertEquals(400, answer.status(), bad + ": " + answer.body());
            assertFalse(answer.json().get("error").asText().isEmpty());
        }
    }

    @Test
    void theHistoryShowsTheTrafficSent() throws IOException {
        int sent = 40;
        try (RawHttp http = new RawHttp(daemon.loadBalancer().address("www"))) {
            for (int i = 0; i < sent; i++) {
                assertEquals(200, http.get("/").status());
            }
        }
        // The samples of the next seconds count them; wait until two samples saw nothing more.
        await("the history counted the requests").atMost(Duration.ofSeconds(15)).until(() -> {
            JsonNode rates = series("backend", "web").get("requests_per_second");
            int n = rates.size();
            return n >= 3
                    && rates.get(n - 1).asDouble() == 0
                    && rates.get(n - 2).asDouble() == 0
                    && sum(rates) > 0;
        });
        JsonNode web = series("backend", "web");
        double total = sum(web.get("requests_per_second"));
        // Rates are per second of each sample's own interval: one second, longer on a busy machine
        // (never shorter), so their sum is the count or a little less. The subjects of one sample
        // share its interval.
        assertTrue(total <= sent + 0.05 && total >= sent * 0.5, total + " for " + sent + " requests");
        assertEquals(0, sum(web.get("errors_per_second")));
        assertEquals(total, sum(series("frontend", "www").get("requests_per_second")), 0.01);
        assertEquals(
                total,
                sum(series("server", "web/a").get("requests_per_second"))
                        + sum(series("server", "web/b").get("requests_per_second")),
                0.05, // each value is rounded to a thousandth
                "each request counted once, for the server that answered it");
        JsonNode p99 = web.get("p99_ms");
        boolean someLatency = false;
        for (int i = 0; i < p99.size(); i++) {
            if (web.get("requests_per_second").get(i).asDouble() > 0) {
                assertTrue(p99.get(i).isNumber() && p99.get(i).asDouble() > 0, web.toString());
                assertTrue(web.get("p50_ms").get(i).asDouble() <= p99.get(i).asDouble(), web.toString());
                someLatency = true;
            } else {
                assertTrue(p99.get(i).isNull(), "no latency without requests: " + web);
            }
        }
        assertTrue(someLatency);
        assertTrue(Instant.parse(web.get("start").asText())
                        .isBefore(Instant.parse(web.get("end").asText()))
                || web.get("requests_per_second").size() == 1);

        JsonNode servers = ok("/api/v1/history?scope=server");
        assertEquals(1, servers.get("interval_seconds").asInt());
        assertEquals(List.of("web/a", "web/b"), servers.get("series").findValuesAsText("name"));
        assertEquals(
                1,
                ok("/api/v1/history?scope=server&name=web/a&points=1")
                        .get("series")
                        .get(0)
                        .get("requests_per_second")
                        .size());

        assertEquals(404, admin.get("/api/v1/history?scope=server&name=a").status());
        assertEquals(404, admin.get("/api/v1/history?scope=backend&name=nope").status());
        for (String bad :
                List.of("", "scope=pool", "scope=server&points=0", "scope=server&points=601", "scope=server&x=1")) {
            Answer answer = admin.get("/api/v1/history?" + bad);
            assertEquals(400, answer.status(), bad + ": " + answer.body());
        }
        assertEquals(
                405,
                admin.post("/api/v1/history?scope=server", "", AdminApiTest.BEARER)
                        .status());
    }

    @Test
    void theStatusSaysSinceWhenEachServerIsUpOrDown() {
        Instant started =
                Instant.parse(admin.server("web", "a").get("health_since").asText());
        String bSince = admin.server("web", "b").get("health_since").asText();
        a.close();
        await("a is down")
                .atMost(Duration.ofSeconds(10))
                .until(() -> admin.server("web", "a").get("health").asText().equals("down"));
        Instant down =
                Instant.parse(admin.server("web", "a").get("health_since").asText());
        assertTrue(down.isAfter(started), started + " then " + down);
        assertEquals(bSince, admin.server("web", "b").get("health_since").asText(), "b did not change");
    }

    private JsonNode series(String scope, String name) {
        JsonNode series = ok("/api/v1/history?scope=" + scope + "&name=" + name).get("series");
        assertEquals(1, series.size());
        assertEquals(scope, series.get(0).get("scope").asText());
        assertEquals(name, series.get(0).get("name").asText());
        return series.get(0);
    }

    private static double sum(JsonNode values) {
        double total = 0;
        for (JsonNode v : values) {
            total += v.asDouble();
        }
        return total;
    }
}
