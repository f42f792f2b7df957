package org.tandemlb.core.health;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.tandemlb.core.LoadBalancer;
import org.tandemlb.core.backend.AdminState;
import org.tandemlb.core.backend.Backend;
import org.tandemlb.core.backend.Server;
import org.tandemlb.core.config.HealthCheckConfig;
import org.tandemlb.core.config.Mode;
import org.tandemlb.core.config.ServerConfig;
import org.tandemlb.core.testsupport.Proxies;
import org.tandemlb.core.testsupport.TestBackend;

/**
 * Drain and maint through a running load balancer with http checks, counting what reaches each
 * server: drain lets a request in progress finish and sends new ones elsewhere but keeps
 * checking; maint takes no traffic and no checks; back to ready, checks resume at once.
 */
class AdminStateTest {
    private static final Duration INTERVAL = Duration.ofMillis(100);
    /** Long enough that a check "at once" is told apart from one an interval later, even on a busy machine. */
    private static final Duration MAINT_INTERVAL = Duration.ofMillis(400);

    private final HttpClient client = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build();

    private HttpRequest request(LoadBalancer lb, String path) {
        return HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + lb.address("fe").getPort() + path))
                .timeout(Duration.ofSeconds(10))
                .build();
    }

    /**
     * Waits until every server has passed a check and is up. (A cold JVM's first checks can take
     * longer than a short timeout, and a failed first check takes a server down until rise.)
     */
    static void awaitAllUpAndChecked(Backend be) {
        await().atMost(Duration.ofSeconds(5))
                .until(() -> be.servers().stream()
                        .allMatch(s -> s.isUp()
                                && s.lastCheck() != null
                                && s.lastCheck().passed()));
    }

    private Map<String, Integer> spread(LoadBalancer lb, int n) throws IOException, InterruptedException {
        Map<String, Integer> counts = new TreeMap<>();
        for (int i = 0; i < n; i++) {
            HttpResponse<String> r = client.send(request(lb, "/"), HttpResponse.BodyHandlers.ofString());
            counts.merge(r.statusCode() == 200 ? r.body().strip() : Integer.toString(r.statusCode()), 1, Integer::sum);
        }
        return counts;
    }

    @Test
    void drainLetsTheRequestInProgressFinishSendsNewOnesElsewhereAndKeepsChecking() throws Exception {
        try (TestBackend a = TestBackend.start("a");
                TestBackend b = TestBackend.start("b");
                LoadBalancer lb = Proxies.start(
                        Mode.HTTP,
                        be -> be.healthCheck(HealthCheckConfig.builder(HealthCheckConfig.Type.HTTP)
                                        .path("/health")
                                        .interval(INTERVAL)
                                        .timeout(Duration.ofSeconds(1))
                                        .build())
                                .server(ServerConfig.builder("a", a.hostPort()).build())
                                .server(ServerConfig.builder("b", b.hostPort()).build()),
                        f -> f,
                        2)) {
            Backend be = lb.backend("be");
            awaitAllUpAndChecked(be);

            CompletableFuture<HttpResponse<String>> slow =
                    client.sendAsync(request(lb, "/slow?ms=1500"), HttpResponse.BodyHandlers.ofString());
            await().atMost(Duration.ofSeconds(5))
                    .until(() -> be.servers().stream().anyMatch(s -> s.activeConnections() == 1));
            Server busy = be.servers().stream()
                    .filter(s -> s.activeConnections() == 1)
                    .findFirst()
                    .orElseThrow();
            Server other = be.server(busy.name().equals("a") ? "b" : "a");
            TestBackend busyBackend = busy.name().equals("a") ? a : b;

            busy.setAdminState(AdminState.DRAIN);
            assertEquals(Map.of(other.name(), 10), spread(lb, 10), "no new request goes to the drained server");
            HttpResponse<String> finished = slow.get(10, TimeUnit.SECONDS);
            assertEquals(200, finished.statusCode(), "the request in progress finished");
            assertEquals(busy.name(), finished.body().strip());

            int seen = busyBackend.requests();
            await().atMost(Duration.ofSeconds(2)).until(() -> busyBackend.requests() >= seen + 3);
            assertTrue(busy.isUp(), "a drained server is still checked");

            busy.setAdminState(AdminState.READY);
            assertEquals(Map.of("a", 5, "b", 5), spread(lb, 10));
        }
    }

    @Test
    void maintTakesNoTrafficAndNoChecksAndReadyResumesChecksAtOnce() throws Exception {
        try (TestBackend a = TestBackend.start("a");
                TestBackend b = TestBackend.start("b");
                LoadBalancer lb = Proxies.start(
                        Mode.HTTP,
                        be -> be.healthCheck(HealthCheckConfig.builder(HealthCheckConfig.Type.HTTP)
                                        .path("/health")
                                        .interval(MAINT_INTERVAL)
                                        .timeout(Duration.ofSeconds(1))
                                        .build())
                                .server(ServerConfig.builder("a", a.hostPort()).build())
                                .server(ServerConfig.builder("b", b.hostPort()).build()),
                        f -> f,
                        2)) {
            Backend be = lb.backend("be");
            Server sa = be.server("a");
            awaitAllUpAndChecked(be);

            sa.setAdminState(AdminState.MAINT);
            assertEquals(Map.of("b", 10), spread(lb, 10), "no traffic in maint");
            // A check that was in flight when maint began may still land: wait until a is quiet
            // for five intervals, while b's checks go on meanwhile.
            int bBefore = b.requests();
            int[] aQuiet = {a.requests()};
            await().atMost(Duration.ofSeconds(5))
                    .during(MAINT_INTERVAL.multipliedBy(5))
                    .until(() -> {
                        boolean quiet = a.requests() == aQuiet[0];
                        aQuiet[0] = a.requests();
                        return quiet;
                    });
            assertTrue(b.requests() >= bBefore + 4, "b was checked meanwhile: " + (b.requests() - bBefore));
            int aInMaint = a.requests();

            long readyAt = System.nanoTime();
            sa.setAdminState(AdminState.READY);
            await().atMost(Duration.ofSeconds(2))
                    .pollDelay(Duration.ZERO)
                    .pollInterval(Duration.ofMillis(5))
                    .until(() -> a.requests() > aInMaint);
            long firstCheckMs = (System.nanoTime() - readyAt) / 1_000_000;
            assertTrue(
                    firstCheckMs < MAINT_INTERVAL.toMillis() / 2,
                    "checked at once on leaving maint, not after an interval: " + firstCheckMs + "ms");
            assertTrue(sa.isUp());
            assertEquals(Map.of("a", 5, "b", 5), spread(lb, 10));
        }
    }

    @Test
    void aServerLeavingMaintThatFailsItsFirstCheckIsDownAtOnce() throws Exception {
        TestBackend b = TestBackend.start("b");
        TestBackend a = TestBackend.start("a");
        try (b;
                LoadBalancer lb = Proxies.start(
                        Mode.HTTP,
                        be -> be.healthCheck(HealthCheckConfig.builder(HealthCheckConfig.Type.TCP)
                                        .interval(Duration.ofSeconds(5))
                                        .build())
                                .server(ServerConfig.builder("a", a.hostPort()).build())
                                .server(ServerConfig.builder("b", b.hostPort()).build()),
                        f -> f,
                        1)) {
            Server sa = lb.backend("be").server("a");
            sa.setAdminState(AdminState.MAINT);
            a.close(); // dies while in maintenance
            sa.setAdminState(AdminState.READY);
            // With a 5s interval, only the immediate check on leaving maint can find it this fast.
            await().atMost(Duration.ofSeconds(2)).until(() -> !sa.isUp());
            assertEquals("connection refused", sa.lastCheck().message());
            assertEquals(Map.of("b", 10), spread(lb, 10));
        }
    }
}
