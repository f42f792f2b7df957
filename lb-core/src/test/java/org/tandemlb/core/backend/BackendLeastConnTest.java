package org.tandemlb.core.backend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.ImmediateEventExecutor;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;
import org.tandemlb.core.config.BackendConfig;
import org.tandemlb.core.config.Balance;
import org.tandemlb.core.config.Mode;
import org.tandemlb.core.config.ServerConfig;

/**
 * {@code leastconn} through the backend, which keeps its servers in order instead of scanning
 * them: the order follows every change a server's place depends on (slots taken and released,
 * health, drain and maintenance, weight, {@code max_connections}, slow start, reloads).
 */
class BackendLeastConnTest {

    private final AtomicLong ticker = new AtomicLong(1_000_000_000L);
    /** Answers come at once on it (it is always "in" its loop), and it can hold the queue's timeouts. */
    private final EventExecutor loop = new EmbeddedChannel().eventLoop();

    private Backend backend(UnaryOperator<BackendConfig.Builder> tune, ServerConfig... servers) {
        return new Backend(config(tune, servers), ticker::get);
    }

    private static BackendConfig config(UnaryOperator<BackendConfig.Builder> tune, ServerConfig... servers) {
        BackendConfig.Builder b = BackendConfig.builder("be", Mode.HTTP).balance(Balance.LEASTCONN);
        for (ServerConfig s : servers) {
            b.server(s);
        }
        return tune.apply(b).build();
    }

    private static ServerConfig server(String name, int weight) {
        return ServerConfig.builder(name, "127.0.0.1:1").weight(weight).build();
    }

    /** The server granted for one request, kept busy (null when refused or queued). */
    private Server hold(Backend backend, Set<Server> exclude) {
        Server[] granted = new Server[1];
        backend.acquire(new byte[0], exclude, loop, new ServerGrant() {
            @Override
            public void granted(Server server) {
                granted[0] = server;
            }

            @Override
            public void refused(Refusal reason) {}
        });
        return granted[0];
    }

    private Server hold(Backend backend) {
        return hold(backend, Set.of());
    }

    /** Where {@code n} requests go when each ends before the next starts. */
    private Map<String, Integer> shortRequests(Backend backend, int n) {
        Map<String, Integer> counts = new HashMap<>();
        for (int i = 0; i < n; i++) {
            Server s = hold(backend);
            counts.merge(s == null ? "none" : s.name(), 1, Integer::sum);
            if (s != null) {
                s.release();
            }
        }
        return counts;
    }

    @Test
    void heldConnectionsAccumulateInProportionToWeight() {
        Backend b = backend(c -> c, server("a", 3), server("b", 1));
        for (int i = 0; i < 40; i++) {
            hold(b);
        }
        assertEquals(30, b.server("a").activeConnections());
        assertEquals(10, b.server("b").activeConnections());
    }

    @Test
    void tiedServersTakeShortRequestsInTurn() {
        Backend b = backend(c -> c, server("a", 1), server("b", 1), server("c", 1));
        assertEquals(Map.of("a", 10, "b", 10, "c", 10), shortRequests(b, 30));
    }

    @Test
    void aReleasedSlotMovesItsServerForward() {
        Backend b = backend(c -> c, server("a", 1), server("b", 1));
        List<Server> held = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            held.add(hold(b));
        }
        Server a = b.server("a");
        held.stream().filter(s -> s == a).limit(2).forEach(Server::release);
        assertSame(a, hold(b));
        assertSame(a, hold(b));
        assertEquals(3, b.server("b").activeConnections());
    }

    @Test
    void downDrainedMaintAndZeroWeightServersLeaveTheOrderAndComeBack() {
        Backend b = backend(c -> c, server("a", 1), server("b", 1), server("c", 1), server("d", 1));
        b.server("a").setUp(false);
        b.server("b").setAdminState(AdminState.DRAIN);
        b.server("c").setAdminState(AdminState.MAINT);
        assertEquals(Map.of("d", 20), shortRequests(b, 20));
        b.server("d").setWeight(0);
        assertEquals(Map.of("none", 3), shortRequests(b, 3));
        b.server("a").setUp(true);
        b.server("b").setAdminState(AdminState.READY);
        b.server("c").setAdminState(AdminState.READY);
        b.server("d").setWeight(1);
        assertEquals(Map.of("a", 5, "b", 5, "c", 5, "d", 5), shortRequests(b, 20));
    }

    @Test
    void backupsTakeTrafficOnlyWhileNoPrimaryIsUsable() {
        Backend b = backend(
                c -> c,
                server("p", 1),
                ServerConfig.builder("b1", "127.0.0.1:2").backup(true).build(),
                ServerConfig.builder("b2", "127.0.0.1:3").backup(true).build());
        assertEquals(Map.of("p", 10), shortRequests(b, 10));
        b.server("p").setUp(false);
        assertEquals(Map.of("b1", 5, "b2", 5), shortRequests(b, 10));
        b.server("p").setUp(true);
        assertEquals(Map.of("p", 10), shortRequests(b, 10));
    }

    @Test
    void aFullServerIsSkippedAndAFullPrimaryDoesNotOpenTheBackups() {
        Backend b = backend(
                c -> c,
                ServerConfig.builder("p", "127.0.0.1:1").maxConnections(2).build(),
                ServerConfig.builder("q", "127.0.0.1:2").maxConnections(1).build(),
                ServerConfig.builder("backup", "127.0.0.1:3").backup(true).build());
        Server p = b.server("p");
        Server q = b.server("q");
        assertSame(p, hold(b));
        assertSame(q, hold(b));
        assertSame(p, hold(b), "q is full though less loaded than p would be");
        // Both primaries full: the request waits in the queue rather than going to the backup.
        assertNull(hold(b));
        assertEquals(1, b.queueLength());
        assertEquals(0, b.server("backup").activeConnections());
        q.release();
        assertEquals(0, b.queueLength());
        assertEquals(1, q.activeConnections(), "the released slot went to the waiting request");
        p.release();
        assertSame(p, hold(b), "back in the order once below its limit");
    }

    @Test
    void aRetryExcludesTheServersThatFailed() {
        Backend b = backend(c -> c, server("a", 1), server("b", 1), server("c", 1));
        Server a = b.server("a");
        Server bb = b.server("b");
        assertSame(bb, hold(b, Set.of(a)));
        assertSame(b.server("c"), hold(b, Set.of(a)));
        assertSame(a, hold(b, Set.of(bb)));
        assertNull(hold(b, Set.of(a, bb, b.server("c"))));
        assertEquals(0, b.queueLength());
    }

    @Test
    void aWeightChangedAtRunTimeMovesTheServer() {
        Backend b = backend(c -> c, server("a", 1), server("b", 1));
        for (int i = 0; i < 4; i++) {
            hold(b);
        }
        b.server("a").setWeight(4);
        // a: 2/4 against b: 2/1 → a until it has 8.
        for (int i = 0; i < 6; i++) {
            assertSame(b.server("a"), hold(b));
        }
        assertEquals(8, b.server("a").activeConnections());
    }

    /**
     * A slow start's weight steps with time, with no event: the order must follow it at the next
     * pick, or a ramping server would keep the weight it had when last re-keyed.
     */
    @Test
    void aSlowStartingServerIsReKeyedAsItsWeightSteps() {
        Backend b = backend(c -> c.slowStart(Duration.ofSeconds(100)), server("a", 100), server("r", 100));
        Server a = b.server("a");
        Server r = b.server("r");
        r.setUp(false);
        for (int i = 0; i < 10; i++) {
            assertSame(a, hold(b));
        }
        r.setUp(true); // ramp starts: weight 1 now
        assertEquals(1, r.weight());
        assertSame(r, hold(b), "r: 0/1 before a: 10/100");
        // r: 1/1 against a: 10/100 → a until a has 100 (tie 100/100 = 1/1).
        for (int i = 0; i < 90; i++) {
            assertSame(a, hold(b), "pick " + i);
        }
        ticker.addAndGet(Duration.ofSeconds(50).toNanos()); // r's weight is 50 now: 1/50 against 100/100
        assertEquals(50, r.weight());
        for (int i = 0; i < 49; i++) {
            assertSame(r, hold(b), "pick " + i + " after the step");
        }
        assertEquals(50, r.activeConnections());
        ticker.addAndGet(Duration.ofSeconds(60).toNanos()); // ramp over: 50/100 against 100/100
        assertSame(r, hold(b));
        assertEquals(100, r.weight());
    }

    /**
     * The order reads the ticker only for a server it sees ramping; a ramp that starts between
     * that look and the weight's must count as just started, not as over (a ticker time taken as
     * 0 could lie past its end and cut it short).
     */
    @Test
    void aRampStartedUnreadCountsAsJustStarted() {
        ticker.set(-5_000_000_000L); // System.nanoTime may be negative too
        Backend b = backend(c -> c.slowStart(Duration.ofSeconds(10)), server("r", 100));
        Server r = b.server("r");
        r.setUp(false);
        r.setUp(true);
        assertEquals(1, r.weightAt(Server.NOT_READ));
        assertEquals(ticker.get() + Duration.ofMillis(100).toNanos() + 1, r.nextWeightStep(Server.NOT_READ));
        ticker.addAndGet(Duration.ofSeconds(5).toNanos());
        assertEquals(50, r.weight(), "the ramp goes on");
    }

    @Test
    void aReloadRebuildsTheOrderAndKeepsTheCounts() {
        Backend b = backend(c -> c, server("a", 1), server("b", 1));
        for (int i = 0; i < 4; i++) {
            hold(b);
        }
        Server a = b.server("a");
        b.update(config(c -> c, server("a", 1), server("b", 1), server("c", 1)));
        assertSame(a, b.server("a"), "unchanged servers are kept");
        Server c = b.server("c");
        assertSame(c, hold(b), "the new server, empty, comes first");
        assertSame(c, hold(b));
        a.release(); // a's slot from before the reload is still counted
        assertSame(a, hold(b));
        b.update(config(x -> x.balance(Balance.ROUNDROBIN), server("a", 1), server("b", 1), server("c", 1)));
        assertNotNull(hold(b));
        Server bb = b.server("b");
        bb.release(); // without leastconn a release has no order to update
        b.update(config(x -> x, server("a", 1), server("b", 1), server("c", 1)));
        // Back to leastconn: the order is built from the counts as they are, and follows them.
        while (bb.activeConnections() > 0) {
            bb.release();
        }
        assertSame(bb, hold(b));
    }

    /**
     * Slots are released on other event loops without the caller holding the backend's lock; the
     * backend takes it to move the server. Two threads taking and releasing at once leave the
     * order whole: every count back at 0 and every server still in turn.
     */
    @Test
    void concurrentTakesAndReleasesLeaveTheOrderWhole() throws InterruptedException {
        ServerConfig[] configs = new ServerConfig[100];
        for (int i = 0; i < configs.length; i++) {
            configs[i] = server("s" + i, 1 + i % 3);
        }
        Backend b = backend(c -> c, configs);
        Runnable work = () -> {
            for (int i = 0; i < 50_000; i++) {
                b.acquire(new byte[0], Set.of(), ImmediateEventExecutor.INSTANCE, new ServerGrant() {
                    @Override
                    public void granted(Server server) {
                        server.release();
                    }

                    @Override
                    public void refused(Refusal reason) {
                        throw new AssertionError(reason);
                    }
                });
            }
        };
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread one = new Thread(work);
        Thread two = new Thread(work);
        for (Thread t : List.of(one, two)) {
            t.setUncaughtExceptionHandler((thread, e) -> failure.compareAndSet(null, e));
            t.setDaemon(true); // a broken order can leave a thread looping: it must not hold the JVM
        }
        one.start();
        two.start();
        one.join(Duration.ofSeconds(60).toMillis());
        two.join(Duration.ofSeconds(60).toMillis());
        assertFalse(one.isAlive() || two.isAlive());
        assertNull(failure.get());
        assertEquals(0, b.servers().stream().mapToInt(Server::activeConnections).sum());
        Map<String, Integer> counts = shortRequests(b, 100);
        assertEquals(100, counts.size(), "every server once: " + counts);
    }

    /**
     * A thousand servers with random weights and limits under random takes, releases and changes:
     * every server the backend grants is one a full scan would have found least loaded.
     */
    @Test
    void aThousandServersAlwaysGiveALeastLoadedOne() {
        Random random = new Random(18);
        List<ServerConfig> configs = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            configs.add(ServerConfig.builder("s" + i, "127.0." + i / 250 + "." + (i % 250 + 1) + ":80")
                    .weight(1 + random.nextInt(256))
                    .maxConnections(random.nextInt(4) == 0 ? 1 + random.nextInt(5) : 0)
                    .backup(i >= 990)
                    .build());
        }
        Backend b = backend(c -> c.slowStart(Duration.ofSeconds(10)), configs.toArray(ServerConfig[]::new));
        List<Server> held = new ArrayList<>();
        for (int step = 0; step < 5000; step++) {
            int what = random.nextInt(20);
            Server any = b.servers().get(random.nextInt(1000));
            if (what == 0) {
                any.setUp(!any.isUp());
            } else if (what == 1) {
                any.setAdminState(AdminState.values()[random.nextInt(AdminState.values().length)]);
            } else if (what == 2) {
                any.setWeight(random.nextInt(257));
            } else if (what == 3) {
                ticker.addAndGet(random.nextInt(1_000_000_000));
            } else if (what < 10 && !held.isEmpty()) {
                held.remove(random.nextInt(held.size())).release();
            } else {
                Server best = leastLoadedByScan(b);
                if (best == null) {
                    continue; // the request would wait in the queue, and every later one behind it
                }
                int bestActive = best.activeConnections();
                Server granted = hold(b);
                assertNotNull(granted, "step " + step);
                held.add(granted);
                int grantedActive = granted.activeConnections() - 1; // before it took its slot
                assertEquals(
                        (long) bestActive * granted.weight(),
                        (long) grantedActive * best.weight(),
                        "step " + step + ": " + granted + " granted, " + best + " less loaded");
            }
        }
    }

    /** The least loaded server that may take a request, by a full scan (null when none may). */
    private static Server leastLoadedByScan(Backend b) {
        boolean primaryUsable = b.servers().stream().anyMatch(s -> s.usable() && !s.backup());
        Server best = null;
        for (Server s : b.servers()) {
            if (!s.usable() || s.backup() == primaryUsable || s.full()) {
                continue;
            }
            if (best == null
                    || (long) s.activeConnections() * best.weight() < (long) best.activeConnections() * s.weight()) {
                best = s;
            }
        }
        return best;
    }
}
