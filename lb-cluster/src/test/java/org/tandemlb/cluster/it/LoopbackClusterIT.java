package org.tandemlb.cluster.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.tandemlb.core.testsupport.TestBackend;
import org.tandemlb.core.testsupport.TestBackends;

/**
 * Two and three nodes in separate JVMs on loopback, with the {@code bind} driver and the VIP
 * 127.0.0.100 (local on Linux without adding it): crash (kill -9) and graceful (SIGTERM) failover
 * measured by a client probing every 20 ms, runtime changes replicated to members old and new, and
 * a node with another secret kept out.
 */
class LoopbackClusterIT {
    private static final String VIP = "127.0.0.100";
    private final List<NodeProcess> nodes = new ArrayList<>();

    @RegisterExtension
    final TestBackends backends = new TestBackends();

    private TestBackend backend;
    private int base;
    private int frontendPort;

    @BeforeEach
    void setUp() {
        backend = backends.start("app");
        // Cluster ports base..base+2 (FD_SOCK2 on +100): a random high range, so that runs in
        // parallel or a leftover process do not collide.
        base = 21000 + ThreadLocalRandom.current().nextInt(200) * 50;
        frontendPort = base + 40;
    }

    @AfterEach
    void tearDown() {
        nodes.forEach(NodeProcess::close);
    }

    private NodeProcess node(String name, int index, int priority, String secret, String... extra) throws IOException {
        String peers = "127.0.0.1:" + base + ",127.0.0.1:" + (base + 1) + ",127.0.0.1:" + (base + 2);
        List<String> args = new ArrayList<>(List.of(
                "name=" + name,
                "bind=127.0.0.1:" + (base + index),
                "peers=" + peers,
                "priority=" + priority,
                "secret=" + secret,
                "vip=bind:" + VIP,
                "frontend=" + VIP + ":" + frontendPort,
                "backend=" + backend.hostPort()));
        args.addAll(List.of(extra));
        NodeProcess n = new NodeProcess(name, NodeMain.command(args));
        nodes.add(n);
        n.awaitSaid("READY", Duration.ofSeconds(20));
        return n;
    }

    private InetSocketAddress vip() {
        return new InetSocketAddress(VIP, frontendPort);
    }

    /**
     * Waits for one active node and one standby that sees both, and the VIP serving; returns
     * {active, standby}. Usually the higher priority is active, but a start-up on a starved
     * machine may go the other way (a pause detected releases the VIP): the scenarios hold either way.
     */
    private NodeProcess[] awaitPair(NodeProcess a, NodeProcess b) {
        await("a pair of " + a.name + " and " + b.name)
                .atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(100))
                .until(() -> (a.lastRole().equals("active") ^ b.lastRole().equals("active"))
                        && (a.lastRole().equals("active") ? b : a).state().endsWith(" standby 2")
                        && Prober.get(vip()));
        return a.lastRole().equals("active") ? new NodeProcess[] {a, b} : new NodeProcess[] {b, a};
    }

    @Test
    void killNineOfTheActiveNodeMovesTheVipAndKeepsRuntimeChanges() throws Exception {
        NodeProcess[] pair = awaitPair(node("lb1", 0, 200, "s3cret"), node("lb2", 1, 100, "s3cret"));
        NodeProcess lb1 = pair[0];
        NodeProcess lb2 = pair[1];

        // A drain made on the standby applies on the active node too.
        lb2.command("drain");
        await("drain replicated")
                .atMost(Duration.ofSeconds(5))
                .pollInterval(Duration.ofMillis(50))
                .until(() -> lb1.state().startsWith("drain 7 "));

        long killedAt = System.currentTimeMillis();
        lb1.process.destroyForcibly(); // kill -9
        await("the standby takes over")
                .atMost(Duration.ofSeconds(10))
                .pollInterval(Duration.ofMillis(10))
                .until(() -> lb2.lastRole().equals("active"));
        System.out.printf(
                "kill -9 of the active node: the standby active after %d ms%n", System.currentTimeMillis() - killedAt);
        assertTrue(lb2.state().startsWith("drain 7 active"), "the drain survives the failover");

        // A node that joins later receives the current state.
        NodeProcess lb3 = node("lb3", 2, 50, "s3cret");
        await("lb3 learns the drain")
                .atMost(Duration.ofSeconds(10))
                .pollInterval(Duration.ofMillis(50))
                .until(() -> lb3.state().startsWith("drain 7 standby 2"));
        assertEquals("active", lb2.lastRole(), "the holder keeps the VIP when a node joins");
    }

    @Test
    void theVipServesAgainWithinASecondOfKillNine() throws Exception {
        NodeProcess[] pair = awaitPair(node("lb1", 0, 100, "s3cret"), node("lb2", 1, 100, "s3cret"));
        NodeProcess lb1 = pair[0];
        NodeProcess lb2 = pair[1];
        try (Prober prober = new Prober(vip(), 20_000)) {
            await("probes succeed")
                    .atMost(Duration.ofSeconds(5))
                    .until(() -> prober.probes().size() > 10);
            long killedAt = System.currentTimeMillis();
            lb1.process.destroyForcibly(); // kill -9
            await("the VIP serves from lb2")
                    .atMost(Duration.ofSeconds(10))
                    .pollInterval(Duration.ofMillis(20))
                    .until(() -> lb2.lastRole().equals("active")
                            && prober.probes().stream().anyMatch(p -> p.ok() && p.atMillis() > killedAt + 100));
            long until = System.currentTimeMillis() + 500;
            await().atMost(Duration.ofSeconds(2)).until(() -> System.currentTimeMillis() > until);
            Prober.Outage outage = Prober.outage(prober.probes(), killedAt - 200, until);
            System.out.println("[loopback, bind driver] kill -9 of the active node: " + outage);
            // The goal is 1 s (docs/cluster.md), asserted as such by NetnsClusterIT with the linux driver;
            // here, with three JVMs on the loopback of a 2-core CI machine, it is printed and
            // bounded a little more loosely so that a busy machine does not fail the build.
            assertTrue(outage.longestGapMillis() <= 1500, "crash gap within 1.5 s (goal 1 s): " + outage);
        }
    }

    @Test
    void sigtermOnTheActiveNodeHandsTheVipOver() throws Exception {
        NodeProcess[] pair = awaitPair(node("lb1", 0, 200, "s3cret"), node("lb2", 1, 100, "s3cret"));
        NodeProcess lb1 = pair[0];
        NodeProcess lb2 = pair[1];
        try (Prober prober = new Prober(vip(), 20_000)) {
            await("probes succeed")
                    .atMost(Duration.ofSeconds(5))
                    .until(() -> prober.probes().size() > 10);
            long stoppedAt = System.currentTimeMillis();
            lb1.signal("TERM");
            await("lb2 takes over")
                    .atMost(Duration.ofSeconds(10))
                    .pollInterval(Duration.ofMillis(20))
                    .until(() -> lb2.lastRole().equals("active"));
            await("lb1 exits").atMost(Duration.ofSeconds(10)).until(() -> !lb1.process.isAlive());
            long until = System.currentTimeMillis() + 300;
            await().atMost(Duration.ofSeconds(2)).until(() -> System.currentTimeMillis() > until);
            Prober.Outage outage = Prober.outage(prober.probes(), stoppedAt - 200, until);
            System.out.println("[loopback, bind driver] SIGTERM of the active node: " + outage);
            assertTrue(lb1.everSaid("STOPPED"));
            // One host, one port: the listener moves from one process to the other (release,
            // then bind), and the standby's proxy serves its first requests cold, so probes can
            // fail for a moment; the linux driver's handover is make-before-break, with no failed
            // request (NetnsClusterIT). A bound well above the ~0.1-0.3 s measured on a quiet
            // machine, for a loaded one.
            assertTrue(outage.longestGapMillis() <= 3000, "graceful handover: " + outage);
        }
    }

    @Test
    void aNodeWithAnotherSecretStaysOutAndChangesNothing() throws Exception {
        NodeProcess lb1 = node("lb1", 0, 100, "s3cret");
        await("lb1 active")
                .atMost(Duration.ofSeconds(20))
                .until(() -> lb1.lastRole().equals("active"));
        NodeProcess intruder = node("lb9", 1, 255, "guessed");
        intruder.command("drain");
        // For a few seconds (several discovery and merge rounds) nothing changes.
        long until = System.currentTimeMillis() + 4000;
        while (System.currentTimeMillis() < until) {
            assertEquals("ready 1 active 1", lb1.state(), "lb1 keeps the VIP, alone, its server undrained");
            assertEquals("standby", intruder.lastRole());
            assertTrue(Prober.get(vip()), "the VIP serves");
        }
        assertFalse(intruder.everSaid("ROLE active"));
        assertFalse(intruder.output().contains("claiming the VIPs"), "the intruder does not even try");
        assertTrue(lb1.output().contains("encrypted with another key"), lb1.output());
        assertTrue(intruder.state().endsWith(" standby 1"), "the intruder sees no member either");
    }

    @Test
    void aNodeWhoseTiebreakerStopsAnsweringGivesTheVipUp() throws Exception {
        // Not a try-with-resources: the test closes the socket half-way (closing it twice is harmless).
        ServerSocket gateway = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        try {
            NodeProcess lb1 = node("lb1", 0, 200, "s3cret", "tiebreaker=127.0.0.1:" + gateway.getLocalPort());
            NodeProcess lb2 = node("lb2", 1, 100, "s3cret");
            await("lb1 active behind its tiebreaker")
                    .atMost(Duration.ofSeconds(30))
                    .pollInterval(Duration.ofMillis(100))
                    .until(() -> lb1.lastRole().equals("active") && lb2.state().endsWith(" standby 2"));
            gateway.close(); // lb1's side of the network can no longer see the gateway
            long at = System.currentTimeMillis();
            // Measured about 1.5 s; the bound leaves room for a starved CI machine (nothing in the
            // spec times this one).
            await("lb1 gives the VIP up, lb2 takes it")
                    .atMost(Duration.ofSeconds(30))
                    .pollInterval(Duration.ofMillis(20))
                    .until(() ->
                            lb1.lastRole().equals("standby") && lb2.lastRole().equals("active") && Prober.get(vip()));
            System.out.printf(
                    "[loopback] tiebreaker lost: the peer serves after %d ms%n", System.currentTimeMillis() - at);
        } finally {
            gateway.close();
        }
    }
}
