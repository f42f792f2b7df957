package org.tandemlb.cluster;

import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BiFunction;
import org.tandemlb.cluster.election.MemberState;
import org.tandemlb.cluster.vip.VipDriver;

/**
 * Every VIP group of a node ({@link GroupHold}, in name order) and what is asked of them all at
 * once: prepare and schedule their drivers, release them all (a pause, the end of a stop), what the
 * node's advert says it holds. {@link #holds}, {@link #holdsAny} and the failover counts read what
 * the VIP thread and the actor published, from any thread; the rest runs on the node's actor
 * thread, like {@link Membership}, which owns this.
 */
final class GroupHolds {
    private final Map<String, GroupHold> groups = new LinkedHashMap<>();

    /**
     * @param vips makes a group's {@link VipOwnership} from its name and its drivers
     */
    GroupHolds(ClusterConfig config, List<VipDriver> drivers, BiFunction<String, List<VipDriver>, VipOwnership> vips) {
        for (String name : config.groups()) {
            List<VipDriver> own =
                    drivers.stream().filter(d -> d.vip().group().equals(name)).toList();
            groups.put(name, new GroupHold(name, vips.apply(name, own)));
        }
    }

    Collection<GroupHold> all() {
        return Collections.unmodifiableCollection(groups.values());
    }

    GroupHold get(String name) {
        return groups.get(name);
    }

    /** Prepares every group's drivers (removing stale copies of the VIPs); throws what a driver lacks. */
    void prepare() {
        groups.values().forEach(g -> g.vips.prepare());
    }

    /** Starts every group's VIP timers. */
    void schedule(ClusterStack.Profile profile) {
        groups.values().forEach(g -> g.vips.schedule(profile));
    }

    /** Releases every group's VIPs now, on the calling thread, where they are held (a pause, the end of a stop). */
    void releaseAllNow() {
        groups.values().forEach(g -> g.vips.releaseIfHeld());
    }

    /** Whether this node's drivers hold {@code group}'s VIPs now (any thread). */
    boolean holds(String group) {
        GroupHold g = groups.get(group);
        return g != null && g.vips.held();
    }

    /** Whether this node's drivers hold at least one group now (any thread). */
    boolean holdsAny() {
        return groups.values().stream().anyMatch(g -> g.vips.held());
    }

    /** Times this node took a group over from an earlier holder, all groups together (any thread). */
    long failovers() {
        return groups.values().stream().mapToLong(g -> g.failovers.get()).sum();
    }

    /** Times this node took {@code group} over from an earlier holder (any thread). */
    long failovers(String group) {
        GroupHold g = groups.get(group);
        return g == null ? 0 : g.failovers.get();
    }

    /** The groups this node holds, with the epoch of each hold: what its advert says. */
    Map<String, Long> held() {
        Map<String, Long> holds = new LinkedHashMap<>();
        for (GroupHold g : groups.values()) {
            if (g.holding) {
                holds.put(g.name, g.epoch);
            }
        }
        return holds;
    }

    /** Whether nothing is held, claimed or released: a stop has handed everything over. */
    boolean idle() {
        return groups.values().stream().noneMatch(g -> g.holding || g.busy());
    }

    /** This host's MAC addresses on the VIPs' interfaces, for the adverts. */
    List<String> hardwareAddresses() {
        return groups.values().stream()
                .flatMap(g -> g.vips.hardwareAddresses().stream())
                .distinct()
                .toList();
    }

    /** The MAC addresses members advertise, for every group's DAD. */
    void memberMacs(Set<String> macs) {
        groups.values().forEach(g -> g.vips.memberMacs(macs));
    }

    /** No claim before {@code until}: the start-up settle. */
    void settleUntil(long until) {
        groups.values().forEach(g -> g.retry.settleUntil(until));
    }

    /** An advert from {@code member}: the start-up settle is over; the groups it holds were held. */
    void heard(MemberState member, long now) {
        for (GroupHold g : groups.values()) {
            g.retry.heard(now);
            g.everHeld |= member.holding(g.name);
        }
    }
}
