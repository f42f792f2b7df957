package org.tandemlb.core.backend.balance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;

/**
 * Picks over a {@link Lineup}, the form a backend uses between two changes of its servers: the
 * same results as the list form over the candidates left, with what cannot take the request
 * skipped rather than left out.
 */
class LineupPicksTest {
    private static final byte[] KEY = {(byte) 203, 0, 113, 9};
    private static final Predicate<Candidate> NONE = c -> false;

    private static List<TestServer> servers(int... weights) {
        List<TestServer> list = new ArrayList<>();
        for (int i = 0; i < weights.length; i++) {
            list.add(new TestServer("s" + i, weights[i]));
        }
        return list;
    }

    @Test
    void aPointFallsInTheIntervalOfItsCandidate() {
        Lineup<TestServer> l = Lineup.of(servers(3, 1, 2));
        int[] expected = {0, 0, 0, 1, 2, 2};
        for (int point = 0; point < 6; point++) {
            assertEquals(expected[point], l.at(point), "point " + point);
        }
        assertEquals(6, l.totalWeight());
        assertEquals(4, l.start(2));
        assertThrows(IllegalArgumentException.class, () -> Lineup.of(servers(1, 0)));
    }

    @Test
    void roundRobinScheduleIsTheListFormsSequence() {
        Random random = new Random(7);
        for (int round = 0; round < 20; round++) {
            int n = 2 + random.nextInt(12);
            int[] weights = new int[n];
            for (int i = 0; i < n; i++) {
                weights[i] = 1 + random.nextInt(round % 2 == 0 ? 4 : 100);
            }
            List<TestServer> list = servers(weights);
            RoundRobinBalancer listForm = new RoundRobinBalancer();
            RoundRobinBalancer lineupForm = new RoundRobinBalancer();
            Lineup<TestServer> l = Lineup.of(list);
            int period = (int) l.totalWeight();
            for (int i = 0; i < 2 * period; i++) {
                assertSame(listForm.pick(list, KEY), lineupForm.pick(l, KEY, NONE), "round " + round + " pick " + i);
            }
        }
    }

    @Test
    void roundRobinSkipsWhatCannotTakeTheRequestAndGivesNullWhenNothingCan() {
        List<TestServer> list = servers(1, 1, 1, 1);
        Lineup<TestServer> l = Lineup.of(list);
        RoundRobinBalancer rr = new RoundRobinBalancer();
        Set<TestServer> out = Set.of(list.get(1), list.get(2));
        Map<String, Integer> counts = new HashMap<>();
        for (int i = 0; i < 100; i++) {
            counts.merge(rr.pick(l, KEY, out::contains).id(), 1, Integer::sum);
        }
        assertEquals(Map.of("s0", 50, "s3", 50), counts);
        assertNull(rr.pick(l, KEY, c -> true));
    }

    @Test
    void roundRobinWithWeightsBeyondTheBuildBudgetStaysCloseToTheWeights() {
        // 2,000 servers of weights 1 to 1,000: an exact period would take 10^9 steps to make.
        int n = 2000;
        int[] weights = new int[n];
        for (int i = 0; i < n; i++) {
            weights[i] = 1 + (i * 7919) % 1000;
        }
        int[] schedule = RoundRobinBalancer.schedule(Lineup.of(servers(weights)));
        assertTrue((long) schedule.length * n <= 2 * RoundRobinBalancer.BUILD_STEPS, "period " + schedule.length);
        int[] counts = new int[n];
        for (int i : schedule) {
            counts[i]++;
        }
        // The heaviest servers get about 1,000 times the share of the lightest.
        int heaviest = 0;
        int lightest = 0;
        for (int i = 0; i < n; i++) {
            if (weights[i] == 1000) {
                heaviest = counts[i];
            } else if (weights[i] == 1) {
                lightest = counts[i];
            }
        }
        assertTrue(lightest >= 1 && heaviest >= 2 * lightest, heaviest + " against " + lightest);
    }

    @Test
    void randomSkipsWhatCannotTakeTheRequestAndSplitsTheRestByWeight() {
        List<TestServer> list = servers(1, 1, 6, 2, 2);
        Lineup<TestServer> l = Lineup.of(list);
        RandomBalancer random = new RandomBalancer(() -> new SplittableRandom(11));
        SplittableRandom rng = new SplittableRandom(11);
        RandomBalancer seeded = new RandomBalancer(() -> rng);
        assertSame(random.pick(list, KEY), random.pick(l, KEY, NONE));
        Set<TestServer> out = Set.of(list.get(2));
        Map<String, Integer> counts = new HashMap<>();
        for (int i = 0; i < 60_000; i++) {
            TestServer s = seeded.pick(l, KEY, out::contains);
            assertNotEquals(list.get(2), s);
            counts.merge(s.id(), 1, Integer::sum);
        }
        // With equal loads the first drawn wins: shares 1:1:2:2 of the weight left.
        assertEquals(10_000.0, counts.get("s0"), 500.0);
        assertEquals(20_000.0, counts.get("s3"), 700.0);
        // Only one left: it, whatever is drawn; none left: null.
        assertSame(list.get(4), seeded.pick(l, KEY, c -> c != list.get(4)));
        assertNull(seeded.pick(l, KEY, c -> true));
    }

    @Test
    void rendezvousWithEqualWeightsPicksAsTheScoresDo() {
        // One candidate of another weight, ruled out: the others are scored with logarithms, and
        // must come out as the equal-weight lineup of the same candidates, which skips them.
        List<TestServer> equal = servers(5, 5, 5, 5, 5, 5, 5, 5);
        List<TestServer> mixed = new ArrayList<>(equal);
        TestServer odd = new TestServer("odd", 9);
        mixed.add(odd);
        Lineup<TestServer> uniform = Lineup.of(equal);
        Lineup<TestServer> scored = Lineup.of(mixed);
        assertTrue(uniform.uniformWeights());
        for (int k = 0; k < 1000; k++) {
            long state = Rendezvous.keyState(new byte[] {(byte) k, (byte) (k >> 8), 1, 2});
            assertEquals(
                    Rendezvous.best(uniform, state, NONE), Rendezvous.best(scored, state, c -> c == odd), "key " + k);
        }
    }

    @Test
    void sourceAndHashSkipTheirKeysServerWhenItCannotTakeTheRequest() {
        List<TestServer> list = servers(1, 1, 1, 1, 1);
        Lineup<TestServer> l = Lineup.of(list);
        for (Balancer b : List.of(Balancer.source(), Balancer.hash(0))) {
            TestServer first = b.pick(l, KEY, NONE);
            assertSame(first, b.pick(list, KEY));
            TestServer second = b.pick(l, KEY, c -> c == first);
            assertNotEquals(first, second);
            // The second choice is the list form's over the candidates left.
            List<TestServer> left = new ArrayList<>(list);
            left.remove(first);
            assertSame(b.pick(left, KEY), second);
            assertNull(b.pick(l, KEY, c -> true));
        }
    }
}
