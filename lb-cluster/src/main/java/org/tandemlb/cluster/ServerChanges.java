package org.tandemlb.cluster;

import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tandemlb.core.LoadBalancer;
import org.tandemlb.core.backend.AdminState;
import org.tandemlb.core.backend.Backend;
import org.tandemlb.core.backend.Server;
import org.tandemlb.core.config.ServerConfig;

/**
 * The replication of runtime changes of servers (admin state, weight) on a {@link ClusterNode}:
 * changes made here are recorded and applied at once, changes received from the members are
 * merged (last writer wins, {@link ReplicatedState}) and applied when newer, and a reload applies
 * them all again on top of the new configuration. The node sends and receives the messages; this
 * class keeps the state and applies it. Thread-safe: one lock orders the applications.
 */
final class ServerChanges {
    private static final Logger log = LoggerFactory.getLogger(ServerChanges.class);

    private final LoadBalancer lb;
    private final String node;
    private final ReplicatedState replicated = new ReplicatedState();
    private final Object applyLock = new Object();
    private final Runnable onMerged;

    /** @param onMerged told after changes received from a member were applied */
    ServerChanges(LoadBalancer lb, String node, Runnable onMerged) {
        this.lb = lb;
        this.node = node;
        this.onMerged = onMerged;
    }

    /**
     * A change made on this node: checked, recorded and applied; returns the changes to send.
     *
     * @throws IllegalArgumentException when there is no such server or the weight is out of range
     */
    List<ServerChange> local(String backend, String server, AdminState state, Integer weight) {
        Backend b = lb.backend(backend);
        Server s = b == null ? null : b.server(server);
        if (s == null) {
            throw new IllegalArgumentException("no server " + backend + "/" + server);
        }
        if (weight != null && (weight < 0 || weight > ServerConfig.MAX_WEIGHT)) {
            throw new IllegalArgumentException("weight " + weight + " is out of range 0-" + ServerConfig.MAX_WEIGHT);
        }
        List<ServerChange> changes = new ArrayList<>();
        synchronized (applyLock) {
            if (state != null) {
                changes.add(replicated.local(backend, server, ServerChange.Field.STATE, state.ordinal(), node));
            }
            if (weight != null) {
                changes.add(replicated.local(backend, server, ServerChange.Field.WEIGHT, weight, node));
            }
            changes.forEach(this::applyToServer);
        }
        return changes;
    }

    /** Changes received from a member: each one newer than what is known is applied. */
    void merge(List<ServerChange> changes) {
        boolean applied = false;
        synchronized (applyLock) {
            for (ServerChange change : changes) {
                if (replicated.merge(change)) {
                    applyToServer(change);
                    applied = true;
                }
            }
        }
        if (applied) {
            onMerged.run();
        }
    }

    /** Applies every known change again (after a reload). */
    void reapply() {
        synchronized (applyLock) {
            replicated.all().forEach(this::applyToServer);
        }
    }

    /** Every known change. */
    List<ServerChange> all() {
        return replicated.all();
    }

    private void applyToServer(ServerChange c) {
        Backend b = lb.backend(c.backend());
        Server s = b == null ? null : b.server(c.server());
        if (s == null) {
            log.debug("change for unknown server {}/{} kept for later", c.backend(), c.server());
            return;
        }
        switch (c.field()) {
            case STATE -> {
                AdminState[] states = AdminState.values();
                if (c.value() >= 0 && c.value() < states.length) {
                    s.setAdminState(states[c.value()]);
                }
            }
            case WEIGHT -> {
                if (c.value() >= 0 && c.value() <= ServerConfig.MAX_WEIGHT && s.targetWeight() != c.value()) {
                    s.setWeight(c.value());
                    log.info("server {} weight is now {} (set on {})", s, c.value(), c.origin());
                }
            }
        }
    }
}
