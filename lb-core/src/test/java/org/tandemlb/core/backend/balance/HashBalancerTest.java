package org.tandemlb.core.backend.balance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class HashBalancerTest {
    private static final int KEYS = 10_000;

    private static List<TestServer> servers(int count) {
        List<TestServer> out = new ArrayList<>();
        for (int i = 1; i <= count; i++) {
            out.add(new TestServer("web" + i, 1));
        }
        return out;
    }

    private static byte[] key(String k) {
        return k.getBytes(StandardCharsets.UTF_8);
    }

    private static Map<Integer, String> assign(Balancer b, List<TestServer> servers) {
        Map<Integer, String> out = new HashMap<>();
        for (int k = 0; k < KEYS; k++) {
            out.put(k, b.pick(servers, key("/item/" + k)).id());
        }
        return out;
    }

    @Test
    void takingOneServerOutOfTenRemapsItsTenthOfTheKeysAndNoOther() {
        Balancer b = Balancer.hash(0);
        List<TestServer> ten = servers(10);
        Map<Integer, String> before = assign(b, ten);
        List<TestServer> nine = new ArrayList<>(ten);
        TestServer gone = nine.remove(3);
        Map<Integer, String> after = assign(b, nine);
        int moved = 0;
        for (int k = 0; k < KEYS; k++) {
            if (!before.get(k).equals(after.get(k))) {
                moved++;
                assertEquals(gone.id(), before.get(k), "only the keys of the server taken out move");
            }
        }
        System.out.printf(
                "hash: one server of 10 out -> %d of %d keys remapped (%.1f %%)%n", moved, KEYS, moved * 100.0 / KEYS);
        assertTrue(moved > KEYS * 0.08 && moved < KEYS * 0.12, moved + " keys moved, about a tenth expected");

        // And back in: the same keys return to it, nothing else moves.
        assertEquals(before, assign(b, ten));
    }

    @Test
    void addingAnEleventhServerTakesAboutAnEleventhOfTheKeysAllOntoItself() {
        Balancer b = Balancer.hash(0);
        List<TestServer> ten = servers(10);
        Map<Integer, String> before = assign(b, ten);
        List<TestServer> eleven = servers(11);
        Map<Integer, String> after = assign(b, eleven);
        int moved = 0;
        for (int k = 0; k < KEYS; k++) {
            if (!before.get(k).equals(after.get(k))) {
                moved++;
                assertEquals("web11", after.get(k), "a key that moves goes to the new server");
            }
        }
        System.out.printf(
                "hash: an 11th server in -> %d of %d keys remapped (%.1f %%)%n", moved, KEYS, moved * 100.0 / KEYS);
        assertTrue(moved > KEYS * 0.07 && moved < KEYS * 0.11, moved + " keys moved, about an eleventh expected");
    }

    @Test
    void theSameKeyGetsTheSameServerWhateverTheOrderAndOnAnyInstance() {
        List<TestServer> servers = servers(5);
        List<TestServer> reversed = new ArrayList<>(servers);
        Collections.reverse(reversed);
        Balancer one = Balancer.hash(0);
        Balancer other = Balancer.hash(1.25); // a bound changes nothing while loads are even
        for (int k = 0; k < 1000; k++) {
            byte[] key = key("user-" + k);
            assertSame(one.pick(servers, key), other.pick(reversed, key));
        }
    }

    @Test
    void aBoundKeepsEveryServerUnderItsShareWhenOneKeyIsHot() {
        double bound = 1.25;
        List<TestServer> servers = servers(4);
        Balancer bounded = Balancer.hash(bound);
        Random random = new Random(7);
        int total = 0;
        // 2 000 requests held open, half of them with one hot key: unbounded, its server would
        // take more than half of all of them.
        for (int i = 0; i < 2000; i++) {
            byte[] key = random.nextBoolean() ? key("hot") : key("k" + random.nextInt(100_000));
            TestServer s = bounded.pick(servers, key);
            s.setActive(s.activeConnections() + 1);
            total++;
            int cap = (int) Math.ceil(bound * total / servers.size());
            for (TestServer t : servers) {
                assertTrue(
                        t.activeConnections() <= cap,
                        t + " has " + t.activeConnections() + " of " + total + ", bound " + cap);
            }
        }
        List<TestServer> unboundedServers = servers(4);
        Balancer unbounded = Balancer.hash(0);
        random = new Random(7);
        for (int i = 0; i < 2000; i++) {
            byte[] key = random.nextBoolean() ? key("hot") : key("k" + random.nextInt(100_000));
            TestServer s = unbounded.pick(unboundedServers, key);
            s.setActive(s.activeConnections() + 1);
        }
        int max = unboundedServers.stream()
                .mapToInt(TestServer::activeConnections)
                .max()
                .orElseThrow();
        System.out.printf(
                "hash: hot key, 2000 requests on 4 servers: busiest server %d unbounded, %d with bound %.2f%n",
                max,
                servers.stream().mapToInt(TestServer::activeConnections).max().orElseThrow(),
                bound);
        assertTrue(max > 1000, "without a bound the hot key's server takes over half: " + max);
    }

    @Test
    void theBoundFollowsWeights() {
        List<TestServer> servers = List.of(new TestServer("big", 3), new TestServer("small", 1));
        Balancer bounded = Balancer.hash(1.0);
        for (int i = 1; i <= 400; i++) {
            TestServer s = bounded.pick(servers, key("hot"));
            s.setActive(s.activeConnections() + 1);
        }
        assertEquals(300, servers.get(0).activeConnections(), "three quarters on the weight-3 server");
        assertEquals(100, servers.get(1).activeConnections());
    }

    @Test
    void requestsWithoutTheKeyGoRoundRobin() {
        List<TestServer> servers = servers(3);
        Balancer b = Balancer.hash(0);
        List<String> picks = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            picks.add(b.pick(servers, null).id());
        }
        assertEquals(List.of("web1", "web2", "web3", "web1", "web2", "web3"), picks);
    }
}
