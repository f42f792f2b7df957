package org.tandemlb.admin.cluster;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tandemlb.core.testsupport.ChildProcess;

/**
 * Issue 19: a {@code tandem run} whose peer never answers its join (a port that accepts
 * connections and says nothing) answers its admin API while it joins ({@code role: joining}), and
 * SIGTERM then ends it within {@code timeouts.drain} + 2 s, with exit code 0.
 */
class SigtermWhileJoiningIT {
    private static final Duration DRAIN = Duration.ofSeconds(1);

    @TempDir
    Path dir;

    @Test
    void sigtermDuringTheJoinExitsWithinTheDrainTimeout() throws Exception {
        List<Socket> accepted = new CopyOnWriteArrayList<>();
        try (ServerSocket silentPeer = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            Thread acceptor = new Thread(
                    () -> {
                        try {
                            while (true) {
                                accepted.add(silentPeer.accept()); // kept open, never read nor answered
                            }
                        } catch (Exception e) {
                            // closed by the test
                        }
                    },
                    "silent-peer");
            acceptor.setDaemon(true);
            acceptor.start();
            int base = 13000 + ThreadLocalRandom.current().nextInt(100) * 150;
            String yaml =
                    """
                    node: lb1
                    admin:
                      listen: 127.0.0.1:%d
                    defaults: { timeouts: { drain: %ds } }
                    frontends:
                      - { name: www, mode: http, bind: ["127.0.0.100:%d"], default_backend: web }
                    backends:
                      - { name: web, mode: http, servers: [{ name: web1, address: "127.0.0.1:9" }] }
                    cluster:
                      name: silent-peer
                      bind: 127.0.0.1:%d
                      peers: [127.0.0.1:%d, 127.0.0.1:%d]
                      secret: s3cret
                      vips:
                        - { address: 127.0.0.100/32, driver: bind }
                    """.formatted(base, DRAIN.toSeconds(), base + 2, base + 1, base + 1, silentPeer.getLocalPort());
            Path file = Files.writeString(dir.resolve("lb1.yaml"), yaml, StandardCharsets.UTF_8);
            try (TandemProcess node = TandemProcess.start("lb1", file, base, Map.of())) {
                // The admin API answers once the cluster port is bound, while the join goes on.
                String[] role = new String[1];
                await("the admin API answers")
                        .atMost(Duration.ofSeconds(30))
                        .pollInterval(Duration.ofMillis(20))
                        .until(() -> !(role[0] = node.role()).isEmpty() || !node.isAlive());
                assertEquals("joining", role[0], node.output());
                assertTrue(node.get("/healthz").startsWith("ok"), "/healthz answers while joining");
                long sentAt = System.nanoTime();
                node.signal(ChildProcess.Signal.TERM);
                Integer code = node.exitCode(DRAIN.plusSeconds(2));
                long ms = Duration.ofNanos(System.nanoTime() - sentAt).toMillis();
                System.out.printf("[issue 19] SIGTERM while joining: exited %s after %d ms%n", code, ms);
                assertEquals(Integer.valueOf(0), code, "exits 0 within timeouts.drain + 2 s:\n" + node.output());
                assertTrue(node.output().contains("stops while joining"), node.output());
            }
        } finally {
            for (Socket s : accepted) {
                s.close();
            }
        }
    }
}
