package org.tandemlb.cluster;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.util.HashMap;
import java.util.Map;
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
 * A reload of the cluster section registers the meters of the VIPs and groups it adds and removes
 * those of the ones it removes.
 */
public final class ClusterMetrics implements MeterBinder {
    private final ClusterNode node;
    /** The per-VIP gauges and per-group counters registered, by VIP and group (reloads add and remove them). */
    private final Map<VipConfig, Meter> vips = new HashMap<>();

    private final Map<String, Meter> groups = new HashMap<>();

    public ClusterMetrics(ClusterNode node) {
        this.node = Objects.requireNonNull(node);
    }

    /** Registers the meters; those per VIP and per group follow the reloads of the cluster section. */
    @Override
    public void bindTo(MeterRegistry registry) {
        Gauge.builder("tandem.cluster.active", node, n -> n.active() ? 1 : 0)
                .description("1 while this node holds VIPs (at least one group)")
                .register(registry);
        Gauge.builder("tandem.cluster.members", node, n -> n.status().members().size())
                .description("Cluster members this node sees alive, itself included")
                .register(registry);
        follow(registry, node.config());
        // Last: once it is there, every meter is (a scraper waiting for the cluster's meters waits for it).
        FunctionCounter.builder("tandem.cluster.failovers", node, ClusterNode::failovers)
                .description("Times this node took a VIP group over from an earlier holder, all groups together")
                .register(registry);
        node.onReconfigured(c -> follow(registry, c));
    }

    /** Registers the meters of the VIPs and groups of {@code config} not registered yet, removes the others'. */
    private synchronized void follow(MeterRegistry registry, ClusterConfig config) {
        // A VIP changed in place (its group, its driver) keeps its address: its gauge is replaced.
        vips.entrySet().removeIf(e -> {
            boolean gone = !config.vips().contains(e.getKey());
            if (gone) {
                registry.remove(e.getValue());
            }
            return gone;
        });
        for (VipConfig v : config.vips()) {
            vips.computeIfAbsent(
                    v,
                    x -> Gauge.builder("tandem.vip.owned", node, n -> n.owns(x) ? 1 : 0)
                            .tag("vip", x.cidr())
                            .description("1 while this node holds the VIP (bgp: announces it)")
                            .register(registry));
        }
        groups.entrySet().removeIf(e -> {
            boolean gone = !config.groups().contains(e.getKey());
            if (gone) {
                registry.remove(e.getValue());
            }
            return gone;
        });
        for (String g : config.groups()) {
            groups.computeIfAbsent(
                    g,
                    x -> FunctionCounter.builder("tandem.cluster.group.failovers", node, n -> n.failovers(x))
                            .tag("group", x)
                            .description("Times this node took the VIP group over from an earlier holder")
                            .register(registry));
        }
    }
}
