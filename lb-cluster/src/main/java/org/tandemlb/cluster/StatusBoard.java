package org.tandemlb.cluster;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tandemlb.cluster.ClusterStatus.Role;
import org.tandemlb.cluster.election.MemberState;

/**
 * The cluster as a node sees it, published by its actor after each election and read from any
 * thread; listeners hear of each change of this node's role (active: it holds at least one group)
 * or of the groups it holds.
 */
final class StatusBoard {
    private static final Logger log = LoggerFactory.getLogger(StatusBoard.class);

    /** Replaced by a reload (on the actor). */
    private volatile ClusterConfig config;

    private final List<Consumer<ClusterStatus>> listeners;
    private volatile ClusterStatus status;
    /** Written by the actor only. */
    private Role lastRole = Role.JOINING;
    /** Written by the actor only. */
    private Set<String> lastHeld = Set.of();

    StatusBoard(ClusterConfig config, List<Consumer<ClusterStatus>> listeners) {
        this.config = config;
        this.listeners = List.copyOf(listeners);
        this.status = joining();
    }

    private ClusterStatus joining() {
        return new ClusterStatus(
                config.node(),
                Role.JOINING,
                List.of(new ClusterStatus.Member(config.node(), config.priority(), Role.JOINING, false, true)),
                vips(Map.of()),
                config.groups().stream()
                        .map(g -> new ClusterStatus.Group(g, null, List.of()))
                        .toList());
    }

    /**
     * A reload, on the actor: the groups and VIPs of {@code next} from the next {@link #publish}
     * on, which the actor runs at once once the node is in a view; before that, the joining status
     * shows them now.
     */
    void reconfigured(ClusterConfig next) {
        config = next;
        if (lastRole == Role.JOINING) {
            status = joining();
        }
    }

    /** The latest status. */
    ClusterStatus status() {
        return status;
    }

    /**
     * Publishes what the actor decided.
     *
     * @param me       this node's state (what it holds)
     * @param members  every member counted, this node first
     * @param elected  the election's answer per group
     * @param eligible the members able to take a group
     */
    void publish(
            MemberState me,
            List<MemberState> members,
            Map<String, Optional<MemberState>> elected,
            List<MemberState> eligible) {
        Role role = me.holding() ? Role.ACTIVE : Role.STANDBY;
        List<ClusterStatus.Member> list = new ArrayList<>();
        for (MemberState m : members) {
            list.add(new ClusterStatus.Member(
                    m.name(), m.priority(), m.holding() ? Role.ACTIVE : Role.STANDBY, m.ready(), m == me));
        }
        // The owner of a group: this node when it holds it, else the holder the election keeps
        // (the latest claim), else any member that says it holds it (not eligible any more).
        Map<String, String> owners = new TreeMap<>();
        List<ClusterStatus.Group> groups = new ArrayList<>();
        List<String> candidates = eligible.stream().map(MemberState::name).toList();
        for (String g : config.groups()) {
            String owner = me.holding(g)
                    ? me.name()
                    : elected.getOrDefault(g, Optional.empty())
                            .filter(w -> w.holding(g))
                            .map(MemberState::name)
                            .orElseGet(() -> members.stream()
                                    .filter(m -> m.holding(g))
                                    .map(MemberState::name)
                                    .findFirst()
                                    .orElse(null));
            if (owner != null) {
                owners.put(g, owner);
            }
            groups.add(new ClusterStatus.Group(g, owner, candidates));
        }
        ClusterStatus next = new ClusterStatus(config.node(), role, list, vips(owners), groups);
        status = next;
        if (role != lastRole || !me.holds().keySet().equals(lastHeld)) {
            lastRole = role;
            lastHeld = Set.copyOf(me.holds().keySet());
            for (Consumer<ClusterStatus> l : listeners) {
                try {
                    l.accept(next);
                } catch (RuntimeException e) {
                    log.warn("cluster status listener failed", e);
                }
            }
        }
    }

    private List<ClusterStatus.Vip> vips(Map<String, String> owners) {
        return config.vips().stream()
                .map(v -> v.elected()
                        ? new ClusterStatus.Vip(v.cidr(), v.driver().configName(), owners.get(v.group()), v.group())
                        : new ClusterStatus.Vip(v.cidr(), v.driver().configName(), null, null))
                .toList();
    }
}
