package org.tandemlb.cluster;

import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.tandemlb.cluster.vip.VipDriver;

/**
 * One VIP group as this node holds it (docs/cluster.md, "VIP groups and spreading"): whether it
 * holds the group and since which epoch, the claim or release under way, when it may claim again
 * ({@link ClaimRetry}), how long it keeps the group after losing it ({@link Handover}), and the VIP
 * work on the group's drivers ({@link VipOwnership}). The fields are confined to the node's actor
 * thread, like {@link Membership}, which decides with them; {@link #failovers} is read from any
 * thread.
 */
final class GroupHold {
    final String name;
    final VipOwnership vips;
    /** The group's drivers as configured: what the latest reload gave {@link #vips} (which takes it on its thread). */
    List<VipDriver> configured;

    final ClaimRetry retry = new ClaimRetry();
    final Handover handover = new Handover();
    /** Times this node took the group over from an earlier holder. */
    final AtomicLong failovers = new AtomicLong();

    boolean holding;
    long epoch;
    /** Whether a member (this node or a peer) was ever seen holding the group: a claim then is a take-over. */
    boolean everHeld;

    boolean claimInFlight;
    boolean releaseInFlight;
    /** No claim before this (ticker): after a member that ranks higher was found answering for a VIP of the group. */
    long standAsideUntil;

    GroupHold(String name, VipOwnership vips) {
        this.name = name;
        this.vips = vips;
        this.configured = vips.drivers();
    }

    /** Whether a claim or a release is under way. */
    boolean busy() {
        return claimInFlight || releaseInFlight;
    }

    /** Nothing held: after a release, or a pause. */
    void dropped() {
        holding = false;
        epoch = 0;
    }

    /** The VIPs of the group as configured, for log lines. */
    List<String> vipNames() {
        return configured.stream().map(d -> d.vip().cidr()).toList();
    }
}
