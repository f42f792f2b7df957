package org.tandemlb.cluster.election;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ElectionTest {

    private static MemberState m(String name, int priority) {
        return new MemberState(name, priority, true, true, false, 0);
    }

    private static MemberState holder(String name, int priority, long epoch) {
        return new MemberState(name, priority, true, true, true, epoch);
    }

    private static String winner(boolean preempt, MemberState... members) {
        Optional<MemberState> w = Election.winner(List.of(members), preempt);
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
        MemberState stopping = new MemberState("lb1", 200, false, true, true, 7);
        assertEquals("lb2", winner(false, stopping, m("lb2", 100)));
        assertTrue(Election.winner(List.of(stopping), false).isEmpty());
    }

    @Test
    void aNodeWithoutServersUpGivesWayToOneWithServersUp() {
        MemberState blind = new MemberState("lb1", 200, true, false, true, 2);
        assertEquals("lb2", winner(false, blind, m("lb2", 100)));
        // When nobody has a server up, the usual rules apply: the holder keeps it.
        MemberState blind2 = new MemberState("lb2", 100, true, false, false, 0);
        assertEquals("lb1", winner(false, blind, blind2));
    }

    @Test
    void aHolderThatLostItsServersStillYieldsEvenWithPreemptOff() {
        MemberState blindHolder = new MemberState("lb2", 100, true, false, true, 9);
        assertEquals("lb1", winner(false, m("lb1", 50), blindHolder));
    }
}
