package org.tandemlb.cluster;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.util.Objects;

/**
 * The cluster's metrics (docs/admin-api.md), on the registry the caller owns:
 * <ul>
 * <li>{@code tandem_cluster_active}: 1 while this node holds VIPs (at least one group)</li>
 * <li>{@code tandem_cluster_members}: the members this node sees alive, itself included</li>
 * <li>{@code tandem_vip_owned{vip}}: 1 per VIP this node holds, that is whose group it holds, or
 * announces for a {@code bgp} VIP ({@code vip} is the address as configured; a bounded set)</li>
 * <li>{@code tandem_cluster_failovers_total}: how many times this node took a VIP group over from an
 * earlier holder (a crash, a handover), all groups together; summed over the nodes, the cluster's
 * failovers. Unlabelled, as before groups, so that existing alert rules keep working</li>
 * <li>{@code tandem_cluster_group_failovers_total{group}}: the same per group ({@code group} is a
 * configured group name: a bounded set)</li>
 * </ul>
 */
public final class ClusterMetrics implements MeterBinder {
    private final ClusterNode node;

    public ClusterMetrics(ClusterNode node) {
        this.node = Objects.requireNonNull(node);
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        Gauge.builder("tandem.cluster.active", node, n -> n.active() ? 1 : 0)
                .description("1 while this node holds VIPs (at least one group)")
                .register(registry);
        Gauge.builder("tandem.cluster.members", node, n -> n.status().members().size())
                .description("Cluster members this node sees alive, itself included")
                .register(registry);
        for (VipConfig v : node.config().vips()) {
            Gauge.builder("tandem.vip.owned", node, n -> n.owns(v) ? 1 : 0)
                    .tag("vip", v.cidr())
                    .description("1 while this node holds the VIP (bgp: announces it)")
                    .register(registry);
        }
        FunctionCounter.builder("tandem.cluster.failovers", node, ClusterNode::failovers)
                .description("Times this node took a VIP group over from an earlier holder, all groups together")
                .register(registry);
        for (String g : node.config().groups()) {
            FunctionCounter.builder("tandem.cluster.group.failovers", node, n -> n.failovers(g))
                    .tag("group", g)
                    .description("Times this node took the VIP group over from an earlier holder")
                    .register(registry);
        }
    }
}
