package org.tandemlb.cluster.election;

import java.util.Comparator;
import java.util.Objects;

/**
 * What a member says about itself in its adverts, the input of the {@link Election}.
 *
 * @param name         the node's name, unique in the cluster
 * @param priority     0 to 255, higher wins
 * @param ready        whether it may hold the VIPs at all: its frontends are bound, its tiebreaker
 *                     answers (when one is set), it is not stopping and not recovering from a pause
 * @param serversUp    whether at least one server of its backends is up (true without backends)
 * @param holding      whether it holds the VIPs now
 * @param epoch        the epoch of its hold when holding: one more than the highest epoch it had
 *                     seen when it claimed, so that the latest claim is the highest (0 otherwise)
 */
public record MemberState(String name, int priority, boolean ready, boolean serversUp, boolean holding, long epoch) {

    /**
     * The order of rank between members: higher priority first, then the lower name. A total
     * order: names are unique.
     */
    public static final Comparator<MemberState> RANK =
            Comparator.comparingInt(MemberState::priority).reversed().thenComparing(MemberState::name);

    /**
     * The order between holders: the latest claim (highest epoch) first, then {@link #RANK}.
     */
    public static final Comparator<MemberState> HOLDER =
            Comparator.comparingLong(MemberState::epoch).reversed().thenComparing(RANK);

    public MemberState {
        Objects.requireNonNull(name, "name");
    }
}
