package org.tandemlb.cluster.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.tandemlb.cluster.it.Ip.ip;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.tandemlb.core.testsupport.ChildProcess;
import org.tandemlb.core.testsupport.ExternalProcesses;
import org.tandemlb.core.testsupport.RequiresRoot;

/**
 * The {@code bgp} driver for real: three Tandem nodes, each with its own BIRD announcing the VIP
 * from {@code lo} over eBGP to a router namespace whose BIRD installs one ECMP route over the
 * nodes ({@code merge paths}; L4 hashing, {@code fib_multipath_hash_policy=1}), and a client
 * namespace behind the router (which also runs the three backends). Hold timer 3 s. Namespaces,
 * the bridge (inside the router's namespace) and subnets are random per run; everything is removed
 * at the end. Needs root, iproute2 and bird2.
 *
 * <pre>
 *   [n1 .11 lb1+bird] --+
 *   [n2 .12 lb2+bird] --+-- br0 [r .1 bird, ECMP] .1 ---- .50-.53 [c: client, backends s1-s3]
 *   [n3 .13 lb3+bird] --+   (10.218.X/24)           (10.219.X/24)       VIP 10.220.X.100
 * </pre>
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@RequiresRoot("network namespaces, BIRD and routes")
class BgpEcmpIT {
    /** BFD as docs/cluster.md advises: 100 ms, 3 missed. */
    private static final String BFD =
            "protocol bfd { interface \"*\" { min rx interval 100 ms; min tx interval 100 ms; multiplier 3; }; }\n";

    private static final Pattern VIA = Pattern.compile("via (\\d+\\.\\d+\\.\\d+\\.\\d+)");
    private static final Pattern TALLY = Pattern.compile("^@@ TALLY (\\S+) (\\S+) (\\S+) (\\d+)$");
    private final String tag =
            Integer.toHexString(0x1000 + ThreadLocalRandom.current().nextInt(0xefff));
    private final int x = 10 + ThreadLocalRandom.current().nextInt(200);
    private final String net = "10.218." + x;
    private final String cnet = "10.219." + x;
    private final String vip = "10.220." + x + ".100";
    private final String router = "tbg-" + tag + "-r";
    private final String clientNs = "tbg-" + tag + "-c";
    private final String[] nodeNs = {"tbg-" + tag + "-n1", "tbg-" + tag + "-n2", "tbg-" + tag + "-n3"};
    private final List<String> sources = List.of(cnet + ".50", cnet + ".51", cnet + ".52", cnet + ".53");
    private final ChildProcess[] birds = new ChildProcess[3];
    private final NodeProcess[] nodes = new NodeProcess[3];
    private final List<AutoCloseable> processes = new ArrayList<>();
    private Path dir;
    private NodeProcess client;

    private String nodeAddress(int i) {
        return net + "." + (11 + i);
    }

    @BeforeAll
    void createNetwork() throws IOException {
        ExternalProcesses.requireBinary("iproute2", "ip");
        ExternalProcesses.requireBinary("bird2", "bird");
        ExternalProcesses.requireBinary("bird2", "birdc");
        dir = Files.createTempDirectory("tandem-bgp-");
        List<String> all = new ArrayList<>(List.of(router, clientNs));
        all.addAll(List.of(nodeNs));
        for (String ns : all) {
            ExternalProcesses.CommandResult r = ExternalProcesses.run(Duration.ofSeconds(10), "ip", "netns", "add", ns);
            if (!r.ok()) {
                fail("network namespaces are not available here (ip netns add: "
                        + r.stderr().trim() + "): this test needs them");
            }
            ip("-n", ns, "link", "set", "lo", "up");
        }
        ip("-n", router, "link", "add", "br0", "type", "bridge");
        ip("-n", router, "addr", "add", net + ".1/24", "dev", "br0");
        ip("-n", router, "link", "set", "br0", "up");
        for (int i = 0; i < 3; i++) {
            String port = "tb" + tag + "n" + i;
            // Created here with its peer in the node's namespace, then moved into the router's.
            ip("link", "add", port, "type", "veth", "peer", "name", "eth0", "netns", nodeNs[i]);
            ip("link", "set", port, "netns", router);
            ip("-n", router, "link", "set", port, "master", "br0", "up");
            ip("-n", nodeNs[i], "addr", "add", nodeAddress(i) + "/24", "dev", "eth0");
            ip("-n", nodeNs[i], "link", "set", "eth0", "up");
            ip("-n", nodeNs[i], "route", "add", "default", "via", net + ".1");
        }
        String port = "tb" + tag + "c";
        ip("link", "add", port, "type", "veth", "peer", "name", "eth0", "netns", clientNs);
        ip("link", "set", port, "netns", router);
        ip("-n", router, "addr", "add", cnet + ".1/24", "dev", port);
        ip("-n", router, "link", "set", port, "up");
        for (String s : sources) {
            ip("-n", clientNs, "addr", "add", s + "/24", "dev", "eth0");
        }
        ip("-n", clientNs, "link", "set", "eth0", "up");
        ip("-n", clientNs, "route", "add", "default", "via", cnet + ".1");
        sysctl(router, "net.ipv4.ip_forward=1");
        sysctl(router, "net.ipv4.fib_multipath_hash_policy=1"); // L4: flows spread by port
        startBird(router, "router", routerConfig());
        for (int i = 0; i < 3; i++) {
            birds[i] = startBird(nodeNs[i], "n" + (i + 1), nodeConfig(i));
        }
        client = new NodeProcess(
                "client",
                EcmpClientMain.command(List.of(
                                "backends=" + cnet + ".50:8081," + cnet + ".50:8082," + cnet + ".50:8083",
                                "target=" + vip + ":8080",
                                "sources=" + String.join(",", sources),
                                "max=240000"))
                        .prefix("ip", "netns", "exec", clientNs));
        processes.add(client);
        client.awaitSaid("READY", Duration.ofSeconds(20));
    }

    @AfterAll
    void removeNetwork() throws IOException {
        for (AutoCloseable p : processes) {
            try {
                p.close();
            } catch (Exception e) {
                System.out.println("closing " + p + ": " + e);
            }
        }
        for (String ns : List.of(clientNs, nodeNs[0], nodeNs[1], nodeNs[2], router)) {
            ExternalProcesses.run(Duration.ofSeconds(10), "ip", "netns", "del", ns); // veths go with them
        }
        if (dir != null) {
            try (var files = Files.list(dir)) {
                for (Path p : files.toList()) {
                    Files.deleteIfExists(p);
                }
            }
            Files.deleteIfExists(dir);
        }
    }

    private String routerConfig() {
        StringBuilder c = new StringBuilder();
        c.append("router id ").append(net).append(".1;\n");
        c.append("log stderr { info, warning, error, fatal };\n");
        c.append("protocol device { }\n");
        c.append("protocol kernel { ipv4 { import none; export all; }; merge paths on; }\n");
        c.append(BFD);
        c.append("template bgp node { local ").append(net).append(".1 as 65000; hold time 3; keepalive time 1;\n");
        c.append("  connect delay time 1; connect retry time 2; error wait time 1, 4;\n");
        c.append("  ipv4 { import all; export none; }; }\n");
        for (int i = 0; i < 3; i++) {
            c.append("protocol bgp n")
                    .append(i + 1)
                    .append(" from node { neighbor ")
                    .append(nodeAddress(i));
            c.append(" as 65001;").append(i == 2 ? " bfd on;" : "").append(" }\n");
        }
        return c.toString();
    }

    /**
     * The node's BIRD, as docs/cluster.md shows it, with the test's short timers; lb3's session
     * (only) runs BFD.
     */
    private String nodeConfig(int i) {
        return "router id " + nodeAddress(i) + ";\n"
                + "log stderr { info, warning, error, fatal };\n"
                + "protocol device { }\n"
                + "protocol direct tandem_vips { ipv4; interface \"lo\"; }\n"
                + (i == 2 ? BFD : "")
                + "protocol bgp uplink { local " + nodeAddress(i) + " as 65001; neighbor " + net + ".1 as 65000;\n"
                + "  hold time 3; keepalive time 1; connect delay time 1; connect retry time 2; error wait time 1, 4;\n"
                + (i == 2 ? "  bfd on;\n" : "")
                + "  ipv4 { import none; export where proto = \"tandem_vips\" && net.len = 32; }; }\n";
    }

    private ChildProcess startBird(String ns, String name, String config) throws IOException {
        Path conf = dir.resolve(name + ".conf");
        Files.writeString(conf, config);
        String socket = socket(name);
        ChildProcess bird = ChildProcess.command(
                        "ip", "netns", "exec", ns, "bird", "-f", "-c", conf.toString(), "-s", socket)
                .name("bird-" + name)
                .echo(line -> !line.contains("keepalive"))
                .start();
        processes.add(bird);
        if (!ExternalProcesses.pollUntil(
                Duration.ofSeconds(10),
                () -> ExternalProcesses.run(Duration.ofSeconds(5), "birdc", "-s", socket, "show", "status")
                        .ok())) {
            fail("BIRD " + name + " did not answer on " + socket + ": " + bird.output());
        }
        return bird;
    }

    private String socket(String name) {
        return dir.resolve(name + ".ctl").toString();
    }

    private NodeProcess startNode(int i) throws IOException {
        String name = "lb" + (i + 1);
        String peers = nodeAddress(0) + ":7800," + nodeAddress(1) + ":7800," + nodeAddress(2) + ":7800";
        NodeProcess n = new NodeProcess(
                name,
                NodeMain.command(List.of(
                                "name=" + name,
                                "bind=" + nodeAddress(i) + ":7800",
                                "peers=" + peers,
                                "secret=bgp-secret",
                                "vip=bgp:" + vip,
                                "bird=" + socket("n" + (i + 1)),
                                "drain=2000",
                                "frontend=0.0.0.0:8080",
                                "backend=" + cnet + ".50:8081," + cnet + ".50:8082," + cnet + ".50:8083",
                                "balance=source"))
                        .prefix("ip", "netns", "exec", nodeNs[i]));
        processes.add(n);
        nodes[i] = n;
        n.awaitSaid("READY", Duration.ofSeconds(30));
        return n;
    }

    /** The next hops of the router's route to the VIP (empty: no route). */
    private Set<String> nextHops() {
        String out = ExternalProcesses.run(Duration.ofSeconds(5), "ip", "-n", router, "route", "show", vip)
                .stdout();
        Set<String> hops = new TreeSet<>();
        Matcher m = VIA.matcher(out);
        while (m.find()) {
            hops.add(m.group(1));
        }
        return hops;
    }

    private Set<String> hopsOf(int... indexes) {
        Set<String> s = new TreeSet<>();
        for (int i : indexes) {
            s.add(nodeAddress(i));
        }
        return s;
    }

    /** Waits (bounded) until the router's next hops are {@code want}; returns how long it took, in ms. */
    private long awaitHops(Set<String> want, Duration timeout, String what) {
        long start = System.nanoTime();
        if (!ExternalProcesses.pollUntil(timeout, () -> nextHops().equals(want))) {
            fail(what + ": the router's next hops are " + nextHops() + ", expected " + want + " within " + timeout);
        }
        return (System.nanoTime() - start) / 1_000_000;
    }

    /** {@code burst n} on the client: per (source, node, server) how many connections, and the failures. */
    private record Burst(Map<String, Integer> tally, int failed) {
        Map<String, Integer> perNode() {
            Map<String, Integer> m = new TreeMap<>();
            tally.forEach((k, v) -> m.merge(k.split(" ")[1], v, Integer::sum));
            return m;
        }

        Set<String> of(String source, int field) {
            Set<String> s = new TreeSet<>();
            tally.keySet().stream().filter(k -> k.startsWith(source + " ")).forEach(k -> s.add(k.split(" ")[field]));
            return s;
        }
    }

    private Burst burst(int n) throws IOException {
        int from = client.said().size();
        client.command("burst " + n);
        Pattern done = Pattern.compile("^BURST (\\d+)$");
        ExternalProcesses.pollUntil(
                Duration.ofSeconds(90),
                () -> client.last("BURST ") != null
                        && client.said().size() > from
                        && client.said().subList(from, client.said().size()).stream()
                                .anyMatch(done.asPredicate()));
        List<String> said = client.said().subList(from, client.said().size());
        Map<String, Integer> tally = new HashMap<>();
        int failed = -1;
        for (String s : said) {
            Matcher t = TALLY.matcher("@@ " + s);
            if (t.matches()) {
                tally.put(t.group(1) + " " + t.group(2) + " " + t.group(3), Integer.parseInt(t.group(4)));
            }
            Matcher d = done.matcher(s);
            if (d.matches()) {
                failed = Integer.parseInt(d.group(1));
            }
        }
        assertTrue(failed >= 0, "the burst of " + n + " did not end within 90 s");
        System.out.println("@@ MEASURE burst " + n + ": " + tally.size() + " (source, node, server) tallies, per node "
                + new Burst(tally, failed).perNode() + ", " + failed + " failed");
        return new Burst(tally, failed);
    }

    private static void event(String what) {
        System.out.printf("@@ EVENT %tT.%<tL %s%n", System.currentTimeMillis(), what);
    }

    @Test
    void allNodesServeBehindEcmpAndEachWithdrawsWhenItStopsOrDies() throws Exception {
        // lb1 alone is in no quorum (1 of 3): it does not announce; with lb2, both do.
        startNode(0);
        await("lb1 alone announces nothing (tandem_vip_owned 0, no owner, no route)")
                .during(Duration.ofSeconds(2))
                .atMost(Duration.ofSeconds(10))
                .until(() -> nodes[0].vip().equals("0 null") && nextHops().isEmpty());
        startNode(1);
        awaitHops(hopsOf(0, 1), Duration.ofSeconds(30), "lb1 and lb2 started");
        startNode(2);
        long announced = awaitHops(hopsOf(0, 1, 2), Duration.ofSeconds(30), "three nodes started");
        for (int i = 0; i < 3; i++) {
            assertEquals("1 lb" + (i + 1), nodes[i].vip(), "lb" + (i + 1) + ": tandem_vip_owned and the VIP's owner");
        }
        event("three nodes announce the VIP (" + announced + " ms after the last READY)");

        // Spread: every node takes its share of new connections; source balancing: each client
        // address reaches one server, whichever node its flows land on.
        Burst spread = burst(3000);
        assertFew(spread, "with three nodes up");
        Map<String, Integer> perNode = spread.perNode();
        assertEquals(Set.of("lb1", "lb2", "lb3"), perNode.keySet(), "nodes that served: " + perNode);
        perNode.forEach((node, count) -> assertTrue(
                count >= 600 && count <= 1380, node + " took " + count + " of 3000 (20-46 % expected): " + perNode));
        for (String source : sources) {
            assertEquals(
                    Set.of("lb1", "lb2", "lb3"),
                    spread.of(source, 1),
                    "client " + source + "'s flows landed on every node: " + spread.tally());
            assertEquals(1, spread.of(source, 2).size(), "client " + source + " reached one server: " + spread.tally());
        }

        // A graceful stop withdraws first, waits for the router, then stops: no request fails.
        int probesFrom = client.said().size();
        client.command("probe 7000");
        ExternalProcesses.pollUntil(Duration.ofSeconds(5), () -> client.said().size() > probesFrom + 40);
        long termAt = System.nanoTime();
        event("SIGTERM lb3");
        nodes[2].signal("TERM");
        long withdrawn = awaitHops(hopsOf(0, 1), Duration.ofSeconds(5), "lb3 stopping");
        boolean stillUp = nodes[2].process.isAlive();
        nodes[2].awaitSaid("STOPPED", Duration.ofSeconds(15));
        long stopped = (System.nanoTime() - termAt) / 1_000_000;
        event("lb3 withdrawn after " + withdrawn + " ms, stopped after " + stopped + " ms");
        assertTrue(stillUp, "lb3 withdrew its route before it stopped serving");
        ExternalProcesses.pollUntil(
                Duration.ofSeconds(15),
                () -> client.said().stream()
                                .skip(probesFrom)
                                .filter(s -> s.startsWith("P "))
                                .count()
                        >= 340);
        List<String> probes = client.said().stream()
                .skip(probesFrom)
                .filter(s -> s.startsWith("P "))
                .toList();
        long failedProbes =
                probes.stream().filter(Predicate.not(s -> s.endsWith(" 1"))).count();
        event("graceful stop: " + failedProbes + " of " + probes.size() + " probes failed");
        assertTrue(probes.size() >= 300, "probes during the graceful stop: " + probes.size());
        assertEquals(0, failedProbes, "failed probes across lb3's graceful stop");

        // lb3 back; then kill -9 of its Tandem alone: BIRD still runs, but the VIP's lease on lo
        // runs out, and with it the route.
        startNode(2);
        long back = awaitHops(hopsOf(0, 1, 2), Duration.ofSeconds(15), "lb3 restarted");
        event("lb3 announces again " + back + " ms after READY");
        event("kill -9 lb3 (Tandem only)");
        nodes[2].process.destroyForcibly();
        long leaseGone = awaitHops(hopsOf(0, 1), Duration.ofSeconds(8), "lb3's Tandem killed");
        event("lb3's route withdrawn " + leaseGone + " ms after kill -9 of its Tandem (lease 2 s)");
        Burst two = burst(600);
        assertFew(two, "after lb3's route went");
        assertEquals(Set.of("lb1", "lb2"), two.perNode().keySet(), "nodes that served: " + two.perNode());

        // A host crash: lb2's link goes dead, then its processes die; the router's hold timer
        // (3 s) withdraws its route.
        startNode(2);
        awaitHops(hopsOf(0, 1, 2), Duration.ofSeconds(15), "lb3 restarted again");
        event("lb2's host crashes (link down, Tandem and BIRD killed)");
        crash(1);
        long held = awaitHops(hopsOf(0, 2), Duration.ofSeconds(8), "lb2's host crashed");
        event("lb2's route withdrawn " + held + " ms after the crash (hold time 3 s)");
        Burst rest = burst(600);
        assertFew(rest, "after lb2's route went");
        assertEquals(Set.of("lb1", "lb3"), rest.perNode().keySet(), "nodes that served: " + rest.perNode());

        // lb2's host back; then lb3's host crashes, and BFD (100 ms × 3) withdraws its route.
        ip("-n", nodeNs[1], "link", "set", "eth0", "up");
        ip("-n", nodeNs[1], "route", "replace", "default", "via", net + ".1");
        birds[1] = startBird(nodeNs[1], "n2", nodeConfig(1));
        startNode(1);
        awaitHops(hopsOf(0, 1, 2), Duration.ofSeconds(20), "lb2's host back");
        Burst again = burst(300);
        assertFew(again, "with lb2 back");
        assertEquals(Set.of("lb1", "lb2", "lb3"), again.perNode().keySet(), "nodes that served: " + again.perNode());
        event("lb3's host crashes (link down, Tandem and BIRD killed; BFD on its session)");
        crash(2);
        long bfd = awaitHops(hopsOf(0, 1), Duration.ofSeconds(3), "lb3's host crashed");
        event("lb3's route withdrawn " + bfd + " ms after the crash (BFD 100 ms x 3)");
        assertTrue(bfd < 1000, "BFD withdrew lb3's route after " + bfd + " ms, not within 1 s");
        Burst last = burst(600);
        assertFew(last, "after lb3's route went");
        assertEquals(Set.of("lb1", "lb2"), last.perNode().keySet(), "nodes that served: " + last.perNode());
    }

    /**
     * At most 0.5 % of a burst's connections failed. Runs on the busy 2-core machine saw 0 in
     * most bursts and, in one of six runs, one connection reset in a burst of 300 just after a
     * node came back (its cause is not established; a flow moved between next hops is the likely
     * one, see docs/cluster.md, Limits); the client prints why each failed.
     */
    private void assertFew(Burst b, String when) {
        int n = b.failed()
                + b.tally().values().stream().mapToInt(Integer::intValue).sum();
        assertTrue(
                b.failed() * 200 <= n,
                b.failed() + " of " + n + " connections failed " + when + ": "
                        + client.said().stream()
                                .filter(l -> l.startsWith("FAILED "))
                                .toList());
    }

    /**
     * Node {@code i}'s host crashes: its link goes dead first, so nothing more leaves it (no BGP
     * notification, no TCP reset); then its processes die.
     */
    private void crash(int i) {
        ip("-n", nodeNs[i], "link", "set", "eth0", "down");
        nodes[i].process.destroyForcibly();
        birds[i].kill();
    }

    private static void sysctl(String ns, String setting) {
        ExternalProcesses.CommandResult r =
                ExternalProcesses.run(Duration.ofSeconds(10), "ip", "netns", "exec", ns, "sysctl", "-w", setting);
        if (!r.ok()) {
            fail("sysctl -w " + setting + " in " + ns + ": " + r.stderr().trim());
        }
    }
}
