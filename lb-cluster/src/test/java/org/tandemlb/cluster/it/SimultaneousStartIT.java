package org.tandemlb.cluster.it;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.Test;
import org.tandemlb.cluster.ClusterConfig;
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

/**
 * Issue 19: two nodes started at the same instant (and a few hundred milliseconds apart) always
 * end in one view of two members with exactly one active node, within 10 s. In-process
 * {@link ClusterNode}s on loopback, with the {@code bind} driver on 127.0.0.100, two pairs at a
 * time so that the 60 starts take one to two minutes on 2 cores; prints how long the two-member
 * view took.
 */
class SimultaneousStartIT {
    private static final String VIP = "127.0.0.100";
    private static final Duration BOUND = Duration.ofSeconds(10);
    private static final int SAME_INSTANT = 50;
    private static final int APART = 10;
    private static final int AT_ONCE = 2;

    @Test
    void twoNodesStartedTogetherAlwaysFormOnePair() throws Exception {
        // Cluster ports base, base + 1 (FD_SOCK2 on + 100), the frontend on base + 2: new ports
        // for every run, so that a run's lingering sockets never meet the next one (blocks of 30
        // runs, 200 ports each: the FD_SOCK2 ports stay clear of the cluster ports); a random range
        // below the ephemeral ports (32768-), where no outgoing connection can hold them.
        int first = 26000 + ThreadLocalRandom.current().nextInt(10) * 600;
        List<Long> together = new ArrayList<>();
        List<Long> apart = new ArrayList<>();
        ExecutorService pool = Executors.newCachedThreadPool();
        try {
            // A first pair, not counted, loads JGroups' classes and warms up its code: the first
            // start in a JVM on a busy 2-core machine takes seconds longer than any later one.
            pair(pool, first + 290, 0, -1);
            // A few pairs at a time, each pair on ports of its own, so that the 60 starts take
            // one to two minutes: every pair still starts its two nodes at the same instant.
            for (int from = 0; from < SAME_INSTANT + APART; from += AT_ONCE) {
                List<Future<Long>> batch = new ArrayList<>();
                for (int run = from; run < Math.min(from + AT_ONCE, SAME_INSTANT + APART); run++) {
                    int base = first + (run % 30) * 3 + (run / 30) * 200;
                    long offset =
                            run < SAME_INSTANT ? 0 : ThreadLocalRandom.current().nextLong(501);
                    int r = run;
                    batch.add(pool.submit(() -> pair(pool, base, offset, r)));
                }
                for (int i = 0; i < batch.size(); i++) {
                    (from + i < SAME_INSTANT ? together : apart)
                            .add(batch.get(i).get(60, TimeUnit.SECONDS));
                }
            }
        } finally {
            pool.shutdownNow();
        }
        System.out.println("[issue 19] two-member view after a start at the same instant (ms): " + summary(together));
        System.out.println("[issue 19] two-member view after starts 0-500 ms apart (ms): " + summary(apart));
    }

    private static long pair(ExecutorService pool, int base, long offsetMs, int run) throws Exception {
        LoadBalancerConfig full = LoadBalancerConfig.builder()
                .backend(BackendConfig.builder("web", Mode.HTTP)
                        .server(ServerConfig.builder("web1", "127.0.0.1:9").build())
                        .build())
                .frontend(FrontendConfig.builder("www", Mode.HTTP)
                        .bind(VIP + ":" + (base + 2))
                        .defaultBackend("web")
                        .build())
                .build();
        List<ClusterNode> nodes = new ArrayList<>();
        List<LoadBalancer> lbs = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            ClusterConfig c = ClusterConfig.builder("lb" + (i + 1), HostPort.parse("127.0.0.1:" + (base + i)), "s3cret")
                    .name("simultaneous")
                    .peer(HostPort.parse("127.0.0.1:" + base))
                    .peer(HostPort.parse("127.0.0.1:" + (base + 1)))
                    .priority(150 - 50 * i)
                    .vip(VipConfig.bind(VIP))
                    .build();
            LoadBalancer lb = LoadBalancer.builder(ClusterNode.standbyConfig(full, c))
                    .threads(1)
                    .build();
            lb.start();
            lbs.add(lb);
            nodes.add(ClusterNode.builder(c, lb, full).build());
        }
        CyclicBarrier go = new CyclicBarrier(2);
        AtomicLong startedAt = new AtomicLong();
        try {
            List<CompletableFuture<Void>> starts = new ArrayList<>();
            for (int i = 0; i < 2; i++) {
                ClusterNode n = nodes.get(i);
                long delay = i == 1 ? offsetMs : 0;
                starts.add(CompletableFuture.runAsync(
                        () -> {
                            try {
                                if (go.await(10, TimeUnit.SECONDS) == 0) {
                                    startedAt.set(System.nanoTime());
                                }
                            } catch (Exception e) {
                                throw new IllegalStateException(e);
                            }
                            if (delay > 0) {
                                Awaitility.await()
                                        .pollDelay(Duration.ofMillis(delay))
                                        .until(() -> true);
                            }
                            n.start();
                        },
                        pool));
            }
            try {
                Awaitility.await("run " + run + " (offset " + offsetMs + " ms): one view of two, one active")
                        .atMost(BOUND)
                        .pollInterval(Duration.ofMillis(20))
                        .until(() -> paired(nodes));
            } catch (ConditionTimeoutException e) {
                fail("run " + run + " (second node " + offsetMs + " ms later): no pair within " + BOUND.toSeconds()
                        + " s: " + nodes.get(0).status() + " / " + nodes.get(1).status()
                        + "; starts: "
                        + starts.stream()
                                .map(s -> !s.isDone()
                                        ? "running"
                                        : s.isCompletedExceptionally()
                                                ? "failed: "
                                                        + s.handle((v, x) -> x).join()
                                                : "returned")
                                .toList());
            }
            long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startedAt.get());
            for (CompletableFuture<Void> s : starts) {
                s.get(BOUND.toMillis(), TimeUnit.MILLISECONDS);
            }
            return ms;
        } finally {
            // The standby first: the active node then has nobody to hand over to, and releases at once.
            nodes.stream()
                    .sorted((x, y) -> Boolean.compare(x.active(), y.active()))
                    .forEach(ClusterNode::stop);
            lbs.forEach(lb -> lb.stop(Duration.ZERO));
        }
    }

    /** Both see both, and exactly one holds the VIP. */
    private static boolean paired(List<ClusterNode> nodes) {
        int active = 0;
        for (ClusterNode n : nodes) {
            ClusterStatus s = n.status();
            if (s.members().size() != 2) {
                return false;
            }
            active += n.active() ? 1 : 0;
        }
        return active == 1;
    }

    private static String summary(List<Long> times) {
        List<Long> sorted = new ArrayList<>(times);
        Collections.sort(sorted);
        int n = sorted.size();
        assertTrue(n > 0);
        return String.format(
                "n=%d min=%d p50=%d p90=%d max=%d",
                n, sorted.get(0), sorted.get(n / 2), sorted.get(Math.min(n - 1, n * 9 / 10)), sorted.get(n - 1));
    }
}
