package org.tandemlb.admin.cluster;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.tandemlb.admin.api.ClusterView;
import org.tandemlb.admin.config.ConfigLoader;
import org.tandemlb.admin.daemon.Daemon;
import org.tandemlb.core.backend.AdminState;
import org.tandemlb.core.testsupport.TestBackend;
import org.tandemlb.core.testsupport.TestBackends;

/**
 * Two daemons of a cluster in one JVM, with the {@code bind} driver on 127.0.0.100: the elected one
 * binds the VIP's frontend, the status view and the cluster metrics say who is active, an
 * API change made on the standby applies on the active node, and a graceful stop hands the VIP over.
 * (Crashes, freezes and network cuts, which need separate processes, are lb-cluster's tests.)
 */
class DaemonClusterTest {
    private static final String VIP = "127.0.0.100";
    private final List<Daemon> daemons = new ArrayList<>();

    @RegisterExtension
    final TestBackends backends = new TestBackends();

    @TempDir
    Path dir;

    private TestBackend backend;
    private int base;

    @BeforeEach
    void setUp() {
        backend = backends.start("app");
        base = 24000 + ThreadLocalRandom.current().nextInt(150) * 40; // below the ephemeral range (32768-)
    }

    @AfterEach
    void tearDown() {
        daemons.forEach(Daemon::stop);
    }

    private Daemon daemon(String node, int index, int priority) throws Exception {
        String yaml = """
                node: %s
                state_file: %s
                defaults: { timeouts: { drain: 1s } }
                backends:
                  - { name: web, mode: http, servers: [{ name: web1, address: "%s" }] }
                frontends:
                  - { name: www, mode: http, bind: "%s:%d", default_backend: web }
                cluster:
                  name: daemon-test
                  bind: 127.0.0.1:%d
                  peers: [127.0.0.1:%d, 127.0.0.1:%d]
                  priority: %d
                  secret: ${SECRET}
                  vips: [{ address: %s/32, driver: bind }]
                """.formatted(
                node, stateFile(node), backend.hostPort(), VIP, base + 30, base + index, base, base + 1, priority, VIP);
        Daemon d = new Daemon(Map.of("SECRET", "s3cret"), 1);
        d.start(ConfigLoader.parse(node + ".yaml", yaml, Map.of("SECRET", "s3cret")));
        daemons.add(d);
        return d;
    }

    private Path stateFile(String node) {
        return dir.resolve(node + "-state.json");
    }

    private boolean served() {
        return VipProbe.served(VIP, base + 30);
    }

    private static double metric(Daemon d, String line) {
        for (String l : d.metrics().scrape().split("\n")) {
            if (l.startsWith(line + " ")) {
                return Double.parseDouble(l.substring(line.length() + 1));
            }
        }
        throw new AssertionError("no metric " + line + " in\n" + d.metrics().scrape());
    }

    @Test
    void theElectedDaemonServesTheVipAndAStopHandsItOver() throws Exception {
        Daemon lb1 = daemon("lb1", 0, 200);
        // The start returns while the node joins (role "joining"): lb2 starts once lb1 is in its
        // cluster, as an operator starts one host after the other (started at the same instant,
        // either may end up active: SimultaneousStartIT).
        await("lb1 in a view")
                .atMost(Duration.ofSeconds(20))
                .pollInterval(Duration.ofMillis(50))
                .until(() -> lb1.cluster().role() != ClusterView.Role.JOINING);
        Daemon lb2 = daemon("lb2", 1, 100);
        await("lb1 active, lb2 standby")
                .atMost(Duration.ofSeconds(20))
                .pollInterval(Duration.ofMillis(50))
                .until(() -> lb1.cluster().role() == ClusterView.Role.ACTIVE
                        && lb2.cluster().role() == ClusterView.Role.STANDBY
                        && lb2.cluster().members().size() == 2
                        && served());
        assertEquals(
                List.of(new ClusterView.Vip(VIP + "/32", "lb1")), lb2.cluster().vips());
        assertEquals(1.0, metric(lb1, "tandem_cluster_active"));
        assertEquals(0.0, metric(lb2, "tandem_cluster_active"));
        assertEquals(2.0, metric(lb1, "tandem_cluster_members"));
        assertEquals(1.0, metric(lb1, "tandem_vip_owned{vip=\"" + VIP + "/32\",}"));
        assertEquals(0.0, metric(lb2, "tandem_vip_owned{vip=\"" + VIP + "/32\",}"));
        assertEquals(0.0, metric(lb1, "tandem_cluster_failovers_total"));
        assertTrue(lb2.loadBalancer().frontends().isEmpty(), "the standby does not bind the VIP's frontend");

        // The API's change, made on the standby, applies on the active node.
        lb2.changeServer("web", "web1", AdminState.DRAIN, 30).join();
        await("the drain reaches lb1")
                .atMost(Duration.ofSeconds(5))
                .until(() -> lb1.loadBalancer().backend("web").server("web1").adminState() == AdminState.DRAIN);
        assertEquals(30, lb1.loadBalancer().backend("web").server("web1").targetWeight());
        // lb1 keeps the change made on lb2 in its state file, as it applied it.
        await("lb1's state file has the drain")
                .atMost(Duration.ofSeconds(5))
                .until(() -> Files.exists(stateFile("lb1"))
                        && Files.readString(stateFile("lb1")).contains("\"state\" : \"drain\""));
        lb1.changeServer("web", "web1", AdminState.READY, null).join();
        await("ready again on lb2")
                .atMost(Duration.ofSeconds(5))
                .until(() -> lb2.loadBalancer().backend("web").server("web1").adminState() == AdminState.READY);

        lb1.stop(); // SIGTERM: the VIP goes first
        await("lb2 takes the VIP over")
                .atMost(Duration.ofSeconds(10))
                .pollInterval(Duration.ofMillis(50))
                .until(() -> lb2.cluster().role() == ClusterView.Role.ACTIVE && served());
        assertEquals(1.0, metric(lb2, "tandem_cluster_failovers_total"));
        assertEquals(1.0, metric(lb2, "tandem_cluster_members"));
        assertEquals(30, lb2.loadBalancer().backend("web").server("web1").targetWeight(), "the weight stays");
    }
}
