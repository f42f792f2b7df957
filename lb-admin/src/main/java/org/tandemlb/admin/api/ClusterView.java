package org.tandemlb.admin.api;

import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * What the status API and the status page show of the cluster: this node's role, the members and
 * who holds each VIP. A node without a {@code cluster} section uses {@link #solo}; the cluster
 * layer supplies a live view instead.
 *
 * <p>Implementations are called on the admin server's event loop for every status request: they
 * answer from memory (a snapshot the cluster layer keeps up to date), never by asking the peers.
 */
public interface ClusterView {

    /** This node's place in the cluster, as {@code cluster.role} in the status API. */
    enum Role {
        /** Holds the VIPs. */
        ACTIVE,
        /** A member ready to take the VIPs over. */
        STANDBY,
        /**
         * Started, still looking for its peers (a bounded wait: then it forms a cluster of its own
         * and merges with them when they hear each other). Holds no VIP.
         */
        JOINING,
        /** No cluster: the node runs alone. */
        SOLO;

        /** {@code active}, {@code standby}, {@code joining} or {@code solo}. */
        public String apiName() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /**
     * A virtual IP and who holds it.
     *
     * @param address   the VIP as configured, {@code 203.0.113.10/24}
     * @param owner     the name of the member that holds it, or null when nobody does; for a
     *                  {@code bgp} VIP, this node while it announces it
     * @param group     its VIP group; null for a {@code bgp} VIP, which is in none
     * @param announced {@code bgp} VIPs only (else null): whether this node announces it
     */
    record Vip(String address, String owner, String group, Boolean announced) {
        public Vip {
            Objects.requireNonNull(address, "address");
        }

        /** An elected VIP of {@code group}. */
        public Vip(String address, String owner, String group) {
            this(address, owner, Objects.requireNonNull(group, "group"), null);
        }

        /** An elected VIP of the {@code default} group. */
        public Vip(String address, String owner) {
            this(address, owner, "default");
        }
    }

    /**
     * A VIP group: who holds it and who may take it.
     *
     * @param name       the group's name
     * @param owner      the name of the member that holds it, or null when nobody does
     * @param candidates the members able to take it now, best rank first
     */
    record Group(String name, String owner, List<String> candidates) {
        public Group {
            Objects.requireNonNull(name, "name");
            candidates = List.copyOf(candidates);
        }
    }

    /** This node's role. */
    Role role();

    /** The names of the members this node sees, itself included. */
    List<String> members();

    /** The VIPs of the cluster and their owners; empty for a solo node. */
    List<Vip> vips();

    /** The VIP groups, in name order; empty for a solo node. */
    default List<Group> groups() {
        return List.of();
    }

    /**
     * The view of a node that runs alone: role {@code solo}, itself the only member, no VIP.
     *
     * @param node this node's name, asked each time (a reload may rename the node)
     */
    static ClusterView solo(Supplier<String> node) {
        Objects.requireNonNull(node, "node");
        return new ClusterView() {
            @Override
            public Role role() {
                return Role.SOLO;
            }

            @Override
            public List<String> members() {
                return List.of(node.get());
            }

            @Override
            public List<Vip> vips() {
                return List.of();
            }
        };
    }
}
