package org.tandemlb.cluster.election;

import java.util.Comparator;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * What a member says about itself in its adverts, the input of the {@link Election}.
 *
 * @param name      the node's name, unique in the cluster
 * @param priority  0 to 255, higher wins
 * @param ready     whether it may hold VIPs at all: its frontends are bound, its tiebreaker
 *                  answers (when one is set), it is not stopping and not recovering from a pause
 * @param serversUp whether at least one server of its backends is up (true without backends)
 * @param settled   whether it has been ready, with a server up, for its {@code preempt_delay}
 *                  without interruption: only a settled member takes a group from a live holder
 * @param holds     the VIP groups it holds now, each with the epoch of its hold: one more than the
 *                  highest epoch it had seen when it claimed, so that the latest claim is the highest
 */
public record MemberState(
        String name, int priority, boolean ready, boolean serversUp, boolean settled, Map<String, Long> holds) {

    /**
     * The order of rank between members: higher priority first, then the lower name. A total
     * order: names are unique.
     */
    public static final Comparator<MemberState> RANK =
            Comparator.comparingInt(MemberState::priority).reversed().thenComparing(MemberState::name);

    public MemberState {
        Objects.requireNonNull(name, "name");
        holds = new TreeMap<>(holds);
        holds = java.util.Collections.unmodifiableMap(holds);
    }

    /** Whether it holds {@code group}. */
    public boolean holding(String group) {
        return holds.containsKey(group);
    }

    /** Whether it holds any group. */
    public boolean holding() {
        return !holds.isEmpty();
    }

    /** The epoch of its hold of {@code group}, 0 when it does not hold it. */
    public long epoch(String group) {
        return holds.getOrDefault(group, 0L);
    }

    /**
     * The order between holders of {@code group}: the latest claim (highest epoch) first, then
     * {@link #RANK}.
     */
    public static Comparator<MemberState> holderOrder(String group) {
        return Comparator.<MemberState>comparingLong(m -> m.epoch(group))
                .reversed()
                .thenComparing(RANK);
    }
}
