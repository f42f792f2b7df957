package org.tandemlb.cluster;

import java.util.List;
import java.util.Locale;

/**
 * A snapshot of the cluster as this node sees it, for {@code /api/v1/status} and the status page.
 *
 * @param node    this node's name
 * @param role    this node's role
 * @param members the members this node knows alive, itself first
 * @param vips    the VIPs and who holds them
 */
public record ClusterStatus(String node, Role role, List<Member> members, List<Vip> vips) {

    /** A node's role. */
    public enum Role {
        /** Holds the VIPs. */
        ACTIVE,
        /** Does not hold them; ready to take over. */
        STANDBY,
        /**
         * Started, not yet in a view: looking for its peers (a bounded wait, after which it forms
         * a cluster of its own). Holds nothing.
         */
        JOINING;

        /** {@code active}, {@code standby} or {@code joining}. */
        public String apiName() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /**
     * A member.
     *
     * @param name     its name
     * @param priority its priority
     * @param role     its role, as it advertises
     * @param ready    whether it may hold the VIPs (frontends bound, tiebreaker answering, not stopping)
     * @param self     whether it is this node
     */
    public record Member(String name, int priority, Role role, boolean ready, boolean self) {}

    /**
     * A VIP.
     *
     * @param address the address as configured ({@code 203.0.113.10/24})
     * @param driver  {@code linux}, {@code bind}, {@code script} or {@code bgp}
     * @param owner   the member that holds it, or null when none does; for a {@code bgp} VIP, this
     *                node while it announces it (each node tells only its own)
     */
    public record Vip(String address, String driver, String owner) {}

    public ClusterStatus {
        members = List.copyOf(members);
        vips = List.copyOf(vips);
    }
}
