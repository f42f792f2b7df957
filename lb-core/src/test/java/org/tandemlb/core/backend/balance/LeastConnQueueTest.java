package org.tandemlb.core.backend.balance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

class LeastConnQueueTest {

    private final LeastConnQueue<TestServer> queue = new LeastConnQueue<>();
    private final Map<TestServer, LeastConnQueue.Entry<TestServer>> entries = new HashMap<>();

    /** Queues (or moves) {@code s} with its current load, as the backend does after each change. */
    private void update(TestServer s) {
        queue.update(entries.computeIfAbsent(s, LeastConnQueue.Entry::new), s.activeConnections(), s.weight());
    }

    private List<TestServer> servers(int n, int weight, int active) {
        List<TestServer> list = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            TestServer s = new TestServer("s" + i, weight, active);
            list.add(s);
            update(s);
        }
        return list;
    }

    /** A pick as the backend makes one: the first, then its load re-read (here unchanged). */
    private TestServer pick() {
        TestServer s = queue.first();
        update(s);
        return s;
    }

    @Test
    void firstIsTheServerWithTheFewestActiveConnections() {
        update(new TestServer("a", 1, 5));
        TestServer b = new TestServer("b", 1, 2);
        update(b);
        update(new TestServer("c", 1, 7));
        assertSame(b, queue.first());
        assertEquals(3, queue.size());
    }

    @Test
    void anEmptyQueueHasNoFirst() {
        assertNull(queue.first());
        assertNull(queue.first(Set.of()));
    }

    @Test
    void loadIsActiveConnectionsPerUnitOfWeight() {
        TestServer heavy = new TestServer("heavy", 2, 3);
        TestServer light = new TestServer("light", 1, 1);
        update(heavy);
        update(light);
        // 3/2 = 1.5 > 1/1.
        assertSame(light, queue.first());
        heavy.setActive(1);
        update(heavy);
        light.setActive(1);
        update(light);
        // 1/2 < 1/1.
        assertSame(heavy, queue.first());
    }

    @Test
    void weightTwoWithTwoConnectionsTiesWithWeightOneWithOneAndTheyAlternate() {
        TestServer heavy = new TestServer("heavy", 2, 2);
        TestServer light = new TestServer("light", 1, 1);
        update(heavy);
        update(light);
        List<String> picks = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            picks.add(pick().id());
        }
        assertEquals(List.of("heavy", "light", "heavy", "light", "heavy", "light"), picks);
    }

    @Test
    void tiedServersShareExactlyInTurnWhateverLiesBetweenThem() {
        List<TestServer> tied = servers(5, 1, 0);
        // Busier servers queued among them take nothing and disturb nothing.
        for (int i = 0; i < 5; i++) {
            update(new TestServer("busy" + i, 1, 9));
        }
        Map<String, Integer> counts = new HashMap<>();
        for (int round = 0; round < 7; round++) {
            List<TestServer> seen = new ArrayList<>();
            for (int i = 0; i < tied.size(); i++) {
                TestServer s = pick();
                seen.add(s);
                counts.merge(s.id(), 1, Integer::sum);
            }
            assertEquals(Set.copyOf(tied), Set.copyOf(seen), "each once per round of 5, round " + round);
        }
        assertEquals(Map.of("s0", 7, "s1", 7, "s2", 7, "s3", 7, "s4", 7), counts);
    }

    @Test
    void aThousandTiedServersEachGetOnePickPerThousand() {
        List<TestServer> tied = servers(1000, 7, 3);
        for (int round = 0; round < 3; round++) {
            Set<TestServer> seen = new HashSet<>();
            for (int i = 0; i < 1000; i++) {
                assertTrue(seen.add(pick()), "a server picked twice within a round");
            }
            assertEquals(Set.copyOf(tied), seen);
        }
    }

    @Test
    void aServerMovesBothWaysAsItsLoadChanges() {
        List<TestServer> list = servers(50, 1, 5);
        TestServer s = list.get(17);
        s.setActive(0);
        update(s);
        assertSame(s, queue.first(), "fewer connections: to the front");
        s.setActive(6);
        update(s);
        assertFalse(queue.first() == s, "more: back");
        for (TestServer other : list) {
            if (other != s) {
                other.setActive(7);
                update(other);
            }
        }
        assertSame(s, queue.first(), "the others got busier");
    }

    @Test
    void aWeightChangeMovesAServer() {
        TestServer a = new TestServer("a", 1, 4);
        TestServer b = new TestServer("b", 1, 3);
        update(a);
        update(b);
        assertSame(b, queue.first());
        // The queue takes the weight it is given: as the backend passes a slow start's step.
        queue.update(entries.get(a), 4, 2);
        assertSame(a, queue.first());
    }

    @Test
    void removedServersAreNeverFirstAndCanComeBack() {
        List<TestServer> list = servers(10, 1, 0);
        for (int i = 0; i < 10; i += 2) {
            queue.remove(entries.get(list.get(i)));
        }
        queue.remove(entries.get(list.get(0))); // not queued: nothing happens
        assertEquals(5, queue.size());
        assertFalse(entries.get(list.get(0)).queued());
        for (int i = 0; i < 50; i++) {
            int index = list.indexOf(pick());
            assertEquals(1, index % 2, "picked a removed server: " + index);
        }
        update(list.get(4));
        assertEquals(6, queue.size());
        assertTrue(entries.get(list.get(4)).queued());
    }

    @Test
    void removingTheLastAndTheFirstKeepsTheOrder() {
        List<TestServer> list = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            TestServer s = new TestServer("s" + i, 1, i);
            list.add(s);
            update(s);
        }
        queue.remove(entries.get(list.get(0)));
        assertSame(list.get(1), queue.first());
        queue.remove(entries.get(list.get(7)));
        queue.remove(entries.get(list.get(1)));
        assertSame(list.get(2), queue.first());
        assertEquals(5, queue.size());
    }

    @Test
    void excludedServersAreSkippedAndKeepTheirPlace() {
        TestServer a = new TestServer("a", 1, 0);
        TestServer b = new TestServer("b", 1, 1);
        TestServer c = new TestServer("c", 1, 2);
        TestServer d = new TestServer("d", 1, 3);
        for (TestServer s : List.of(d, c, b, a)) {
            update(s);
        }
        assertSame(b, queue.first(Set.of(a)));
        assertSame(c, queue.first(Set.of(a, b)));
        assertSame(d, queue.first(Set.of(a, b, c)));
        assertNull(queue.first(Set.of(a, b, c, d)));
        assertSame(a, queue.first(Set.of()));
        assertSame(a, queue.first());
    }

    @Test
    void hugeCountsAndTheLargestWeightsDoNotOverflow() {
        int max = LeastConnQueue.MAX_WEIGHT;
        TestServer a = new TestServer("a", max, Integer.MAX_VALUE - 1);
        TestServer b = new TestServer("b", max - 1, Integer.MAX_VALUE - 1);
        update(b);
        update(a);
        // (MAX_INT-1)/65536 < (MAX_INT-1)/65535.
        assertSame(a, queue.first());
    }

    @Test
    void theClosestDifferentLoadsAreToldApart() {
        int max = LeastConnQueue.MAX_WEIGHT;
        // 1 - 1/65536 and 1 - 1/65535 differ by 1/(65536 * 65535), the least two loads can.
        TestServer a = new TestServer("a", max, max - 1);
        TestServer b = new TestServer("b", max - 1, max - 2);
        update(a);
        update(b);
        assertSame(b, queue.first());
        queue.remove(entries.get(b));
        // One load in two forms, 32767/32768 and 65534/65536: a tie, broken by update order.
        TestServer c = new TestServer("c", max / 2, max / 2 - 1);
        TestServer d = new TestServer("d", max, max - 2);
        update(c);
        update(d);
        queue.remove(entries.get(a));
        assertSame(c, queue.first());
        update(c);
        assertSame(d, queue.first(), "c went behind d: equal loads");
    }

    @Test
    void aWeightOutOfRangeOrANegativeCountIsRefused() {
        LeastConnQueue.Entry<TestServer> e = new LeastConnQueue.Entry<>(new TestServer("a", 1));
        assertThrows(IllegalArgumentException.class, () -> queue.update(e, 0, 0));
        assertThrows(IllegalArgumentException.class, () -> queue.update(e, -1, 1));
        assertThrows(IllegalArgumentException.class, () -> queue.update(e, 1, LeastConnQueue.MAX_WEIGHT + 1));
        assertFalse(e.queued());
    }

    /**
     * A thousand servers under random changes of load, weight and membership: after every change
     * the first is exactly the one the definition gives (least loaded by cross-multiplication,
     * earliest update among equals), and with exclusions too.
     */
    @Test
    void aThousandServersUnderRandomChangesMatchTheDefinition() {
        Random random = new Random(18);
        List<TestServer> all = new ArrayList<>();
        Map<TestServer, Long> turns = new HashMap<>();
        long turn = 0;
        for (int i = 0; i < 1000; i++) {
            TestServer s = new TestServer("s" + i, 1 + random.nextInt(256), random.nextInt(50));
            all.add(s);
            update(s);
            turns.put(s, ++turn);
        }
        for (int step = 0; step < 5000; step++) {
            TestServer s = all.get(random.nextInt(all.size()));
            int what = random.nextInt(10);
            if (what == 0) {
                queue.remove(entries.get(s));
                turns.remove(s);
            } else {
                if (what < 4) {
                    s.setWeight(1 + random.nextInt(256));
                } else if (what < 7) {
                    s.setActive(Math.max(0, s.activeConnections() + random.nextInt(5) - 2));
                }
                update(s);
                turns.put(s, ++turn);
            }
            assertSame(expectedFirst(turns, Set.of()), queue.first(), "step " + step);
            Set<TestServer> exclude = new HashSet<>(List.of(all.get(random.nextInt(1000)), queue.first()));
            assertSame(expectedFirst(turns, exclude), queue.first(exclude), "step " + step + " with exclusions");
        }
        assertEquals(turns.size(), queue.size());
    }

    private static TestServer expectedFirst(Map<TestServer, Long> turns, Set<TestServer> exclude) {
        TestServer best = null;
        for (Map.Entry<TestServer, Long> e : turns.entrySet()) {
            TestServer s = e.getKey();
            if (exclude.contains(s)) {
                continue;
            }
            if (best == null
                    || LeastConnBalancer.lessLoaded(s, best)
                    || (!LeastConnBalancer.lessLoaded(best, s) && e.getValue() < turns.get(best))) {
                best = s;
            }
        }
        return best;
    }
}
