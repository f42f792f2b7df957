package org.tandemlb.admin.cluster;

import java.util.Objects;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import java.util.stream.Collectors;
import org.tandemlb.cluster.ClusterStatus;
import org.tandemlb.core.history.EventLog;
import org.tandemlb.core.history.EventType;

/**
 * Puts this node's cluster role changes into the engine's event log ({@code cluster_role}), and a
 * {@code failover} when it became active by taking the VIPs over from an earlier holder. A
 * listener of the cluster node: called on the node's own thread at each change of role; it only
 * records.
 */
public final class ClusterEvents implements Consumer<ClusterStatus> {
    private final EventLog events;
    private final LongSupplier failovers;
    /** Written on the cluster node's thread only. */
    private ClusterStatus.Role previous = ClusterStatus.Role.JOINING;

    private long failoversSeen;

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
        // The VIPs this node holds (with VIP groups, not necessarily all of them).
        String vips = status.vips().stream()
                .filter(v -> status.node().equals(v.owner()))
                .map(ClusterStatus.Vip::address)
                .collect(Collectors.joining(", "));
        events.record(
                EventType.CLUSTER_ROLE,
                status.node(),
                status.role().apiName() + " (was " + previous.apiName() + ")"
                        + (status.role() == ClusterStatus.Role.ACTIVE && !vips.isEmpty() ? ": holds " + vips : ""));
        long count = failovers.getAsLong();
        if (status.role() == ClusterStatus.Role.ACTIVE && count > failoversSeen) {
            events.record(
                    EventType.FAILOVER, status.node(), "took the VIPs over" + (vips.isEmpty() ? "" : ": " + vips));
        }
        failoversSeen = count;
        previous = status.role();
    }
}
