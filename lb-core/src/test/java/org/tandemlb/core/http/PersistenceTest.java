package org.tandemlb.core.http;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.handler.codec.http.HttpHeaders;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.tandemlb.core.LoadBalancer;
import org.tandemlb.core.backend.AdminState;
import org.tandemlb.core.backend.Server;
import org.tandemlb.core.config.BackendConfig;
import org.tandemlb.core.config.FrontendConfig;
import org.tandemlb.core.config.HealthCheckConfig;
import org.tandemlb.core.config.LoadBalancerConfig;
import org.tandemlb.core.config.Mode;
import org.tandemlb.core.config.PersistenceConfig;
import org.tandemlb.core.config.ServerConfig;
import org.tandemlb.core.testsupport.MovableClock;
import org.tandemlb.core.testsupport.RawHttp;
import org.tandemlb.core.testsupport.TestBackend;
import org.tandemlb.core.testsupport.TestBackends;

/** Cookie persistence ({@code insert}) end to end: sticky clients, drain, a dead server, two nodes. */
class PersistenceTest {
    private static final Pattern SET_COOKIE = Pattern.compile("SRV=([0-9a-f]{12}(?:\\.[0-9]+)?); Path=/; HttpOnly");

    @RegisterExtension
    final TestBackends backends = new TestBackends();

    private final List<LoadBalancer> started = new ArrayList<>();
    private List<TestBackend> servers;

    @AfterEach
    void stop() {
        started.forEach(LoadBalancer::close);
    }

    private LoadBalancerConfig config(PersistenceConfig persistence) {
        if (servers == null) {
            servers = List.of(backends.start("a"), backends.start("b"), backends.start("c"));
        }
        BackendConfig.Builder be = BackendConfig.builder("be", Mode.HTTP)
                .persistence(persistence)
                .healthCheck(HealthCheckConfig.builder(HealthCheckConfig.Type.TCP)
                        .interval(Duration.ofMillis(100))
                        .fall(1)
                        .build());
        servers.forEach(
                s -> be.server(ServerConfig.builder(s.name(), s.hostPort()).build()));
        return LoadBalancerConfig.builder()
                .backend(be.build())
                .frontend(FrontendConfig.builder("fe", Mode.HTTP)
                        .bind("127.0.0.1:0")
                        .defaultBackend("be")
                        .build())
                .build();
    }

    private LoadBalancer start() {
        return start(PersistenceConfig.insert("SRV"), Clock.systemUTC());
    }

    private LoadBalancer start(PersistenceConfig persistence, Clock clock) {
        LoadBalancer lb = LoadBalancer.builder(config(persistence))
                .threads(2)
                .clock(clock)
                .build();
        lb.start();
        started.add(lb);
        return lb;
    }

    /** One request: the server that answered, and the cookie it was given (null when none). */
    private record Answer(String server, String cookie) {}

    private static Answer get(RawHttp c, String cookie) throws Exception {
        String req = "GET / HTTP/1.1\r\nHost: x\r\n"
                + (cookie == null ? "" : "Cookie: theme=dark; SRV=" + cookie + "\r\n") + "\r\n";
        RawHttp.Response r = c.send(req).read();
        assertEquals(200, r.status());
        String set = r.header("set-cookie");
        String value = null;
        if (set != null) {
            Matcher m = SET_COOKIE.matcher(set);
            assertTrue(m.matches(), set);
            value = m.group(1);
            assertEquals("private", r.header("cache-control"), "nocache");
        }
        return new Answer(r.body().trim(), value);
    }

    @Test
    @Timeout(120) // 10 000 requests; about 10 s on a busy 2-core machine
    void aThousandClientsStayOnTheirServerForTenRequestsEachAndServersNeverSeeTheCookie() throws Exception {
        LoadBalancer lb = start();
        Map<String, Integer> clientsPerServer = new HashMap<>();
        try (RawHttp c = new RawHttp(lb.address("fe"))) {
            for (int client = 0; client < 1000; client++) {
                Answer first = get(c, null);
                assertNotNull(first.cookie(), "a new client gets a cookie");
                clientsPerServer.merge(first.server(), 1, Integer::sum);
                for (int i = 1; i < 10; i++) {
                    Answer next = get(c, first.cookie());
                    assertEquals(first.server(), next.server(), "client " + client + ", request " + i);
                    assertNull(next.cookie(), "no new cookie while it stays");
                }
            }
        }
        System.out.println("persistence: 1000 clients x 10 requests, clients per server " + clientsPerServer);
        assertEquals(Set.of("a", "b", "c"), clientsPerServer.keySet(), "new clients are balanced");
        for (TestBackend s : servers) {
            for (HttpHeaders h : s.receivedHeaders()) {
                String cookie = h.get("cookie");
                assertTrue(cookie == null || (!cookie.contains("SRV=") && cookie.equals("theme=dark")), cookie);
            }
        }
    }

    @Test
    void aDrainedServerKeepsItsClientsAndTakesNoNewOnes() throws Exception {
        LoadBalancer lb = start();
        try (RawHttp c = new RawHttp(lb.address("fe"))) {
            String cookieOfA = null;
            while (cookieOfA == null) {
                Answer a = get(c, null);
                cookieOfA = a.server().equals("a") ? a.cookie() : null;
            }
            lb.backend("be").server("a").setAdminState(AdminState.DRAIN);
            for (int i = 0; i < 20; i++) {
                assertEquals("a", get(c, cookieOfA).server(), "its sticky client stays");
                assertNotEquals("a", get(c, null).server(), "no new client");
            }
        }
    }

    @Test
    void aDeadServersClientsGoElsewhereWithoutAFailureOnceItIsDetected() throws Exception {
        LoadBalancer lb = start();
        try (RawHttp c = new RawHttp(lb.address("fe"))) {
            List<String> cookiesOfB = new ArrayList<>();
            while (cookiesOfB.size() < 20) {
                Answer a = get(c, null);
                if (a.server().equals("b")) {
                    cookiesOfB.add(a.cookie());
                }
            }
            servers.get(1).close();
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> !lb.backend("be").server("b").isUp());
            Set<String> newServers = new HashSet<>();
            for (String cookie : cookiesOfB) {
                Answer moved = get(c, cookie); // asserts the 200
                assertNotEquals("b", moved.server());
                assertNotNull(moved.cookie(), "redispatched: the new server's cookie");
                assertEquals(moved.server(), get(c, moved.cookie()).server(), "and it sticks there");
                newServers.add(moved.server());
            }
            assertEquals(Set.of("a", "c"), newServers, "spread over the others");
        }
    }

    @Test
    void bothNodesOfAPairHonourTheSameCookies() throws Exception {
        // With max_idle, so that the dates one node writes are honoured by the other too.
        PersistenceConfig persistence = PersistenceConfig.insert("SRV").withMaxIdle(Duration.ofHours(1));
        LoadBalancer one = start(persistence, Clock.systemUTC());
        LoadBalancer two = start(persistence, Clock.systemUTC());
        try (RawHttp toOne = new RawHttp(one.address("fe"));
                RawHttp toTwo = new RawHttp(two.address("fe"))) {
            for (int client = 0; client < 50; client++) {
                Answer first = get(toOne, null);
                assertTrue(first.cookie().contains("."), "dated: " + first.cookie());
                Answer afterFailover = get(toTwo, first.cookie());
                assertEquals(first.server(), afterFailover.server());
                assertNull(afterFailover.cookie());
            }
        }
    }

    @Test
    void withMaxIdleADrainedServerKeepsItsActiveClientsUntilTheyGoIdle() throws Exception {
        MovableClock clock = new MovableClock(Instant.ofEpochSecond(1_796_203_200L));
        LoadBalancer lb = start(PersistenceConfig.insert("SRV").withMaxIdle(Duration.ofHours(1)), clock);
        try (RawHttp c = new RawHttp(lb.address("fe"))) {
            List<String> cookiesOfA = new ArrayList<>();
            for (int i = 0; i < 300 && cookiesOfA.size() < 2; i++) {
                Answer a = get(c, null);
                if (a.server().equals("a")) {
                    assertEquals(Server.cookieValue("a") + ".1796203200", a.cookie(), "dated by the LB's clock");
                    cookiesOfA.add(a.cookie());
                }
            }
            assertEquals(2, cookiesOfA.size(), "round robin over three servers gives it two clients");
            lb.backend("be").server("a").setAdminState(AdminState.DRAIN);
            String active = cookiesOfA.get(0);
            String idle = cookiesOfA.get(1);
            // The active client comes back every 20 minutes for two hours; each new date resets its idle time.
            for (int step = 1; step <= 6; step++) {
                clock.advance(Duration.ofMinutes(20));
                Answer again = get(c, active);
                assertEquals("a", again.server(), "an active client stays on its drained server, step " + step);
                if (again.cookie() != null) {
                    active = again.cookie();
                }
                assertNotEquals("a", get(c, null).server(), "no new client");
            }
            assertEquals(Server.cookieValue("a") + ".1796210400", active, "refreshed at each quarter hour passed");
            Answer moved = get(c, idle);
            assertNotEquals("a", moved.server(), "idle for two hours: balanced as a new client");
            assertEquals(Server.cookieValue(moved.server()) + ".1796210400", moved.cookie());
        }
    }
}
