package org.tandemlb.admin.daemon;

import java.util.function.LongSupplier;
import org.tandemlb.admin.api.AdminMetrics;
import org.tandemlb.admin.cluster.ClusterEvents;
import org.tandemlb.admin.config.TandemConfig;
import org.tandemlb.cluster.ClusterException;
import org.tandemlb.cluster.ClusterMetrics;
import org.tandemlb.cluster.ClusterNode;
import org.tandemlb.cluster.vip.VipException;
import org.tandemlb.core.LoadBalancer;
import org.tandemlb.core.LoadBalancerException;

/**
 * How the daemon joins its load balancer to the cluster membership of its {@code cluster}
 * section: the node built around the started load balancer, with the daemon's event log and
 * state file listening to it; the node started with its meters; and systemd told the daemon is
 * ready once the node is (active, or a ready standby).
 */
final class ClusterWiring {
    private ClusterWiring() {}

    /**
     * The cluster node of {@code config}'s {@code cluster} section around {@code lb}, not started.
     *
     * @param kept      the state file, which keeps the changes made on the other members; null for none
     * @param failovers the node's count of failovers, for the event log
     */
    static ClusterNode build(TandemConfig config, LoadBalancer lb, StateFile kept, LongSupplier failovers) {
        ClusterNode.Builder nb = ClusterNode.builder(config.cluster(), lb, config.loadBalancer())
                .listener(new ClusterEvents(lb.events(), failovers));
        if (kept != null) {
            nb.serverChangeListener(kept::changed); // changes made on the other members
        }
        return nb.build();
    }

    /**
     * Binds the cluster port and starts joining (the join goes on in the background, bounded); a
     * VIP driver that lacks what it needs, or a cluster port that cannot be bound, fails the start
     * with its one-line reason.
     */
    static void start(ClusterNode node, AdminMetrics registry) {
        try {
            node.start();
        } catch (VipException | ClusterException e) {
            throw new LoadBalancerException(e.getMessage(), e);
        }
        new ClusterMetrics(node).bindTo(registry.registry());
    }

    /** Tells systemd the daemon is ready: at once for a solo node (null), else once the node has joined. */
    static void announceReady(ClusterNode node, SystemdNotify notify) {
        if (node == null) {
            notify.ready(); // the frontends listen
        } else {
            node.joined().whenComplete((joined, e) -> notify.ready()); // active or a ready standby
        }
    }
}
