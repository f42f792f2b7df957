package org.tandemlb.cluster;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * A snapshot of the cluster as this node sees it, for {@code /api/v1/status} and the status page.
 *
 * @param node    this node's name
 * @param role    this node's role
 * @param members the members this node knows alive, itself first
 * @param vips    the VIPs and who holds them
 * @param groups  the VIP groups, in name order: who holds each and who may take it
 */
public record ClusterStatus(String node, Role role, List<Member> members, List<Vip> vips, List<Group> groups) {

    /** A node's role. */
    public enum Role {
        /** Holds the VIPs (at least one group of them). */
        ACTIVE,
        /** Holds none; ready to take over. */
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
     * @param group   its VIP group; null for a {@code bgp} VIP, which is in none
     */
    public record Vip(String address, String driver, String owner, String group) {

        /** A VIP of the default group. */
        public Vip(String address, String driver, String owner) {
            this(address, driver, owner, VipConfig.DEFAULT_GROUP);
        }
    }

    /**
     * A VIP group.
     *
     * @param name       its name
     * @param owner      the member that holds it, or null when none does
     * @param candidates the members able to take it now (eligible: ready, and with a server up when
     *                   another member has one), best rank first
     */
    public record Group(String name, String owner, List<String> candidates) {
        public Group {
            candidates = List.copyOf(candidates);
        }
    }

    public ClusterStatus {
        members = List.copyOf(members);
        vips = List.copyOf(vips);
        groups = List.copyOf(groups);
    }

    /** A status whose groups are those of {@code vips} (their owners as the VIPs say; bgp VIPs are in none). */
    public ClusterStatus(String node, Role role, List<Member> members, List<Vip> vips) {
        this(node, role, members, vips, groupsOf(vips));
    }

    private static List<Group> groupsOf(List<Vip> vips) {
        Map<String, String> owners = new TreeMap<>();
        vips.stream().filter(v -> v.group() != null).forEach(v -> owners.putIfAbsent(v.group(), v.owner()));
        return owners.entrySet().stream()
                .map(e -> new Group(e.getKey(), e.getValue(), List.of()))
                .toList();
    }
}
