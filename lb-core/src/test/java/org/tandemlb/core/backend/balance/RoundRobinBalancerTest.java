package org.tandemlb.core.backend.balance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RoundRobinBalancerTest {

    private static final byte[] CLIENT = {127, 0, 0, 1};

    private final Balancer balancer = Balancer.roundRobin();

    private List<String> picks(List<TestServer> servers, int count) {
        List<String> picks = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            picks.add(balancer.pick(servers, CLIENT).id());
        }
        return picks;
    }

    private static Map<String, Integer> counts(List<String> picks) {
        Map<String, Integer> counts = new HashMap<>();
        picks.forEach(id -> counts.merge(id, 1, Integer::sum));
        return counts;
    }

    @Test
    void twoEqualServersSplitExactlyInHalfAndAlternate() {
        List<TestServer> servers = List.of(new TestServer("a", 1), new TestServer("b", 1));
        List<String> picks = picks(servers, 100);
        assertEquals(Map.of("a", 50, "b", 50), counts(picks));
        for (int i = 1; i < picks.size(); i++) {
            assertNotEquals(picks.get(i - 1), picks.get(i), "pick " + i + " repeats the server");
        }
    }

    @Test
    void equalWeightsAreExactForEveryMultipleOfTheServerCount() {
        List<TestServer> servers =
                List.of(new TestServer("a", 7), new TestServer("b", 7), new TestServer("c", 7), new TestServer("d", 7));
        // Weights of 7 each must not change anything: N·k requests land k on each, exactly.
        for (int k = 1; k <= 25; k++) {
            assertEquals(Map.of("a", 1, "b", 1, "c", 1, "d", 1), counts(picks(servers, 4)), "round " + k);
        }
    }

    @Test
    void weightsThreeToOneSplitExactly75To25Interleaved() {
        List<TestServer> servers = List.of(new TestServer("a", 3), new TestServer("b", 1));
        List<String> picks = picks(servers, 100);
        assertEquals(Map.of("a", 75, "b", 25), counts(picks));
        // Smooth: every block of four is a a b a, never a a a b.
        for (int i = 0; i < 100; i += 4) {
            assertEquals(List.of("a", "a", "b", "a"), picks.subList(i, i + 4), "block at " + i);
        }
    }

    @Test
    void weightsFiveOneOneSplitExactlyAndSpreadTheLightServers() {
        List<TestServer> servers = List.of(new TestServer("a", 5), new TestServer("b", 1), new TestServer("c", 1));
        List<String> picks = picks(servers, 700);
        assertEquals(Map.of("a", 500, "b", 100, "c", 100), counts(picks));
        // Nginx's documented sequence for 5, 1, 1.
        assertEquals(List.of("a", "a", "b", "a", "c", "a", "a"), picks.subList(0, 7));
        for (int i = 1; i < picks.size(); i++) {
            if (!picks.get(i).equals("a")) {
                assertEquals("a", picks.get(i - 1), "light servers picked back to back at " + i);
            }
        }
        // The heavy server is never picked more than four times in a row (a a at the end of one round
        // of seven, then a a at the start of the next).
        int run = 0;
        for (String pick : picks) {
            run = pick.equals("a") ? run + 1 : 0;
            assertTrue(run <= 4, "heavy server clumped: run of " + run);
        }
    }

    @Test
    void excludingAServerAtARoundBoundaryKeepsExactSplits() {
        TestServer a = new TestServer("a", 1);
        TestServer b = new TestServer("b", 1);
        TestServer c = new TestServer("c", 1);
        assertEquals(Map.of("a", 10, "b", 10, "c", 10), counts(picks(List.of(a, b, c), 30)));
        // c goes down: the others share its traffic exactly.
        assertEquals(Map.of("a", 20, "b", 20), counts(picks(List.of(a, b), 40)));
        // c comes back: equal thirds again.
        assertEquals(Map.of("a", 10, "b", 10, "c", 10), counts(picks(List.of(a, b, c), 30)));
    }

    @Test
    void excludingAServerMidRoundStillSplitsExactlyFromTheChangeOn() {
        TestServer a = new TestServer("a", 1);
        TestServer b = new TestServer("b", 1);
        TestServer c = new TestServer("c", 1);
        assertEquals("a", balancer.pick(List.of(a, b, c), CLIENT).id());
        // c goes down one pick into a round: 100 requests over a and b land 50/50, not 51/49.
        assertEquals(Map.of("a", 50, "b", 50), counts(picks(List.of(a, b), 100)));
    }

    @Test
    void changesOfTheServerSetAtAnyPointKeepWeightedSplitsExact() {
        TestServer a = new TestServer("a", 2);
        TestServer b = new TestServer("b", 1);
        TestServer c = new TestServer("c", 1);
        picks(List.of(a, b, c), 5); // stop in the middle of a round of 4
        List<String> withoutB = picks(List.of(a, c), 300);
        assertEquals(Map.of("a", 200, "c", 100), counts(withoutB));
        picks(List.of(a, b, c), 3);
        assertEquals(Map.of("a", 200, "b", 100, "c", 100), counts(picks(List.of(a, b, c), 400)));
        // Another server goes down and a new one is added in the same pick.
        TestServer d = new TestServer("d", 3);
        picks(List.of(a, b, c), 1);
        assertEquals(Map.of("a", 30, "b", 15, "d", 45), counts(picks(List.of(a, b, d), 90)));
    }

    @Test
    void stateFollowsTheServerNotItsPositionInTheList() {
        TestServer a = new TestServer("a", 3);
        TestServer b = new TestServer("b", 1);
        List<String> picks = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            // The engine may list the candidates in a different order from one pick to the next.
            List<TestServer> servers = i % 2 == 0 ? List.of(a, b) : List.of(b, a);
            picks.add(balancer.pick(servers, CLIENT).id());
        }
        assertEquals(Map.of("a", 75, "b", 25), counts(picks));
    }

    @Test
    void aSingleCandidateIsAlwaysPicked() {
        List<TestServer> servers = List.of(new TestServer("only", 4));
        assertEquals(Map.of("only", 10), counts(picks(servers, 10)));
    }

    @Test
    void serversGoneForLongAreForgotten() {
        RoundRobinBalancer rr = new RoundRobinBalancer();
        List<TestServer> old = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            old.add(new TestServer("old" + i, 1));
        }
        for (int i = 0; i < 50; i++) {
            rr.pick(old, CLIENT);
        }
        assertEquals(50, rr.trackedIds());
        // A reload replaces all the servers; after two sweep periods only the new ones are tracked.
        List<TestServer> current = List.of(new TestServer("new1", 1), new TestServer("new2", 1));
        Map<String, Integer> counts = new HashMap<>();
        for (int i = 0; i < 2 * RoundRobinBalancer.PRUNE_EVERY; i++) {
            counts.merge(rr.pick(current, CLIENT).id(), 1, Integer::sum);
        }
        assertEquals(2, rr.trackedIds());
        assertEquals(Map.of("new1", RoundRobinBalancer.PRUNE_EVERY, "new2", RoundRobinBalancer.PRUNE_EVERY), counts);
    }
}
