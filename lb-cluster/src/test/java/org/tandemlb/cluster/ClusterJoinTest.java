package org.tandemlb.cluster;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.tandemlb.cluster.ClusterStatus.Role;
import org.tandemlb.core.LoadBalancer;
import org.tandemlb.core.config.BackendConfig;
import org.tandemlb.core.config.HostPort;
import org.tandemlb.core.config.LoadBalancerConfig;
import org.tandemlb.core.config.Mode;
import org.tandemlb.core.config.ServerConfig;

/**
 * Issue 19, in one JVM on loopback: {@link ClusterNode#start} returns once the ports are bound,
 * the node is {@code joining} until its first view, the join ends by itself (bounded) when the
 * only peer never answers, a stop during the join returns at once, and a cluster port in use
 * still fails the start.
 */
class ClusterJoinTest {
    private final List<Socket> accepted = new CopyOnWriteArrayList<>();
    private ServerSocket silentPeer;
    private LoadBalancer lb;
    private LoadBalancerConfig lbConfig;
    private int port;

    @BeforeEach
    void setUp() throws IOException {
        // A peer that accepts connections and never says anything.
        silentPeer = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread acceptor = new Thread(
                () -> {
                    try {
                        while (true) {
                            accepted.add(silentPeer.accept());
                        }
                    } catch (IOException e) {
                        // closed
                    }
                },
                "silent-peer");
        acceptor.setDaemon(true);
        acceptor.start();
        lbConfig = LoadBalancerConfig.builder()
                .backend(BackendConfig.builder("web", Mode.HTTP)
                        .server(ServerConfig.builder("web1", "127.0.0.1:9").build())
                        .build())
                .build();
        lb = LoadBalancer.builder(lbConfig).threads(1).build();
        lb.start();
        // The cluster port (failure detection on + 100): below the ephemeral range (32768-).
        port = 20000 + ThreadLocalRandom.current().nextInt(4000);
    }

    @AfterEach
    void tearDown() throws IOException {
        silentPeer.close();
        for (Socket s : accepted) {
            s.close();
        }
        lb.stop(Duration.ZERO);
    }

    private ClusterNode node(int bindPort) {
        ClusterConfig c = ClusterConfig.builder("lb1", HostPort.parse("127.0.0.1:" + bindPort), "s3cret")
                .name("join-test")
                .peer(HostPort.parse("127.0.0.1:" + bindPort))
                .peer(HostPort.parse("127.0.0.1:" + silentPeer.getLocalPort()))
                .build();
        return ClusterNode.builder(c, lb, lbConfig).build();
    }

    @Test
    void startReturnsWhileJoiningAndTheJoinEndsByItself() throws Exception {
        ClusterNode node = node(port);
        try {
            node.start();
            assertEquals(Role.JOINING, node.status().role(), "joining until the first view");
            assertFalse(node.active());
            // The silent peer answers no discovery: a cluster of its own after the first round.
            node.joined().get(ClusterStack.maxJoinTime().toMillis(), TimeUnit.MILLISECONDS);
            await("a role after the join")
                    .atMost(Duration.ofSeconds(5))
                    .until(() -> node.status().role() != Role.JOINING);
            assertEquals(1, node.status().members().size());
        } finally {
            node.stop();
        }
    }

    @Test
    void aStopDuringTheJoinReturnsAtOnce() throws Exception {
        ClusterNode node = node(port);
        node.start();
        long from = System.nanoTime();
        node.stop();
        long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - from);
        assertTrue(ms < 1000, "stop took " + ms + " ms");
        // The join thread closes the channel when the join ends: the port is free again.
        node.joined().get(ClusterStack.maxJoinTime().toMillis(), TimeUnit.MILLISECONDS);
        await("the cluster port is free").atMost(Duration.ofSeconds(5)).until(() -> {
            try (ServerSocket s = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
                return s.isBound();
            } catch (IOException e) {
                return false;
            }
        });
    }

    @Test
    void aClusterPortInUseFailsTheStart() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            ClusterNode node = node(taken.getLocalPort());
            ClusterException e = assertThrows(ClusterException.class, node::start);
            assertTrue(
                    e.getMessage().startsWith("cannot join cluster join-test on 127.0.0.1:" + taken.getLocalPort()),
                    e.getMessage());
            node.stop();
        }
    }
}
