package org.tandemlb.core.backend.balance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.random.RandomGenerator;
import org.junit.jupiter.api.Test;

class RandomBalancerTest {

    private static final byte[] CLIENT = {10, 0, 0, 1};
    private static final int PICKS = 100_000;

    private static Balancer seeded(long seed) {
        RandomGenerator rng = new SplittableRandom(seed);
        return new RandomBalancer(() -> rng);
    }

    private static Map<String, Integer> counts(Balancer balancer, List<TestServer> servers, int picks) {
        Map<String, Integer> counts = new HashMap<>();
        for (int i = 0; i < picks; i++) {
            counts.merge(balancer.pick(servers, CLIENT).id(), 1, Integer::sum);
        }
        return counts;
    }

    private static void assertShare(Map<String, Integer> counts, String id, double expected) {
        double share = counts.getOrDefault(id, 0) / (double) PICKS;
        assertTrue(
                Math.abs(share - expected) <= 0.02,
                id + " got " + share + " of the picks, expected " + expected + " ± 0.02");
    }

    @Test
    void equalServersWithEqualLoadShareEqually() {
        List<TestServer> servers =
                List.of(new TestServer("a", 1), new TestServer("b", 1), new TestServer("c", 1), new TestServer("d", 1));
        Map<String, Integer> counts = counts(seeded(1), servers, PICKS);
        for (String id : List.of("a", "b", "c", "d")) {
            assertShare(counts, id, 0.25);
        }
    }

    @Test
    void theMostLoadedServerIsNeverPickedAndTheOthersShareEqually() {
        // Power of two choices: the busiest server loses every comparison it is drawn into.
        List<TestServer> servers = List.of(
                new TestServer("a", 1, 2),
                new TestServer("busy", 1, 50),
                new TestServer("b", 1, 2),
                new TestServer("c", 1, 2));
        Map<String, Integer> counts = counts(seeded(2), servers, PICKS);
        assertFalse(counts.containsKey("busy"), "busy was picked " + counts.get("busy") + " times");
        for (String id : List.of("a", "b", "c")) {
            assertShare(counts, id, 1 / 3.0);
        }
    }

    @Test
    void busierServersArePickedLessInProportionToHowManyTheyBeat() {
        // Loads 1, 2, 3, 4 at equal weights: each of the six pairs is drawn equally often and
        // its less loaded member wins.
        List<TestServer> servers = List.of(
                new TestServer("a", 1, 1),
                new TestServer("b", 1, 2),
                new TestServer("c", 1, 3),
                new TestServer("d", 1, 4));
        Map<String, Integer> counts = counts(seeded(3), servers, PICKS);
        // A server wins when it is drawn and its partner is busier:
        // a: drawn in 1/2 of the pairs, always wins = 1/2; b: pairs {b,c},{b,d} = 1/3; c: {c,d} = 1/6.
        assertShare(counts, "a", 1 / 2.0);
        assertShare(counts, "b", 1 / 3.0);
        assertShare(counts, "c", 1 / 6.0);
        assertFalse(counts.containsKey("d"));
    }

    @Test
    void withEqualLoadsTheSplitFollowsTheWeights() {
        List<TestServer> servers = List.of(new TestServer("a", 3), new TestServer("b", 1), new TestServer("c", 1));
        Map<String, Integer> counts = counts(seeded(4), servers, PICKS);
        assertShare(counts, "a", 0.6);
        assertShare(counts, "b", 0.2);
        assertShare(counts, "c", 0.2);
    }

    @Test
    void loadIsComparedPerUnitOfWeight() {
        // a: 4 connections at weight 4 (load 1); b: 2 at weight 1 (load 2). With only two
        // candidates both are always drawn, so a wins every time despite having more connections.
        TestServer a = new TestServer("a", 4, 4);
        TestServer b = new TestServer("b", 1, 2);
        assertEquals(Map.of("a", 1000), counts(seeded(5), List.of(a, b), 1000));
    }

    @Test
    void theTwoDrawnCandidatesAreDistinct() {
        // If the same server could be drawn twice, the idle one would sometimes be missed.
        List<TestServer> servers = List.of(new TestServer("loaded", 1000, 1000), new TestServer("idle", 1, 0));
        assertEquals(Map.of("idle", 1000), counts(seeded(6), servers, 1000));
    }

    @Test
    void aSingleCandidateIsPickedWithoutDrawing() {
        TestServer only = new TestServer("only", 3, 7);
        Balancer balancer = new RandomBalancer(() -> {
            throw new AssertionError("no random number is needed for one candidate");
        });
        assertSame(only, balancer.pick(List.of(only), CLIENT));
    }

    @Test
    void theDefaultUsesTheThreadLocalGenerator() {
        List<TestServer> servers = List.of(new TestServer("a", 1), new TestServer("b", 1));
        Map<String, Integer> counts = counts(Balancer.random(), servers, PICKS);
        assertShare(counts, "a", 0.5);
        assertShare(counts, "b", 0.5);
    }
}
