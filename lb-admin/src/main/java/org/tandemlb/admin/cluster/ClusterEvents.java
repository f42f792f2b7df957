package org.tandemlb.admin.cluster;

import java.util.List;
import java.util.Objects;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import org.tandemlb.cluster.ClusterStatus;
import org.tandemlb.core.history.EventLog;
import org.tandemlb.core.history.EventType;

/**
 * Puts this node's cluster role changes into the engine's event log ({@code cluster_role}), and a
 * {@code failover} when it took VIPs over from an earlier holder (with VIP groups, also while it
 * was already active for another group). A listener of the cluster node: called on the node's own
 * thread at each change of its role or of the groups it holds; it only records.
 */
public final class ClusterEvents implements Consumer<ClusterStatus> {
    private final EventLog events;
    private final LongSupplier failovers;
    /** Written on the cluster node's thread only. */
    private ClusterStatus.Role previous = ClusterStatus.Role.JOINING;

    private long failoversSeen;
    /** The VIPs this node held at the last change. */
    private List<String> previousVips = List.of();

    /**
     * @param events    where to record
     * @param failovers the node's count of failovers ({@code ClusterNode::failovers}), read at
     *                  each change
     */
    public ClusterEvents(EventLog events, LongSupplier failovers) {
        this.events = Objects.requireNonNull(events, "events");
        this.failovers = Objects.requireNonNull(failovers, "failovers");
    }

    @Override
    public void accept(ClusterStatus status) {
        // The VIPs this node holds (with VIP groups, not necessarily all of them), and those it
        // did not hold at the last change.
        List<String> held = status.vips().stream()
                .filter(v -> status.node().equals(v.owner()))
                .map(ClusterStatus.Vip::address)
                .toList();
        List<String> taken =
                held.stream().filter(v -> !previousVips.contains(v)).toList();
        String vips = String.join(", ", held);
        if (status.role() != previous) {
            events.record(
                    EventType.CLUSTER_ROLE,
                    status.node(),
                    status.role().apiName() + " (was " + previous.apiName() + ")"
                            + (status.role() == ClusterStatus.Role.ACTIVE && !vips.isEmpty() ? ": holds " + vips : ""));
        }
        long count = failovers.getAsLong();
        if (status.role() == ClusterStatus.Role.ACTIVE && count > failoversSeen) {
            String what = String.join(", ", taken.isEmpty() ? held : taken);
            events.record(
                    EventType.FAILOVER, status.node(), "took the VIPs over" + (what.isEmpty() ? "" : ": " + what));
        }
        failoversSeen = count;
        previous = status.role();
        previousVips = held;
    }
}
