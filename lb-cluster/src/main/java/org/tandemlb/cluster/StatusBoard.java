package org.tandemlb.cluster;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tandemlb.cluster.ClusterStatus.Role;
import org.tandemlb.cluster.election.MemberState;

/**
 * The cluster as a node sees it, published by its actor after each election and read from any
 * thread; listeners hear of each change of this node's role.
 */
final class StatusBoard {
    private static final Logger log = LoggerFactory.getLogger(StatusBoard.class);

    private final ClusterConfig config;
    private final List<Consumer<ClusterStatus>> listeners;
    private volatile ClusterStatus status;
    /** Written by the actor only. */
    private Role lastRole = Role.JOINING;

    StatusBoard(ClusterConfig config, List<Consumer<ClusterStatus>> listeners) {
        this.config = config;
        this.listeners = List.copyOf(listeners);
        this.status = new ClusterStatus(
                config.node(),
                Role.JOINING,
                List.of(new ClusterStatus.Member(config.node(), config.priority(), Role.JOINING, false, true)),
                vips(null));
    }

    /** The latest status. */
    ClusterStatus status() {
        return status;
    }

    /** Publishes what the actor decided: whether this node holds the VIPs, and the members. */
    void publish(boolean holding, List<MemberState> members) {
        Role role = holding ? Role.ACTIVE : Role.STANDBY;
        List<ClusterStatus.Member> list = new ArrayList<>();
        String owner = null;
        for (MemberState m : members) {
            boolean self = m.name().equals(config.node());
            list.add(new ClusterStatus.Member(
                    m.name(), m.priority(), m.holding() ? Role.ACTIVE : Role.STANDBY, m.ready(), self));
            if (m.holding() && (owner == null || self)) {
                owner = m.name();
            }
        }
        ClusterStatus next = new ClusterStatus(config.node(), role, list, vips(owner));
        status = next;
        if (role != lastRole) {
            lastRole = role;
            for (Consumer<ClusterStatus> l : listeners) {
                try {
                    l.accept(next);
                } catch (RuntimeException e) {
                    log.warn("cluster status listener failed", e);
                }
            }
        }
    }

    private List<ClusterStatus.Vip> vips(String owner) {
        return config.vips().stream()
                .map(v -> new ClusterStatus.Vip(v.cidr(), v.driver().configName(), owner))
                .toList();
    }
}
