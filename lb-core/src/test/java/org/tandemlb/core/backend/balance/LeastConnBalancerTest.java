package org.tandemlb.core.backend.balance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class LeastConnBalancerTest {

    private static final byte[] CLIENT = {10, 0, 0, 1};

    private final Balancer balancer = Balancer.leastConn();

    private Map<String, Integer> counts(List<TestServer> servers, int picks) {
        Map<String, Integer> counts = new HashMap<>();
        for (int i = 0; i < picks; i++) {
            counts.merge(balancer.pick(servers, CLIENT).id(), 1, Integer::sum);
        }
        return counts;
    }

    @Test
    void picksTheServerWithTheFewestActiveConnections() {
        TestServer a = new TestServer("a", 1, 5);
        TestServer b = new TestServer("b", 1, 2);
        TestServer c = new TestServer("c", 1, 7);
        assertEquals(Map.of("b", 20), counts(List.of(a, b, c), 20));
    }

    @Test
    void loadIsActiveConnectionsPerUnitOfWeight() {
        TestServer heavy = new TestServer("heavy", 2, 3);
        TestServer light = new TestServer("light", 1, 1);
        // 3/2 = 1.5 > 1/1: the light server is less loaded despite its higher weight share.
        assertSame(light, balancer.pick(List.of(heavy, light), CLIENT));
        heavy.setActive(1);
        light.setActive(1);
        // 1/2 < 1/1: the heavy server, though both have one connection.
        assertSame(heavy, balancer.pick(List.of(heavy, light), CLIENT));
    }

    @Test
    void weightTwoWithTwoConnectionsTiesWithWeightOneWithOneAndTheyAlternate() {
        TestServer heavy = new TestServer("heavy", 2, 2);
        TestServer light = new TestServer("light", 1, 1);
        // 2/2 == 1/1 exactly (compared as 2·1 == 1·2), so the tie is broken in turn.
        List<String> picks = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            picks.add(balancer.pick(List.of(heavy, light), CLIENT).id());
        }
        assertEquals(
                List.of("heavy", "light", "heavy", "light", "heavy", "light", "heavy", "light", "heavy", "light"),
                picks);
    }

    @Test
    void threeTiedServersShareExactlyInTurn() {
        List<TestServer> servers =
                List.of(new TestServer("a", 1, 3), new TestServer("b", 1, 3), new TestServer("c", 1, 3));
        assertEquals(Map.of("a", 10, "b", 10, "c", 10), counts(servers, 30));
    }

    @Test
    void tiedServersShareEquallyWhenABusierOneSitsBetweenThem() {
        // Rotation by position must not favour the server just after the busy one.
        List<TestServer> servers = List.of(
                new TestServer("a", 1, 0),
                new TestServer("busy", 1, 9),
                new TestServer("b", 1, 0),
                new TestServer("c", 1, 0));
        assertEquals(Map.of("a", 10, "b", 10, "c", 10), counts(servers, 30));
    }

    @Test
    void connectionsAccumulateInProportionToWeight() {
        // Each pick opens a connection that stays open: after 40 picks a weight 3:1 pair holds 30:10.
        TestServer a = new TestServer("a", 3);
        TestServer b = new TestServer("b", 1);
        int[] active = new int[2];
        for (int i = 0; i < 40; i++) {
            TestServer chosen = balancer.pick(List.of(a, b), CLIENT);
            int index = chosen == a ? 0 : 1;
            chosen.setActive(++active[index]);
        }
        assertEquals(30, a.activeConnections());
        assertEquals(10, b.activeConnections());
    }

    @Test
    void hugeCountsAndWeightsDoNotOverflow() {
        TestServer a = new TestServer("a", Integer.MAX_VALUE, Integer.MAX_VALUE - 1);
        TestServer b = new TestServer("b", Integer.MAX_VALUE - 1, Integer.MAX_VALUE - 1);
        // (MAX-1)/MAX < (MAX-1)/(MAX-1): a is less loaded; an int product would have overflowed.
        assertSame(a, balancer.pick(List.of(b, a), CLIENT));
    }

    @Test
    void aSingleCandidateIsAlwaysPicked() {
        assertEquals(Map.of("only", 5), counts(List.of(new TestServer("only", 1, 100)), 5));
    }
}
