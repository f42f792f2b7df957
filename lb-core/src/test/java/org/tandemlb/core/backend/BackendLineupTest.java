package org.tandemlb.core.backend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.util.concurrent.EventExecutor;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.tandemlb.core.config.BackendConfig;
import org.tandemlb.core.config.Balance;
import org.tandemlb.core.config.HashPolicy;
import org.tandemlb.core.config.Mode;
import org.tandemlb.core.config.ServerConfig;

/**
 * The algorithms other than {@code leastconn} through the backend, which keeps its usable servers
 * as a lineup from one change to the next instead of listing them for every pick: the lineup
 * follows health, drain and maintenance, weight, backups, slow start and reloads, and a pick skips
 * full servers and those a retry tried.
 */
class BackendLineupTest {

    private static final byte[] CLIENT = {(byte) 198, 51, 100, 7};
    private final AtomicLong ticker = new AtomicLong(1_000_000_000L);
    /** Answers come at once on it (it is always "in" its loop), and it can hold the queue's timeouts. */
    private final EventExecutor loop = new EmbeddedChannel().eventLoop();

    private Backend backend(Balance balance, UnaryOperator<BackendConfig.Builder> tune, List<ServerConfig> servers) {
        return new Backend(config(balance, tune, servers), ticker::get);
    }

    private static BackendConfig config(
            Balance balance, UnaryOperator<BackendConfig.Builder> tune, List<ServerConfig> servers) {
        BackendConfig.Builder b = BackendConfig.builder("be", Mode.HTTP).balance(balance);
        if (balance == Balance.HASH) {
            b.hash(new HashPolicy(HashPolicy.Source.HEADER, "X-User", 0));
        }
        servers.forEach(b::server);
        return tune.apply(b).build();
    }

    private static ServerConfig server(String name, int weight) {
        return ServerConfig.builder(name, "127.0.0.1:1").weight(weight).build();
    }

    private static List<ServerConfig> servers(int n, int weight) {
        List<ServerConfig> list = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            list.add(server("s" + i, weight));
        }
        return list;
    }

    /** The server granted for one request, kept busy (null when refused or queued). */
    private Server hold(Backend backend, byte[] key, Set<Server> exclude) {
        Server[] granted = new Server[1];
        backend.acquire(key, exclude, loop, new ServerGrant() {
            @Override
            public void granted(Server server) {
                granted[0] = server;
            }

            @Override
            public void refused(Refusal reason) {}
        });
        return granted[0];
    }

    /** Where {@code n} requests go when each ends before the next starts. */
    private Map<String, Integer> shortRequests(Backend backend, int n) {
        Map<String, Integer> counts = new HashMap<>();
        for (int i = 0; i < n; i++) {
            Server s = hold(backend, CLIENT, Set.of());
            assertNotNull(s, "request " + i + " got no server");
            counts.merge(s.name(), 1, Integer::sum);
            s.release();
        }
        return counts;
    }

    @Test
    void roundRobinOverAThousandServersGivesEachItsTurnExactly() {
        Backend b = backend(Balance.ROUNDROBIN, c -> c, servers(1000, 100));
        Map<String, Integer> counts = shortRequests(b, 3000);
        assertEquals(1000, counts.size());
        assertTrue(
                counts.values().stream().allMatch(n -> n == 3),
                "uneven: " + counts.values().stream().distinct().toList());
        // One goes down: from the change on, the 999 left share exactly.
        b.server("s500").setUp(false);
        counts = shortRequests(b, 999 * 2);
        assertEquals(999, counts.size());
        assertNull(counts.get("s500"));
        assertTrue(counts.values().stream().allMatch(n -> n == 2));
    }

    @Test
    void roundRobinKeepsTheSmoothWeightedOrder() {
        Backend b = backend(Balance.ROUNDROBIN, c -> c, List.of(server("a", 5), server("b", 1), server("c", 1)));
        List<String> picks = new ArrayList<>();
        for (int i = 0; i < 14; i++) {
            Server s = hold(b, CLIENT, Set.of());
            picks.add(s.name());
            s.release();
        }
        assertEquals(List.of("a", "a", "b", "a", "c", "a", "a", "a", "a", "b", "a", "c", "a", "a"), picks);
    }

    @Test
    void aWeightChangeAndDrainAndMaintenanceAreFollowed() {
        Backend b = backend(Balance.ROUNDROBIN, c -> c, List.of(server("a", 1), server("b", 1), server("c", 1)));
        assertEquals(Map.of("a", 2, "b", 2, "c", 2), shortRequests(b, 6));
        b.server("a").setWeight(2);
        assertEquals(Map.of("a", 4, "b", 2, "c", 2), shortRequests(b, 8));
        b.server("b").setAdminState(AdminState.DRAIN);
        b.server("c").setAdminState(AdminState.MAINT);
        assertEquals(Map.of("a", 8), shortRequests(b, 8));
        b.server("b").setAdminState(AdminState.READY);
        b.server("a").setWeight(0);
        assertEquals(Map.of("b", 5), shortRequests(b, 5));
    }

    @ParameterizedTest
    @EnumSource(
            value = Balance.class,
            names = {"ROUNDROBIN", "RANDOM", "SOURCE", "HASH"})
    void fullAndExcludedServersAreSkippedAndBackupsWaitForThePrimaries(Balance balance) {
        List<ServerConfig> list = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            list.add(ServerConfig.builder("p" + i, "127.0.0.1:1")
                    .maxConnections(1)
                    .build());
        }
        list.add(ServerConfig.builder("backup", "127.0.0.1:1").backup(true).build());
        Backend b = backend(balance, c -> c, list);
        // Twenty requests held fill the twenty primaries, one each, whatever the key.
        List<Server> held = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            Server s = hold(b, new byte[] {(byte) i}, Set.of());
            assertNotNull(s, "request " + i);
            assertTrue(s.name().startsWith("p"), s.name());
            held.add(s);
        }
        assertEquals(20, held.stream().distinct().count());
        // All full: the next waits (a full primary does not open the backups).
        assertNull(hold(b, CLIENT, Set.of()));
        assertEquals(1, b.queueLength());
        // One frees its slot: the waiting request takes it.
        held.get(7).release();
        assertEquals(0, b.queueLength());
        held.forEach(Server::release); // the other nineteen, and p7 for the waiter
        // A retry that tried every primary but one gets that one.
        Set<Server> tried = new HashSet<>(b.servers().subList(0, 20));
        Server left = b.server("p13");
        tried.remove(left);
        for (int i = 0; i < 5; i++) {
            Server s = hold(b, new byte[] {(byte) (40 + i)}, tried);
            assertEquals(left, s);
            s.release();
        }
        // Every primary down: the backup serves.
        b.servers().subList(0, 20).forEach(s -> s.setUp(false));
        Server s = hold(b, CLIENT, Set.of());
        assertEquals("backup", s.name());
        s.release();
    }

    @ParameterizedTest
    @EnumSource(
            value = Balance.class,
            names = {"SOURCE", "HASH"})
    void aKeyGoesToTheSameServerOnEveryNodeWithTheSameServers(Balance balance) {
        // Two nodes: the same configuration, servers listed in another order on the second.
        List<ServerConfig> list = servers(300, 100);
        List<ServerConfig> reversed = new ArrayList<>(list);
        Collections.reverse(reversed);
        Backend one = backend(balance, c -> c, list);
        Backend two = backend(balance, c -> c, reversed);
        one.server("s17").setUp(false);
        two.server("s17").setUp(false);
        int moved = 0;
        for (int k = 0; k < 500; k++) {
            byte[] key = {10, 0, (byte) (k >> 8), (byte) k};
            Server a = hold(one, key, Set.of());
            Server b = hold(two, key, Set.of());
            assertEquals(a.name(), b.name(), "key " + k);
            a.release();
            b.release();
            // The same key again, after another server went down on both: only its own keys move.
            one.server("s42").setUp(false);
            two.server("s42").setUp(false);
            Server again = hold(one, key, Set.of());
            if (!again.name().equals(a.name())) {
                assertEquals("s42", a.name(), "key " + k + " moved off a server that stayed up");
                moved++;
            }
            again.release();
            one.server("s42").setUp(true);
            two.server("s42").setUp(true);
        }
        assertTrue(moved < 10, "moved " + moved);
    }

    @Test
    void randomSplitsByWeightOverManyServers() {
        List<ServerConfig> list = servers(100, 1);
        list.set(0, server("heavy", 100));
        Backend b = backend(Balance.RANDOM, c -> c, list);
        Map<String, Integer> counts = shortRequests(b, 20_000);
        // The heavy server has 100 / 199 of the weight; two choices of equal load take the first drawn.
        int heavy = counts.get("heavy");
        assertTrue(heavy > 9_000 && heavy < 11_100, "heavy took " + heavy);
        assertEquals(100, counts.size());
    }

    @Test
    void aSlowStartRaisesTheShareAsTheWeightSteps() {
        Backend b = backend(
                Balance.ROUNDROBIN,
                c -> c.slowStart(Duration.ofSeconds(100)),
                List.of(server("a", 10), server("r", 10)));
        Server r = b.server("r");
        r.setUp(false);
        r.setUp(true); // ramp starts: weight 1 of 10
        assertEquals(Map.of("a", 10, "r", 1), shortRequests(b, 11));
        ticker.addAndGet(Duration.ofSeconds(50).toNanos()); // weight 5 of 10
        assertEquals(Map.of("a", 20, "r", 10), shortRequests(b, 30));
        ticker.addAndGet(Duration.ofSeconds(60).toNanos()); // the ramp is over
        assertEquals(Map.of("a", 10, "r", 10), shortRequests(b, 20));
    }

    @Test
    void aReloadThatAddsAndRemovesServersIsFollowed() {
        Backend b = backend(Balance.ROUNDROBIN, c -> c, servers(4, 1));
        assertEquals(4, shortRequests(b, 8).size());
        List<ServerConfig> next = new ArrayList<>(servers(3, 1));
        next.add(server("new", 1));
        b.update(config(Balance.ROUNDROBIN, c -> c, next));
        Map<String, Integer> counts = shortRequests(b, 8);
        assertEquals(Map.of("s0", 2, "s1", 2, "s2", 2, "new", 2), counts);
        assertNull(b.server("s3"));
    }
}
