package org.tandemlb.cluster;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.jgroups.Address;
import org.jgroups.View;
import org.jgroups.util.UUID;
import org.junit.jupiter.api.Test;
import org.tandemlb.cluster.election.MemberState;
import org.tandemlb.core.config.HostPort;

/** Who releases when another host answers for a VIP this node holds. */
class AddressConflictsTest {
    private static final String LB2_MAC = "02:00:00:00:00:02";
    private final ClusterConfig config = ClusterConfig.builder("lb1", HostPort.parse("127.0.0.1:7801"), "s")
            .peer(HostPort.parse("127.0.0.1:7801"))
            .peer(HostPort.parse("127.0.0.1:7802"))
            .priority(100)
            .build();
    private final VipConfig vip = VipConfig.bind("127.0.0.10");
    private final PeerTable peers = new PeerTable(TimeUnit.SECONDS.toNanos(3));
    private final AddressConflicts conflicts = new AddressConflicts(config, peers);
    private final long now = TimeUnit.SECONDS.toNanos(1_000);

    private void lb2Holds(long epoch) {
        Address self = UUID.randomUUID();
        Address lb2 = UUID.randomUUID();
        peers.viewChanged(View.create(self, 1, self, lb2), self, now);
        peers.heard(
                lb2,
                new Messages.Advert(
                        new MemberState("lb2", 100, true, true, true, Map.of(VipConfig.DEFAULT_GROUP, epoch)),
                        epoch,
                        false,
                        List.of(LB2_MAC)),
                now);
    }

    @Test
    void theLaterClaimKeepsTheVip() {
        lb2Holds(5);
        assertTrue(conflicts.outranked(vip, LB2_MAC, true, 4, now), "lb2 claimed later");
        assertFalse(conflicts.outranked(vip, LB2_MAC, true, 6, now), "lb1 claimed later: lb2 releases");
        assertFalse(conflicts.outranked(vip, LB2_MAC, false, 0, now), "lb1 does not hold: nothing to release");
    }

    @Test
    void theSameEpochGoesToTheHigherRank() {
        lb2Holds(5);
        assertFalse(conflicts.outranked(vip, LB2_MAC, true, 5, now), "same priority: lb1 ranks first by name");
    }

    @Test
    void aHostOutsideTheClusterIsNoReasonToRelease() {
        lb2Holds(5);
        assertFalse(conflicts.outranked(vip, "02:00:00:00:00:99", true, 1, now));
    }
}
