package org.tandemlb.core.health;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tandemlb.core.LoadBalancer;
import org.tandemlb.core.backend.Backend;
import org.tandemlb.core.backend.Server;
import org.tandemlb.core.config.HealthCheckConfig;
import org.tandemlb.core.config.Mode;
import org.tandemlb.core.config.PassiveCheckConfig;
import org.tandemlb.core.config.ServerConfig;
import org.tandemlb.core.testsupport.NginxServer;
import org.tandemlb.core.testsupport.Proxies;
import org.tandemlb.core.testsupport.TestBackend;

/**
 * Active checks against real Nginx servers through a running load balancer: a health path that
 * starts failing and recovers, a killed server, and backup servers. Intervals are short (100 to
 * 200 ms) and the detection times are measured against {@code fall × interval + timeout} and
 * {@code rise × interval}, with room for jitter (±10%) and a loaded machine.
 */
class HttpHealthCheckTest {
    private static final Logger log = LoggerFactory.getLogger(HttpHealthCheckTest.class);
    private static final Duration INTERVAL = Duration.ofMillis(200);
    /** What a busy CI machine may add to a detection time. */
    private static final Duration SLACK = Duration.ofMillis(400);

    private final HttpClient client = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build();

    /** Nginx whose /health answers 503 while the file "down" exists, and whose / answers {@code name}. */
    private static NginxServer nginx(String name) {
        return NginxServer.builder()
                .server("location = /health { if (-f $document_root/down) { return 503; } return 200 \"ok\\n\"; }\n"
                        + "location / { return 200 \"" + name + "\\n\"; }")
                .start();
    }

    private String get(LoadBalancer lb, String path) throws IOException, InterruptedException {
        HttpResponse<String> r = client.send(
                HttpRequest.newBuilder(URI.create(
                                "http://127.0.0.1:" + lb.address("fe").getPort() + path))
                        .timeout(Duration.ofSeconds(10))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        return r.statusCode() == 200 ? r.body().strip() : Integer.toString(r.statusCode());
    }

    /** Where {@code n} requests went: body (server name) or status to count. */
    private Map<String, Integer> spread(LoadBalancer lb, int n) throws IOException, InterruptedException {
        Map<String, Integer> counts = new TreeMap<>();
        for (int i = 0; i < n; i++) {
            counts.merge(get(lb, "/"), 1, Integer::sum);
        }
        return counts;
    }

    /** Waits (polling every 5 ms) until {@code condition}, and returns how long that took. */
    private static Duration timeUntil(BooleanSupplier condition) {
        long start = System.nanoTime();
        await().atMost(Duration.ofSeconds(10))
                .pollDelay(Duration.ZERO)
                .pollInterval(Duration.ofMillis(5))
                .until(condition::getAsBoolean);
        return Duration.ofNanos(System.nanoTime() - start);
    }

    private static Duration times(Duration d, double factor) {
        return Duration.ofNanos((long) (d.toNanos() * factor));
    }

    private static void assertWithin(Duration actual, Duration min, Duration max, String what) {
        assertTrue(
                actual.compareTo(min) >= 0 && actual.compareTo(max) <= 0,
                what + " took " + actual.toMillis() + "ms, expected " + min.toMillis() + "-" + max.toMillis() + "ms");
    }

    @Test
    void aFailingHealthPathTakesTheServerOutWithinFallIntervalsAndRiseIntervalsBringItBack() throws Exception {
        HealthCheckConfig check = HealthCheckConfig.builder(HealthCheckConfig.Type.HTTP)
                .path("/health")
                .interval(INTERVAL)
                .rise(2)
                .fall(3)
                .build();
        try (NginxServer web1 = nginx("web1");
                TestBackend web2 = TestBackend.start("web2");
                LogCapture logs = new LogCapture(ServerChecker.class);
                LoadBalancer lb = Proxies.start(
                        Mode.HTTP,
                        b -> b.healthCheck(check)
                                .server(ServerConfig.builder("web1", "127.0.0.1:" + web1.port())
                                        .build())
                                .server(ServerConfig.builder("web2", web2.hostPort())
                                        .build()),
                        f -> f,
                        2)) {
            Server s1 = lb.backend("be").server("web1");
            AdminStateTest.awaitAllUpAndChecked(lb.backend("be"));
            assertEquals(Map.of("web1", 10, "web2", 10), spread(lb, 20));

            web1.writeFile("down", "");
            Duration down = timeUntil(() -> !s1.isUp());
            // The first failing check starts at most one interval after the change; the third
            // one two (fast) intervals later, and ends within the timeout (= the interval).
            Duration fallBound = times(INTERVAL, 3 * 1.1).plus(check.timeout()).plus(SLACK);
            assertWithin(down, times(INTERVAL, 2 * 0.9), fallBound, "detecting the failing health path");
            assertEquals("503", s1.lastCheck().message());
            assertEquals(3, s1.checkFailuresTotal());
            assertEquals(Map.of("web2", 20), spread(lb, 20), "no request reaches the server that is down");

            web1.deleteFile("down");
            Duration up = timeUntil(s1::isUp);
            assertWithin(up, times(INTERVAL, 0.9), times(INTERVAL, 2 * 1.1).plus(SLACK), "bringing it back");
            assertEquals(Map.of("web1", 10, "web2", 10), spread(lb, 20));
            log.info(
                    "measured with interval {}ms, rise 2, fall 3: down after {}ms (bound {}ms), up after {}ms",
                    INTERVAL.toMillis(),
                    down.toMillis(),
                    fallBound.toMillis(),
                    up.toMillis());

            assertEquals(2, logs.lines().size(), logs.lines().toString());
            assertEquals(
                    "WARN server be/web1 is DOWN: http check: 503 (3/3 failed)",
                    logs.lines().get(0));
            assertTrue(
                    logs.lines()
                            .get(1)
                            .matches("INFO server be/web1 is UP: http check: 200 in \\d+ms \\(2/2 succeeded\\)"),
                    logs.lines().get(1));
        }
    }

    @Test
    void aKilledServerIsTakenOutByTheTcpCheckAndComesBackWhenRestarted() throws Exception {
        HealthCheckConfig check = HealthCheckConfig.builder(HealthCheckConfig.Type.TCP)
                .interval(INTERVAL)
                .rise(2)
                .fall(3)
                .build();
        try (NginxServer web1 = nginx("web1");
                NginxServer web2 = nginx("web2");
                LoadBalancer lb = Proxies.start(
                        Mode.HTTP,
                        b -> b.healthCheck(check)
                                .server(ServerConfig.builder("web1", "127.0.0.1:" + web1.port())
                                        .build())
                                .server(ServerConfig.builder("web2", "127.0.0.1:" + web2.port())
                                        .build()),
                        f -> f,
                        2)) {
            Server s1 = lb.backend("be").server("web1");
            AdminStateTest.awaitAllUpAndChecked(lb.backend("be"));
            assertEquals("connected", s1.lastCheck().message());

            web1.kill();
            Duration down = timeUntil(() -> !s1.isUp());
            Duration fallBound = times(INTERVAL, 3 * 1.1).plus(check.timeout()).plus(SLACK);
            assertWithin(down, times(INTERVAL, 2 * 0.9), fallBound, "detecting the killed server");
            assertEquals("connection refused", s1.lastCheck().message());
            assertEquals(Map.of("web2", 10), spread(lb, 10));

            web1.start();
            Duration up = timeUntil(s1::isUp);
            assertWithin(up, Duration.ZERO, times(INTERVAL, 2 * 1.1).plus(SLACK), "bringing the restarted server back");
            log.info(
                    "measured tcp check, interval {}ms: killed server down after {}ms, restarted up after {}ms",
                    INTERVAL.toMillis(),
                    down.toMillis(),
                    up.toMillis());
        }
    }

    @Test
    void backupsServeOnlyWhileBothPrimariesAreDownAndShareTheLoad() throws Exception {
        HealthCheckConfig check = HealthCheckConfig.builder(HealthCheckConfig.Type.HTTP)
                .path("/health")
                .interval(Duration.ofMillis(100))
                .rise(2)
                .fall(2)
                .build();
        try (NginxServer p1 = nginx("p1");
                NginxServer p2 = nginx("p2");
                TestBackend spare1 = TestBackend.start("spare1");
                TestBackend spare2 = TestBackend.start("spare2");
                LoadBalancer lb = Proxies.start(
                        Mode.HTTP,
                        b -> b.healthCheck(check)
                                .server(ServerConfig.builder("p1", "127.0.0.1:" + p1.port())
                                        .build())
                                .server(ServerConfig.builder("p2", "127.0.0.1:" + p2.port())
                                        .build())
                                .server(ServerConfig.builder("spare1", spare1.hostPort())
                                        .backup(true)
                                        .build())
                                .server(ServerConfig.builder("spare2", spare2.hostPort())
                                        .backup(true)
                                        .build()),
                        f -> f,
                        2)) {
            Backend be = lb.backend("be");
            AdminStateTest.awaitAllUpAndChecked(be);
            assertEquals(Map.of("p1", 10, "p2", 10), spread(lb, 20));

            p1.writeFile("down", "");
            await().atMost(Duration.ofSeconds(5)).until(() -> !be.server("p1").isUp());
            assertEquals(Map.of("p2", 20), spread(lb, 20), "one primary is enough: backups stay idle");

            p2.writeFile("down", "");
            await().atMost(Duration.ofSeconds(5)).until(() -> !be.server("p2").isUp());
            assertEquals(Map.of("spare1", 10, "spare2", 10), spread(lb, 20), "both primaries down: the backups share");

            p1.deleteFile("down");
            await().atMost(Duration.ofSeconds(5)).until(() -> be.server("p1").isUp());
            assertEquals(Map.of("p1", 20), spread(lb, 20), "a primary is back: backups idle again");
        }
    }

    @Test
    void passiveChecksTakeAServerOutAtTheErrorLimitAndATcpCheckBringsItBack() throws Exception {
        try (NginxServer web1 = nginx("web1");
                NginxServer web2 = nginx("web2");
                LogCapture logs = new LogCapture(ServerChecker.class);
                LoadBalancer lb = Proxies.start(
                        Mode.HTTP,
                        b -> b.passiveCheck(new PassiveCheckConfig(3))
                                .server(ServerConfig.builder("web1", "127.0.0.1:" + web1.port())
                                        .build())
                                .server(ServerConfig.builder("web2", "127.0.0.1:" + web2.port())
                                        .build()),
                        f -> f,
                        1)) {
            Server s1 = lb.backend("be").server("web1");
            assertEquals(Map.of("web1", 5, "web2", 5), spread(lb, 10));
            assertEquals(null, s1.lastCheck(), "no active checks while the server is up");

            web1.kill();
            assertEquals(Map.of("web2", 20), spread(lb, 20), "connect errors are retried on web2");
            assertEquals(3, s1.connectFailuresTotal(), "down at the third consecutive error: no fourth attempt");
            assertFalse(s1.isUp());

            web1.start();
            // The recovery check: tcp, default timings (2s interval, rise 2). Its first check may
            // come before nginx is back (then fails), so up to three intervals.
            Duration up = timeUntil(s1::isUp);
            assertTrue(up.compareTo(Duration.ofMillis(3 * 2200).plus(SLACK)) <= 0, "up after " + up.toMillis() + "ms");
            assertEquals("tcp", s1.lastCheck().type());
            assertEquals(Map.of("web1", 5, "web2", 5), spread(lb, 10));
            log.info(
                    "measured passive check: restarted server back after {}ms (tcp check, 2s interval, rise 2)",
                    up.toMillis());
            assertEquals(
                    "WARN server be/web1 is DOWN: passive check: 3 consecutive connect errors or timeouts",
                    logs.lines().get(0));
        }
    }
}
