package org.tandemlb.core.backend.balance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

class SourceHashBalancerTest {

    private static final int CLIENTS = 10_000;

    private final Balancer balancer = Balancer.source();

    /** {@code count} distinct random IPv4 addresses, the same ones on every run. */
    private static List<byte[]> ipv4Clients(long seed, int count) {
        Random random = new Random(seed);
        Set<Integer> seen = new HashSet<>();
        List<byte[]> clients = new ArrayList<>(count);
        while (clients.size() < count) {
            int address = random.nextInt();
            if (seen.add(address)) {
                clients.add(new byte[] {
                    (byte) (address >>> 24), (byte) (address >>> 16), (byte) (address >>> 8), (byte) address
                });
            }
        }
        return clients;
    }

    private static List<TestServer> servers(int count) {
        List<TestServer> servers = new ArrayList<>();
        for (int i = 1; i <= count; i++) {
            servers.add(new TestServer("web" + i, 1));
        }
        return servers;
    }

    private List<String> assign(List<TestServer> servers, List<byte[]> clients) {
        List<String> assigned = new ArrayList<>(clients.size());
        for (byte[] client : clients) {
            assigned.add(balancer.pick(servers, client).id());
        }
        return assigned;
    }

    private static Map<String, Integer> counts(List<String> assigned) {
        Map<String, Integer> counts = new HashMap<>();
        assigned.forEach(id -> counts.merge(id, 1, Integer::sum));
        return counts;
    }

    private static void assertShare(int count, int of, double expected, String what) {
        double share = count / (double) of;
        assertTrue(Math.abs(share - expected) <= 0.02, what + ": " + share + ", expected " + expected + " ± 0.02");
    }

    @Test
    void aClientAlwaysGetsTheSameServerWhateverTheOrderOfTheList() {
        List<TestServer> servers = servers(5);
        byte[] client = {(byte) 192, (byte) 168, 1, 20};
        TestServer first = balancer.pick(servers, client);
        List<TestServer> shuffled = new ArrayList<>(servers);
        Random random = new Random(7);
        for (int i = 0; i < 100; i++) {
            Collections.shuffle(shuffled, random);
            assertSame(first, balancer.pick(shuffled, client));
            assertSame(first, balancer.pick(servers, client.clone()));
        }
    }

    @Test
    void fourEqualServersGetAQuarterOfTheClientsEach() {
        Map<String, Integer> counts = counts(assign(servers(4), ipv4Clients(1, CLIENTS)));
        for (int i = 1; i <= 4; i++) {
            assertShare(counts.getOrDefault("web" + i, 0), CLIENTS, 0.25, "web" + i);
        }
    }

    @Test
    void neighbouringAddressesSpreadEvenly() {
        // A /18 of consecutive addresses, as behind one NAT pool: the hash must not cluster them.
        List<byte[]> clients = new ArrayList<>();
        for (int i = 0; i < 16_384; i++) {
            clients.add(new byte[] {10, 1, (byte) (i >>> 8), (byte) i});
        }
        Map<String, Integer> counts = counts(assign(servers(4), clients));
        for (int i = 1; i <= 4; i++) {
            assertShare(counts.getOrDefault("web" + i, 0), clients.size(), 0.25, "web" + i);
        }
    }

    @Test
    void ipv6ClientsSpreadEvenly() {
        Random random = new Random(3);
        List<byte[]> clients = new ArrayList<>();
        for (int i = 0; i < CLIENTS; i++) {
            byte[] address = new byte[16];
            random.nextBytes(address);
            clients.add(address);
        }
        Map<String, Integer> counts = counts(assign(servers(4), clients));
        for (int i = 1; i <= 4; i++) {
            assertShare(counts.getOrDefault("web" + i, 0), CLIENTS, 0.25, "web" + i);
        }
    }

    @Test
    void removingAServerMovesOnlyItsClientsAndSpreadsThemOverTheOthers() {
        List<byte[]> clients = ipv4Clients(2, CLIENTS);
        List<TestServer> four = servers(4);
        List<String> before = assign(four, clients);
        List<TestServer> three = new ArrayList<>(four);
        three.remove(2); // web3 goes down
        List<String> after = assign(three, clients);

        Map<String, Integer> movedTo = new HashMap<>();
        int moved = 0;
        for (int i = 0; i < CLIENTS; i++) {
            if (before.get(i).equals("web3")) {
                moved++;
                movedTo.merge(after.get(i), 1, Integer::sum);
            } else {
                assertEquals(before.get(i), after.get(i), "client " + i + " moved though its server stayed");
            }
        }
        assertShare(moved, CLIENTS, 0.25, "share of clients that had web3");
        // web3's clients are shared by the three others, not dumped on one neighbour.
        for (String id : List.of("web1", "web2", "web4")) {
            assertShare(movedTo.getOrDefault(id, 0), moved, 1 / 3.0, "share of web3's clients sent to " + id);
        }
    }

    @Test
    void addingAServerMovesAboutAFifthOfTheClientsAllOntoTheNewServer() {
        List<byte[]> clients = ipv4Clients(3, CLIENTS);
        List<String> before = assign(servers(4), clients);
        List<String> after = assign(servers(5), clients);

        int moved = 0;
        for (int i = 0; i < CLIENTS; i++) {
            if (!before.get(i).equals(after.get(i))) {
                moved++;
                assertEquals("web5", after.get(i), "client " + i + " moved between two old servers");
            }
        }
        assertShare(moved, CLIENTS, 0.20, "share of clients moved");
    }

    @Test
    void weightsTwoToOneSplitTheClientsTwoThirdsToOneThird() {
        List<TestServer> servers = List.of(new TestServer("big", 2), new TestServer("small", 1));
        Map<String, Integer> counts = counts(assign(servers, ipv4Clients(4, CLIENTS)));
        assertShare(counts.getOrDefault("big", 0), CLIENTS, 2 / 3.0, "big");
        assertShare(counts.getOrDefault("small", 0), CLIENTS, 1 / 3.0, "small");
    }

    @Test
    void unequalWeightsAcrossFourServersFollowTheWeights() {
        List<TestServer> servers =
                List.of(new TestServer("a", 4), new TestServer("b", 3), new TestServer("c", 2), new TestServer("d", 1));
        Map<String, Integer> counts = counts(assign(servers, ipv4Clients(5, CLIENTS)));
        assertShare(counts.getOrDefault("a", 0), CLIENTS, 0.4, "a");
        assertShare(counts.getOrDefault("b", 0), CLIENTS, 0.3, "b");
        assertShare(counts.getOrDefault("c", 0), CLIENTS, 0.2, "c");
        assertShare(counts.getOrDefault("d", 0), CLIENTS, 0.1, "d");
    }

    @Test
    void aSingleCandidateIsAlwaysPicked() {
        TestServer only = new TestServer("only", 1);
        for (byte[] client : ipv4Clients(6, 100)) {
            assertSame(only, balancer.pick(List.of(only), client));
        }
    }
}
