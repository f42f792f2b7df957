package org.tandemlb.admin.monitoring;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.tandemlb.admin.cluster.TandemProcess;
import org.tandemlb.core.testsupport.ChildProcess;
import org.tandemlb.core.testsupport.TestBackend;
import org.tandemlb.core.testsupport.TestBackends;

/**
 * examples/monitoring against the real thing: two {@code tandem run} nodes sharing a VIP (the
 * {@code bind} driver on loopback) and a real Prometheus with the example's config (its tandem
 * job pointed at the two nodes, scrapes and rule evaluations every second) and its alert rules.
 * Through Prometheus's HTTP API: the {@code tandem_*} series of both nodes are there, every query
 * of the Grafana dashboard runs, "two active nodes" never fires while the active node is killed
 * with kill -9 (and "failover" does), and "no active node" fires once both nodes are gone.
 *
 * <p>The rules are the example's with shorter {@code for:} durations, so that the test waits
 * seconds where a site waits half a minute: {@code TandemNoActiveNode} 3 s, and
 * {@code TandemTwoActiveNodes} 5 s, five scrape intervals, as the example's 30 s are six of its
 * 5 s.
 */
class PrometheusClusterIT {
    /** A VIP of its own, so that no other test's daemons answer on it. */
    private static final String VIP = "127.0.0.102";

    private static final String TWO_ACTIVE = "TandemTwoActiveNodes";
    private static final String NO_ACTIVE = "TandemNoActiveNode";
    private static final String FAILOVER = "TandemFailover";

    @RegisterExtension
    final TestBackends backends = new TestBackends();

    @TempDir
    Path dir;

    private final List<TandemProcess> nodes = new ArrayList<>();
    private TestBackend backend;
    private int base;

    @BeforeEach
    void setUp() {
        backend = backends.start("app");
        // Cluster ports must be known to both nodes before they start: drawn below the ephemeral
        // range (32768-), as the cluster ITs do. The admin servers bind port 0.
        base = 20000 + ThreadLocalRandom.current().nextInt(300) * 40;
    }

    @AfterEach
    void tearDown() {
        nodes.forEach(TandemProcess::close);
    }

    private TandemProcess node(String name, int index, int priority) throws IOException {
        String yaml =
                """
                node: %s
                admin:
                  listen: 127.0.0.1:0
                defaults: { timeouts: { drain: 1s } }
                frontends:
                  - { name: www, mode: http, bind: ["%s:%d"], default_backend: web }
                backends:
                  - { name: web, mode: http, servers: [{ name: web1, address: "%s" }] }
                cluster:
                  name: prometheus-it
                  bind: 127.0.0.1:%d
                  peers: [127.0.0.1:%d, 127.0.0.1:%d]
                  priority: %d
                  secret: prometheus-it-secret
                  vips:
                    - { address: %s/32, driver: bind }
                """.formatted(name, VIP, base + 30, backend.hostPort(), base + index, base, base + 1, priority, VIP);
        Path file = Files.writeString(dir.resolve(name + ".yaml"), yaml, StandardCharsets.UTF_8);
        TandemProcess p = TandemProcess.start(name, file, 0, Map.of());
        nodes.add(p);
        return p;
    }

    private static String target(TandemProcess node) {
        return "127.0.0.1:" + node.adminPort();
    }

    @Test
    void prometheusScrapesBothNodesAndTheClusterAlertsFireWhenTheyShouldOnly() throws Exception {
        TandemProcess lb1 = node("lb1", 0, 150);
        TandemProcess lb2 = node("lb2", 1, 100);
        await("one node active, the other standby, each seeing both")
                .atMost(Duration.ofSeconds(40))
                .pollInterval(Duration.ofMillis(200))
                .until(() -> List.of("active", "standby").containsAll(List.of(lb1.role(), lb2.role()))
                        && !lb1.role().equals(lb2.role())
                        && lb1.get("/metrics").contains("tandem_cluster_members 2.0")
                        && lb2.get("/metrics").contains("tandem_cluster_members 2.0"));
        TandemProcess active = lb1.role().equals("active") ? lb1 : lb2;
        TandemProcess standby = active == lb1 ? lb2 : lb1;

        Path rules = Files.writeString(
                dir.resolve("tandem.yml"), MonitoringFiles.rulesWith(Map.of(NO_ACTIVE, "3s", TWO_ACTIVE, "5s")));
        Path config = Files.writeString(
                dir.resolve("prometheus.yml"),
                MonitoringFiles.configFor(List.of(target(lb1), target(lb2)), rules, "1s"));
        try (PrometheusServer prometheus = PrometheusServer.start(config, dir.resolve("data"))) {
            // 1. The tandem_* series of both nodes, one of them active.
            Set<String> instances = new TreeSet<>();
            await("tandem_* series from both nodes")
                    .atMost(Duration.ofSeconds(30))
                    .until(() -> {
                        instances.clear();
                        for (JsonNode s : prometheus.query(
                                "count by (instance) ({job=\"tandem\", __name__=~\"tandem_.+\"}) > 10")) {
                            instances.add(s.path("metric").path("instance").asText());
                        }
                        return instances.size() == 2
                                && value(prometheus.query("sum(tandem_cluster_active{job=\"tandem\"})")) == 1
                                && value(prometheus.query("min(tandem_cluster_members{job=\"tandem\"})")) == 2;
                    });
            assertEquals(new TreeSet<>(Set.of(target(lb1), target(lb2))), instances);
            assertEquals(
                    target(active),
                    prometheus
                            .query("tandem_cluster_active{job=\"tandem\"} == 1")
                            .get(0)
                            .path("metric")
                            .path("instance")
                            .asText());

            // 2. Every query of the dashboard is valid PromQL for this Prometheus, on real series.
            for (String expr : MonitoringFiles.dashboardExpressions()) {
                prometheus.query(expr.replace("$__rate_interval", "1m").replace("$instance", ".*"));
            }
            assertEquals(
                    2,
                    prometheus
                            .query("max by (instance) (tandem_cluster_active{job=\"tandem\"})")
                            .size(),
                    "the dashboard's active-node panel shows both nodes");

            // 3. kill -9 of the active node: the standby takes over, Prometheus sees a failover,
            //    and "two active nodes" never fires (it may be pending for a scrape or two while the
            //    killed node's last sample is not yet stale).
            List<String> twoActiveStates = new ArrayList<>();
            long killed = System.nanoTime();
            active.kill();
            await("the standby active in Prometheus's eyes, the failover alert firing, 10 s passed")
                    .atMost(Duration.ofSeconds(40))
                    .pollInterval(Duration.ofMillis(200))
                    .until(() -> {
                        List<String> states = prometheus.alertStates(TWO_ACTIVE);
                        twoActiveStates.addAll(states);
                        assertFalse(
                                states.contains("firing"),
                                TWO_ACTIVE + " fired during the failover:\n" + prometheus.output());
                        JsonNode activeNow = prometheus.query("tandem_cluster_active{job=\"tandem\"} == 1");
                        return activeNow.size() == 1
                                && activeNow
                                        .get(0)
                                        .path("metric")
                                        .path("instance")
                                        .asText()
                                        .equals(target(standby))
                                && prometheus.alertStates(FAILOVER).contains("firing")
                                && Duration.ofNanos(System.nanoTime() - killed).compareTo(Duration.ofSeconds(10)) >= 0;
                    });
            System.out.printf(
                    "[prometheus] kill -9 of %s: %s states seen: %s%n",
                    active.name, TWO_ACTIVE, twoActiveStates.isEmpty() ? "none" : twoActiveStates);
            assertEquals("active", standby.role());
            assertEquals(List.of(), prometheus.alertStates(NO_ACTIVE), "one node is active");

            // 4. The survivor stopped too: nothing is active, and the alert says so.
            standby.signal(ChildProcess.Signal.TERM);
            assertEquals(0, standby.exitCode(Duration.ofSeconds(30)), standby.output());
            await(NO_ACTIVE + " firing")
                    .atMost(Duration.ofSeconds(30))
                    .pollInterval(Duration.ofMillis(200))
                    .until(() -> prometheus.alertStates(NO_ACTIVE).contains("firing"));
            assertEquals(
                    0, value(prometheus.query("sum(up{job=\"tandem\"})")), "both targets are down, the series stale");
            assertFalse(prometheus.alertStates(TWO_ACTIVE).contains("firing"));
        }
    }

    /** The value of a one-element instant vector; NaN when it is empty. */
    private static double value(JsonNode vector) {
        return vector.isEmpty()
                ? Double.NaN
                : Double.parseDouble(vector.get(0).path("value").get(1).asText());
    }
}
