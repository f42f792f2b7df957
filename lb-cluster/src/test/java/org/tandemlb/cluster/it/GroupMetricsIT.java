package org.tandemlb.cluster.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.tandemlb.cluster.ClusterConfig;
import org.tandemlb.cluster.ClusterMetrics;
import org.tandemlb.cluster.ClusterNode;
import org.tandemlb.cluster.ClusterStatus;
import org.tandemlb.cluster.VipConfig;
import org.tandemlb.core.LoadBalancer;
import org.tandemlb.core.config.BackendConfig;
import org.tandemlb.core.config.FrontendConfig;
import org.tandemlb.core.config.HostPort;
import org.tandemlb.core.config.LoadBalancerConfig;
import org.tandemlb.core.config.Mode;
import org.tandemlb.core.config.ServerConfig;
import org.tandemlb.core.testsupport.TestBackend;
import org.tandemlb.core.testsupport.TestBackends;

/**
 * Two nodes in this JVM on loopback, two VIP groups with the {@code bind} driver (127.0.0.101 in
 * group a, 127.0.0.102 in group b), spread by default: each node holds one group, and the metrics
 * and the status say so per VIP and per group; a graceful stop hands the stopping node's group over
 * and counts it as a failover of that group on the node that took it.
 */
class GroupMetricsIT {
    @RegisterExtension
    final TestBackends backends = new TestBackends();

    private final List<AutoCloseable> open = new ArrayList<>();

    @AfterEach
    void tearDown() throws Exception {
        for (int i = open.size() - 1; i >= 0; i--) {
            open.get(i).close();
        }
    }

    private record Node(ClusterNode cluster, SimpleMeterRegistry registry) {
        double gauge(String name, String tag, String value) {
            var search = registry.find(name);
            return (tag == null ? search : search.tag(tag, value)).gauge().value();
        }

        double counter(String name, String tag, String value) {
            var search = registry.find(name);
            return (tag == null ? search : search.tag(tag, value))
                    .functionCounter()
                    .count();
        }
    }

    private Node node(String name, int index, int base, TestBackend backend) {
        ClusterConfig config = ClusterConfig.builder(name, HostPort.parse("127.0.0.1:" + (base + index)), "s3cret")
                .name("groups")
                .peer(HostPort.parse("127.0.0.1:" + base))
                .peer(HostPort.parse("127.0.0.1:" + (base + 1)))
                .vip(VipConfig.bind("127.0.0.101").inGroup("a"))
                .vip(VipConfig.bind("127.0.0.102").inGroup("b"))
                .preemptDelay(Duration.ZERO)
                .build();
        LoadBalancerConfig.Builder full = LoadBalancerConfig.builder()
                .backend(BackendConfig.builder("web", Mode.HTTP)
                        .server(ServerConfig.builder("web1", backend.hostPort()).build())
                        .build());
        for (String vip : List.of("127.0.0.101", "127.0.0.102")) {
            full.frontend(FrontendConfig.builder("www" + vip.substring(vip.length() - 1), Mode.HTTP)
                    .bind(vip + ":" + (base + 40))
                    .defaultBackend("web")
                    .build());
        }
        LoadBalancerConfig lbConfig = full.build();
        LoadBalancer lb = LoadBalancer.builder(ClusterNode.standbyConfig(lbConfig, config))
                .threads(1)
                .build();
        lb.start();
        open.add(() -> lb.stop(Duration.ofSeconds(1)));
        ClusterNode cluster = ClusterNode.builder(config, lb, lbConfig).build();
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        new ClusterMetrics(cluster).bindTo(registry);
        cluster.start();
        open.add(cluster::stop);
        return new Node(cluster, registry);
    }

    @Test
    void eachNodeHoldsOneGroupAndTheMetricsSaySoPerVipAndPerGroup() {
        TestBackend backend = backends.start("app");
        int base = 23000 + ThreadLocalRandom.current().nextInt(200) * 50;
        Node lb1 = node("lb1", 0, base, backend);
        Node lb2 = node("lb2", 1, base, backend);
        await("one group each")
                .atMost(Duration.ofSeconds(40))
                .pollInterval(Duration.ofMillis(100))
                .until(() -> lb1.cluster().active()
                        && lb2.cluster().active()
                        && lb1.cluster().holds("a") != lb2.cluster().holds("a")
                        && lb1.cluster().holds("b") != lb2.cluster().holds("b"));
        Node holderOfA = lb1.cluster().holds("a") ? lb1 : lb2;
        Node holderOfB = holderOfA == lb1 ? lb2 : lb1;
        assertEquals(1, holderOfA.gauge("tandem.cluster.active", null, null));
        assertEquals(1, holderOfB.gauge("tandem.cluster.active", null, null));
        assertEquals(1, holderOfA.gauge("tandem.vip.owned", "vip", "127.0.0.101/32"));
        assertEquals(0, holderOfA.gauge("tandem.vip.owned", "vip", "127.0.0.102/32"));
        assertEquals(0, holderOfB.gauge("tandem.vip.owned", "vip", "127.0.0.101/32"));
        assertEquals(1, holderOfB.gauge("tandem.vip.owned", "vip", "127.0.0.102/32"));
        String nameOfA = holderOfA.cluster().config().node();
        await("the status shows the owner of each group")
                .atMost(Duration.ofSeconds(5))
                .until(() -> holderOfB.cluster().status().groups().stream()
                        .map(ClusterStatus.Group::owner)
                        .toList()
                        .equals(List.of(nameOfA, holderOfB.cluster().config().node())));

        // Which node formed the cluster first decides whether a group already changed hands once
        // (a node alone holds both, and hands one over when the other joins): counted from here.
        double aBefore = holderOfB.counter("tandem.cluster.group.failovers", "group", "a");
        double bBefore = holderOfB.counter("tandem.cluster.group.failovers", "group", "b");
        double totalBefore = holderOfB.counter("tandem.cluster.failovers", null, null);
        holderOfA.cluster().stop(); // graceful: group a goes to the other node first
        await("the other node holds both groups")
                .atMost(Duration.ofSeconds(15))
                .until(() ->
                        holderOfB.cluster().holds("a") && holderOfB.cluster().holds("b"));
        assertEquals(1, holderOfB.gauge("tandem.vip.owned", "vip", "127.0.0.101/32"));
        assertEquals(aBefore + 1, holderOfB.counter("tandem.cluster.group.failovers", "group", "a"));
        assertEquals(bBefore, holderOfB.counter("tandem.cluster.group.failovers", "group", "b"));
        assertEquals(
                totalBefore + 1, holderOfB.counter("tandem.cluster.failovers", null, null), "the total, unlabelled");
        assertEquals(
                holderOfB.counter("tandem.cluster.failovers", null, null),
                holderOfB.counter("tandem.cluster.group.failovers", "group", "a")
                        + holderOfB.counter("tandem.cluster.group.failovers", "group", "b"),
                "the total is the groups' sum");
    }
}
