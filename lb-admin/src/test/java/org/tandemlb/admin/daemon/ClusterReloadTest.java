package org.tandemlb.admin.daemon;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
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
import org.tandemlb.admin.api.ReloadResult;
import org.tandemlb.admin.config.ConfigLoader;
import org.tandemlb.admin.config.TandemConfig;
import org.tandemlb.cluster.ClusterStatus;
import org.tandemlb.core.history.Event;
import org.tandemlb.core.history.EventType;
import org.tandemlb.core.testsupport.TestBackend;
import org.tandemlb.core.testsupport.TestBackends;

/**
 * Two daemons of a cluster in one JVM ({@code bind} driver on 127.0.0.100 and .101): a reload of
 * the cluster section applies in place (docs/cluster.md, "Reloading the cluster section"). Adding
 * a VIP group and raising a priority: the new group gets an owner and is served, the status shows
 * it and the new priority at once, the untouched group stays where it was (no preempt); a new
 * {@code bind} is applied for the rest and reported as waiting for a restart (result and event); a
 * VIP whose driver cannot be prepared refuses the reload and changes nothing; removing the group
 * releases its VIP.
 */
class ClusterReloadTest {
    private static final String VIP_A = "127.0.0.100";
    private static final String VIP_B = "127.0.0.101";
    private static final Map<String, String> ENV = Map.of("SECRET", "s3cret");
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

    /** The file of node {@code index} (0 or 1), with group b's VIP and frontend when {@code withB}. */
    private String yaml(int index, int priority, boolean withB, int bindPort, String extraVip) {
        String node = "lb" + (index + 1);
        return """
                node: %s
                defaults: { timeouts: { drain: 1s } }
                backends:
                  - { name: web, mode: http, servers: [{ name: web1, address: "%s" }] }
                frontends:
                  - { name: www, mode: http, bind: "%s:%d", default_backend: web }
                %s
                cluster:
                  name: reload-test
                  bind: 127.0.0.1:%d
                  peers: [127.0.0.1:%d, 127.0.0.1:%d]
                  priority: %d
                  spread: false
                  secret: ${SECRET}
                  vips:
                    - { address: %s/32, driver: bind, group: a }
                %s%s
                """.formatted(
                        node,
                        backend.hostPort(),
                        VIP_A,
                        base + 30,
                        withB
                                ? "  - { name: www2, mode: http, bind: \"%s:%d\", default_backend: web }"
                                        .formatted(VIP_B, base + 31)
                                : "",
                        bindPort,
                        base,
                        base + 1,
                        priority,
                        VIP_A,
                        withB ? "    - { address: %s/32, driver: bind, group: b }\n".formatted(VIP_B) : "",
                        extraVip);
    }

    private Path file(int index) {
        return dir.resolve("lb" + (index + 1) + ".yaml");
    }

    private Daemon start(int index, int priority) throws Exception {
        Files.writeString(file(index), yaml(index, priority, false, base + index, ""));
        Daemon d = new Daemon(ENV, 1);
        d.start(ConfigLoader.load(file(index), ENV));
        daemons.add(d);
        return d;
    }

    private ReloadResult reload(Daemon d, int index, String yaml) throws IOException {
        Files.writeString(file(index), yaml);
        return d.reload(file(index));
    }

    private static String owner(Daemon d, String group) {
        return d.cluster().groups().stream()
                .filter(g -> g.name().equals(group))
                .findFirst()
                .map(g -> String.valueOf(g.owner()))
                .orElse("no group " + group);
    }

    private static int priorityOf(Daemon seenBy, String member) {
        return seenBy.clusterNode().status().members().stream()
                .filter(m -> m.name().equals(member))
                .mapToInt(ClusterStatus.Member::priority)
                .findFirst()
                .orElse(-1);
    }

    private static boolean listens(String vip, int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(vip, port), 500);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** What each node sees, for a failed wait: owners, members and priorities, the VIP served. */
    private String state(Daemon lb1, Daemon lb2) {
        return "lb1 sees " + lb1.cluster().groups() + " "
                + lb1.clusterNode().status().members()
                + "; lb2 sees " + lb2.cluster().groups() + " "
                + lb2.clusterNode().status().members()
                + "; group b's VIP served: " + listens(VIP_B, base + 31);
    }

    private static String scrape(Daemon d) {
        return d.metrics().scrape();
    }

    @Test
    void aReloadAddsAGroupRaisesAPriorityAndSaysWhatWaitsForARestart() throws Exception {
        Daemon lb1 = start(0, 200);
        await("lb1 in a view")
                .atMost(Duration.ofSeconds(20))
                .pollInterval(Duration.ofMillis(50))
                .until(() -> lb1.cluster().role() != ClusterView.Role.JOINING);
        Daemon lb2 = start(1, 100);
        await("lb1 holds group a, lb2 standby")
                .atMost(Duration.ofSeconds(20))
                .pollInterval(Duration.ofMillis(50))
                .until(() -> "lb1".equals(owner(lb2, "a"))
                        && lb2.cluster().members().size() == 2
                        && listens(VIP_A, base + 30));
        long lb1Failovers = lb1.clusterNode().failovers();

        // lb2 first: group b and priority 250. It ranks first now and nobody holds b: it takes b.
        // Group a stays with lb1: without preempt, a holder keeps its group.
        ReloadResult r2 = reload(lb2, 1, yaml(1, 250, true, base + 1, ""));
        assertTrue(r2.applied(), r2.errors().toString());
        assertEquals(List.of(), r2.restart());
        assertEquals(
                List.of("a", "b"),
                lb2.cluster().groups().stream().map(ClusterView.Group::name).toList());
        ReloadResult r1 = reload(lb1, 0, yaml(0, 200, true, base, ""));
        assertTrue(r1.applied(), r1.errors().toString());
        assertEquals(List.of(), r1.restart());
        await("lb2 holds group b and serves its VIP; lb1 sees lb2's new priority")
                .atMost(Duration.ofSeconds(10))
                .pollInterval(Duration.ofMillis(50))
                .untilAsserted(() -> assertTrue(
                        "lb2".equals(owner(lb1, "b"))
                                && "lb2".equals(owner(lb2, "b"))
                                && priorityOf(lb1, "lb2") == 250
                                && listens(VIP_B, base + 31),
                        () -> state(lb1, lb2)));
        assertEquals("lb1", owner(lb1, "a"));
        assertEquals("lb1", owner(lb2, "a"));
        assertEquals(lb1Failovers, lb1.clusterNode().failovers(), "group a never moved");
        assertTrue(scrape(lb2).contains("tandem_vip_owned{vip=\"" + VIP_B + "/32\",} 1.0"), scrape(lb2));
        assertTrue(scrape(lb1).contains("tandem_vip_owned{vip=\"" + VIP_B + "/32\",} 0.0"), scrape(lb1));
        assertTrue(lb1.loadBalancer().frontend("www2") == null, "lb1 does not bind group b's frontend");

        // A new cluster port: the rest applies, the bind waits for a restart, and the result and
        // the event log say so.
        ReloadResult moved = reload(lb1, 0, yaml(0, 210, true, base + 2, ""));
        assertTrue(moved.applied(), moved.errors().toString());
        assertEquals(1, moved.restart().size(), moved.restart().toString());
        assertTrue(
                moved.restart().get(0).startsWith("cluster.bind "),
                moved.restart().toString());
        Event last = lb1.events().latest(1).get(0);
        assertEquals(EventType.RELOAD, last.type());
        assertTrue(last.message().contains("waits for a restart: cluster.bind"), last.message());
        assertEquals("127.0.0.1:" + base, lb1.clusterNode().config().bind().toString());
        await("lb2 sees lb1's new priority").atMost(Duration.ofSeconds(10)).until(() -> priorityOf(lb2, "lb1") == 210);
        assertEquals(2, lb2.cluster().members().size(), "lb1 is still in the cluster on its old port");

        // A VIP whose driver cannot be prepared (no such interface): refused, nothing changes.
        TandemConfig before = lb1.config();
        ReloadResult refused = reload(
                lb1,
                0,
                yaml(0, 210, true, base + 2, "    - { address: 10.255.255.7/32, interface: nosuch0, group: c }\n"));
        assertFalse(refused.applied());
        assertSame(before, lb1.config());
        assertEquals(
                List.of("a", "b"),
                lb1.cluster().groups().stream().map(ClusterView.Group::name).toList());
        assertEquals("lb1", owner(lb1, "a"));

        // Group b removed on both: lb2 releases its VIP, its gauge goes.
        assertTrue(reload(lb2, 1, yaml(1, 250, false, base + 1, "")).applied());
        assertTrue(reload(lb1, 0, yaml(0, 210, false, base + 2, "")).applied());
        await("group b's VIP released")
                .atMost(Duration.ofSeconds(10))
                .pollInterval(Duration.ofMillis(50))
                .until(() -> !listens(VIP_B, base + 31));
        assertEquals(
                List.of("a"),
                lb2.cluster().groups().stream().map(ClusterView.Group::name).toList());
        assertFalse(scrape(lb2).contains(VIP_B), scrape(lb2));
        assertEquals("lb1", owner(lb2, "a"));
        assertTrue(listens(VIP_A, base + 30));
        assertEquals(lb1Failovers, lb1.clusterNode().failovers(), "group a never moved");
    }
}
