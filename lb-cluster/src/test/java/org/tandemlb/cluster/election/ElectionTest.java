package org.tandemlb.cluster.election;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** One group, as the cluster has without {@code group} keys: the election of the active node. */
class ElectionTest {
    private static final String G = "default";

    static MemberState m(String name, int priority) {
        return new MemberState(name, priority, true, true, true, Map.of());
    }

    static MemberState holder(String name, int priority, long epoch) {
        return new MemberState(name, priority, true, true, true, Map.of(G, epoch));
    }

    private static String winner(boolean preempt, MemberState... members) {
        Optional<MemberState> w =
                Election.assign(List.of(G), List.of(members), false, preempt).get(G);
        return w.map(MemberState::name).orElse(null);
    }

    @Test
    void highestPriorityWinsThenLowestName() {
        assertEquals("lb2", winner(false, m("lb1", 100), m("lb2", 150)));
        assertEquals("lb1", winner(false, m("lb2", 100), m("lb1", 100)));
        assertEquals("a", winner(false, m("b", 100), m("a", 100), m("c", 100)));
    }

    @Test
    void theHolderKeepsTheVipWithoutPreempt() {
        // lb1 (priority 150) comes back while lb2 holds: no take-over.
        assertEquals("lb2", winner(false, m("lb1", 150), holder("lb2", 100, 3)));
    }

    @Test
    void preemptLetsAStrictlyHigherPriorityTakeOver() {
        assertEquals("lb1", winner(true, m("lb1", 150), holder("lb2", 100, 3)));
        assertEquals("lb2", winner(true, m("lb1", 100), holder("lb2", 100, 3)), "equal priority never preempts");
    }

    @Test
    void preemptWaitsUntilTheHigherPriorityIsSettled() {
        MemberState returning = new MemberState("lb1", 150, true, true, false, Map.of());
        assertEquals("lb2", winner(true, returning, holder("lb2", 100, 3)), "within its preempt_delay");
        // Nobody holds: an unsettled member is elected at once (a failover waits for nothing).
        assertEquals("lb1", winner(true, returning, m("lb2", 100)));
    }

    @Test
    void afterAHealedPartitionTheLatestClaimKeepsIt() {
        // lb1 was cut off still holding (epoch 4); lb2 took over during the cut (epoch 5).
        assertEquals("lb2", winner(false, holder("lb1", 200, 4), holder("lb2", 100, 5)));
        // The same from either side: every member computes the same answer.
        assertEquals("lb2", winner(false, holder("lb2", 100, 5), holder("lb1", 200, 4)));
        // Equal epochs (both started alone): rank decides.
        assertEquals("lb1", winner(false, holder("lb1", 200, 1), holder("lb2", 100, 1)));
    }

    @Test
    void aMemberThatIsNotReadyIsNeverElected() {
        MemberState stopping = new MemberState("lb1", 200, false, true, false, Map.of(G, 7L));
        assertEquals("lb2", winner(false, stopping, m("lb2", 100)));
        assertTrue(Election.assign(List.of(G), List.of(stopping), false, false)
                .get(G)
                .isEmpty());
    }

    @Test
    void aNodeWithoutServersUpGivesWayToOneWithServersUp() {
        MemberState blind = new MemberState("lb1", 200, true, false, true, Map.of(G, 2L));
        assertEquals("lb2", winner(false, blind, m("lb2", 100)));
        // When nobody has a server up, the usual rules apply: the holder keeps it.
        MemberState blind2 = new MemberState("lb2", 100, true, false, true, Map.of());
        assertEquals("lb1", winner(false, blind, blind2));
    }

    @Test
    void aHolderThatLostItsServersStillYieldsEvenWithPreemptOff() {
        MemberState blindHolder = new MemberState("lb2", 100, true, false, true, Map.of(G, 9L));
        assertEquals("lb1", winner(false, m("lb1", 50), blindHolder));
    }

    @Test
    void withoutSpreadEveryGroupGoesToTheSameNode() {
        Map<String, Optional<MemberState>> r =
                Election.assign(List.of("b", "a", "c"), List.of(m("lb1", 100), m("lb2", 200)), false, false);
        assertEquals(List.of("a", "b", "c"), new ArrayList<>(r.keySet()));
        r.values().forEach(w -> assertEquals("lb2", w.orElseThrow().name()));
    }

    @Test
    void theScoreIsFixedByTheNamesOnEveryJvm() {
        // SHA-256 based: the same numbers everywhere (not hashCode), so every node agrees.
        double s = Election.score("web", m("lb1", 100));
        assertEquals(s, Election.score("web", m("lb1", 100)));
        assertTrue(s > 0);
        assertTrue(Election.score("web", m("lb1", 100)) != Election.score("web", m("lb2", 100)));
        Random rnd = new Random(1);
        List<MemberState> shuffled = new ArrayList<>(List.of(m("a", 1), m("b", 1)));
        Collections.shuffle(shuffled, rnd);
        assertEquals(
                Election.assign(List.of("x"), shuffled, true, false),
                Election.assign(List.of("x"), List.of(m("a", 1), m("b", 1)), true, false));
    }

    /** Owner name per group. */
    static Map<String, String> owners(Map<String, Optional<MemberState>> r) {
        Map<String, String> out = new TreeMap<>();
        r.forEach((g, w) -> out.put(g, w.map(MemberState::name).orElse(null)));
        return out;
    }

    static Map<String, Integer> loads(Map<String, String> owners) {
        Map<String, Integer> out = new HashMap<>();
        owners.values().forEach(n -> out.merge(n, 1, Integer::sum));
        return out;
    }
}
