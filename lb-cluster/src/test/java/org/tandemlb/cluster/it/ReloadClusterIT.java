package org.tandemlb.cluster.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.tandemlb.core.testsupport.RequiresRoot;

/**
 * The cluster section reloads without a restart (docs/cluster.md, "Reloading the cluster
 * section"): three nodes, three VIP groups spread one per node with the {@code linux} driver in
 * network namespaces ({@link ThreeNodeNet}), a client probing each VIP every 20 ms. Every node
 * reloads a section that adds a fourth group and raises one node's priority: the new group gets
 * an owner and is served, the three untouched groups see no failed probe and stay where they were,
 * and the processes are the same. Then a reload that removes the group: its VIP is released
 * everywhere, still without a failed probe on the others. Needs root, iproute2 and arping.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@RequiresRoot("network namespaces, a bridge and the VIPs on their interfaces")
class ReloadClusterIT {
    private static final long PREEMPT_DELAY_MS = 2000;

    private final ThreeNodeNet net = new ThreeNodeNet();
    private final List<NodeProcess> processes = new ArrayList<>();
    private final NodeProcess[] nodes = new NodeProcess[3];
    private NodeProcess client;

    @BeforeAll
    void createNetwork() {
        net.create();
    }

    @AfterAll
    void removeNetwork() {
        processes.forEach(NodeProcess::close);
        net.remove();
    }

    /** The {@code vip=} argument: the first {@code groups} VIPs, in groups a, b, c, d. */
    private String vips(int groups) {
        List<String> items = new ArrayList<>();
        for (int v = 0; v < groups; v++) {
            items.add("linux:" + net.vip(v) + "/24:eth0@" + (char) ('a' + v));
        }
        return "vip=" + String.join(";", items);
    }

    private NodeProcess start(int i) throws IOException {
        String[] a = net.addresses;
        NodeProcess n = new NodeProcess(
                "lb" + (i + 1),
                NodeMain.command(List.of(
                                "name=lb" + (i + 1),
                                "bind=" + a[i] + ":7800",
                                "peers=" + a[0] + ":7800," + a[1] + ":7800," + a[2] + ":7800",
                                "priority=100",
                                "secret=reload-secret",
                                vips(3),
                                "spread=true",
                                "preempt_delay=" + PREEMPT_DELAY_MS,
                                "frontend=0.0.0.0:8080",
                                "backend=" + a[3] + ":8081"))
                        .prefix(net.inNamespace(i)));
        processes.add(n);
        nodes[i] = n;
        return n;
    }

    private int[] holders(int groups) {
        int[] h = new int[groups];
        for (int v = 0; v < groups; v++) {
            h[v] = net.holderOf(v);
        }
        return h;
    }

    /** Whether each node holds exactly one of the first three groups. */
    private boolean oneEach() {
        int[] h = holders(3);
        return Arrays.stream(h).allMatch(x -> x >= 0 && x < 3) && h[0] != h[1] && h[1] != h[2] && h[0] != h[2];
    }

    private boolean servedSince(String stream, long millis) {
        List<Prober.Probe> probes = client.probes(stream).stream()
                .filter(p -> p.atMillis() >= millis)
                .toList();
        return probes.size() >= 3 && probes.stream().allMatch(Prober.Probe::ok);
    }

    /** How many reloads {@code n} applied with nothing waiting for a restart. */
    private static long reloaded(NodeProcess n) {
        return n.said().stream().filter(s -> s.equals("RELOADED 0")).count();
    }

    /** Sends {@code reload args} to {@code n} and waits until it has applied its {@code nth} reload. */
    private static void reload(NodeProcess n, long nth, String args) throws IOException {
        n.command("reload " + args);
        await(n.name + " applied reload " + nth)
                .atMost(Duration.ofSeconds(10))
                .pollInterval(Duration.ofMillis(50))
                .until(() -> reloaded(n) >= nth);
    }

    private void assertUntouchedServed(long from, long to, String when) {
        for (int v = 0; v < 3; v++) {
            Prober.Outage o = Prober.outage(client.probes(Integer.toString(v)), from, to);
            System.out.println("[reload] " + when + ", group " + (char) ('a' + v) + ": " + o);
            assertEquals(0, o.failed(), when + ": group " + (char) ('a' + v) + " is untouched: " + o);
        }
    }

    private static void pass(Duration d) {
        long until = System.nanoTime() + d.toNanos();
        await().atMost(d.plusSeconds(5)).pollInterval(Duration.ofMillis(50)).until(() -> System.nanoTime() >= until);
    }

    @Test
    void aReloadAddsAGroupAndAPriorityWithoutARestartOrAFailedProbeThenRemovesIt() throws Exception {
        String[] a = net.addresses;
        client = new NodeProcess(
                "client",
                ProbeMain.command(List.of(
                                "backend=" + a[3] + ":8081",
                                "target=" + net.vip(0) + ":8080," + net.vip(1) + ":8080," + net.vip(2) + ":8080,"
                                        + net.vip(3) + ":8080",
                                "max=90000"))
                        .prefix(net.inNamespace(3)));
        processes.add(client);
        client.awaitSaid("READY", Duration.ofSeconds(20));
        start(0).awaitSaid("READY", Duration.ofSeconds(60));
        start(1);
        start(2);
        nodes[1].awaitSaid("READY", Duration.ofSeconds(60));
        nodes[2].awaitSaid("READY", Duration.ofSeconds(60));
        await("each node holds one group, every VIP served")
                .atMost(Duration.ofSeconds(40))
                .pollInterval(Duration.ofMillis(200))
                .until(() -> oneEach()
                        && servedSince("0", System.currentTimeMillis() - 500)
                        && servedSince("1", System.currentTimeMillis() - 500)
                        && servedSince("2", System.currentTimeMillis() - 500));
        pass(Duration.ofSeconds(1));
        int[] before = holders(3);
        long[] pids = Arrays.stream(nodes).mapToLong(NodeProcess::pid).toArray();
        assertEquals(-1, net.holderOf(3), "the fourth VIP is nobody's yet");

        // Every node: a fourth group d; lb2's priority 150.
        long reloaded = System.currentTimeMillis();
        reload(nodes[0], 1, vips(4));
        reload(nodes[1], 1, vips(4) + " priority=150");
        reload(nodes[2], 1, vips(4));
        await("group d has an owner and is served")
                .atMost(Duration.ofSeconds(15))
                .pollInterval(Duration.ofMillis(100))
                .until(() -> {
                    int h = net.holderOf(3);
                    return h >= 0 && h < 3 && servedSince("3", System.currentTimeMillis() - 500);
                });
        System.out.println("[reload] group d held by lb" + (net.holderOf(3) + 1) + " after "
                + (System.currentTimeMillis() - reloaded) + " ms");
        pass(Duration.ofSeconds(2)); // it stays so; probes in flight end
        long observed = System.currentTimeMillis();
        assertArrayEquals(before, holders(3), "the untouched groups stay where they were");
        assertUntouchedServed(reloaded - 500, observed, "adding group d");
        for (int i = 0; i < 3; i++) {
            assertTrue(nodes[i].process.isAlive(), nodes[i].name + " runs");
            assertEquals(pids[i], nodes[i].pid(), "no restart of " + nodes[i].name);
        }

        // The group removed again: its VIP released everywhere.
        long removing = System.currentTimeMillis();
        reload(nodes[0], 2, vips(3));
        reload(nodes[1], 2, vips(3) + " priority=150");
        reload(nodes[2], 2, vips(3));
        await("group d's VIP released everywhere")
                .atMost(Duration.ofSeconds(10))
                .pollInterval(Duration.ofMillis(100))
                .until(() -> net.holderOf(3) == -1);
        pass(Duration.ofMillis(1500));
        assertArrayEquals(before, holders(3), "the untouched groups stay where they were");
        assertUntouchedServed(removing - 500, System.currentTimeMillis(), "removing group d");
        assertEquals(-1, net.holderOf(3));
    }
}
