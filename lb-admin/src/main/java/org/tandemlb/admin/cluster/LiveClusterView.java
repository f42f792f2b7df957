package org.tandemlb.admin.cluster;

import java.util.List;
import java.util.Objects;
import org.tandemlb.admin.api.ClusterView;
import org.tandemlb.cluster.ClusterNode;
import org.tandemlb.cluster.ClusterStatus;

/**
 * The status API's view of a running cluster node: answers from the node's last snapshot (kept up
 * to date by the node's own thread), so it never blocks the admin event loop.
 */
public final class LiveClusterView implements ClusterView {
    private final ClusterNode node;

    public LiveClusterView(ClusterNode node) {
        this.node = Objects.requireNonNull(node);
    }

    @Override
    public Role role() {
        return switch (node.status().role()) {
            case ACTIVE -> Role.ACTIVE;
            case STANDBY -> Role.STANDBY;
            case JOINING -> Role.JOINING;
        };
    }

    @Override
    public List<String> members() {
        return node.status().members().stream().map(ClusterStatus.Member::name).toList();
    }

    @Override
    public List<Vip> vips() {
        return node.status().vips().stream()
                .map(v ->
                        new Vip(v.address(), v.owner(), v.group(), v.driver().equals("bgp") ? v.owner() != null : null))
                .toList();
    }

    @Override
    public List<Group> groups() {
        return node.status().groups().stream()
                .map(g -> new Group(g.name(), g.owner(), g.candidates()))
                .toList();
    }
}
