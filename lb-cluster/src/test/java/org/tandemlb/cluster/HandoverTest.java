package org.tandemlb.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** How long a holder that lost the election keeps the VIPs: make-before-break, within a limit. */
class HandoverTest {
    private static final long MS = TimeUnit.MILLISECONDS.toNanos(1);
    private final Handover handover = new Handover();
    private long now = 1_000_000 * MS;

    @Test
    void aPlannedHandoverWaitsForThePeerThenOverlaps() {
        assertFalse(handover.otherHolding(false, now));
        assertEquals(Handover.LIMIT, handover.keepFor(true, false, now), "the peer has not claimed yet");
        now += 1_000 * MS;
        assertEquals(Handover.LIMIT - 1_000 * MS, handover.keepFor(true, false, now));

        assertTrue(handover.otherHolding(true, now), "the peer claims");
        assertFalse(handover.otherHolding(true, now + MS), "said once");
        assertEquals(Handover.OVERLAP, handover.keepFor(true, true, now), "both hold for the overlap");
        now += Handover.OVERLAP - MS;
        assertEquals(MS, handover.keepFor(true, true, now));
        now += MS;
        assertEquals(-1, handover.keepFor(true, true, now), "then this node releases");
    }

    @Test
    void aPeerThatNeverClaimsIsWaitedForUpToTheLimit() {
        handover.keepFor(true, false, now);
        now += Handover.LIMIT - MS;
        assertEquals(MS, handover.keepFor(true, false, now));
        now += MS;
        assertEquals(-1, handover.keepFor(true, false, now));
        handover.elected();
        assertEquals(Handover.LIMIT, handover.keepFor(true, false, now), "elected again: a new handover starts over");
    }

    @Test
    void anythingElseReleasesAtOnce() {
        assertEquals(-1, handover.keepFor(false, false, now));
        handover.otherHolding(true, now);
        assertEquals(-1, handover.keepFor(false, true, now));
    }
}
