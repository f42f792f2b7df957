package org.tandemlb.admin.cluster;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.tandemlb.core.testsupport.RawHttp;
import org.tandemlb.core.testsupport.TestBackend;
import org.tandemlb.core.testsupport.TestBackends;

/**
 * The real daemon, twice ({@code tandem run -c lbN.yaml}, each in its own JVM, as the README's
 * "Run a two-node cluster" on one machine): kill -9 of the active one, and the other serves the
 * VIP, says so in {@code /api/v1/status} and counts the failover in {@code /metrics}; a drain
 * made through the API on one node shows on the other; the clients the killed daemon made sticky
 * (cookie persistence with {@code max_idle}) stay on their servers through the other one.
 */
class DaemonFailoverIT {
    private static final String VIP = "127.0.0.100";
    /** Tandem's inserted cookie with max_idle: the server's value and its date. */
    private static final Pattern SET_COOKIE = Pattern.compile("SRV=([0-9a-f]{12}\\.[0-9]+); Path=/; HttpOnly");

    private final List<TandemProcess> processes = new ArrayList<>();
    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    @RegisterExtension
    final TestBackends backends = new TestBackends();

    private TestBackend backend;
    private TestBackend backend2;
    private int base;

    @TempDir
    Path dir;

    @BeforeEach
    void setUp() {
        backend = backends.start("app");
        backend2 = backends.start("app2");
        base = 12000 + ThreadLocalRandom.current().nextInt(150) * 40; // below the ephemeral range (32768-)
    }

    @AfterEach
    void tearDown() {
        processes.forEach(TandemProcess::close);
    }

    private TandemProcess daemon(String node, int index, int priority) throws IOException {
        String yaml = """
                node: %s
                admin:
                  listen: 127.0.0.1:%d
                defaults: { timeouts: { drain: 1s } }
                frontends:
                  - { name: www, mode: http, bind: ["%s:%d"], default_backend: web }
                backends:
                  - name: web
                    mode: http
                    persistence: { cookie: SRV, max_idle: 1h }
                    servers: [{ name: web1, address: "%s" }, { name: web2, address: "%s" }]
                cluster:
                  name: it-pair
                  bind: 127.0.0.1:%d
                  peers: [127.0.0.1:%d, 127.0.0.1:%d]
                  priority: %d
                  secret: ${TANDEM_CLUSTER_SECRET}
                  vips:
                    - { address: %s/32, driver: bind }
                """.formatted(
                        node,
                        base + 10 + index,
                        VIP,
                        base + 30,
                        backend.hostPort(),
                        backend2.hostPort(),
                        base + index,
                        base,
                        base + 1,
                        priority,
                        VIP);
        Path file = Files.writeString(dir.resolve(node + ".yaml"), yaml, StandardCharsets.UTF_8);
        TandemProcess p =
                TandemProcess.start(node, file, base + 10 + index, Map.of("TANDEM_CLUSTER_SECRET", "it-secret"));
        processes.add(p);
        return p;
    }

    private String get(int index, String path) {
        return processes.get(index).get(path);
    }

    private boolean served() {
        return VipProbe.served(VIP, base + 30);
    }

    /** The index (0 or 1) of the daemon whose status says {@code role}, or -1. */
    private int withRole(String role) {
        for (int i = 0; i < 2; i++) {
            if (get(i, "/api/v1/status").contains("\"role\":\"" + role + "\"")) {
                return i;
            }
        }
        return -1;
    }

    @Test
    void killNineOfTheActiveDaemon() throws Exception {
        String[] names = {"lb1", "lb2"};
        TandemProcess[] daemons = {daemon(names[0], 0, 150), daemon(names[1], 1, 100)};
        // Without preempt, whichever daemon forms the cluster first keeps the VIP (keepalived's
        // nopreempt): lb1 when it starts first, lb2 when its JVM wins the race. Either is right;
        // what must hold is one active, one standby, both members, the VIP served.
        int[] roles = new int[2];
        await("one daemon active, the other standby")
                .atMost(Duration.ofSeconds(40))
                .pollInterval(Duration.ofMillis(200))
                .until(() -> {
                    roles[0] = withRole("active");
                    roles[1] = withRole("standby");
                    return roles[0] >= 0
                            && roles[1] >= 0
                            && roles[0] != roles[1]
                            && get(roles[1], "/metrics").contains("tandem_cluster_members 2.0")
                            && served();
                });
        int active = roles[0];
        int standby = roles[1];

        // A weight change through the standby's API shows on the active daemon.
        HttpResponse<String> changed = http.send(
                HttpRequest.newBuilder(URI.create(
                                "http://127.0.0.1:" + (base + 10 + standby) + "/api/v1/backends/web/servers/web1"))
                        .POST(HttpRequest.BodyPublishers.ofString("{\"weight\": 40}"))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, changed.statusCode(), changed.body());
        await("the weight reaches the active daemon")
                .atMost(Duration.ofSeconds(5))
                .until(() -> get(active, "/metrics")
                        .contains("tandem_server_weight{backend=\"web\",server=\"web1\",} 40.0"));

        // Sticky clients of the active daemon: one per server, each with the cookie it was given.
        Map<String, String> cookieOfServer = new HashMap<>();
        try (RawHttp c = new RawHttp(new InetSocketAddress(VIP, base + 30))) {
            for (int i = 0; i < 20 && cookieOfServer.size() < 2; i++) {
                RawHttp.Response r = c.get("/");
                assertEquals(200, r.status());
                Matcher m = SET_COOKIE.matcher(String.valueOf(r.header("set-cookie")));
                assertTrue(m.matches(), "a new client gets a dated cookie: " + r.headers());
                cookieOfServer.putIfAbsent(r.body().trim(), m.group(1));
            }
        }
        assertEquals(Set.of("app", "app2"), cookieOfServer.keySet(), "both servers have clients");

        long killed = System.nanoTime();
        daemons[active].kill(); // kill -9
        await("the standby serves the VIP")
                .atMost(Duration.ofSeconds(10))
                .pollInterval(Duration.ofMillis(20))
                .until(this::served);
        System.out.printf(
                "[daemon, bind driver] kill -9 of the active daemon (%s): the VIP serves again after %d ms%n",
                names[active], Duration.ofNanos(System.nanoTime() - killed).toMillis());
        String status = get(standby, "/api/v1/status");
        assertTrue(status.contains("\"role\":\"active\""), status);
        assertTrue(status.contains("\"owner\":\"" + names[standby] + "\""), status);
        String metrics = get(standby, "/metrics");
        assertTrue(metrics.contains("tandem_cluster_active 1.0"), metrics);
        assertTrue(metrics.contains("tandem_cluster_failovers_total 1.0"), metrics);
        assertTrue(metrics.contains("tandem_server_weight{backend=\"web\",server=\"web1\",} 40.0"), "the weight stays");

        // The other daemon honours the killed one's cookies, dates included: no client changes server.
        try (RawHttp c = new RawHttp(new InetSocketAddress(VIP, base + 30))) {
            for (Map.Entry<String, String> e : cookieOfServer.entrySet()) {
                RawHttp.Response r = c.send("GET / HTTP/1.1\r\nHost: vip\r\nCookie: SRV=" + e.getValue() + "\r\n\r\n")
                        .read();
                assertEquals(200, r.status());
                assertEquals(e.getKey(), r.body().trim(), "the client of " + e.getKey() + " stays after the failover");
                assertNull(r.header("set-cookie"), "its cookie is recent: not set again");
            }
        }
    }
}
