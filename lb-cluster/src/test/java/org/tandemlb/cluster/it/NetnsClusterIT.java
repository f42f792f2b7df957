package org.tandemlb.cluster.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.tandemlb.cluster.it.Ip.ip;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.tandemlb.core.testsupport.ChildProcess;
import org.tandemlb.core.testsupport.ExternalProcesses;
import org.tandemlb.core.testsupport.RequiresRoot;

/**
 * The {@code linux} driver for real, in network namespaces this test creates (and removes): two
 * nodes and a client on a bridge, with 10.x addresses and the VIP .100, and IPv6 addresses
 * (fd00:TAG::/64) with the VIP ::100 for the IPv6 scenario. The client probes the VIP every 20 ms;
 * each scenario prints the gap clients saw. Needs root (CI runs as root; elsewhere it is skipped,
 * saying so), iproute2, arping, ndisc6 and libndp-tools; without network namespaces it fails with a
 * message saying so.
 *
 * <pre>
 *   [ns n1: eth0 .11, lb1] --veth-- +--------+ --veth-- [ns n2: eth0 .12, lb2]
 *                                   | bridge |
 *   [ns c: eth0 .50, client+backend]-+--------+
 * </pre>
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@RequiresRoot("network namespaces, a bridge and the VIP on their interfaces")
class NetnsClusterIT {
    private final String tag =
            Integer.toHexString(0x1000 + ThreadLocalRandom.current().nextInt(0xefff));
    private final String net = "10.213." + (10 + ThreadLocalRandom.current().nextInt(200));
    private final String bridge = "tb" + tag;
    private final String[] namespaces = {"tdm-" + tag + "-n1", "tdm-" + tag + "-n2", "tdm-" + tag + "-c"};
    private final String[] ports = {"tv" + tag + "a", "tv" + tag + "b", "tv" + tag + "c"};
    private final String[] addresses = {net + ".11", net + ".12", net + ".50"};
    private final String vip4 = net + ".100";
    private final String net6 = "fd00:" + tag + ":";
    private final String[] addresses6 = {net6 + ":11", net6 + ":12", net6 + ":50"};
    private final String vip6 = net6 + ":100";
    private final List<NodeProcess> processes = new ArrayList<>();
    private NodeProcess client;
    /** The VIP of the running scenario ({@link #vip4} or {@link #vip6}), set by {@link #pair}. */
    private String vip;

    @BeforeAll
    void createNetwork() {
        ExternalProcesses.requireBinary("iproute2", "ip");
        ExternalProcesses.requireBinary("arping", "arping");
        ExternalProcesses.requireBinary("ndisc6", "ndisc6");
        ExternalProcesses.requireBinary("libndp-tools", "ndptool");
        ip("link", "add", bridge, "type", "bridge");
        ip("link", "set", bridge, "up");
        for (int i = 0; i < 3; i++) {
            ExternalProcesses.CommandResult r =
                    ExternalProcesses.run(Duration.ofSeconds(10), "ip", "netns", "add", namespaces[i]);
            if (!r.ok()) {
                fail("network namespaces are not available here (ip netns add: "
                        + r.stderr().trim() + "): this test needs them");
            }
            ip("link", "add", ports[i], "type", "veth", "peer", "name", "eth0", "netns", namespaces[i]);
            ip("link", "set", ports[i], "master", bridge);
            ip("link", "set", ports[i], "up");
            ip("-n", namespaces[i], "addr", "add", addresses[i] + "/24", "dev", "eth0");
            // nodad: usable at once, not after a second of the kernel's DAD.
            ip("-n", namespaces[i], "addr", "add", addresses6[i] + "/64", "dev", "eth0", "nodad");
            ip("-n", namespaces[i], "link", "set", "eth0", "up");
            ip("-n", namespaces[i], "link", "set", "lo", "up");
        }
    }

    @AfterAll
    void removeNetwork() {
        for (String ns : namespaces) {
            ExternalProcesses.run(Duration.ofSeconds(10), "ip", "netns", "del", ns); // takes its veth pair along
        }
        ExternalProcesses.run(Duration.ofSeconds(10), "ip", "link", "del", bridge);
    }

    /** The client and backend, probing the scenario's VIP. */
    private void startClient() throws IOException {
        String target = ipv6() ? "[" + vip + "]:8080" : vip + ":8080";
        client = new NodeProcess(
                "client",
                ProbeMain.command(List.of("backend=" + addresses[2] + ":8081", "target=" + target, "max=120000"))
                        .prefix(inNamespace(2)));
        processes.add(client);
        client.awaitSaid("READY", Duration.ofSeconds(20));
    }

    @AfterEach
    void stopProcesses() {
        processes.forEach(NodeProcess::close);
        processes.clear();
        for (int i = 0; i < 3 && vip != null; i++) {
            ExternalProcesses.run(Duration.ofSeconds(5), "ip", "link", "set", ports[i], "up");
            ExternalProcesses.run(
                    Duration.ofSeconds(5), "ip", "-n", namespaces[i], "addr", "del", hostCidr(), "dev", "eth0");
            ExternalProcesses.run(Duration.ofSeconds(5), "ip", "-n", namespaces[i], "neigh", "flush", "dev", "eth0");
        }
        vip = null;
    }

    private boolean ipv6() {
        return vip.equals(vip6);
    }

    /** The VIP as the linux driver adds it, a host address. */
    private String hostCidr() {
        return vip + (ipv6() ? "/128" : "/32");
    }

    /** {@code ip netns exec} of namespace {@code i}, to prefix a command with. */
    private String[] inNamespace(int i) {
        return new String[] {"ip", "netns", "exec", namespaces[i]};
    }

    private NodeProcess node(int i, int priority, String profile) throws IOException {
        String name = "lb" + (i + 1);
        String peers = addresses[0] + ":7800," + addresses[1] + ":7800";
        ChildProcess.Builder command = NodeMain.command(List.of(
                        "name=" + name,
                        "bind=" + addresses[i] + ":7800",
                        "peers=" + peers,
                        "priority=" + priority,
                        "secret=netns-secret",
                        "vip=linux:" + vip + (ipv6() ? "/64" : "/24") + ":eth0",
                        "frontend=" + (ipv6() ? "[::]:8080" : "0.0.0.0:8080"),
                        "backend=" + addresses[2] + ":8081",
                        "profile=" + profile))
                .prefix(inNamespace(i));
        if (ipv6()) {
            command.jvmArgs("-Djava.net.preferIPv4Stack=false"); // the frontend listens on [::]
        }
        if (profile.equals("fast")) {
            // As docs/cluster.md advises for the fast timings: the LB before ordinary work
            // (systemd's Nice=-10), so that busy cores delay its heartbeats by milliseconds.
            command.prefix("nice", "-n", "-10");
        }
        NodeProcess n = new NodeProcess(name, command);
        processes.add(n);
        n.awaitSaid("READY", Duration.ofSeconds(20));
        return n;
    }

    /** Whether namespace {@code i} has the VIP on its interface. */
    private boolean holds(int i) {
        return ExternalProcesses.run(
                        Duration.ofSeconds(5), "ip", "-n", namespaces[i], "-o", "addr", "show", "dev", "eth0")
                .stdout()
                .contains(hostCidr());
    }

    /** The MAC address of namespace {@code i}'s interface. */
    private String mac(int i) {
        String link = ExternalProcesses.run(
                        Duration.ofSeconds(5), "ip", "-n", namespaces[i], "-o", "link", "show", "dev", "eth0")
                .stdout();
        Matcher m = Pattern.compile("link/ether (\\S+)").matcher(link);
        assertTrue(m.find(), link);
        return m.group(1);
    }

    /** The client's neighbour-cache entry for the VIP ({@code ... lladdr MAC STATE}), or "". */
    private String clientNeighbour() {
        return ExternalProcesses.run(
                        Duration.ofSeconds(5), "ip", "-n", namespaces[2], "neigh", "show", vip, "dev", "eth0")
                .stdout()
                .trim();
    }

    private NodeProcess[] pair() throws IOException {
        return pair("default", vip4);
    }

    /**
     * lb1 (priority 200) and lb2 (100) in steady state: lb1 active and the client served. A
     * start-up on a starved machine can make lb1 release (a pause detected) and lb2 take over;
     * then lb2 is stopped and started again, so that every scenario starts the same way.
     */
    private NodeProcess[] pair(String profile, String vip) throws IOException {
        this.vip = vip;
        startClient();
        NodeProcess lb1 = node(0, 200, profile);
        NodeProcess first = node(1, 100, profile);
        await("one of lb1 and lb2 active")
                .atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(100))
                .until(() -> lb1.lastRole().equals("active") || first.lastRole().equals("active"));
        NodeProcess standby = first;
        if (first.lastRole().equals("active")) {
            event("lb2 won the start-up: restarting it");
            first.signal("TERM");
            await("lb2 exits").atMost(Duration.ofSeconds(15)).until(() -> !first.process.isAlive());
            processes.remove(first);
            standby = node(1, 100, profile);
        }
        NodeProcess lb2 = standby;
        await("lb1 active, lb2 standby, the client served")
                .atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(100))
                .until(() -> lb1.lastRole().equals("active")
                        && lb2.state().endsWith(" standby 2")
                        && holds(0)
                        && !holds(1)
                        && servedSince(System.currentTimeMillis() - 300));
        // Steady state: both JVMs past their start-up (JIT) and the client served for a while,
        // as a standby would be in production when its peer fails.
        pass(Duration.ofSeconds(2));
        assertTrue(servedSince(System.currentTimeMillis() - 1500), "steady service before the failure");
        return new NodeProcess[] {lb1, lb2};
    }

    /** Whether every probe that started since {@code millis} (and has ended) got a 200; at least 3. */
    private boolean servedSince(long millis) {
        List<Prober.Probe> probes =
                client.probes().stream().filter(p -> p.atMillis() >= millis).toList();
        return probes.size() >= 3 && probes.stream().allMatch(Prober.Probe::ok);
    }

    private static void event(String what) {
        System.out.printf("[netns] %tT.%<tL %s%n", System.currentTimeMillis(), what);
    }

    /** Waits until the client has been served again for a while after {@code since}, then measures. */
    private Prober.Outage outageAfter(long since, String what) {
        await(what + ": the client is served again")
                .atMost(Duration.ofSeconds(15))
                .pollInterval(Duration.ofMillis(50))
                .until(() -> servedSince(System.currentTimeMillis() - 500)
                        && client.probes().stream().anyMatch(p -> p.ok() && p.atMillis() > since + 500));
        long until = System.currentTimeMillis();
        // A probe is recorded when it ends: one sent into the void (a SYN to a host that is gone)
        // ends after its 0.3 s connect timeout, one that connected within 1 s more. Wait for those.
        pass(Duration.ofMillis(1500));
        Prober.Outage outage = Prober.outage(client.probes(), since - 100, until);
        System.out.println("[netns, linux driver] " + what + ": " + outage);
        return outage;
    }

    private static void pass(Duration d) {
        long until = System.nanoTime() + d.toNanos();
        await().atMost(d.plusSeconds(5)).pollInterval(Duration.ofMillis(50)).until(() -> System.nanoTime() >= until);
    }

    @Test
    void processCrashIsReplacedWithinOneSecond() throws Exception {
        NodeProcess[] n = pair();
        long at = System.currentTimeMillis();
        event("kill -9 lb1");
        n[0].process.destroyForcibly(); // kill -9: its kernel keeps the VIP until the lease runs out
        Prober.Outage outage = outageAfter(at, "kill -9 of the active node");
        assertEquals("active", n[1].lastRole());
        assertTrue(
                outage.longestGapMillis() <= 1000, "goal (docs/cluster.md): a crash is replaced within 1 s; " + outage);
        await("the dead node's lease runs out").atMost(Duration.ofSeconds(5)).until(() -> !holds(0));
        // Steady state: the survivor holds the VIP (after a pause on a starved machine it releases
        // and claims again, which takes a few seconds: hence a wait, not an instant check).
        await("the survivor holds the VIP").atMost(Duration.ofSeconds(15)).until(() -> holds(1));
    }

    @Test
    void ipv6VipCrashIsReplacedWithinOneSecondAndTheClientsNeighbourCacheFollows() throws Exception {
        NodeProcess[] n = pair("default", vip6);
        String mac1 = mac(0);
        String mac2 = mac(1);
        assertTrue(clientNeighbour().contains("lladdr " + mac1), "served by lb1: " + clientNeighbour());
        long at = System.currentTimeMillis();
        event("kill -9 lb1 (IPv6 VIP)");
        n[0].process.destroyForcibly(); // its kernel keeps the VIP, and answers with resets, for the lease
        Prober.Outage outage = outageAfter(at, "kill -9 of the active node, IPv6 VIP");
        assertEquals("active", n[1].lastRole());
        // Served again within the second, while the dead node's kernel still held the VIP: the
        // client's cache had moved to lb2's MAC (an unsolicited neighbour advertisement), as the
        // entry shows; without one it keeps lb1's MAC for its reachable time (15-45 s).
        assertTrue(
                outage.longestGapMillis() <= 1000, "goal (docs/cluster.md): a crash is replaced within 1 s; " + outage);
        String entry = clientNeighbour();
        System.out.println("[netns, linux driver] the client's neighbour entry for the VIP: " + entry);
        assertTrue(entry.contains("lladdr " + mac2) && !entry.contains(mac1), entry + " (lb2 is " + mac2 + ")");
        await("the dead node's lease runs out").atMost(Duration.ofSeconds(5)).until(() -> !holds(0));
        await("the survivor holds the VIP").atMost(Duration.ofSeconds(15)).until(() -> holds(1));
    }

    @Test
    void anIpv6VipInUseOutsideTheClusterIsNotClaimed() throws Exception {
        vip = vip6;
        startClient();
        ip("-n", namespaces[2], "addr", "add", hostCidr(), "dev", "eth0", "nodad"); // a host outside the cluster
        NodeProcess lb1 = node(0, 200, "default");
        String clientMac = mac(2);
        await("lb1's DAD finds the client answering for the VIP")
                .atMost(Duration.ofSeconds(20))
                .pollInterval(Duration.ofMillis(100))
                .until(() -> lb1.output().contains("another host (" + clientMac + ") answers for it"));
        assertFalse(holds(0), "lb1 did not take an address in use");
        assertEquals("standby", lb1.lastRole());
    }

    @Test
    void silentCutIsReplacedWithinTwoSecondsAndTheHealKeepsOneHolder() throws Exception {
        NodeProcess[] n = pair();
        long cut = System.currentTimeMillis();
        event("cut lb1 off");
        ip("link", "set", ports[0], "down"); // lb1's host drops off the network, silently for the others
        Prober.Outage outage = outageAfter(cut, "silent cut of the active host");
        assertEquals("active", n[1].lastRole());
        assertTrue(
                outage.longestGapMillis() <= 2000,
                "goal (docs/cluster.md): a silent failure is replaced within 2 s; " + outage);

        pass(Duration.ofSeconds(2));
        int lb2Roles = n[1].said().size();
        long healed = System.currentTimeMillis();
        event("link of lb1 restored");
        ip("link", "set", ports[0], "up");
        await("after the heal, exactly one holder: lb2")
                .atMost(Duration.ofSeconds(10))
                .pollInterval(Duration.ofMillis(100))
                .until(() -> !holds(0) && holds(1) && n[0].lastRole().equals("standby"));
        pass(Duration.ofSeconds(3)); // no flapping afterwards
        long observed = System.currentTimeMillis();
        pass(Duration.ofMillis(1500)); // probes still in flight end (see outageAfter)
        assertTrue(!holds(0) && holds(1), "one holder");
        assertFalse(
                n[1].said().subList(lb2Roles, n[1].said().size()).contains("ROLE standby"),
                "lb2 never let go during the heal");
        Prober.Outage heal = Prober.outage(client.probes(), healed, observed);
        System.out.println("[netns, linux driver] heal of the cut host: " + heal);
        assertTrue(
                heal.longestGapMillis() <= 1000, "goal (docs/cluster.md): a heal costs clients at most 1 s; " + heal);
    }

    @Test
    void sigtermHandsOverWithoutAFailedRequest() throws Exception {
        NodeProcess[] n = pair();
        long at = System.currentTimeMillis();
        event("SIGTERM lb1");
        n[0].signal("TERM");
        await("lb1 exits").atMost(Duration.ofSeconds(15)).until(() -> !n[0].process.isAlive());
        pass(Duration.ofMillis(500));
        long until = System.currentTimeMillis();
        pass(Duration.ofMillis(1500)); // probes still in flight end (see outageAfter)
        Prober.Outage outage = Prober.outage(client.probes(), at - 100, until);
        System.out.println("[netns, linux driver] SIGTERM of the active node: " + outage);
        assertEquals("active", n[1].lastRole());
        assertTrue(holds(1) && !holds(0));
        assertEquals(0, outage.failed(), "goal (docs/cluster.md): a planned stop costs no failed request; " + outage);
    }

    @Test
    void aResumedFrozenNodeDoesNotKeepTheVip() throws Exception {
        NodeProcess[] n = pair();
        long at = System.currentTimeMillis();
        event("SIGSTOP lb1");
        n[0].signal("STOP");
        Prober.Outage outage = outageAfter(at, "SIGSTOP of the active node");
        assertEquals("active", n[1].lastRole());
        await("the frozen node's lease runs out").atMost(Duration.ofSeconds(5)).until(() -> !holds(0));
        int lb1Lines = n[0].said().size();
        long resumed = System.currentTimeMillis();
        event("SIGCONT lb1");
        n[0].signal("CONT");
        pass(Duration.ofSeconds(4));
        long observed = System.currentTimeMillis();
        pass(Duration.ofMillis(1500)); // probes still in flight end (see outageAfter)
        assertFalse(holds(0), "the resumed node does not keep (or take back) the VIP");
        assertTrue(holds(1));
        assertFalse(n[0].said().subList(lb1Lines, n[0].said().size()).contains("ROLE active"));
        assertEquals("active", n[1].lastRole());
        Prober.Outage after = Prober.outage(client.probes(), resumed, observed);
        System.out.println("[netns, linux driver] SIGCONT of the frozen node: " + after);
        assertEquals(0, after.failed(), "the resumed node disturbs nothing; " + after);
        assertTrue(outage.longestGapMillis() <= 2000, outage.toString());
        assertTrue(TimeUnit.MILLISECONDS.toSeconds(System.currentTimeMillis() - at) < 60);
    }

    @Test
    void fastTimingsCatchASilentCutWithinHalfASecondAndStayCalmOnBusyCores() throws Exception {
        NodeProcess[] n = pair("fast", vip4);
        // Both cores busy (two spinning shells, bounded by timeout(1)) for 8 s: no false failover.
        List<ChildProcess> hogs = new ArrayList<>();
        long busyFrom = System.currentTimeMillis();
        try {
            for (int i = 0; i < 2; i++) {
                hogs.add(ChildProcess.command("timeout", "12", "sh", "-c", "while :; do :; done")
                        .start());
            }
            event("both cores busy");
            pass(Duration.ofSeconds(8));
        } finally {
            // SIGTERM to timeout(1), which passes it on to its shell (SIGKILL would orphan the
            // shell); should this JVM die first, timeout ends the shells after 12 s anyway.
            for (ChildProcess hog : hogs) {
                hog.stop(Duration.ofSeconds(5));
            }
        }
        event("cores free");
        assertEquals("active", n[0].lastRole());
        assertFalse(n[1].everSaid("ROLE active"), "no false failover while both cores were busy");
        assertEquals(
                1, n[0].said().stream().filter(l -> l.equals("ROLE active")).count(), "lb1 never let go");
        long busyUntil = System.currentTimeMillis();
        pass(Duration.ofMillis(1500)); // probes still in flight end (see outageAfter)
        System.out.println("[netns, linux driver, fast] both cores busy for 8 s: "
                + Prober.outage(client.probes(), busyFrom, busyUntil));

        long cut = System.currentTimeMillis();
        event("cut lb1 off");
        ip("link", "set", ports[0], "down");
        Prober.Outage outage = outageAfter(cut, "silent cut of the active host, fast timings");
        assertEquals("active", n[1].lastRole());
        assertTrue(outage.longestGapMillis() <= 500, "the fast timings: a silent failure within 0.5 s; " + outage);
    }
}
