package org.tandemlb.cluster.election;

import java.util.List;
import java.util.Optional;

/**
 * Who should be active (docs/cluster.md, "Election"), from the members' advertised states. Pure: no clock, no
 * network; every member runs it on what it knows and acts for itself only.
 *
 * <ol>
 * <li>Eligible members: {@linkplain MemberState#ready() ready}, and with a server up in their
 * backends unless no other candidate has one either (a node whose backends are all down does not
 * keep the VIPs from a peer that could serve).</li>
 * <li>If eligible members hold the VIPs, the holder keeps them, so a healed partition does not
 * flap: among several holders (both sides of a healed partition), the latest claim wins (highest
 * epoch), then the higher rank. With {@code preempt}, an eligible member of strictly higher
 * priority than the holder takes over.</li>
 * <li>Otherwise the highest priority wins, then the lowest name.</li>
 * </ol>
 */
public final class Election {

    private Election() {}

    /**
     * The member that should hold the VIPs, or empty when no member is eligible.
     *
     * @param members every member known to be alive, this node included
     * @param preempt whether a higher priority takes over from a holder
     */
    public static Optional<MemberState> winner(List<MemberState> members, boolean preempt) {
        List<MemberState> ready = members.stream().filter(MemberState::ready).toList();
        List<MemberState> eligible =
                ready.stream().filter(m -> eligible(m, ready)).toList();
        Optional<MemberState> best = eligible.stream().min(MemberState.RANK);
        Optional<MemberState> holder =
                eligible.stream().filter(MemberState::holding).min(MemberState.HOLDER);
        if (holder.isEmpty()) {
            return best;
        }
        if (preempt && best.get().priority() > holder.get().priority()) {
            return best;
        }
        return holder;
    }

    /** Whether {@code m} may be elected, given the other ready members. */
    static boolean eligible(MemberState m, List<MemberState> ready) {
        return m.serversUp() || ready.stream().noneMatch(o -> o != m && o.serversUp());
    }
}
