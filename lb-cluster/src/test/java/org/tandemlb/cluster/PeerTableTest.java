package org.tandemlb.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.jgroups.Address;
import org.jgroups.View;
import org.jgroups.util.UUID;
import org.junit.jupiter.api.Test;
import org.tandemlb.cluster.election.MemberState;

/** Which members' adverts count, for how long, and when a node must wait for news before it claims. */
class PeerTableTest {
    private static final long SECOND = TimeUnit.SECONDS.toNanos(1);
    private static final long STALE = 3 * SECOND;

    private final Address self = UUID.randomUUID();
    private final Address lb2 = UUID.randomUUID();
    private final PeerTable table = new PeerTable(STALE);
    private long now = 1_000 * SECOND;

    private static Messages.Advert advert(String name, boolean holding, List<String> macs) {
        return new Messages.Advert(
                new MemberState(name, 100, true, true, true, holding ? Map.of("default", 1L) : Map.of()),
                0,
                false,
                macs);
    }

    @Test
    void aMemberInTheViewCountsUntilItLeavesAndThenForStaleAfter() {
        table.viewChanged(View.create(self, 1, self, lb2), self, now);
        table.heard(lb2, advert("lb2", true, List.of()), now);
        now += 60 * SECOND;
        assertEquals(List.of("lb2"), names(table.counted(now)), "in the view: counts however old its advert");

        table.viewChanged(View.create(self, 2, self), self, now);
        assertEquals(List.of(), table.counted(now), "left the view: forgotten");
        assertEquals(Set.of(lb2), table.departed(), "but still advertised to");

        table.heard(lb2, advert("lb2", true, List.of()), now);
        now += STALE;
        assertEquals(List.of("lb2"), names(table.counted(now)), "heard from outside the view: counts for staleAfter");
        now += 1;
        assertEquals(List.of(), table.counted(now));

        now += 60 * SECOND;
        table.expire(now);
        assertEquals(Set.of(), table.departed(), "departed a minute ago: no more adverts to it");
    }

    @Test
    void aNewcomerMustAdvertiseInTheNewViewBeforeAClaim() {
        table.viewChanged(View.create(self, 1, self), self, now);
        table.heard(lb2, advert("lb2", false, List.of()), now);
        now += SECOND;
        assertFalse(table.awaitingNews(self, now));

        table.viewChanged(View.create(self, 2, self, lb2), self, now);
        assertTrue(table.awaitingNews(self, now), "lb2 is new in the view: its older advert may be out of date");
        now += SECOND;
        table.heard(lb2, advert("lb2", true, List.of()), now);
        assertFalse(table.awaitingNews(self, now));

        Address lb3 = UUID.randomUUID();
        table.viewChanged(View.create(self, 3, self, lb2, lb3), self, now);
        assertTrue(table.awaitingNews(self, now), "lb3 never advertised");
        assertFalse(table.awaitingNews(self, now + STALE), "the view is no longer recent: no more waiting");
    }

    @Test
    void afterAPauseOnlyTheViewKeepsAMemberCounted() {
        table.viewChanged(View.create(self, 1, self), self, now);
        table.heard(lb2, advert("lb2", true, List.of()), now);
        table.stale(now);
        assertEquals(List.of(), table.counted(now), "its advert predates the pause");
        table.heard(lb2, advert("lb2", true, List.of()), now);
        assertEquals(List.of("lb2"), names(table.counted(now)));
    }

    @Test
    void hardwareAddressesOfEveryMemberEverHeard() {
        assertTrue(table.neverHeard());
        table.viewChanged(View.create(self, 1, self, lb2), self, now);
        assertEquals(
                Optional.of(Set.of("02:00:00:00:00:02")),
                table.heard(lb2, advert("lb2", true, List.of("02:00:00:00:00:02")), now));
        assertEquals(
                Optional.empty(),
                table.heard(lb2, advert("lb2", true, List.of("02:00:00:00:00:02")), now),
                "unchanged");
        assertFalse(table.neverHeard());

        table.viewChanged(View.create(self, 2, self), self, now);
        assertEquals("lb2", table.ownerOf("02:00:00:00:00:02").orElseThrow().name(), "remembered after it left");
        assertEquals(Optional.empty(), table.ownerOf("02:00:00:00:00:09"), "a stranger");
    }

    private static List<String> names(List<MemberState> members) {
        return members.stream().map(MemberState::name).toList();
    }
}
