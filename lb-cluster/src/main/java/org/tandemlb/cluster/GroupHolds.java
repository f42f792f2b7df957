package org.tandemlb.cluster;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.Executor;
import java.util.function.BiFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
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
    private static final Logger log = LoggerFactory.getLogger(GroupHolds.class);

    /** Replaced whole by a reload (on the actor), read from any thread. */
    private volatile Map<String, GroupHold> groups;

    private final BiFunction<String, List<VipDriver>, GroupHold> factory;

    /**
     * @param factory makes a group ({@link GroupHold} and its {@link VipOwnership}) from its name and its drivers
     */
    GroupHolds(ClusterConfig config, List<VipDriver> drivers, BiFunction<String, List<VipDriver>, GroupHold> factory) {
        this.factory = factory;
        Map<String, GroupHold> all = new LinkedHashMap<>();
        for (String name : config.groups()) {
            all.put(name, factory.apply(name, ofGroup(drivers, name)));
        }
        groups = Collections.unmodifiableMap(all);
    }

    private static List<VipDriver> ofGroup(List<VipDriver> drivers, String group) {
        return drivers.stream().filter(d -> d.vip().group().equals(group)).toList();
    }

    /**
     * A reload (on the actor): the groups of {@code next}, each with the drivers of its VIPs, those
     * of the VIPs configured before unchanged (equal {@link VipConfig}, the group included) kept,
     * the others taken from {@code fresh} (prepared). A group removed is retired (its timers
     * stopped, its VIPs released if held, on the VIP thread); a group added starts its timers and
     * is elected like any group nobody holds, but not claimed before one advert interval from
     * {@code now} ({@link ClaimRetry#addedUntil}); a held group releases the VIPs it lost and
     * claims those it gained at once.
     *
     * @return the names of the groups removed
     */
    List<String> reconfigure(
            ClusterConfig next,
            Map<VipConfig, VipDriver> fresh,
            Executor vipThread,
            ClusterStack.Profile profile,
            long now) {
        Map<VipConfig, VipDriver> running = new HashMap<>();
        groups.values().forEach(g -> g.configured.forEach(d -> running.put(d.vip(), d)));
        List<VipDriver> drivers = new ArrayList<>();
        for (VipConfig v : next.vips()) {
            if (v.elected()) {
                VipDriver d = running.containsKey(v) ? running.get(v) : fresh.get(v);
                drivers.add(Objects.requireNonNull(d, () -> "no driver prepared for " + v));
            }
        }
        // First what goes (released where held), then what comes: an address moved from one
        // group to another is released before it is claimed again.
        List<String> removed = new ArrayList<>();
        for (GroupHold g : groups.values()) {
            VipOwnership vips = g.vips;
            if (!next.groups().contains(g.name)) {
                removed.add(g.name);
                vipThread.execute(vips::retire);
                log.info("VIP group {} removed{}", g.name, g.holding || g.busy() ? ": releasing its VIPs" : "");
            } else {
                List<VipDriver> gone = new ArrayList<>(g.configured);
                gone.removeAll(drivers);
                if (!gone.isEmpty()) {
                    vipThread.execute(() -> vips.drop(gone));
                }
            }
        }
        Map<String, GroupHold> all = new LinkedHashMap<>();
        for (String name : next.groups()) {
            List<VipDriver> own = ofGroup(drivers, name);
            GroupHold g = groups.get(name);
            if (g == null) {
                g = factory.apply(name, own);
                g.retry.addedUntil(now + profile.advertInterval().toNanos());
                g.vips.schedule(profile);
                log.info("VIP group {} added: {}", name, cidrs(own));
            } else if (!g.configured.equals(own)) {
                g.configured = own;
                VipOwnership vips = g.vips;
                vipThread.execute(() -> vips.update(own));
                log.info("VIP group {} now has the VIPs {}", name, cidrs(own));
            }
            all.put(name, g);
        }
        groups = Collections.unmodifiableMap(all);
        return removed;
    }

    private static List<String> cidrs(List<VipDriver> drivers) {
        return drivers.stream().map(d -> d.vip().cidr()).toList();
    }

    /** Whether {@code g} is still one of the groups (not removed by a reload). */
    boolean current(GroupHold g) {
        return groups.get(g.name) == g;
    }

    Collection<GroupHold> all() {
        return groups.values();
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
