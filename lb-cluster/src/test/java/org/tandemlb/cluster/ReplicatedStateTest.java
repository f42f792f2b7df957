package org.tandemlb.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.tandemlb.cluster.ServerChange.Field;

class ReplicatedStateTest {

    @Test
    void theLatestChangeWinsWhateverTheOrderOfArrival() {
        ServerChange early = new ServerChange("web", "web1", Field.STATE, 1, 3, "lb1");
        ServerChange late = new ServerChange("web", "web1", Field.STATE, 0, 4, "lb2");
        ReplicatedState a = new ReplicatedState();
        ReplicatedState b = new ReplicatedState();
        assertTrue(a.merge(early));
        assertTrue(a.merge(late));
        assertTrue(b.merge(late));
        assertFalse(b.merge(early), "an older change arriving late is ignored");
        assertEquals(a.all(), b.all());
        assertEquals(0, a.get("web", "web1", Field.STATE).value());
    }

    @Test
    void equalClocksAreOrderedByNodeName() {
        ReplicatedState s = new ReplicatedState();
        s.merge(new ServerChange("web", "web1", Field.WEIGHT, 10, 5, "lb2"));
        assertFalse(s.merge(new ServerChange("web", "web1", Field.WEIGHT, 20, 5, "lb1")));
        assertTrue(s.merge(new ServerChange("web", "web1", Field.WEIGHT, 30, 5, "lb3")));
        assertEquals(30, s.get("web", "web1", Field.WEIGHT).value());
    }

    @Test
    void aLocalChangeIsStampedAfterEverythingSeen() {
        ReplicatedState s = new ReplicatedState();
        s.merge(new ServerChange("web", "web1", Field.STATE, 1, 41, "lb2"));
        ServerChange mine = s.local("web", "web1", Field.STATE, 2, "lb1");
        assertEquals(42, mine.clock());
        assertEquals(List.of(mine), s.all());
    }

    @Test
    void stateAndWeightAreSeparateSettings() {
        ReplicatedState s = new ReplicatedState();
        s.local("web", "web1", Field.STATE, 1, "lb1");
        s.local("web", "web1", Field.WEIGHT, 50, "lb1");
        assertEquals(2, s.all().size());
    }
}
