package org.tandemlb.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.tandemlb.cluster.ClusterStatus.Role;
import org.tandemlb.cluster.election.Election;
import org.tandemlb.cluster.election.MemberState;
import org.tandemlb.core.config.HostPort;

/** What the status API shows of VIP groups: owner and candidates per group, the VIPs' groups, the role. */
class StatusBoardTest {
    private final ClusterConfig config = ClusterConfig.builder("lb1", HostPort.parse("127.0.0.1:7801"), "s")
            .peer(HostPort.parse("127.0.0.1:7801"))
            .vip(VipConfig.linux("203.0.113.10", 24, "eth0").inGroup("a"))
            .vip(VipConfig.linux("203.0.113.11", 24, "eth0").inGroup("b"))
            .vip(VipConfig.linux("203.0.113.12", 24, "eth0").inGroup("b"))
            .build();
    private final List<ClusterStatus> heard = new ArrayList<>();
    private final StatusBoard board = new StatusBoard(config, List.of(heard::add));

    private void publish(MemberState me, MemberState... others) {
        List<MemberState> members = new ArrayList<>(List.of(me));
        members.addAll(List.of(others));
        board.publish(me, members, Election.assign(config.groups(), members, true, false), Election.eligible(members));
    }

    @Test
    void eachGroupHasItsOwnerAndCandidatesAndTheNodeIsActiveWithOneGroup() {
        assertEquals(Role.JOINING, board.status().role());
        MemberState me = new MemberState("lb1", 100, true, true, true, Map.of("a", 3L));
        MemberState lb2 = new MemberState("lb2", 100, true, true, true, Map.of("b", 4L));
        MemberState lb3 = new MemberState("lb3", 100, false, true, false, Map.of());
        publish(me, lb2, lb3);
        ClusterStatus s = board.status();
        assertEquals(Role.ACTIVE, s.role());
        assertEquals(
                List.of(
                        new ClusterStatus.Group("a", "lb1", List.of("lb1", "lb2")),
                        new ClusterStatus.Group("b", "lb2", List.of("lb1", "lb2"))),
                s.groups());
        assertEquals(
                List.of(
                        new ClusterStatus.Vip("203.0.113.10/24", "linux", "lb1", "a"),
                        new ClusterStatus.Vip("203.0.113.11/24", "linux", "lb2", "b"),
                        new ClusterStatus.Vip("203.0.113.12/24", "linux", "lb2", "b")),
                s.vips());
        assertEquals(
                List.of(Role.ACTIVE, Role.ACTIVE, Role.STANDBY),
                s.members().stream().map(ClusterStatus.Member::role).toList());
        assertEquals(1, heard.size(), "told once: joining -> active");

        // It releases its group: standby, group a has no owner until lb2 claims it.
        publish(new MemberState("lb1", 100, false, true, false, Map.of()), lb2, lb3);
        assertEquals(Role.STANDBY, board.status().role());
        assertEquals(
                new ClusterStatus.Group("a", null, List.of("lb2")),
                board.status().groups().get(0));
        assertEquals(2, heard.size());
    }
}
