package org.tandemlb.cluster.election;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.tandemlb.cluster.election.ElectionTest.loads;
import static org.tandemlb.cluster.election.ElectionTest.m;
import static org.tandemlb.cluster.election.ElectionTest.owners;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** {@code spread: true}: groups spread over the members, a failure moves only its own groups. */
class SpreadElectionTest {
    private static final List<String> THREE = List.of("a", "b", "c");

    /** The members with what they hold, as {@code owners} says, all settled. */
    private static List<MemberState> holding(Map<String, String> owners, MemberState... members) {
        List<MemberState> out = new ArrayList<>();
        for (MemberState x : members) {
            Map<String, Long> holds = new HashMap<>();
            owners.forEach((g, n) -> {
                if (x.name().equals(n)) {
                    holds.put(g, 1L);
                }
            });
            out.add(new MemberState(x.name(), x.priority(), x.ready(), x.serversUp(), x.settled(), holds));
        }
        return out;
    }

    private static Map<String, String> spread(List<String> groups, List<MemberState> members) {
        return owners(Election.assign(groups, members, true, false));
    }

    private static MemberState unsettled(String name, int priority) {
        return new MemberState(name, priority, true, true, false, Map.of());
    }

    @Test
    void threeNodesThreeGroupsOneEach() {
        Map<String, String> o = spread(THREE, List.of(m("lb1", 100), m("lb2", 100), m("lb3", 100)));
        assertEquals(Map.of("lb1", 1, "lb2", 1, "lb3", 1), loads(o));
    }

    @Test
    void aDeadNodesGroupMovesAloneAndItsReturnTakesExactlyOneBack() {
        MemberState[] all = {m("lb1", 100), m("lb2", 100), m("lb3", 100)};
        Map<String, String> start = spread(THREE, List.of(all));
        // Steady state: each holds its group; the election keeps it so.
        assertEquals(start, spread(THREE, holding(start, all)));
        for (MemberState dead : all) {
            List<MemberState> survivors = new ArrayList<>(holding(start, all));
            survivors.removeIf(x -> x.name().equals(dead.name()));
            Map<String, String> after = spread(THREE, survivors);
            for (String g : THREE) {
                if (!start.get(g).equals(dead.name())) {
                    assertEquals(start.get(g), after.get(g), "only the dead node's group moves");
                } else {
                    assertNotEquals(dead.name(), after.get(g));
                }
            }
            // It comes back: not settled yet, it takes nothing from live holders.
            List<MemberState> back = new ArrayList<>(holding(after, all));
            back.replaceAll(x -> x.name().equals(dead.name()) ? unsettled(x.name(), x.priority()) : x);
            assertEquals(after, spread(THREE, back), "a returning node waits for its preempt_delay");
            // Settled: it takes exactly one group, from the node that held two; nothing else moves.
            Map<String, String> settled = spread(THREE, holding(after, all));
            assertEquals(Map.of("lb1", 1, "lb2", 1, "lb3", 1), loads(settled));
            int moved = (int) THREE.stream()
                    .filter(g -> !settled.get(g).equals(after.get(g)))
                    .count();
            assertEquals(1, moved, "one group moves back: " + after + " -> " + settled);
            // And then it stays so: no further move.
            assertEquals(settled, spread(THREE, holding(settled, all)));
        }
    }

    @Test
    void eightNodesThreeGroupsAtMostOneEach() {
        List<MemberState> eight =
                IntStream.rangeClosed(1, 8).mapToObj(i -> m("lb" + i, 100)).toList();
        Map<String, String> o = spread(THREE, eight);
        assertEquals(3, o.size());
        loads(o).values().forEach(n -> assertEquals(1, n));
        // A ninth group-less member returning changes nothing: loads already differ by at most one.
        assertEquals(o, spread(THREE, holding(o, eight.toArray(MemberState[]::new))));
    }

    @Test
    void twoNodesFiveGroupsThreeAndTwo() {
        List<String> five = List.of("g1", "g2", "g3", "g4", "g5");
        Map<String, String> o = spread(five, List.of(m("lb1", 100), m("lb2", 100)));
        assertEquals(List.of(2, 3), loads(o).values().stream().sorted().toList());
        // lb2 alone holds all five; lb1 comes back settled: it takes two, back to 3 + 2.
        Map<String, String> allOnLb2 = new HashMap<>();
        five.forEach(g -> allOnLb2.put(g, "lb2"));
        Map<String, String> back = spread(five, holding(allOnLb2, m("lb1", 100), m("lb2", 100)));
        assertEquals(Map.of("lb1", 2, "lb2", 3), loads(back));
    }

    @Test
    void priorityWeightsWhichNodeAGroupPrefers() {
        // Over many groups, one at a time onto an empty cluster, a node of priority 200 scores
        // highest about twice as often as one of 100 (weights 201 and 101).
        int heavy = 0;
        int groups = 3000;
        for (int i = 0; i < groups; i++) {
            String only = spread(List.of("g" + i), List.of(m("big", 200), m("small", 100)))
                    .get("g" + i);
            heavy += only.equals("big") ? 1 : 0;
        }
        double share = heavy / (double) groups;
        assertTrue(share > 0.62 && share < 0.71, "expected about 201/302 = 0.67, got " + share);
        // The counts stay balanced whatever the priorities: three groups over three nodes.
        Map<String, String> o = spread(THREE, List.of(m("lb1", 250), m("lb2", 10), m("lb3", 100)));
        assertEquals(Map.of("lb1", 1, "lb2", 1, "lb3", 1), loads(o));
    }

    @Test
    void theSameResultForAnyOrderOfMembers() {
        Random rnd = new Random(42);
        List<String> groups = List.of("g1", "g2", "g3", "g4", "g5", "g6", "g7");
        for (int round = 0; round < 50; round++) {
            List<MemberState> members = new ArrayList<>();
            int n = 3 + rnd.nextInt(6);
            for (int i = 0; i < n; i++) {
                Map<String, Long> holds = new HashMap<>();
                for (String g : groups) {
                    if (rnd.nextInt(n) == 0) {
                        holds.put(g, (long) rnd.nextInt(5) + 1);
                    }
                }
                members.add(new MemberState(
                        "n" + i, 50 + rnd.nextInt(3) * 50, rnd.nextInt(8) > 0, true, rnd.nextBoolean(), holds));
            }
            Map<String, String> expected = spread(groups, members);
            List<MemberState> shuffled = new ArrayList<>(members);
            Collections.shuffle(shuffled, rnd);
            assertEquals(expected, spread(groups, shuffled));
            List<String> shuffledGroups = new ArrayList<>(groups);
            Collections.shuffle(shuffledGroups, rnd);
            assertEquals(expected, spread(shuffledGroups, members));
        }
    }

    @Test
    void holdersKeepTheirGroupsWhenTheLoadIsBalanced() {
        // lb1 holds a and b, lb2 holds c: 2 + 1 over two nodes is balanced, whatever the hash prefers.
        Map<String, String> now = Map.of("a", "lb1", "b", "lb1", "c", "lb2");
        assertEquals(now, spread(THREE, holding(now, m("lb1", 100), m("lb2", 100))));
        // Both sides of a healed partition hold group a: the latest claim keeps it.
        MemberState lb1 = new MemberState("lb1", 200, true, true, true, Map.of("a", 4L, "b", 1L));
        MemberState lb2 = new MemberState("lb2", 100, true, true, true, Map.of("a", 5L, "c", 1L));
        Map<String, String> o = spread(THREE, List.of(lb1, lb2));
        assertEquals("lb2", o.get("a"));
        assertEquals("lb1", o.get("b"));
        assertEquals("lb2", o.get("c"));
    }

    @Test
    void noEligibleMemberLeavesEveryGroupWithoutOwner() {
        MemberState stopping = new MemberState("lb1", 100, false, true, false, Map.of("a", 1L));
        Map<String, String> o = spread(THREE, List.of(stopping));
        THREE.forEach(g -> assertEquals(null, o.get(g)));
        assertEquals(3, o.size());
    }

    @Test
    void aStoppingNodesGroupsGoToTheOthersAtOnce() {
        MemberState[] all = {m("lb1", 100), m("lb2", 100), m("lb3", 100)};
        Map<String, String> start = spread(THREE, List.of(all));
        List<MemberState> members = new ArrayList<>(holding(start, all));
        members.replaceAll(x -> x.name().equals("lb1")
                ? new MemberState("lb1", 100, false, true, false, x.holds())
                : new MemberState(x.name(), 100, true, true, false, x.holds()));
        Map<String, String> o = spread(THREE, members);
        assertTrue(o.values().stream().noneMatch("lb1"::equals), o.toString());
    }
}
