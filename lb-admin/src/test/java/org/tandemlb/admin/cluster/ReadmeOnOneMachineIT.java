package org.tandemlb.admin.cluster;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
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
import org.junit.jupiter.api.io.TempDir;
import org.tandemlb.core.testsupport.ChildProcess;
import org.tandemlb.core.testsupport.TestBackend;

/**
 * Issue 19's acceptance: the README's "On one machine, to try it", run as written, works every
 * time: its {@code lb1.yaml} (and {@code lb2.yaml}, the same but for what the README names),
 * two {@code tandem run} started together, a few times over. Each time: one active node and one
 * standby, each seeing both, the VIP served; then SIGTERM, and both exit 0. The ports are moved
 * to a free range (the README's 9001/9002, 7801/7802, 8080 and 8081 may be taken on a build
 * machine); everything else is the README's text.
 */
class ReadmeOnOneMachineIT {
    private static final int TRIES = 3;
    private final List<TandemProcess> processes = new ArrayList<>();
    private TestBackend backend;

    @TempDir
    Path dir;

    @BeforeEach
    void setUp() {
        backend = TestBackend.start("app");
    }

    @AfterEach
    void tearDown() {
        processes.forEach(TandemProcess::close);
        backend.close();
    }

    @Test
    void theWalkThroughWorksEveryTime() throws Exception {
        String lb1 = ReadmeClusterConfigTest.yamlBlocks().get(0);
        // lb2.yaml: "the same but for node: lb2, listen: 127.0.0.1:9002, bind: 127.0.0.1:7802 and priority: 100".
        String lb2 = lb1.replace("node: lb1", "node: lb2")
                .replace("listen: 127.0.0.1:9001", "listen: 127.0.0.1:9002")
                .replace("bind: 127.0.0.1:7801", "bind: 127.0.0.1:7802")
                .replace("priority: 150", "priority: 100");
        assertTrue(!lb2.equals(lb1) && lb2.contains("127.0.0.1:7801, 127.0.0.1:7802"), lb2);
        for (int attempt = 0; attempt < TRIES; attempt++) {
            // Below the ephemeral range (32768-): admin base, base + 1; cluster base + 2, base + 3
            // (failure detection + 100); the frontend base + 4.
            int base = 13000 + ThreadLocalRandom.current().nextInt(100) * 150;
            // "export TANDEM_CLUSTER_SECRET=$(head -c 24 /dev/urandom | base64)": the same in both terminals.
            Map<String, String> env = Map.of(
                    "TANDEM_CLUSTER_SECRET",
                    "readme-" + ThreadLocalRandom.current().nextLong());
            List<TandemProcess> pair = List.of(
                    start("lb1", movePorts(lb1, base), base, env), start("lb2", movePorts(lb2, base), base + 1, env));
            long startedAt = System.nanoTime();
            await("try " + attempt + ": one active, one standby, both members, the VIP served")
                    // Two JVMs starting on a 2-core machine shared with other builds: the JVM and
                    // JGroups' start alone took 10 s in one run; the pair itself forms in seconds.
                    .atMost(Duration.ofSeconds(60))
                    .pollInterval(Duration.ofMillis(100))
                    .until(() -> pairFormed(pair.get(0), pair.get(1)) && VipProbe.served("127.0.0.100", base + 4));
            System.out.printf(
                    "[README, one machine] try %d: a pair serving the VIP %d ms after the start%n",
                    attempt, Duration.ofNanos(System.nanoTime() - startedAt).toMillis());
            for (TandemProcess p : pair) {
                p.signal(ChildProcess.Signal.TERM);
            }
            for (TandemProcess p : pair) {
                assertEquals(Integer.valueOf(0), p.exitCode(Duration.ofSeconds(20)), p.name + " exits 0 on SIGTERM");
            }
        }
    }

    private TandemProcess start(String name, String yaml, int adminPort, Map<String, String> env) throws Exception {
        Path file = Files.writeString(dir.resolve(name + ".yaml"), yaml, StandardCharsets.UTF_8);
        TandemProcess p = TandemProcess.start(name, file, adminPort, env);
        processes.add(p);
        return p;
    }

    private String movePorts(String yaml, int base) {
        String moved = yaml.replace("127.0.0.1:9001", "127.0.0.1:" + base)
                .replace("127.0.0.1:9002", "127.0.0.1:" + (base + 1))
                .replace("127.0.0.1:7801", "127.0.0.1:" + (base + 2))
                .replace("127.0.0.1:7802", "127.0.0.1:" + (base + 3))
                .replace("127.0.0.100:8080", "127.0.0.100:" + (base + 4))
                .replace("127.0.0.1:8081", backend.hostPort());
        assertTrue(!moved.contains(":9001") && !moved.contains(":780") && !moved.contains(":808"), moved);
        return moved;
    }

    private static boolean pairFormed(TandemProcess a, TandemProcess b) {
        String ra = a.role();
        String rb = b.role();
        boolean oneActive = ra.equals("active") && rb.equals("standby") || ra.equals("standby") && rb.equals("active");
        return oneActive
                && a.get("/metrics").contains("tandem_cluster_members 2.0")
                && b.get("/metrics").contains("tandem_cluster_members 2.0");
    }
}
